//! Leaving cleanly: on quit (after asking when something is at stake),
//! SIGHUP and SIGTERM, a running statement is cancelled on the server and
//! an open transaction is rolled back explicitly before the connection
//! closes, so nothing of ours keeps running or holding locks afterwards.

use super::popup::Popup;
use super::{App, Level};
use std::time::{Duration, Instant};

/// What `shutdown` did, for the log and the exit message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// A running statement was cancelled on the server.
    pub cancelled: bool,
    /// An open transaction was rolled back.
    pub rolled_back: bool,
    /// What could not be done, in words.
    pub problems: Vec<String>,
}

impl App {
    /// Quit, asking first when a statement runs or a transaction is open.
    pub(super) fn request_quit(&mut self) {
        let mut stakes = Vec::new();
        if let Some(r) = &self.running {
            stakes.push(format!(
                "a statement is running ({})",
                super::fmt_elapsed(r.started.elapsed())
            ));
        }
        if let Some(since) = self.tx_since {
            stakes.push(format!(
                "a transaction is open ({}) and will be rolled back",
                super::fmt_elapsed(since.elapsed())
            ));
        }
        if stakes.is_empty() {
            self.quit = true;
            return;
        }
        let message = format!(
            "{}.\nQuit anyway? dbn cancels the statement on the server and rolls the transaction back first.\n\ny quits · n or Esc stays",
            stakes.join("; ")
        );
        self.popup = Some(Popup::ConfirmQuit { message });
    }

    /// Whether a transaction is open on the query session, and since when.
    pub fn transaction_open(&self) -> Option<Instant> {
        self.tx_since
    }

    /// Cancel the running statement on the server, roll back an open
    /// transaction and close the query session, within `limit`.
    pub async fn shutdown(&mut self, rx: &mut super::Receivers, limit: Duration) -> ShutdownReport {
        let deadline = tokio::time::Instant::now() + limit;
        let mut report = ShutdownReport::default();
        self.cancel_scan();
        if let Some(t) = self.export_token.take() {
            t.cancel();
        }
        if let Some(r) = self.running.take() {
            r.token.cancel();
            match r.canceller.clone() {
                Some(c) => match tokio::time::timeout_at(deadline, c.cancel()).await {
                    Ok(Ok(())) => report.cancelled = true,
                    Ok(Err(e)) => report.problems.push(format!("cancel failed: {}", e.message)),
                    Err(_) => report.problems.push("cancel timed out".into()),
                },
                None => report.cancelled = true,
            }
        }
        // The query task lets go of the session once its statement has stopped.
        let session = self.session.clone();
        let lock = session.lock();
        tokio::pin!(lock);
        // Keep taking the task's batches meanwhile: it may be waiting to hand one over.
        let locked = loop {
            tokio::select! {
                g = &mut lock => break Some(g),
                Some(_) = rx.db.recv() => {}
                () = tokio::time::sleep_until(deadline) => break None,
            }
        };
        match locked {
            Some(mut guard) => {
                if let Some(s) = guard.as_mut()
                    && self.tx_since.is_some()
                {
                    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
                    let drain = async { while rx.recv().await.is_some() {} };
                    match tokio::time::timeout_at(deadline, async { tokio::join!(s.execute("ROLLBACK", tx), drain).0 })
                        .await
                    {
                        Ok(Ok(_)) => report.rolled_back = true,
                        Ok(Err(e)) => report.problems.push(format!("rollback failed: {}", e.message)),
                        Err(_) => report.problems.push("rollback timed out".into()),
                    }
                }
                // Dropping the session closes the connection.
                *guard = None;
            }
            None => report
                .problems
                .push("the session stayed busy; closing the connection ends the transaction on the server".into()),
        }
        self.tx_since = None;
        let mut parts = Vec::new();
        if report.cancelled {
            parts.push("cancelled the running statement");
        }
        if report.rolled_back {
            parts.push("rolled back the open transaction");
        }
        if !parts.is_empty() || !report.problems.is_empty() {
            let mut text = parts.join(", ");
            for p in &report.problems {
                if !text.is_empty() {
                    text.push_str("; ");
                }
                text.push_str(p);
            }
            let level = if report.problems.is_empty() {
                Level::Info
            } else {
                Level::Warn
            };
            self.set_status(level, format!("on exit: {text}"));
        }
        self.save_session();
        report
    }
}
