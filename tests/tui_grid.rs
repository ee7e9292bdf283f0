//! The result grid as a daily driver, driven headless against real SQLite
//! and Postgres: search over spilled pages, filter, sort (client and
//! server), one tab per statement, `G` while streaming, widths, wrap, the
//! inspector's bounds, the page file's cap.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::app::results::SpillSettings;
use dbn::app::{App, ConnInfo, Focus, Options, Popup, Receivers};
use dbn::db::{ConnSpec, Engine, Value};
use dbn::keymap::Keymap;
use dbn::store::connections::Tag;
use dbn::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::time::Duration;

fn make(spec: ConnSpec, w: u16, h: u16, spill: &std::path::Path) -> (App, Receivers) {
    let conn = ConnInfo {
        name: "t".into(),
        tag: Tag::Dev,
        read_only: false,
        spec,
    };
    let opts = Options {
        keymap: Keymap::load("default", &[]).unwrap(),
        theme: Theme::named("basic16").unwrap(),
        preview_limit: 50,
        audit_jsonl: None,
        // Writes are audited before they are sent: no store, no writes.
        store: Some(dbn::store::Store::open(&spill.join("meta.db")).unwrap()),
    };
    let (mut app, rx) = App::new(conn, opts, Rect::new(0, 0, w, h));
    app.spill = SpillSettings {
        dir: Some(spill.to_path_buf()),
        cap_bytes: u64::MAX,
    };
    (app, rx)
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        let k = if c == '\n' {
            key(KeyCode::Enter)
        } else {
            key(KeyCode::Char(c))
        };
        app.on_key(k);
    }
}

fn run_sql(app: &mut App, sql: &str) {
    app.focus = Focus::Editor;
    app.editor.new_buffer(sql);
    app.on_key(key(KeyCode::F(6)));
}

/// Feed events until nothing runs (queries, scans, schema loads), or fail after `secs`.
async fn settle(app: &mut App, rx: &mut Receivers, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if !app.busy() && !app.tree.loading {
            return;
        }
        tokio::select! {
            Some(ev) = rx.db.recv() => app.on_db(ev),
            Some(ev) = rx.jobs.recv() => app.on_job(ev),
            () = tokio::time::sleep_until(deadline) => panic!("still busy after {secs}s: {:?}", app.status),
        }
    }
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| dbn::ui::draw(f, app)).unwrap();
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..w {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn sqlite(dir: &std::path::Path, rows: usize) -> ConnSpec {
    let path = dir.join("g.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(&format!(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, n INTEGER);
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows})
         INSERT INTO t SELECT x, 'value ' || x, (x * 7919) % 1000 FROM c;"
    ))
    .unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(path.display().to_string());
    spec
}

