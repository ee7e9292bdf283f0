//! Progress display: an indicatif bar with rate and ETA on a terminal,
//! plain lines (at most one every two seconds) otherwise.

use crate::backup::{Progress, ProgressTx};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

/// A running display; `finish` waits for it to drain.
pub struct Display {
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Display {
    /// Start a display (silent when `quiet`). Returns the sender to hand to
    /// the library.
    pub fn start(quiet: bool) -> (ProgressTx, Display) {
        if quiet {
            return (None, Display { handle: None });
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let handle = std::thread::spawn(move || render(rx));
        (Some(tx), Display { handle: Some(handle) })
    }

    /// Wait for the display to finish (drop the sender first).
    pub fn finish(mut self) {
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

fn render(mut rx: UnboundedReceiver<Progress>) {
    let tty = std::io::stderr().is_terminal();
    let mut bar: Option<ProgressBar> = None;
    let (mut phase, mut total, mut started) = ("", 0u64, Instant::now());
    let mut last_line = Instant::now();
    while let Some(p) = rx.blocking_recv() {
        match p {
            Progress::Start {
                phase: ph,
                rows,
                tables,
            } => {
                (phase, total, started) = (ph, rows, Instant::now());
                if tty {
                    let b = ProgressBar::new(rows);
                    if let Ok(style) = ProgressStyle::with_template(
                        "{msg:>12} [{bar:30}] {human_pos}/{human_len} rows  {per_sec}  ETA {eta}",
                    ) {
                        b.set_style(style.progress_chars("=> "));
                    }
                    b.set_message(ph);
                    b.enable_steady_tick(Duration::from_millis(200));
                    bar = Some(b);
                } else {
                    crate::clean_eprintln!("{ph}: {tables} tables, {rows} rows");
                }
            }
            Progress::Table { name, rows } => match &bar {
                Some(b) => b.set_message(name),
                None => crate::clean_eprintln!("{phase}: {name} ({rows} rows)"),
            },
            Progress::Rows { done, .. } => match &bar {
                Some(b) => b.set_position(done),
                None if last_line.elapsed() >= Duration::from_secs(2) => {
                    last_line = Instant::now();
                    let secs = started.elapsed().as_secs_f64().max(0.001);
                    let rate = done as f64 / secs;
                    let eta = if rate > 0.0 && total > done {
                        format!("{:.0}s", (total - done) as f64 / rate)
                    } else {
                        "-".into()
                    };
                    let pct = (done * 100).checked_div(total).unwrap_or(100);
                    crate::clean_eprintln!("{phase}: {done}/{total} rows ({pct}%), {rate:.0} rows/s, ETA {eta}");
                }
                None => {}
            },
            Progress::Step(s) => match &bar {
                Some(b) => b.println(s),
                None => crate::clean_eprintln!("{s}"),
            },
            Progress::Done => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
            }
        }
    }
    if let Some(b) = bar.take() {
        b.finish_and_clear();
    }
}
