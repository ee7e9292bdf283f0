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
                let sql = self.grid.sql.clone();
                self.grid.reset(Some(ResultSet::new(cols)), &sql);
            }
            DbMsg::Rows(rows) => {
                let n = rows.len() as u64;
                if let Some(rs) = self.grid.result.as_mut()
                    && let Err(e) = rs.push_rows(rows)
                {
                    self.set_status(Level::Error, format!("cannot write the result page file: {e}"));
                }
                if let Some(r) = self.running.as_mut() {
                    r.rows += n;
                }
                self.after_move();
            }
            // Audit and history are the operation's (ops::run_statements).
            DbMsg::StatementDone { index: _, summary } => {
                let Some(r) = self.running.as_ref() else { return };
                let elapsed = r.started.elapsed();
                let rows = summary.rows_affected.unwrap_or(summary.rows_returned);
                if self.grid.result.is_none() {
                    let tag = summary.tag.clone().unwrap_or_else(|| "OK".into());
                    let affected = summary
                        .rows_affected
                        .map(|n| format!(", {n} rows affected"))
                        .unwrap_or_default();
                    self.grid.note = Some(format!("{tag}{affected}"));
                }
                self.last_run = Some(LastRun {
                    rows,
                    elapsed,
                    tag: summary.tag,
                });
            }
            DbMsg::Finished(failure) => {
                let Some(r) = self.running.take() else { return };
                if let Some(f) = failure {
                    let outcome = if f.error.code == ErrorCode::QueryCancelled || r.cancelling {
                        "cancelled"
                    } else {
                        "error"
                    };
                    let which = r
                        .stmts
                        .iter()
                        .position(|s| s.offset == f.offset && s.sql == f.sql)
                        .filter(|_| r.stmts.len() > 1)
                        .map(|i| format!(" (statement {} of {})", i + 1, r.stmts.len()));
                    self.show_failure(&f, outcome == "cancelled", which.as_deref().unwrap_or(""));
                } else if let Some(l) = &self.last_run {
                    let msg = format!(
                        "{} rows in {}",
                        crate::ui::group(l.rows as usize),
                        fmt_elapsed(l.elapsed)
                    );
                    self.set_status(Level::Info, msg);
                }
                self.after_move();
            }
        }
    }

    fn show_failure(&mut self, f: &QueryFailure, cancelled: bool, which: &str) {
        if cancelled {
            self.set_status(Level::Warn, "query cancelled");
            if self.grid.result.is_none() {
                self.grid.note = Some("query cancelled".into());
            }
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
        self.grid.note = Some(crate::sanitize::sanitize(&msg).into_owned());
        self.set_status(Level::Error, msg);
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
            JobEvent::Plan(ev) => self.on_plan(ev),
        }
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
