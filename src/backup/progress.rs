//! Progress events for long snapshot operations. The CLI renders them with
//! indicatif or plain lines; the TUI reads the same channel.

use tokio::sync::mpsc::UnboundedSender;

/// One progress event.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Work is starting: tables and rows expected in total.
    Start {
        /// What is running (`backup`, `restore`, `verify`, `diff`).
        phase: &'static str,
        /// Tables to process.
        tables: usize,
        /// Rows expected (0 when unknown).
        rows: u64,
    },
    /// A table begins.
    Table {
        /// `schema.table`.
        name: String,
        /// Rows expected in it.
        rows: u64,
    },
    /// Rows done so far in total, and stored bytes added so far.
    Rows {
        /// Rows processed so far, all tables.
        done: u64,
        /// Bytes written to the store so far.
        bytes: u64,
    },
    /// A free-form step (`pre-restore snapshot`, `checking chunks`).
    Step(String),
    /// Finished.
    Done,
}

/// Where progress goes; `None` discards it.
pub type ProgressTx = Option<UnboundedSender<Progress>>;

/// Send without caring whether anyone listens.
pub fn emit(tx: &ProgressTx, p: Progress) {
    if let Some(t) = tx {
        let _ = t.send(p);
    }
}
