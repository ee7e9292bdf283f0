//! Chart benchmark (a measurement, not a test): from the key press to a
//! drawn chart for a 1,000,000-row result whose pages are spilled to disk,
//! at 200x60. The chart reads the rows back through the page file one page
//! at a time; the peak memory the scan adds is reported too.
//!
//! Run: `cargo bench --bench chart` (`CHART_BENCH_ROWS` sets the size,
//! `CHART_BENCH_RUNS` the repetitions; defaults 1,000,000 and 5).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration as Days, NaiveDate};
use dbn::app::results::ResultSet;
use dbn::app::{App, ConnInfo, Focus, Options};
use dbn::db::{Column, ConnSpec, Engine, Value};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `VmHWM` / `VmRSS` of this process in KiB.
fn proc_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let rows = env_usize("CHART_BENCH_ROWS", 1_000_000);
    let runs = env_usize("CHART_BENCH_RUNS", 5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let conn = ConnInfo {
            name: "bench".into(),
            tag: dbn::store::connections::Tag::Dev,
            read_only: false,
            spec: ConnSpec::new(Engine::Postgres),
        };
        let opts = Options {
            keymap: dbn::keymap::Keymap::load("default", &[]).unwrap(),
            theme: dbn::ui::theme::Theme::named("dark").unwrap(),
            preview_limit: 200,
            store: None,
            audit_jsonl: None,
        };
        let (mut app, mut rx) = App::new(conn, opts, Rect::new(0, 0, 200, 60));
        let cols = ["at", "orders", "revenue", "region"]
            .iter()
            .zip(["timestamp", "int8", "float8", "text"])
            .map(|(n, t)| Column {
                name: n.to_string(),
                type_name: t.to_string(),
            })
            .collect();
        let mut rs = ResultSet::new(cols);
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let built = Instant::now();
        let mut i = 0usize;
        while i < rows {
            let n = (rows - i).min(1024);
            let batch = (i..i + n)
                .map(|r| {
                    vec![
                        Value::Timestamp(start + Days::seconds(r as i64 * 30)),
                        Value::Int((r % 97) as i64),
                        Value::Float((r % 1000) as f64 * 1.25),
                        Value::Text(["north", "south", "east"][r % 3].into()),
                    ]
                })
                .collect();
            rs.push_rows(batch).unwrap();
            i += n;
        }
        println!(
            "chart: built a {rows}-row result in {:.1} s ({} MB spilled, {} rows in memory)",
            built.elapsed().as_secs_f64(),
            rs.spilled_bytes / 1_000_000,
            rs.rows_in_memory()
        );
        app.grid.reset(Some(rs), "select ...");
        app.focus = Focus::Grid;
        app.after_move();
        let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
        let mut times = Vec::new();
        let mut added_kib = 0;
        for run in 0..runs {
            // Reset the peak-RSS mark so VmHWM shows this run's peak.
            let _ = std::fs::write("/proc/self/clear_refs", "5");
            let before = proc_kib("VmRSS:");
            let t0 = Instant::now();
            app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE));
            while app.busy() {
                tokio::select! {
                    Some(ev) = rx.jobs.recv() => app.on_job(ev),
                    () = tokio::time::sleep(Duration::from_secs(120)) => panic!("chart took over 2 minutes"),
                }
            }
            term.draw(|f| dbn::ui::draw(f, &app)).unwrap();
            let took = t0.elapsed();
            let data = app.chart.as_ref().and_then(|c| c.data.as_ref()).expect("a chart");
            assert_eq!(data.rows as usize, rows);
            added_kib = added_kib.max(proc_kib("VmHWM:").saturating_sub(before));
            println!("chart: run {}: key to drawn chart {:.0} ms", run + 1, took.as_secs_f64() * 1000.0);
            times.push(took);
            app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        }
        times.sort();
        let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
        println!(
            "chart: {rows} rows, 200x60: median {:.0} ms (min {:.0}, max {:.0}) over {runs} runs; peak memory added during a run {:.1} MB",
            ms(&times[times.len() / 2]),
            ms(&times[0]),
            ms(&times[times.len() - 1]),
            added_kib as f64 / 1024.0
        );
    });
}
