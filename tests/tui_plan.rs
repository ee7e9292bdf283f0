//! The plan view driven headless: Alt+Q shows the plan of the statement under
//! the cursor from live SQLite, PostgreSQL and MariaDB; Alt+Shift+Q (ANALYZE)
//! says what it runs, waits for Enter, and passes the editor's gate; the
//! tree folds; renders at 80x24 and 200x60.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::app::plan_view::{PlanStage, PlanView, default_expanded};
use dbn::app::{App, ConnInfo, Focus, Options, Popup, Receivers};
use dbn::db::{ConnSpec, Engine, Value};
use dbn::keymap::Keymap;
use dbn::plan::{ExplainOptions, ExplainRequest, Flavor, analyze, parse_answer};
use dbn::store::Store;
use dbn::store::connections::Tag;
use dbn::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::time::Duration;

fn make(spec: ConnSpec, name: &str, read_only: bool, store: Option<Store>) -> (App, Receivers) {
    let conn = ConnInfo {
        name: name.into(),
        tag: if read_only { Tag::Prod } else { Tag::Dev },
        read_only,
        spec,
    };
    let opts = Options {
        keymap: Keymap::load("default", &[]).unwrap(),
        theme: Theme::named("basic16").unwrap(),
        preview_limit: 200,
        audit_jsonl: None,
        store,
    };
    App::new(conn, opts, Rect::new(0, 0, 120, 40))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Alt+Q: the plan of the statement under the cursor.
fn explain_key() -> KeyEvent {
    KeyEvent::new(KeyCode::Char('q'), KeyModifiers::ALT)
}

/// Alt+Shift+Q: the plan with ANALYZE.
fn analyze_key() -> KeyEvent {
    KeyEvent::new(KeyCode::Char('Q'), KeyModifiers::ALT | KeyModifiers::SHIFT)
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
}

async fn settle(app: &mut App, rx: &mut Receivers, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while app.busy() || app.running.is_some() {
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
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn ready(app: &App) -> &PlanView {
    let view = app.plan.as_ref().expect("plan view open");
    match &view.stage {
        PlanStage::Ready { .. } => view,
        PlanStage::Failed(m) => panic!("plan failed: {m}"),
        _ => panic!("plan not ready"),
    }
}

fn sqlite_shop(dir: &std::path::Path) -> ConnSpec {
    let path = dir.join("shop.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);
         CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INT, total REAL);
         CREATE INDEX orders_customer_idx ON orders (customer_id);
         WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 500)
         INSERT INTO orders SELECT x, x % 50, x * 1.5 FROM g;",
    )
    .unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(path.display().to_string());
    spec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f9_shows_the_plan_of_the_statement_under_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite_shop(dir.path()), "lite", false, None);
    type_text(
        &mut app,
        "select 1;\nselect c.name, sum(o.total) from orders o join customers c on c.id = o.customer_id group by c.name order by 2 desc",
    );
    app.on_key(explain_key());
    assert_eq!(app.focus, Focus::Grid, "the plan takes the grid's place and the keys");
    settle(&mut app, &mut rx, 20).await;
    let view = ready(&app);
    let PlanStage::Ready { plan, .. } = &view.stage else {
        unreachable!()
    };
    assert!(!plan.analyzed);
    let walk = plan.root.walk();
    assert!(walk.iter().any(|n| n.relation.as_deref() == Some("o")), "{plan:?}");
    assert!(walk.iter().any(|n| n.kind == "Temp B-tree"), "{plan:?}");
    let shown = render(&app, 120, 40);
    assert!(shown.contains("Plan · SQLite EXPLAIN"), "{shown}");
    assert!(shown.contains("Scan on o"), "{shown}");
    // Folding: Home, Enter on the root hides everything below it.
    let all = view.visible().len();
    app.on_key(key(KeyCode::Home));
    app.on_key(key(KeyCode::Enter));
    assert_eq!(app.plan.as_ref().unwrap().visible().len(), 1);
    app.on_key(key(KeyCode::Char('E')));
    assert_eq!(app.plan.as_ref().unwrap().visible().len(), all);
    // `i` opens the node's details; Esc closes the view and the results come back.
    app.on_key(key(KeyCode::Char('j')));
    app.on_key(key(KeyCode::Char('i')));
    assert!(matches!(app.popup, Some(Popup::Inspector { .. })));
    app.on_key(key(KeyCode::Esc));
    app.on_key(key(KeyCode::Esc));
    assert!(app.plan.is_none());
    // Two statements selected at once are refused with a reason, nothing opens.
    app.focus = Focus::Editor;
    app.editor.buf_mut().set_text("");
    type_text(&mut app, "EXPLAIN select 1");
    app.on_key(explain_key());
    assert!(app.plan.is_none());
    assert!(
        app.status.as_ref().unwrap().1.contains("already an EXPLAIN"),
        "{:?}",
        app.status
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_analyze_is_measured_after_enter() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite_shop(dir.path()), "lite", false, None);
    type_text(&mut app, "select * from orders where customer_id = 7");
    app.on_key(analyze_key());
    let view = app.plan.as_ref().unwrap();
    let PlanStage::Confirm { notice, changes_data } = &view.stage else {
        panic!("ANALYZE first says what it runs")
    };
    assert!(notice.contains("a read: nothing changes") && !changes_data, "{notice}");
    assert!(render(&app, 80, 24).contains("Enter: run it"));
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 20).await;
    let PlanStage::Ready { plan, .. } = &ready(&app).stage else {
        unreachable!()
    };
    assert!(plan.analyzed);
    assert_eq!(plan.root.actual_rows, Some(10.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_analyze_of_a_write_passes_the_gate_and_rolls_back() {
    let Some(url) = common::fresh_pg_db("tui_plan") else {
        return;
    };
    common::psql(
        &url,
        "CREATE TABLE acct (id int PRIMARY KEY, bal int); INSERT INTO acct SELECT g, g FROM generate_series(1, 1000) g; ANALYZE acct;",
    );
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    let mut spec = ConnSpec::parse_url(&url).unwrap();
    spec.read_only = true;
    let (mut app, mut rx) = make(spec, "pg-prod", true, Some(store));

    // Esc at the notice sends nothing.
    type_text(&mut app, "UPDATE acct SET bal = 0 WHERE id < 100");
    app.on_key(analyze_key());
    let Some(PlanStage::Confirm {
        changes_data: true,
        notice,
    }) = app.plan.as_ref().map(|v| v.stage.clone())
    else {
        panic!("a write's ANALYZE waits for a choice")
    };
    assert!(notice.contains("changes data"), "{notice}");
    app.on_key(key(KeyCode::Esc));
    assert!(app.plan.is_none());

    // Enter (roll back) on a read-only connection: the unlock is typed first.
    app.focus = Focus::Editor;
    app.on_key(analyze_key());
    app.on_key(key(KeyCode::Enter));
    let Some(Popup::TypedConfirm { message, .. }) = &app.popup else {
        panic!("the gate asks for the unlock: {:?}", app.status)
    };
    assert!(message.contains("read-only"), "{message}");
    type_text(&mut app, "pg-prod");
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let view = ready(&app);
    assert!(view.rolled_back);
    let PlanStage::Ready { plan, analysis } = &view.stage else {
        unreachable!()
    };
    assert_eq!(plan.root.kind, "Update");
    assert!(analysis.slowest.is_some());
    assert_eq!(
        common::psql(&url, "SELECT count(*) FROM acct WHERE bal = 0").trim(),
        "0"
    );
    let audit = app.store.as_ref().unwrap().list_audit(&Default::default()).unwrap();
    let write = audit
        .iter()
        .find(|e| e.action == "write")
        .expect("the ANALYZE is audited");
    assert!(
        write
            .statement
            .as_deref()
            .unwrap()
            .starts_with("EXPLAIN (FORMAT JSON, ANALYZE")
    );
    assert!(write.detail.as_deref().unwrap().contains("\"rolled_back\":true"));
    assert!(write.confirmed_by.as_deref().unwrap().contains("pg-prod"));
    assert!(audit.iter().any(|e| e.action == "unlock"));

    // Ctrl+C cancels a long ANALYZE on the server.
    app.focus = Focus::Editor;
    app.editor.buf_mut().set_text("");
    type_text(&mut app, "SELECT pg_sleep(30)");
    app.on_key(analyze_key());
    app.on_key(key(KeyCode::Enter));
    let started = std::time::Instant::now();
    for _ in 0..50 {
        if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(100), rx.jobs.recv()).await {
            let started_msg = format!("{ev:?}").contains("Started");
            app.on_job(ev);
            if started_msg {
                break;
            }
        }
    }
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    settle(&mut app, &mut rx, 20).await;
    assert!(started.elapsed() < Duration::from_secs(20));
    let Some(PlanStage::Failed(m)) = app.plan.as_ref().map(|v| &v.stage) else {
        panic!("cancelled")
    };
    assert_eq!(m, "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_plan_from_the_editor() {
    let Some(url) = common::fresh_mysql_db("tui_plan") else {
        return;
    };
    common::mysql(
        &url,
        "CREATE TABLE t (id int PRIMARY KEY, k int, KEY k_idx (k)); INSERT INTO t SELECT seq, seq % 10 FROM seq_1_to_1000;",
    );
    let spec = ConnSpec::parse_url(&url).unwrap();
    let (mut app, mut rx) = make(spec, "my", false, None);
    type_text(
        &mut app,
        "select count(*) from t a join t b on b.k = a.id where a.id < 50",
    );
    app.on_key(analyze_key());
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let PlanStage::Ready { plan, .. } = &ready(&app).stage else {
        unreachable!()
    };
    assert_eq!(plan.format, "mariadb-json");
    assert!(plan.analyzed);
    assert!(
        plan.root.walk().iter().any(|n| n.index.as_deref() == Some("k_idx")),
        "{plan:?}"
    );
}

/// A captured PostgreSQL plan in the view, for stable screens.
fn fixture_view(app: &mut App, name: &str) {
    let text = std::fs::read_to_string(format!("{}/fixtures/plans/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let (plan, _) = parse_answer(Flavor::Postgres, true, &[vec![Value::Text(text)]]).unwrap();
    let analysis = analyze(&plan);
    let expanded = default_expanded(&analysis);
    let selected = analysis.slowest.unwrap_or(0);
    let request = ExplainRequest::new(Engine::Postgres, "select 1", ExplainOptions::default()).unwrap();
    app.plan = Some(PlanView {
        request,
        ticket: 1,
        selected: 0,
        top: 0,
        rolled_back: false,
        expanded,
        stage: PlanStage::Ready {
            plan: Box::new(plan),
            analysis,
        },
    });
    let pos = app
        .plan
        .as_ref()
        .unwrap()
        .visible()
        .iter()
        .position(|i| *i == selected)
        .unwrap();
    app.plan.as_mut().unwrap().selected = pos;
    app.focus = Focus::Grid;
}

#[test]
fn plan_screens_80x24_and_200x60() {
    let mut spec = ConnSpec::new(Engine::Postgres);
    spec.database = Some("shop".into());
    let (mut app, _rx) = make(spec, "shop", false, None);
    app.size = Rect::new(0, 0, 80, 24);
    fixture_view(&mut app, "pg_join_analyze.json");
    insta::assert_snapshot!("plan_80x24", render(&app, 80, 24));
    app.size = Rect::new(0, 0, 200, 60);
    fixture_view(&mut app, "pg_big_analyze.json");
    let screen = render(&app, 200, 60);
    // A big plan opens on its slowest path: fewer rows than nodes, the slow mark shown.
    let view = app.plan.as_ref().unwrap();
    assert!(
        view.visible().len() < view.expanded.len(),
        "collapsed off the slowest path"
    );
    assert!(screen.contains("[slow "), "{screen}");
    insta::assert_snapshot!("plan_big_200x60", screen);
    for (w, h) in [(30, 8), (1, 1), (300, 100)] {
        let _ = render(&app, w, h);
    }
}
