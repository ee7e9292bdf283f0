//! Database batches and background job results arriving in the app.

use super::query::{DbEvent, DbMsg, JobEvent, QueryFailure};
use super::results::ResultSet;
use super::{App, LastRun, Level};
use crate::db::ErrorCode;

impl App {
    /// A message from a query task; stale tickets are ignored.
    pub fn on_db(&mut self, ev: DbEvent) {
        if ev.ticket != self.ticket() || self.running.as_ref().is_none_or(|r| r.ticket != ev.ticket) {
            return;
        }
        self.mark_dirty();
        match ev.msg {
            DbMsg::Started { canceller, read_only } => {
                if let Some(r) = self.running.as_mut() {
                    let cancelling = r.cancelling;
                    r.canceller = Some(canceller.clone());
                    // Ctrl+C before the server answered: cancel now.
                    if cancelling {
                        tokio::spawn(async move {
                            let _ = canceller.cancel().await;
                        });
                    }
                }
                self.conn.read_only |= read_only;
            }
            DbMsg::Columns(cols) => {
                let rs = ResultSet::with_settings(cols, self.spill.clone());
                let tab = self.grid.last_mut();
                tab.result = Some(rs);
                tab.note = None;
            }
            DbMsg::Rows(rows) => {
                let n = rows.len() as u64;
                let tab = self.grid.last_mut();
                let mut failed = None;
                let mut capped = false;
                if let Some(rs) = tab.result.as_mut() {
                    if let Err(e) = rs.push_rows(rows) {
                        failed = Some(e);
                    }
                    capped = rs.capped;
                }
                if let Some(e) = failed {
                    self.set_status(Level::Error, format!("cannot write the result page file: {e}"));
                }
                if let Some(r) = self.running.as_mut() {
                    r.rows += n;
                }
                if capped && self.capped_run != Some(ev.ticket) {
                    self.stop_at_cap(ev.ticket);
                }
                self.after_move();
            }
            // Audit and history are the operation's (ops::run_statements).
            DbMsg::StatementDone { index, summary } => {
                let Some(r) = self.running.as_ref() else { return };
                let elapsed = r.started.elapsed();
                let sql = r.stmts.get(index).map(|s| s.sql.clone()).unwrap_or_default();
                let next = r.stmts.get(index + 1).map(|s| s.sql.clone());
                let rows = summary.rows_affected.unwrap_or(summary.rows_returned);
                self.track_statement(&sql);
                let tab = self.grid.last_mut();
                tab.streaming = false;
                tab.partial = false;
                if tab.result.is_none() {
                    let tag = summary.tag.clone().unwrap_or_else(|| "OK".into());
                    let affected = summary
                        .rows_affected
                        .map(|n| format!(", {} affected", rows_text(n)))
                        .unwrap_or_default();
                    tab.note = Some(format!("{tag}{affected}"));
                }
                self.last_run = Some(LastRun {
                    rows,
                    elapsed,
                    tag: summary.tag,
                });
                if let Some(sql) = next {
                    // One tab per statement; the grid shows the newest while the run goes on.
                    self.grid.push_tab(&sql);
                    self.grid.streaming = true;
                    self.grid.partial = true;
                    self.grid.note = Some("running…".into());
                }
            }
            DbMsg::Finished(failure) => {
                let Some(r) = self.running.take() else { return };
                if let Some(f) = &failure
                    && (f.error.code.is_connection() || f.error.code == ErrorCode::DbConnLost)
                {
                    // The session is gone, and the transaction with it.
                    self.tx_since = None;
                }
                if std::mem::take(&mut self.schema_stale) {
                    self.reload_schema();
                }
                let capped = self.capped_run == Some(r.ticket);
                let committed = self.edits_committed.take();
                let tab = self.grid.last_mut();
                tab.streaming = false;
                if capped {
                    let rows = tab.rows();
                    self.show_capped(rows);
                } else if let Some(f) = failure {
                    let cancelled = f.error.code == ErrorCode::QueryCancelled || r.cancelling;
                    let which = r
                        .stmts
                        .iter()
                        .position(|s| s.offset == f.offset && s.sql == f.sql)
                        .filter(|_| r.stmts.len() > 1)
                        .map(|i| format!(" (statement {} of {})", i + 1, r.stmts.len()));
                    self.show_failure(&f, cancelled, which.as_deref().unwrap_or(""));
                } else if let Some(l) = &self.last_run {
                    let msg = format!("{} in {}", rows_text(l.rows), fmt_elapsed(l.elapsed));
                    match committed {
                        Some(c) => self.set_status(Level::Info, format!("{c}; read again: {msg}")),
                        None => self.set_status(Level::Info, msg),
                    }
                }
                self.after_move();
            }
        }
    }

