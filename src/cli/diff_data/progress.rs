//! Progress display for data diff and sync: an indicatif bar with rate and
//! ETA on a terminal, plain lines otherwise (logs, pipes, CI).

use crate::datasync::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;
use tokio::sync::mpsc;

/// Show progress events until the sender side is dropped.
pub fn spawn(mut rx: mpsc::UnboundedReceiver<Progress>, quiet: bool) -> tokio::task::JoinHandle<()> {
    let tty = std::io::stderr().is_terminal();
    tokio::spawn(async move {
        let mut bar: Option<ProgressBar> = None;
        let mut started = Instant::now();
        let mut last_line = Instant::now();
        while let Some(p) = rx.recv().await {
            if quiet {
                continue;
            }
            match p {
                Progress::Phase { name } => {
                    if let Some(b) = bar.take() {
                        b.finish_and_clear();
                    }
                    started = Instant::now();
                    if tty {
                        let b = ProgressBar::new_spinner();
                        b.set_message(format!("{name}..."));
                        b.enable_steady_tick(std::time::Duration::from_millis(120));
                        bar = Some(b);
                    } else {
                        crate::clean_eprintln!("dbn: {name}...");
                    }
                }
                Progress::Segments { compared, mismatched } => {
                    if let Some(b) = &bar {
                        b.set_message(format!("checksums: {compared} segments compared, {mismatched} differ"));
                    }
                }
                Progress::Rows { fetched } => {
                    if let Some(b) = &bar {
                        b.set_message(format!("fetched {fetched} rows"));
                    }
                }
                Progress::Applied { done, total } => {
                    if tty {
                        let b = bar.get_or_insert_with(|| ProgressBar::new(total));
                        if b.length() != Some(total) {
                            b.disable_steady_tick();
                            b.set_length(total);
                            b.set_style(
                                ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  ETA {eta}")
                                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                            );
                        }
                        b.set_position(done);
                    } else if done == total || done == 0 || last_line.elapsed().as_secs() >= 1 {
                        last_line = Instant::now();
                        let secs = started.elapsed().as_secs_f64().max(0.001);
                        let rate = done as f64 / secs;
                        let eta = if rate > 0.0 { (total - done) as f64 / rate } else { 0.0 };
                        crate::clean_eprintln!("dbn: applied {done}/{total} rows ({rate:.0} rows/s, ETA {eta:.0}s)");
                    }
                }
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
    })
}
