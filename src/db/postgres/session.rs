//! The postgres `Session`: streaming execution, cancellation, version and
//! ping.

use super::batch::{Batch, next_or_flush, receiver_gone, send};
use super::command::{copies_from_client, copies_to_client, ddl_tag, first_keyword, summary};
use super::decode::{Dec, decode_row, decoder_for};
use super::errors::query_error;
use super::text::{TextDec, decode_text, text_decoder_for};
use crate::db::access::{write_in_snapshot, wrong_permit};
use crate::db::{
    Access, BulkRows, BulkTarget, Canceller, Column, DbError, DbResult, Engine, ErrorCode, Frame, Lexing, Session,
    Summary, Value, bulk_read_only,
};
use async_trait::async_trait;
use std::pin::pin;
use tokio::sync::mpsc;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{CancelToken, Client, NoTls, SimpleQueryMessage, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

/// A live PostgreSQL session.
pub struct PgSession {
    client: Client,
    tls: Option<MakeRustlsConnect>,
    version: Option<String>,
    read_only: bool,
    /// [`crate::db::database_id`] of the connection, what a permit must name.
    database: String,
    /// A read-only session lifted for `Access::Write` statements.
    write_open: bool,
    /// A transaction dbn opened may still be open (a statement's future was
    /// dropped half-way): roll it back before the next statement.
    wrapper_open: bool,
    /// A read snapshot (`begin_read_snapshot`) is open.
    snapshot: bool,
}

impl PgSession {
    /// Wrap a connected client; `tls` is reused for cancel requests.
    pub(super) fn new(client: Client, tls: Option<MakeRustlsConnect>, read_only: bool, database: String) -> Self {
        Self {
            client,
            tls,
            version: None,
            read_only,
            database,
            write_open: false,
            wrapper_open: false,
            snapshot: false,
        }
    }

    /// Record the `server_version` the server announced at start-up.
    pub(super) fn set_version(&mut self, raw: Option<String>) {
        self.version = raw.map(|v| pretty_version(&v));
    }

    fn cancel_handle(&self) -> PgCanceller {
        PgCanceller {
            token: self.client.cancel_token(),
            tls: self.tls.clone(),
        }
    }

    /// Send dbn's own fixed SQL (transaction control, session mode).
    async fn control(&self, sql: &str) -> DbResult<()> {
        self.client.batch_execute(sql).await.map_err(|e| query_error(&e))
    }

    /// Run one statement under `access` (see [`Access`]): the read-only wall.
    async fn walled(&mut self, sql: &str, access: Access<'_>, tx: &mpsc::Sender<Frame>) -> DbResult<Summary> {
        if self.snapshot {
            if matches!(access, Access::Write(_)) {
                return Err(write_in_snapshot());
            }
            return self.run(sql, tx, None).await;
        }
        if !self.read_only {
            return self.run(sql, tx, None).await;
        }
        match access {
            Access::Write(permit) => {
                if permit.database() != self.database {
                    return Err(wrong_permit(permit, &self.database));
                }
                if !self.write_open {
                    if self.wrapper_open {
                        self.control("ROLLBACK").await?;
                        self.wrapper_open = false;
                    }
                    // Outside any transaction block, so no ROLLBACK can undo it.
                    self.control("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
                        .await?;
                    self.write_open = true;
                }
                self.run(sql, tx, None).await
            }
            Access::Read | Access::Setting => {
                self.relock().await?;
                self.wrapper_open = true;
                let result = self.run(sql, tx, Some("BEGIN READ ONLY")).await;
                let keep = matches!(access, Access::Setting) && result.is_ok();
                self.control(if keep { "COMMIT" } else { "ROLLBACK" }).await?;
                self.wrapper_open = false;
                result
            }
        }
    }

    /// Back to read-only after writes or an abandoned statement: roll back
    /// whatever transaction is open, then restore the read-only default.
    async fn relock(&mut self) -> DbResult<()> {
        if self.write_open || self.wrapper_open {
            self.control("ROLLBACK").await?;
            self.wrapper_open = false;
        }
        if self.write_open {
            self.control("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                .await?;
            self.write_open = false;
        }
        Ok(())
    }

    /// Run one statement. `prelude` (dbn's own transaction control) is sent
    /// first, pipelined with the statement's Parse, and must succeed before
    /// the statement executes.
    async fn run(&self, sql: &str, tx: &mpsc::Sender<Frame>, prelude: Option<&str>) -> DbResult<Summary> {
        if self.client.is_closed() {
            return Err(DbError::new(
                ErrorCode::DbConnLost,
                "the connection to the server was lost; reconnect and run the statement again",
            ));
        }
        let keyword = first_keyword(sql);
        if keyword == "COPY" && copies_from_client(sql) {
            return Err(DbError::new(
                ErrorCode::QueryError,
                "COPY ... FROM STDIN is not supported: load data with INSERT statements or with psql's \\copy",
            ));
        }
        if keyword == "COPY" && copies_to_client(sql) {
            if let Some(p) = prelude {
                self.control(p).await?;
            }
            let (returned, count) = self.run_copy_out(sql, tx).await?;
            return Ok(summary(&keyword, returned, count, true));
        }
        // One statement per protocol message: Parse (extended protocol)
        // refuses text holding several statements ("cannot insert multiple
        // commands into a prepared statement"). There is no fallback to the
        // simple protocol for that error: the text is refused.
        let stmt = match prelude {
            Some(p) => {
                let (pre, stmt) = tokio::join!(self.client.batch_execute(p), self.client.prepare(sql));
                pre.map_err(|e| query_error(&e))?;
                stmt
            }
            None => self.client.prepare(sql).await,
        }
        .map_err(|e| query_error(&e))?;
        let binary = Some(&stmt)
            .filter(|s| s.params().is_empty() && keyword != "COPY")
            .and_then(|s| {
                let decs: Option<Vec<Dec>> = s.columns().iter().map(|c| decoder_for(c.type_())).collect();
                decs.map(|d| (s, d))
            });
        let (returned, count, has_columns) = match binary {
            Some((stmt, decs)) => self.run_binary(stmt, &decs, tx).await?,
            None => self.run_text(sql, &stmt, tx).await?,
        };
        let mut summary = summary(&keyword, returned, count, has_columns);
        if matches!(keyword.as_str(), "CREATE" | "ALTER" | "DROP") {
            summary.tag = Some(ddl_tag(sql));
        }
        Ok(summary)
    }

    /// Extended protocol, binary results, rows streamed with backpressure.
    async fn run_binary(
        &self,
        stmt: &Statement,
        decs: &[Dec],
        tx: &mpsc::Sender<Frame>,
    ) -> DbResult<(u64, Option<u64>, bool)> {
        let has_columns = !stmt.columns().is_empty();
        if has_columns {
            let cols = stmt
                .columns()
                .iter()
                .map(|c| column(c.name(), Some(c.type_())))
                .collect();
            send(tx, Frame::Columns(cols)).await?;
        }
        let no_params: [&(dyn ToSql + Sync); 0] = [];
        let stream = self
            .client
            .query_raw(stmt, no_params)
            .await
            .map_err(|e| query_error(&e))?;
        let mut stream = pin!(stream);
        let mut batch = Batch::new(tx);
        while let Some(row) = next_or_flush(&mut stream, &mut batch).await? {
            let row = row.map_err(|e| query_error(&e))?;
            batch.push(decode_row(&row, decs)?).await?;
        }
        batch.flush().await?;
        Ok((batch.total, stream.rows_affected(), has_columns))
    }

    /// `COPY ... TO STDOUT`: each data line becomes a one-column row, so
    /// exports in the server's own CSV or text format stream like results.
    async fn run_copy_out(&self, sql: &str, tx: &mpsc::Sender<Frame>) -> DbResult<(u64, Option<u64>)> {
        let stream = self.client.copy_out(sql).await.map_err(|e| query_error(&e))?;
        let mut stream = pin!(stream);
        send(
            tx,
            Frame::Columns(vec![Column {
                name: "copy".into(),
                type_name: "text".into(),
            }]),
        )
        .await?;
        let mut batch = Batch::new(tx);
        while let Some(chunk) = next_or_flush(&mut stream, &mut batch).await? {
            let chunk = chunk.map_err(|e| query_error(&e))?;
            // The server sends one row per CopyData message.
            let line = chunk.strip_suffix(b"\n").unwrap_or(&chunk);
            batch
                .push(vec![Value::Text(String::from_utf8_lossy(line).into_owned())])
                .await?;
        }
        batch.flush().await?;
        Ok((batch.total, Some(batch.total)))
    }

    /// Text results for columns without a binary decoder (tokio-postgres
    /// asks for binary results on the extended protocol), through a simple
    /// Query message of the same text. Safe as one statement: the server has
    /// just parsed this very text (`stmt`) as exactly one statement, on this
    /// connection, which nothing else uses in between, so the same lexing
    /// settings apply and the simple protocol sees the same single statement.
    async fn run_text(
        &self,
        sql: &str,
        stmt: &Statement,
        tx: &mpsc::Sender<Frame>,
    ) -> DbResult<(u64, Option<u64>, bool)> {
        let types: Vec<Type> = stmt.columns().iter().map(|c| c.type_().clone()).collect();
        let stream = self.client.simple_query_raw(sql).await.map_err(|e| query_error(&e))?;
        let mut stream = pin!(stream);
        let mut batch = Batch::new(tx);
        let mut decs: Vec<TextDec> = Vec::new();
        let mut has_columns = false;
        let mut count = None;
        while let Some(msg) = next_or_flush(&mut stream, &mut batch).await? {
            match msg.map_err(|e| query_error(&e))? {
                SimpleQueryMessage::RowDescription(cols) => {
                    // Types from the prepared statement apply only when they
                    // describe the same columns.
                    let typed = types.len() == cols.len();
                    let ty = |i: usize| if typed { types.get(i) } else { None };
                    decs = (0..cols.len()).map(|i| text_decoder_for(ty(i))).collect();
                    has_columns = true;
                    batch.flush().await?;
                    let meta = cols.iter().enumerate().map(|(i, c)| column(c.name(), ty(i))).collect();
                    send(tx, Frame::Columns(meta)).await?;
                }
                SimpleQueryMessage::Row(row) => {
                    let mut values = Vec::with_capacity(decs.len());
                    for (i, dec) in decs.iter().enumerate() {
                        let cell = row.try_get(i).map_err(|e| query_error(&e))?;
                        values.push(decode_text(dec, cell));
                    }
                    batch.push(values).await?;
                }
                SimpleQueryMessage::CommandComplete(n) => count = Some(n),
                _ => {}
            }
        }
        batch.flush().await?;
        Ok((batch.total, count, has_columns))
    }
}

fn column(name: &str, ty: Option<&Type>) -> Column {
    let type_name = match ty {
        None => "text".to_string(),
        Some(t) => match t.kind() {
            tokio_postgres::types::Kind::Array(elem) => format!("{}[]", elem.name()),
            _ => t.name().to_string(),
        },
    };
    Column {
        name: name.to_string(),
        type_name,
    }
}

/// `15.18 (Debian 15.18-1.pgdg120+1)` -> `PostgreSQL 15.18`.
fn pretty_version(raw: &str) -> String {
    format!("PostgreSQL {}", raw.split_whitespace().next().unwrap_or(raw))
}

/// Sends a cancel request over a new connection with the session's TLS mode.
struct PgCanceller {
    token: CancelToken,
    tls: Option<MakeRustlsConnect>,
}

#[async_trait]
impl Canceller for PgCanceller {
    async fn cancel(&self) -> DbResult<()> {
        let sent = match &self.tls {
            Some(tls) => self.token.cancel_query(tls.clone()).await,
            None => self.token.cancel_query(NoTls).await,
        };
        sent.map_err(|e| {
            DbError::new(
                ErrorCode::DbConnLost,
                format!("could not send the cancel request to the server: {e}"),
            )
        })
    }
}

#[async_trait]
impl Session for PgSession {
    fn engine(&self) -> Engine {
        Engine::Postgres
    }

    async fn server_version(&mut self) -> DbResult<String> {
        if let Some(v) = &self.version {
            return Ok(v.clone());
        }
        let rows = self
            .client
            .simple_query("SHOW server_version")
            .await
            .map_err(|e| query_error(&e))?;
        let raw = rows.iter().find_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        });
        self.set_version(raw);
        Ok(self.version.clone().unwrap_or_else(|| "PostgreSQL".into()))
    }

    async fn execute_as(&mut self, sql: &str, access: Access<'_>, tx: mpsc::Sender<Frame>) -> DbResult<Summary> {
        let watcher = tx.clone();
        let canceller = self.cancel_handle();
        tokio::select! {
            biased;
            result = self.walled(sql, access, &tx) => {
                if result.as_ref().is_err_and(|e| e.code == ErrorCode::QueryCancelled && tx.is_closed()) {
                    let _ = canceller.cancel().await;
                }
                result
            }
            () = watcher.closed() => {
                // The receiver left while the server was still working:
                // stop the work there too, then report the cancellation.
                let _ = canceller.cancel().await;
                Err(receiver_gone())
            }
        }
    }

    fn canceller(&self) -> Box<dyn Canceller> {
        Box::new(self.cancel_handle())
    }

    async fn begin_read_snapshot(&mut self) -> DbResult<()> {
        if self.snapshot {
            return Ok(());
        }
        self.relock().await?;
        self.control("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        self.snapshot = true;
        Ok(())
    }

    async fn end_read_snapshot(&mut self) -> DbResult<()> {
        if !self.snapshot {
            return Ok(());
        }
        self.snapshot = false;
        self.control("ROLLBACK").await
    }

    async fn lexing(&mut self) -> DbResult<Lexing> {
        let rows = self
            .client
            .simple_query("SHOW standard_conforming_strings")
            .await
            .map_err(|e| query_error(&e))?;
        let value = rows.iter().find_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        });
        Ok(Lexing {
            standard_strings: value.as_deref() != Some("off"),
            ..Lexing::default()
        })
    }

    async fn ping(&mut self) -> DbResult<()> {
        self.client
            .simple_query("SELECT 1")
            .await
            .map(|_| ())
            .map_err(|e| query_error(&e))
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }

    async fn bulk_load(&mut self, target: &BulkTarget, rows: BulkRows) -> DbResult<u64> {
        if self.read_only {
            return Err(bulk_read_only(target));
        }
        super::copy_in::copy_in(&self.client, target, rows).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_product_and_number() {
        assert_eq!(pretty_version("15.18 (Debian 15.18-1.pgdg120+1)"), "PostgreSQL 15.18");
        assert_eq!(pretty_version("16beta1"), "PostgreSQL 16beta1");
    }
}
