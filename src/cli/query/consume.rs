//! The writer side of a query: runs on a blocking thread, formats frames as
//! they arrive, and tells the runner when it stopped early.

use crate::db::{Frame, Summary};
use crate::output::{Format, RowWriter, writer};
use std::io::{self, IsTerminal, Write};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Why the consumer ended.
#[derive(Debug, Default)]
pub struct Consumed {
    /// Whether a Columns frame arrived (a row-returning statement).
    pub had_columns: bool,
    /// Rows written.
    pub rows: u64,
    /// The --limit was reached.
    pub limit_hit: bool,
    /// The reader of our output went away (`| head`).
    pub broken_pipe: bool,
    /// Any other output error.
    pub io_error: Option<String>,
}

/// Where output goes.
pub enum Sink {
    /// Standard output.
    Stdout,
    /// A file opened by the runner.
    File(std::fs::File),
}

/// Consume frames until the channel closes, the limit is hit or output fails.
/// `stop` is cancelled when consumption ends early (before the receiver is
/// dropped), so the statement is cancelled on the server instead of drained.
pub fn consume(
    mut rx: mpsc::Receiver<Frame>,
    format: Format,
    limit: Option<u64>,
    sink: Sink,
    stop: CancellationToken,
    done: tokio::sync::oneshot::Receiver<Summary>,
) -> Consumed {
    // Exports to a file show live progress on a terminal; stdout carries the
    // data itself, so it gets none.
    let bar = matches!(sink, Sink::File(_)).then(export_bar).flatten();
    // To a terminal, nothing the data holds reaches it raw (CSV and TSV
    // write cells verbatim); to a file or a pipe the bytes stay exact.
    let out: Box<dyn Write> = match sink {
        Sink::Stdout if io::stdout().is_terminal() => Box::new(crate::sanitize::TerminalSafe::new(io::stdout())),
        Sink::Stdout => Box::new(io::stdout()),
        Sink::File(f) => Box::new(f),
    };
    let mut w: Box<dyn RowWriter> = writer(format, out);
    let mut c = Consumed::default();
    let fail = |c: &mut Consumed, e: io::Error| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            c.broken_pipe = true;
        } else {
            c.io_error = Some(e.to_string());
        }
    };
    while let Some(frame) = rx.blocking_recv() {
        let res = match frame {
            Frame::Columns(cols) => {
                c.had_columns = true;
                w.begin(&cols)
            }
            Frame::Rows(rows) => {
                let take = match limit {
                    Some(l) => (l.saturating_sub(c.rows) as usize).min(rows.len()),
                    None => rows.len(),
                };
                c.rows += take as u64;
                if let Some(b) = &bar {
                    b.set_position(c.rows);
                }
                let r = w.rows(&rows[..take]);
                if limit.is_some_and(|l| c.rows >= l) {
                    c.limit_hit = true;
                }
                r
            }
        };
        if let Err(e) = res {
            fail(&mut c, e);
        }
        if c.limit_hit || c.broken_pipe || c.io_error.is_some() {
            stop.cancel();
            break;
        }
    }
    drop(rx);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if c.had_columns && !c.broken_pipe && c.io_error.is_none() {
        // Footers need the summary, sent once the statement finished; a
        // cancelled or failed statement closes the channel and gets none.
        if let Ok(summary) = done.blocking_recv()
            && let Err(e) = w.finish(&summary)
        {
            fail(&mut c, e);
        }
    }
    c
}

/// A spinner with rows written and rate, on a terminal only.
fn export_bar() -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} exported {pos} rows ({per_sec}, {elapsed})") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}
