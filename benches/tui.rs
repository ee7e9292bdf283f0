//! TUI benchmarks (not timed tests): key-to-frame latency at 200x60 with a
//! full grid, start-up to first full frame, Enter to first rows on a large
//! Postgres table with peak RSS while scrolling to the last row, and idle CPU.
//!
//! Run: `cargo bench --bench tui` (add `eval "$(scripts/test-services.sh env)"`
//! for the Postgres part; `TUI_BENCH_ROWS` sets its size, default 10,000,000).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use dbn::app::results::ResultSet;
use dbn::app::{App, ConnInfo, Focus, Options};
use dbn::db::{Column, ConnSpec, Engine, Value};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn main() {
    frame_latency();
    let dir = tempfile::tempdir().unwrap();
    startup_and_idle(dir.path());
    if let Ok(url) = std::env::var("DBN_TEST_PG_URL") {
        postgres_first_rows(dir.path(), &url);
    } else {
        println!("postgres: skipped (DBN_TEST_PG_URL not set)");
    }
}

fn frame_latency() {
    let mut spec = ConnSpec::new(Engine::Postgres);
    spec.database = Some("bench".into());
    let conn = ConnInfo {
        name: "bench".into(),
        tag: dbn::store::connections::Tag::Dev,
        read_only: false,
        spec,
    };
    let opts = Options {
        keymap: dbn::keymap::Keymap::load("default", &[]).unwrap(),
        theme: dbn::ui::theme::Theme::named("dark").unwrap(),
        preview_limit: 200,
        store: None,
        audit_jsonl: None,
    };
    let (mut app, _rx) = App::new(conn, opts, Rect::new(0, 0, 200, 60));
    let cols: Vec<Column> = (0..12)
        .map(|i| Column {
            name: format!("column_{i}"),
            type_name: "text".into(),
        })
        .collect();
    let mut rs = ResultSet::new(cols);
    for chunk in 0..100 {
        let rows = (0..1000)
            .map(|r| {
                (0..12)
                    .map(|c| match c {
                        0 => Value::Int(chunk * 1000 + r),
                        3 => Value::Null,
                        _ => Value::Text(format!("value {r} {c} with some text")),
                    })
                    .collect()
            })
            .collect();
        rs.push_rows(rows).unwrap();
    }
    app.grid.reset(Some(rs), "select * from bench");
    app.focus = Focus::Grid;
    app.after_move();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut samples = Vec::new();
    for i in 0..3000 {
        let key = match i % 300 {
            0 => KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL),
            150 => KeyEvent::new(KeyCode::Char('l'), KeyModifiers::NONE),
            _ => KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE),
        };
        let t = Instant::now();
        app.on_key(key);
        term.draw(|f| dbn::ui::draw(f, &app)).unwrap();
        samples.push(t.elapsed());
    }
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    let p99 = samples[samples.len() * 99 / 100];
    println!(
        "key-to-frame 200x60, full grid (100,000 rows, 12 cols, paged): mean {:.3} ms, p99 {:.3} ms",
        mean.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
}

struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

