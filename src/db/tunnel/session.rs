//! A session that owns its SSH tunnel: every call goes to the driver's
//! session, errors are reworded with what ssh saw, and dropping the session
//! stops ssh. Every `Session` method must be forwarded here, including
//! those with default bodies.

use super::Tunnel;
use crate::db::{Access, BulkRows, BulkTarget, Canceller, DbResult, Engine, Frame, Lexing, Session, Summary};
use async_trait::async_trait;
use tokio::sync::mpsc;

/// The driver's session plus the tunnel it runs through.
pub(super) struct TunneledSession {
    inner: Box<dyn Session>,
    tunnel: Tunnel,
}

impl TunneledSession {
    pub(super) fn new(inner: Box<dyn Session>, tunnel: Tunnel) -> Self {
        Self { inner, tunnel }
    }
}

async fn explain<T>(tunnel: &Tunnel, r: DbResult<T>) -> DbResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => Err(tunnel.explain(e).await),
    }
}

#[async_trait]
impl Session for TunneledSession {
    fn engine(&self) -> Engine {
        self.inner.engine()
    }

    async fn server_version(&mut self) -> DbResult<String> {
        let r = self.inner.server_version().await;
        explain(&self.tunnel, r).await
    }

    async fn execute(&mut self, sql: &str, tx: mpsc::Sender<Frame>) -> DbResult<Summary> {
        let r = self.inner.execute(sql, tx).await;
        explain(&self.tunnel, r).await
    }

    async fn execute_as(&mut self, sql: &str, access: Access<'_>, tx: mpsc::Sender<Frame>) -> DbResult<Summary> {
        let r = self.inner.execute_as(sql, access, tx).await;
        explain(&self.tunnel, r).await
    }

    async fn begin_read_snapshot(&mut self) -> DbResult<()> {
        let r = self.inner.begin_read_snapshot().await;
        explain(&self.tunnel, r).await
    }

    async fn end_read_snapshot(&mut self) -> DbResult<()> {
        let r = self.inner.end_read_snapshot().await;
        explain(&self.tunnel, r).await
    }

    async fn lexing(&mut self) -> DbResult<Lexing> {
        let r = self.inner.lexing().await;
        explain(&self.tunnel, r).await
    }

    fn canceller(&self) -> Box<dyn Canceller> {
        self.inner.canceller()
    }

    async fn ping(&mut self) -> DbResult<()> {
        let r = self.inner.ping().await;
        explain(&self.tunnel, r).await
    }

    fn is_read_only(&self) -> bool {
        self.inner.is_read_only()
    }

    async fn bulk_load(&mut self, target: &BulkTarget, rows: BulkRows) -> DbResult<u64> {
        let r = self.inner.bulk_load(target, rows).await;
        explain(&self.tunnel, r).await
    }
}