    fn show_failure(&mut self, f: &QueryFailure, cancelled: bool, which: &str) {
        let tab = self.grid.last_mut();
        if cancelled {
            if tab.result.is_none() {
                tab.note = Some("query cancelled".into());
            }
            self.set_status(Level::Warn, "query cancelled");
            return;
        }
        let mut msg = format!("{}{which}", f.error.message);
        if let Some(pos) = f.error.position {
            let text = self.editor.buf().text();
            // The position counts characters in the statement, 1-based.
            let byte = f.offset
                + f.sql
                    .char_indices()
                    .nth(pos.saturating_sub(1))
                    .map_or(f.sql.len(), |(b, _)| b);
            if byte <= text.len() && text.get(f.offset..f.offset + f.sql.len()) == Some(f.sql.as_str()) {
                let (row, col) = super::cursor::row_col(&text, byte);
                msg = format!("{msg} (line {}, column {})", row + 1, col + 1);
                let ta = &mut self.editor.buf_mut().textarea;
                ta.move_cursor(ratatui_textarea::CursorMove::Jump(row as u16, col as u16));
            } else {
                msg = format!("{msg} (at character {pos})");
            }
        }
        if f.error.code.is_connection() || f.error.code == ErrorCode::DbConnLost {
            msg.push_str(" — the next run reconnects");
        }
        self.grid.last_mut().note = Some(crate::sanitize::sanitize(&msg).into_owned());
        self.set_status(Level::Error, msg);
        let state = f
            .error
            .sqlstate
            .as_deref()
            .map(|s| format!(", SQLSTATE {s}"))
            .unwrap_or_default();
        let detail = format!("code {}{state}\nstatement: {}", f.error.code.as_str(), f.sql.trim());
        self.messages.add_detail(&detail);
    }

    /// A background job reported.
    pub fn on_job(&mut self, ev: JobEvent) {
        self.mark_dirty();
        match ev {
            JobEvent::Schema(ticket, res) => {
                if ticket != self.schema_ticket() {
                    return;
                }
                match res {
                    Ok(s) => self.tree.set_schema(*s),
                    Err(e) => {
                        self.tree.loading = false;
                        self.tree.error = Some(crate::sanitize::sanitize(&e.message).into_owned());
                    }
                }
            }
            JobEvent::ExportProgress(n) => {
                if self.export_rows.is_some() {
                    self.export_rows = Some(n);
                }
            }
            JobEvent::ExportDone(res) => {
                self.export_finished();
                match res {
                    Ok((n, path)) => self.set_status(Level::Info, format!("exported {n} rows to {path}")),
                    Err(e) => self.set_status(Level::Error, format!("export failed: {e}")),
                }
            }
            JobEvent::Snap(ev) => self.on_snap(ev),
            JobEvent::Sync(ev) => self.on_sync(ev),
            JobEvent::Grid(ev) => self.on_grid_event(ev),
            JobEvent::Plan(ev) => self.on_plan(ev),
            JobEvent::Chart(ev) => self.on_chart(ev),
            JobEvent::Activity(ev) => self.on_activity(ev),
            JobEvent::Edits(done) => self.on_edits_done(done),
        }
    }

    /// Follow what a completed statement did to the transaction and the schema.
    fn track_statement(&mut self, sql: &str) {
        let engine = self.engine();
        match super::txn::effect(sql, engine) {
            super::txn::TxEffect::Begin => {
                self.tx_since.get_or_insert_with(std::time::Instant::now);
            }
            super::txn::TxEffect::End => self.tx_since = None,
            super::txn::TxEffect::Keep => {}
        }
        let changes_schema = crate::safety::classify(sql, engine).iter().any(|v| {
            matches!(
                v.verdict,
                crate::safety::Verdict::Ddl | crate::safety::Verdict::Destructive
            )
        });
        if changes_schema {
            self.schema_stale = true;
        }
    }

    /// The result reached the page file's cap: stop fetching, keep what arrived.
    fn stop_at_cap(&mut self, ticket: u64) {
        self.capped_run = Some(ticket);
        if let Some(r) = self.running.as_mut() {
            r.token.cancel();
            if let Some(c) = r.canceller.clone() {
                tokio::spawn(async move {
                    let _ = c.cancel().await;
                });
            }
        }
    }

    fn show_capped(&mut self, rows: usize) {
        let cap = self.spill.cap_bytes / (1024 * 1024);
        self.set_status(
            Level::Warn,
            format!(
                "result stopped at {}: the page file reached its cap of {cap} MB (ui.spill_cap_mb); the rows shown stay usable — narrow the query or raise the cap",
                rows_text(rows as u64)
            ),
        );
    }
}

/// `1 row`, `12,345 rows`.
pub fn rows_text(n: u64) -> String {
    let noun = if n == 1 { "row" } else { "rows" };
    format!("{} {noun}", crate::ui::group(n as usize))
}

/// `4s`, `2m05s`, `1h02m`: short enough for a status badge.
pub fn fmt_elapsed_short(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s / 60) % 60)
    }
}

/// `35 ms`, `1.2 s`, `2 min 3 s`.
pub fn fmt_elapsed(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} min {} s", ms / 60_000, (ms / 1000) % 60)
    }
}
