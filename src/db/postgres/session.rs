//! The postgres `Session`: streaming execution, cancellation, version and
//! ping.

use super::batch::{Batch, next_or_flush, receiver_gone, send};
use super::command::{copies_from_client, copies_to_client, ddl_tag, first_keyword, summary};
use super::decode::{Dec, decode_row, decoder_for};
use super::errors::query_error;
use super::text::{TextDec, decode_text, text_decoder_for};
use crate::db::{
    BulkRows, BulkTarget, Canceller, Column, DbError, DbResult, Engine, ErrorCode, Frame, Session, Summary, Value,
    bulk_read_only,
};
use crate::schema::Schema;
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
}

impl PgSession {
    /// Wrap a connected client; `tls` is reused for cancel requests.
    pub(super) fn new(client: Client, tls: Option<MakeRustlsConnect>, read_only: bool) -> Self {
        Self {
            client,
            tls,
            version: None,
            read_only,
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

    async fn run(&self, sql: &str, tx: &mpsc::Sender<Frame>) -> DbResult<Summary> {
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
            let (returned, count) = self.run_copy_out(sql, tx).await?;
            return Ok(summary(&keyword, returned, count, true));
        }
        let stmt = match self.client.prepare(sql).await {
            Ok(stmt) => Some(stmt),
            Err(e) if needs_simple_protocol(&e) => None,
            Err(e) => return Err(query_error(&e)),
        };
        let binary = stmt
            .as_ref()
            .filter(|s| s.params().is_empty() && keyword != "COPY")
            .and_then(|s| {
                let decs: Option<Vec<Dec>> = s.columns().iter().map(|c| decoder_for(c.type_())).collect();
                decs.map(|d| (s, d))
            });
        let (returned, count, has_columns) = match binary {
            Some((stmt, decs)) => self.run_binary(stmt, &decs, tx).await?,
            None => self.run_text(sql, stmt.as_ref(), tx).await?,
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

    /// Simple protocol, text results: for types without a binary decoder
    /// and statements the extended protocol cannot take.
    async fn run_text(
        &self,
        sql: &str,
        stmt: Option<&Statement>,
        tx: &mpsc::Sender<Frame>,
    ) -> DbResult<(u64, Option<u64>, bool)> {
        let types: Vec<Type> = stmt
            .map(|s| s.columns().iter().map(|c| c.type_().clone()).collect())
            .unwrap_or_default();
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
                    // A text with several statements (the fallback for what
                    // cannot be prepared) announces each result set anew.
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

/// Errors on Parse that the simple protocol does not have.
fn needs_simple_protocol(e: &tokio_postgres::Error) -> bool {
    e.as_db_error().is_some_and(|db| {
        db.message()
            .contains("cannot insert multiple commands into a prepared statement")
            || db.code().code() == "0A000" && db.message().contains("prepared")
    })
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

    async fn execute(&mut self, sql: &str, tx: mpsc::Sender<Frame>) -> DbResult<Summary> {
        let watcher = tx.clone();
        let canceller = self.cancel_handle();
        tokio::select! {
            biased;
            result = self.run(sql, &tx) => {
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

    async fn introspect(&mut self) -> DbResult<Schema> {
        crate::schema::introspect::postgres::introspect(self).await
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