fn cell(app: &mut App, row: usize, col: usize) -> Value {
    let rs = app.grid.result.as_mut().unwrap();
    rs.ensure(row, row + 1).unwrap();
    rs.row(row).unwrap()[col].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_reaches_spilled_pages_and_n_and_shift_n_wrap() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite(dir.path(), 20_000), 120, 40, dir.path());
    run_sql(&mut app, "select id, v from t order by id");
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.rows(), 20_000);
    assert!(
        app.grid.result.as_ref().unwrap().spilled_bytes > 0,
        "the result must spill for this test"
    );
    app.on_key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::ALT));
    // Incremental: each key searches from where `/` was pressed.
    type_text(&mut app, "/value 1999");
    settle(&mut app, &mut rx, 30).await;
    assert_eq!((app.grid.row, app.grid.col), (1998, 1), "{:?}", app.status);
    type_text(&mut app, "7");
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.row, 19_996);
    let screen = render(&app, 120, 40);
    assert!(screen.contains("/value 19997"), "{screen}");
    app.on_key(key(KeyCode::Enter));
    // `n` wraps around to the only match; a new needle with `N` goes backwards.
    app.on_key(key(KeyCode::Char('n')));
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.row, 19_996);
    type_text(&mut app, "/value 1234");
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.row, 1233);
    app.on_key(key(KeyCode::Char('n')));
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.row, 12_339);
    app.on_key(key(KeyCode::Char('N')));
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.row, 1233);
    app.on_key(key(KeyCode::Char('N')));
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.row, 12_348, "wraps to the last match");
    // No match: the cursor stays, the status says so.
    type_text(&mut app, "/no such text");
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.row, 12_348);
    assert!(
        app.status.as_ref().is_some_and(|s| s.1.contains("no match")),
        "{:?}",
        app.status
    );
    // Esc on the prompt goes back to where the search started.
    app.on_key(key(KeyCode::Esc));
    assert!(app.grid.prompt.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_a_column_then_sort_on_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite(dir.path(), 3000), 120, 40, dir.path());
    run_sql(&mut app, "select id, v, n from t");
    settle(&mut app, &mut rx, 30).await;
    app.on_key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::ALT));
    app.on_key(key(KeyCode::Char('l')));
    type_text(&mut app, "f99\n");
    settle(&mut app, &mut rx, 30).await;
    let want = (1..=3000).filter(|i| format!("value {i}").contains("99")).count();
    assert_eq!(app.grid.rows(), want);
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains(&format!("{want} rows")) && screen.contains("v ~ 99"),
        "{screen}"
    );
    // Sort the filtered rows by n, ascending then descending (numbers as numbers).
    app.on_key(key(KeyCode::Char('l')));
    app.on_key(key(KeyCode::Char('s')));
    settle(&mut app, &mut rx, 30).await;
    let first = cell(&mut app, 0, 2);
    let last = cell(&mut app, want - 1, 2);
    assert!(
        matches!((&first, &last), (Value::Int(a), Value::Int(b)) if a <= b),
        "{first:?} {last:?}"
    );
    app.on_key(key(KeyCode::Char('s')));
    settle(&mut app, &mut rx, 30).await;
    let top = cell(&mut app, 0, 2);
    let max = (1..=3000i64)
        .filter(|i| format!("value {i}").contains("99"))
        .map(|i| (i * 7919) % 1000)
        .max()
        .unwrap();
    assert_eq!(top, Value::Int(max));
    assert!(render(&app, 120, 40).contains("n ▼"));
    // F clears filter and sort: the server's rows in the server's order.
    app.on_key(key(KeyCode::Char('F')));
    assert_eq!(app.grid.rows(), 3000);
    assert_eq!(cell(&mut app, 0, 0), Value::Int(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f6_gives_one_tab_per_statement_with_the_statement_shown() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite(dir.path(), 100), 120, 40, dir.path());
    run_sql(
        &mut app,
        "select count(*) as total from t;\nupdate t set n = n where id < 4;\nselect id from t where id <= 2",
    );
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.tabs.len(), 3);
    assert_eq!(app.grid.active, 2);
    assert_eq!(app.grid.rows(), 2);
    // The active statement is shown whole; the others as much as fits.
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("1:select count") && screen.contains("3:select id from t where id <= 2"),
        "{screen}"
    );
    app.size = Rect::new(0, 0, 200, 60);
    let screen = render(&app, 200, 60);
    assert!(screen.contains("1:select count(*) as total from t"), "{screen}");
    app.focus = Focus::Grid;
    app.on_key(key(KeyCode::Char('[')));
    assert_eq!(app.grid.note.as_deref(), Some("UPDATE 3, 3 rows affected"));
    app.on_key(key(KeyCode::Char('[')));
    assert_eq!(cell(&mut app, 0, 0), Value::Int(100));
    assert!(
        render(&app, 120, 40).contains("Results · 1 row "),
        "one row reads '1 row'"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widths_fit_the_screen_resize_with_keys_and_a_row_wraps_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite(dir.path(), 10), 200, 60, dir.path());
    let long = "Parallel Seq Scan on orders  (cost=0.00..123456.78 rows=1000000 width=64) (actual time=0.012..345.678)";
    run_sql(&mut app, &format!("select 1 as id, '{long}' as plan"));
    settle(&mut app, &mut rx, 30).await;
    let wide = render(&app, 200, 60);
    assert!(wide.contains(long), "the whole plan line shows at 200 columns:\n{wide}");
    app.size = Rect::new(0, 0, 80, 24);
    app.after_move();
    let narrow = render(&app, 80, 24);
    assert!(
        narrow.contains("Parallel Seq") && !narrow.contains("actual time"),
        "{narrow}"
    );
    assert!(
        !narrow
            .lines()
            .any(|l| l.contains("│   1│") && l.contains("rows=1000000 width")),
        "{narrow}"
    );
    app.focus = Focus::Grid;
    app.on_key(key(KeyCode::Char('l')));
    app.on_key(key(KeyCode::Char('<')));
    app.on_key(key(KeyCode::Char('<')));
    let narrower = render(&app, 80, 24);
    let row = |s: &str| s.lines().find(|l| l.contains("│   1│")).unwrap_or_default().to_string();
    assert!(
        row(&narrow).contains("orders  (cost=0.00..")
            && row(&narrower).contains("Parallel Seq")
            && !row(&narrower).contains("orders  (cost=0.00.."),
        "{narrower}"
    );
    app.on_key(key(KeyCode::Char('=')));
    app.on_key(key(KeyCode::Char('z')));
    let wrapped = render(&app, 80, 24);
    assert!(
        wrapped.contains("actual time"),
        "the wrapped row shows its whole text:\n{wrapped}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspector_is_bounded_and_has_home_and_end() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite(dir.path(), 10), 80, 24, dir.path());
    let text: String = (1..=60).map(|i| format!("line {i}")).collect::<Vec<_>>().join("\n");
    run_sql(&mut app, &format!("select '{text}' as doc"));
    settle(&mut app, &mut rx, 30).await;
    app.focus = Focus::Grid;
    app.on_key(key(KeyCode::Char('i')));
    let scroll = |app: &App| match &app.popup {
        Some(Popup::Inspector { scroll, .. }) => *scroll,
        other => panic!("no inspector: {other:?}"),
    };
    for _ in 0..150 {
        app.on_key(key(KeyCode::Down));
    }
    let max = scroll(&app);
    assert!(max > 0 && max < 60, "{max}");
    let screen = render(&app, 80, 24);
    assert!(screen.contains("line 60"), "{screen}");
    app.on_key(key(KeyCode::Up));
    assert_eq!(scroll(&app), max - 1, "one key back, not 90");
    app.on_key(key(KeyCode::Home));
    assert_eq!(scroll(&app), 0);
    app.on_key(key(KeyCode::End));
    assert_eq!(scroll(&app), max);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_g_follows_a_streaming_result_the_cap_stops_it_and_sort_reruns_partial_results() {
    let Some(url) = common::fresh_pg_db("tui_grid") else {
        return;
    };
    common::psql(
        &url,
        "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g",
    );
    let dir = tempfile::tempdir().unwrap();
    let spec = ConnSpec::parse_url(&url).unwrap();
    let (mut app, mut rx) = make(spec, 120, 40, dir.path());

    // G while rows still arrive means the end of the result, not the rows so far.
    run_sql(&mut app, "select g, md5(g::text) from generate_series(1, 300000) g");
    loop {
        let ev = rx.db.recv().await.unwrap();
        app.on_db(ev);
        if app.grid.rows() > 0 {
            break;
        }
    }
    app.focus = Focus::Grid;
    app.on_key(key(KeyCode::Char('G')));
    assert!(app.running.is_some(), "still streaming when G was pressed");
    settle(&mut app, &mut rx, 60).await;
    assert_eq!(app.grid.rows(), 300_000);
    assert_eq!(app.grid.row, 299_999);
    assert!(render(&app, 120, 40).contains("row 300,000"), "thousands separators");

    // The page file's cap: the result stops growing, says so, the rows stay usable,
    // and the query no longer runs on the server.
    app.spill.cap_bytes = 512 * 1024;
    run_sql(
        &mut app,
        "select g, md5(g::text) as h from generate_series(1, 5000000) g",
    );
    settle(&mut app, &mut rx, 60).await;
    let rs = app.grid.result.as_ref().unwrap();
    assert!(rs.capped && rs.len() < 100_000, "{}", rs.len());
    assert!(rs.spilled_bytes <= 512 * 1024);
    let n = rs.len();
    assert!(
        app.status.as_ref().is_some_and(|s| s.1.contains("cap")),
        "{:?}",
        app.status
    );
    assert_eq!(cell(&mut app, n - 1, 0), Value::Int(n as i64));
    let still_running = || {
        common::psql(
            &url,
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%5000000%' AND pid <> pg_backend_pid()",
        )
        .trim()
            != "0"
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while still_running() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!still_running(), "the capped query still runs on the server");
    app.spill.cap_bytes = u64::MAX;

    // A table preview is partial (LIMIT 50): sorting re-runs it on the server with ORDER BY.
    app.start();
    settle(&mut app, &mut rx, 30).await;
    let pos = app
        .tree
        .nodes
        .iter()
        .position(|n| n.label == "items")
        .expect("items in the tree");
    app.tree.selected = pos;
    app.focus = Focus::Tree;
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.rows(), 50);
    app.focus = Focus::Grid;
    app.on_key(key(KeyCode::Char('s')));
    settle(&mut app, &mut rx, 30).await;
    app.on_key(key(KeyCode::Char('s')));
    settle(&mut app, &mut rx, 30).await;
    assert_eq!(app.grid.rows(), 50);
    assert_eq!(
        cell(&mut app, 0, 0),
        Value::Int(500),
        "the server sorted the whole table"
    );
    assert!(render(&app, 120, 40).contains("id ▼"));
    // A partial ad-hoc query is wrapped and ordered by position.
    assert_eq!(
        {
            app.grid.preview = None;
            app.grid.sql = "select id, name from items;".into();
            app.sorted_sql(1, false).unwrap()
        },
        "SELECT * FROM (select id, name from items) AS dbn_sorted ORDER BY 2 ASC"
    );
    app.grid.sql = "delete from items".into();
    assert!(app.sorted_sql(0, false).is_err());
}