fn spawn(ws: &std::path::Path, args: &[&str]) -> Pty {
    let pair = portable_pty::native_pty_system()
        .openpty(portable_pty::PtySize {
            rows: 60,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = portable_pty::CommandBuilder::new(env!("CARGO_BIN_EXE_dbn"));
    cmd.args(args);
    cmd.cwd(ws);
    cmd.env("HOME", ws.join("home"));
    cmd.env("XDG_DATA_HOME", ws.join("home/data"));
    cmd.env("XDG_CONFIG_HOME", ws.join("home/config"));
    cmd.env("XDG_CACHE_HOME", ws.join("home/cache"));
    cmd.env("DBN_SECRETS_BACKEND", "file");
    cmd.env("DBN_MASTER_PASSWORD", "bench");
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("DBN_WORKSPACE");
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let parser = Arc::new(Mutex::new(vt100::Parser::new(60, 200, 0)));
    let mut reader = pair.master.try_clone_reader().unwrap();
    let writer = pair.master.take_writer().unwrap();
    let master = pair.master;
    let p = parser.clone();
    std::thread::spawn(move || {
        let _keep = master;
        let mut buf = [0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            p.lock().unwrap().process(&buf[..n]);
        }
    });
    Pty { parser, writer, child }
}

fn wait_for(p: &Arc<Mutex<vt100::Parser>>, needle: &str, secs: u64) -> Duration {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(secs) {
        if p.lock().unwrap().screen().contents().contains(needle) {
            return t.elapsed();
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    panic!("timed out waiting for {needle:?}");
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    fields.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + fields.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn init_ws(root: &std::path::Path) -> std::path::PathBuf {
    let ws = root.join("ws");
    std::fs::create_dir_all(ws.join("home")).unwrap();
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_dbn"))
        .arg("init")
        .current_dir(&ws)
        .env("HOME", ws.join("home"))
        .env("XDG_DATA_HOME", ws.join("home/data"))
        .env("XDG_CONFIG_HOME", ws.join("home/config"))
        .output()
        .unwrap();
    assert!(st.status.success());
    ws
}

fn startup_and_idle(root: &std::path::Path) {
    let ws = init_ws(root);
    // Create the demo database first so start-up measures only the TUI.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dbn"))
        .args(["demo", "--no-ui"])
        .current_dir(&ws)
        .env("HOME", ws.join("home"))
        .env("XDG_DATA_HOME", ws.join("home/data"))
        .env("XDG_CONFIG_HOME", ws.join("home/config"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut times = Vec::new();
    for _ in 0..5 {
        let mut p = spawn(&ws, &["ui", "--conn", "demo"]);
        times.push(wait_for(&p.parser, "help", 10));
        let pid = p.child.process_id().unwrap();
        if times.len() == 5 {
            std::thread::sleep(Duration::from_millis(500));
            let before = cpu_ticks(pid);
            std::thread::sleep(Duration::from_secs(5));
            let after = cpu_ticks(pid);
            let hz = 100.0;
            println!(
                "idle CPU over 5 s: {:.2}% of one core",
                (after - before) as f64 / hz / 5.0 * 100.0
            );
        }
        let _ = p.writer.write_all(b"\x11");
        std::thread::sleep(Duration::from_millis(100));
        let _ = p.child.kill();
    }
    times.sort();
    println!(
        "start-up to first full frame (demo database, 200x60): median {:.1} ms",
        times[times.len() / 2].as_secs_f64() * 1e3
    );
}

fn postgres_first_rows(root: &std::path::Path, base: &str) {
    let rows: u64 = std::env::var("TUI_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let psql = std::env::var("DBN_TEST_PG_BIN")
        .map(|b| format!("{b}/psql"))
        .unwrap_or_else(|_| "psql".into());
    let base = base.split('?').next().unwrap_or(base).to_string();
    let admin = base.clone();
    let url = format!(
        "{}/dbn_tui_bench",
        base.rsplit_once('/').map(|(a, _)| a).unwrap_or(&base)
    );
    let run = |u: &str, sql: &str| {
        std::process::Command::new(&psql)
            .args([u, "-qAtX", "-c", sql])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    if run(&admin, "SELECT 1 FROM pg_database WHERE datname = 'dbn_tui_bench'") != "1" {
        run(&admin, "CREATE DATABASE dbn_tui_bench");
    }
    if run(&url, "SELECT count(*) FROM big") != rows.to_string() {
        run(&url, "DROP TABLE IF EXISTS big");
        run(
            &url,
            &format!(
                "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h, g % 1000 AS n FROM generate_series(1, {rows}) g"
            ),
        );
    }
    let ws = init_ws(&root.join("pg"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dbn"))
        .args(["connect", "add", "big", "--url", &url, "--no-password"])
        .current_dir(&ws)
        .env("HOME", ws.join("home"))
        .env("XDG_DATA_HOME", ws.join("home/data"))
        .env("XDG_CONFIG_HOME", ws.join("home/config"))
        .env("DBN_SECRETS_BACKEND", "file")
        .env("DBN_MASTER_PASSWORD", "bench")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut p = spawn(&ws, &["ui", "--conn", "big"]);
    wait_for(&p.parser, "help", 20);
    let pid = p.child.process_id().unwrap();
    let w = &mut p.writer;
    w.write_all(b"select * from big").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    w.write_all(b"\x1b[15~").unwrap();
    wait_for(&p.parser, "row 1 col", 30);
    let first = t.elapsed();
    wait_for(&p.parser, &format!("{} rows in", group(rows)), 1800);
    let all = t.elapsed();
    w.write_all(b"\x1b3G").unwrap();
    wait_for(&p.parser, &format!("row {} col", group(rows)), 60);
    w.write_all(b"gg").unwrap();
    wait_for(&p.parser, "row 1 col", 60);
    let peak_scrolled = peak_rss_kb(pid) / 1024;
    println!(
        "postgres SELECT * FROM big ({} rows): Enter to first rows visible {:.0} ms; all rows fetched in {:.1} s; peak RSS after scrolling to the last row and back {} MB",
        group(rows),
        first.as_secs_f64() * 1e3,
        all.as_secs_f64(),
        peak_scrolled
    );
    // Search over the whole result (memory and page file): a value in the middle, then one
    // that is nowhere, so the second scans every row. Each typed from the first row, 3 times.
    let middle = rows / 2;
    let needle = run(&url, &format!("SELECT h FROM big WHERE id = {middle}"));
    let mut to_match = Vec::new();
    let mut to_end = Vec::new();
    for round in 1..=3 {
        w.write_all(b"gg").unwrap();
        wait_for(&p.parser, "row 1 col", 60);
        let t = Instant::now();
        w.write_all(format!("/{needle}").as_bytes()).unwrap();
        wait_for(&p.parser, &format!("row {} col", group(middle)), 600);
        to_match.push(t.elapsed());
        w.write_all(b"\r").unwrap();
        w.write_all(b"gg").unwrap();
        wait_for(&p.parser, "row 1 col", 60);
        let t = Instant::now();
        // A new missing value each round, so the status line of the last one does not count.
        w.write_all(format!("/no such value {round}\r").as_bytes()).unwrap();
        wait_for(&p.parser, &format!("no match for 'no such value {round}'"), 600);
        to_end.push(t.elapsed());
        // Clear the status line for the next round.
        w.write_all(b"j").unwrap();
        std::thread::sleep(Duration::from_millis(200));
    }
    to_match.sort();
    to_end.sort();
    println!(
        "search over {} rows: to the first match (row {}) median {:.2} s [{:.2} {:.2} {:.2}]; scanning every row for a missing value median {:.2} s [{:.2} {:.2} {:.2}]; peak RSS after searching {} MB",
        group(rows),
        group(middle),
        to_match[1].as_secs_f64(),
        to_match[0].as_secs_f64(),
        to_match[1].as_secs_f64(),
        to_match[2].as_secs_f64(),
        to_end[1].as_secs_f64(),
        to_end[0].as_secs_f64(),
        to_end[1].as_secs_f64(),
        to_end[2].as_secs_f64(),
        peak_rss_kb(pid) / 1024
    );
    w.write_all(b"\x11").unwrap();
}

fn group(n: u64) -> String {
    dbn::ui::group(n as usize)
}
