//! The activity view in the TUI: rendered through TestBackend at 80x24 and
//! 200x60 from a fixed snapshot, and driven headless against a real
//! Postgres: one key, one refresh, and the root blocker is on screen; the
//! refresher's session closes when the view does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::activity::{BlockTree, Health, LockInfo, LongestTransaction, SessionInfo, Snapshot, StatementStat, tree};
use dbn::app::activity::ActivityPanel;
use dbn::app::{App, ConnInfo, Options, Receivers};
use dbn::db::{ConnSpec, Engine, Session, Value, connect, query_all};
use dbn::keymap::Keymap;
use dbn::store::connections::Tag;
use dbn::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::time::Duration;

fn make(spec: ConnSpec, name: &str, read_only: bool, w: u16, h: u16) -> (App, Receivers) {
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
        store: None,
    };
    App::new(conn, opts, Rect::new(0, 0, w, h))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
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

fn session(id: i64, state: &str, xact: Option<f64>, stmt: f64, query: &str) -> SessionInfo {
    SessionInfo {
        id,
        user: Some("app".into()),
        database: Some("shop".into()),
        client: Some(format!("10.0.0.{}:5432", id % 250)),
        application: Some("billing".into()),
        state: state.into(),
        idle_in_transaction: state == "idle in transaction",
        transaction_age_s: xact,
        statement_age_s: Some(stmt),
        query: Some(query.into()),
        ..Default::default()
    }
}

/// A server with a row-lock chain, an idle-in-transaction session and many idle ones.
fn sample() -> Snapshot {
    let mut snap = Snapshot::empty(Engine::Postgres);
    snap.server_version = "PostgreSQL 15.18".into();
    let mut s = vec![
        session(
            4711,
            "idle in transaction",
            Some(312.0),
            300.0,
            "UPDATE orders SET paid = true WHERE id = 7",
        ),
        SessionInfo {
            wait: Some("Lock:transactionid".into()),
            blocked_by: vec![4711],
            waiting_for: Some(LockInfo {
                lock_type: "transactionid".into(),
                mode: Some("ShareLock".into()),
                object: Some("transaction 738 (row orders (0,1))".into()),
            }),
            ..session(
                4712,
                "active",
                Some(181.0),
                181.0,
                "UPDATE orders SET paid = false WHERE id = 7",
            )
        },
        SessionInfo {
            wait: Some("Lock:tuple".into()),
            blocked_by: vec![4712],
            waiting_for: Some(LockInfo {
                lock_type: "tuple".into(),
                mode: Some("ExclusiveLock".into()),
                object: Some("orders row (0,1)".into()),
            }),
            ..session(4713, "active", Some(90.0), 90.0, "DELETE FROM orders WHERE id = 7")
        },
        session(4800, "active", None, 2.5, "SELECT count(*) FROM \x1b[31mevents"),
    ];
    for i in 0..60 {
        s.push(session(5000 + i, "idle", None, 10.0 + i as f64, "SELECT 1"));
    }
    snap.sessions = s;
    snap.blocking = tree::build(&snap.sessions);
    snap.health = Health {
        connections: Some(64),
        max_connections: Some(200),
        xid_age: Some(1_234_567),
        xid_wraparound_remaining: Some(2_143_249_080),
        longest_transaction: Some(LongestTransaction { id: 4711, age_s: 312.0 }),
        cache_hit_ratio: Some(0.9981),
        ..Default::default()
    };
    snap.top.source = Some("pg_stat_statements".into());
    snap.top.statements = vec![StatementStat {
        query: "SELECT * FROM orders WHERE customer_id = $1".into(),
        database: Some("shop".into()),
        calls: 120_000,
        total_ms: 81_234.5,
        mean_ms: 0.68,
        rows: 360_000,
    }];
    snap
}

fn with_panel(w: u16, h: u16, snap: Snapshot) -> App {
    let (mut app, _rx) = make(ConnSpec::new(Engine::Postgres), "prod", true, w, h);
    app.activity = Some(ActivityPanel::showing(snap));
    app
}

#[test]
fn renders_root_blocker_first_at_80x24() {
    let app = with_panel(80, 24, sample());
    let screen = render(&app, 80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[0].contains("Activity · prod · PostgreSQL 15.18"), "{screen}");
    assert!(
        lines[2].contains("ROOT BLOCKER 4711 (app@shop, idle in transaction 5m12s) blocks 2 sessions"),
        "the root blocker is the first thing under the status line:\n{screen}"
    );
    assert!(lines[3].contains("conns 64/200"), "{screen}");
    assert!(
        screen.contains("● 4711 app@shop: UPDATE orders SET paid = true"),
        "{screen}"
    );
    assert!(
        screen.contains("└─ 4712 waits 3m01s for ShareLock transactionid"),
        "{screen}"
    );
    assert!(
        screen.contains("   └─ 4713 waits 1m30s for ExclusiveLock tuple"),
        "{screen}"
    );
    assert!(screen.contains("!4711"), "idle in transaction is marked:\n{screen}");
    assert!(screen.contains("Sessions (64)"), "{screen}");
    assert!(!screen.contains('\x1b'), "{screen}");
    assert!(screen.contains("␛[31mevents"), "{screen}");
    assert!(lines[23].contains("PROD"), "the status line stays visible:\n{screen}");
    insta::assert_snapshot!("activity_80x24", screen);
}

#[test]
fn renders_every_column_at_200x60_and_statements_tab() {
    let mut app = with_panel(200, 60, sample());
    let screen = render(&app, 200, 60);
    for col in [
        "ID",
        "USER",
        "DATABASE",
        "CLIENT",
        "APPLICATION",
        "STATE",
        "XACT",
        "STMT",
        "WAIT",
        "STATEMENT",
    ] {
        assert!(screen.contains(col), "{col} missing:\n{screen}");
    }
    assert!(screen.contains("10.0.0.211:5432"), "{screen}");
    assert!(screen.contains("5040"), "the list fills 60 lines:\n{screen}");
    insta::assert_snapshot!("activity_200x60", screen);
    app.on_key(key(KeyCode::Tab));
    let screen = render(&app, 200, 60);
    assert!(
        screen.contains("SELECT * FROM orders WHERE customer_id = $1"),
        "{screen}"
    );
    assert!(screen.contains("81.2s") || screen.contains("1m21s"), "{screen}");
    app.on_key(key(KeyCode::Enter));
    let screen = render(&app, 200, 60);
    assert!(screen.contains("statement · Esc closes"), "{screen}");
}

#[test]
fn terminate_confirmation_names_the_session_at_80x24_and_200x60() {
    for (w, h) in [(80, 24), (200, 60)] {
        let mut app = with_panel(w, h, sample());
        app.on_key(key(KeyCode::Char('b')));
        app.on_key(key(KeyCode::Char('t')));
        let screen = render(&app, w, h);
        assert!(screen.contains("Terminate session?"), "{screen}");
        assert!(screen.contains("session 4711"), "{screen}");
        assert!(screen.contains("UPDATE orders SET paid = true"), "{screen}");
        assert!(
            screen.contains("read-only connection 'prod'"),
            "the rule's question:\n{screen}"
        );
        assert!(screen.contains("Type 'prod'"), "{screen}");
        insta::assert_snapshot!(format!("activity_terminate_{w}x{h}"), screen);
        app.on_key(key(KeyCode::Esc));
        assert!(app.activity.as_ref().unwrap().confirm.is_none());
        assert!(app.activity.is_some(), "Esc closes the dialog, not the view");
    }
}

#[test]
fn keys_move_select_root_hide_idle_and_show_full_text() {
    let mut app = with_panel(80, 24, sample());
    app.on_key(key(KeyCode::Char('G')));
    app.on_key(key(KeyCode::Char('b')));
    let p = app.activity.as_ref().unwrap();
    assert_eq!(p.current().map(|s| s.id), Some(4711));
    app.on_key(key(KeyCode::Char('i')));
    assert_eq!(app.activity.as_ref().unwrap().sessions().len(), 4);
    app.on_key(key(KeyCode::Char('j')));
    app.on_key(key(KeyCode::Enter));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("session 4712"), "{screen}");
    assert!(
        screen.contains("UPDATE orders SET paid = false WHERE id = 7"),
        "{screen}"
    );
    app.on_key(key(KeyCode::Esc));
    app.on_key(key(KeyCode::Esc));
    assert!(app.activity.is_none(), "Esc closes the view");
}

#[test]
fn tiny_and_empty_screens_do_not_panic() {
    for (w, h) in [(1, 1), (10, 3), (30, 8), (80, 24)] {
        let app = with_panel(w, h, sample());
        render(&app, w, h);
        let app = with_panel(w, h, Snapshot::empty(Engine::Postgres));
        render(&app, w, h);
    }
    let mut sqlite = Snapshot::empty(Engine::Sqlite);
    sqlite.supported = false;
    sqlite.notes.push(dbn::activity::SQLITE_NOTE.into());
    let screen = render(&with_panel(80, 24, sqlite), 80, 24);
    assert!(screen.contains("SQLite has no server activity"), "{screen}");
    let cycle = Snapshot {
        blocking: vec![BlockTree {
            root: 1,
            victims: 1,
            cycle: true,
            waiters: vec![],
        }],
        ..Snapshot::empty(Engine::Postgres)
    };
    let screen = render(&with_panel(80, 24, cycle), 80, 24);
    assert!(screen.contains("deadlock"), "{screen}");
}

async fn run(s: &mut dyn Session, sql: &str) -> Vec<Vec<Value>> {
    query_all(s, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}")).1
}

async fn activity_sessions(admin: &mut dyn Session, db: &str) -> usize {
    let sql =
        format!("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dbn activity' AND datname = '{db}'");
    match &run(admin, &sql).await[0][0] {
        Value::Int(n) => *n as usize,
        v => panic!("{v:?}"),
    }
}

/// Feed job events into the app until `done` holds (20 s at most).
async fn pump(app: &mut App, rx: &mut Receivers, done: impl Fn(&App) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done(app) {
        tokio::select! {
            Some(ev) = rx.jobs.recv() => app.on_job(ev),
            Some(ev) = rx.db.recv() => app.on_db(ev),
            () = tokio::time::sleep_until(deadline) => panic!("timed out: {}", render(app, 120, 40)),
        }
    }
}

#[tokio::test]
async fn one_key_one_refresh_shows_the_root_blocker_and_closing_stops_refreshing() {
    let Some(url) = common::fresh_pg_db("act_tui") else {
        return;
    };
    let spec = ConnSpec::parse_url(&url).unwrap();
    let db = spec.database.clone().unwrap();
    let mut holder = connect(&spec).await.unwrap();
    run(holder.as_mut(), "CREATE TABLE lk (id int PRIMARY KEY, v int)").await;
    run(holder.as_mut(), "INSERT INTO lk VALUES (1, 0)").await;
    let root = match &run(holder.as_mut(), "SELECT pg_backend_pid()").await[0][0] {
        Value::Int(n) => *n,
        v => panic!("{v:?}"),
    };
    run(holder.as_mut(), "BEGIN").await;
    run(holder.as_mut(), "UPDATE lk SET v = 1 WHERE id = 1").await;
    let mut waiter = connect(&spec).await.unwrap();
    let wait = tokio::spawn(async move {
        let _ = query_all(waiter.as_mut(), "UPDATE lk SET v = 2 WHERE id = 1").await;
    });
    // The waiter is queued before the view opens, so the first refresh shows it.
    let mut admin = connect(&spec).await.unwrap();
    loop {
        let n = run(
            admin.as_mut(),
            &format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' AND wait_event_type = 'Lock'"),
        )
        .await;
        if matches!(n[0][0], Value::Int(1)) {
            break;
        }
        tokio::task::yield_now().await;
    }

    let (mut app, mut rx) = make(spec.clone(), "prod", true, 80, 24);
    app.on_key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::ALT));
    assert!(app.activity.is_some(), "Alt+A opens the view");
    app.on_key(key(KeyCode::Esc));
    assert!(app.activity.is_none());
    app.on_key(key(KeyCode::F(10)));
    assert!(app.activity.is_some(), "F10 opens the view");
    pump(&mut app, &mut rx, |a| {
        a.activity.as_ref().is_some_and(|p| p.snapshot.is_some())
    })
    .await;
    let screen = render(&app, 80, 24);
    assert!(
        screen
            .lines()
            .nth(2)
            .is_some_and(|l| l.contains(&format!("ROOT BLOCKER {root} "))),
        "first refresh, root blocker on top:\n{screen}"
    );
    assert!(screen.contains("idle in transaction"), "{screen}");
    assert_eq!(
        activity_sessions(admin.as_mut(), &db).await,
        1,
        "one read-only activity session"
    );

    app.on_key(key(KeyCode::Esc));
    assert!(app.activity.is_none());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while activity_sessions(admin.as_mut(), &db).await > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the activity session outlived the view"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    run(holder.as_mut(), "ROLLBACK").await;
    wait.await.unwrap();
}

fn make_with_store(spec: ConnSpec, name: &str, read_only: bool, store: dbn::store::Store) -> (App, Receivers) {
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
        store: Some(store),
    };
    App::new(conn, opts, Rect::new(0, 0, 120, 40))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
}

fn message(app: &App) -> String {
    app.activity
        .as_ref()
        .and_then(|p| p.message.as_ref())
        .map(|m| m.1.clone())
        .unwrap_or_default()
}

/// Open the view and put the cursor on session `id` once it runs `marker`.
async fn select_session(app: &mut App, rx: &mut Receivers, id: i64, marker: &str) {
    app.on_key(key(KeyCode::F(10)));
    pump(app, rx, |a| {
        a.activity
            .as_ref()
            .and_then(|p| p.snapshot.as_ref())
            .and_then(|s| s.session(id))
            .is_some_and(|s| s.query.as_deref().is_some_and(|q| q.contains(marker)))
    })
    .await;
    let i = app
        .activity
        .as_ref()
        .unwrap()
        .sessions()
        .iter()
        .position(|s| s.id == id)
        .unwrap();
    app.on_key(key(KeyCode::Char('g')));
    for _ in 0..i {
        app.on_key(key(KeyCode::Char('j')));
    }
    assert_eq!(app.activity.as_ref().unwrap().current().map(|s| s.id), Some(id));
}

async fn backend_id(s: &mut dyn Session, engine: Engine) -> i64 {
    let sql = match engine {
        Engine::Postgres => "SELECT pg_backend_pid()",
        _ => "SELECT CONNECTION_ID()",
    };
    match &run(s, sql).await[0][0] {
        Value::Int(n) => *n,
        Value::UInt(n) => *n as i64,
        v => panic!("{v:?}"),
    }
}

fn audit(path: &std::path::Path) -> Vec<dbn::store::audit::AuditEntry> {
    dbn::store::Store::open(path)
        .unwrap()
        .list_audit(&dbn::store::audit::AuditFilter::default())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_from_the_view_on_prod_needs_the_typed_name_and_is_audited() {
    let Some(url) = common::fresh_pg_db("act_cancel") else {
        return;
    };
    let spec = ConnSpec::parse_url(&url).unwrap();
    let mut sleeper = connect(&spec).await.unwrap();
    let id = backend_id(sleeper.as_mut(), Engine::Postgres).await;
    let sleeping =
        tokio::spawn(async move { query_all(sleeper.as_mut(), "SELECT pg_sleep(120) AS act_cancel_me").await });
    let dir = tempfile::tempdir().unwrap();
    let meta = dir.path().join("meta.db");
    let (mut app, mut rx) = make_with_store(spec.clone(), "prod", true, dbn::store::Store::open(&meta).unwrap());
    select_session(&mut app, &mut rx, id, "act_cancel_me").await;

    // The confirmation names the session and its statement, and wants the name typed.
    app.on_key(key(KeyCode::Char('c')));
    let screen = render(&app, 120, 40);
    assert!(screen.contains(&format!("session {id}")), "{screen}");
    assert!(screen.contains("act_cancel_me"), "{screen}");
    assert!(screen.contains("Type 'prod'"), "{screen}");
    // Esc: nothing sent, nothing audited.
    app.on_key(key(KeyCode::Esc));
    assert!(app.activity.as_ref().unwrap().confirm.is_none());
    // A wrong name: refused and audited, the statement keeps running.
    app.on_key(key(KeyCode::Char('c')));
    type_text(&mut app, "dev");
    app.on_key(key(KeyCode::Enter));
    assert!(message(&app).contains("not the connection name"), "{}", message(&app));
    let entries = audit(&meta);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].action, "blocked");
    assert!(
        entries[0].outcome.contains("SAFETY_CONFIRM_MISMATCH"),
        "{:?}",
        entries[0]
    );
    assert_eq!(
        entries[0].statement.as_deref(),
        Some(format!("SELECT pg_catalog.pg_cancel_backend({id})").as_str())
    );
    assert!(!sleeping.is_finished(), "a refused cancel sends nothing");

    // The name typed: the statement is cancelled, the write audited with the session named.
    app.on_key(key(KeyCode::Char('c')));
    type_text(&mut app, "prod");
    app.on_key(key(KeyCode::Enter));
    pump(&mut app, &mut rx, |a| {
        a.activity.as_ref().is_some_and(|p| !p.signalling)
    })
    .await;
    assert!(
        message(&app).contains(&format!("cancel sent to session {id}")),
        "{}",
        message(&app)
    );
    let ended = tokio::time::timeout(Duration::from_secs(20), sleeping)
        .await
        .expect("the statement ended")
        .unwrap();
    let err = ended.expect_err("pg_sleep was cancelled");
    assert_eq!(err.code, dbn::db::ErrorCode::QueryCancelled, "{err:?}");
    let entries = audit(&meta);
    let write = entries
        .iter()
        .find(|e| e.action == "write")
        .expect("the cancel is audited");
    assert_eq!(write.outcome, "ok");
    assert_eq!(
        write.statement.as_deref(),
        Some(format!("SELECT pg_catalog.pg_cancel_backend({id})").as_str())
    );
    assert!(
        write
            .confirmed_by
            .as_deref()
            .is_some_and(|c| c.contains("typed 'prod'")),
        "{write:?}"
    );
    assert_eq!(write.face.as_deref(), Some("tui"));
    let detail = write.detail.as_deref().unwrap_or_default();
    assert!(
        detail.contains(&format!("session {id}")) && detail.contains("act_cancel_me"),
        "{detail}"
    );
    assert!(entries.iter().any(|e| e.action == "unlock"), "{entries:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_from_the_view_on_mariadb_dev_asks_yes_and_is_audited() {
    let Some(url) = common::fresh_mysql_db("act_kill") else {
        return;
    };
    let spec = ConnSpec::parse_url(&url).unwrap();
    let mut sleeper = connect(&spec).await.unwrap();
    let id = backend_id(sleeper.as_mut(), Engine::Mysql).await;
    let sleeping = tokio::spawn(async move { query_all(sleeper.as_mut(), "SELECT SLEEP(120) AS act_kill_me").await });
    let dir = tempfile::tempdir().unwrap();
    let meta = dir.path().join("meta.db");
    let (mut app, mut rx) = make_with_store(spec.clone(), "dev", false, dbn::store::Store::open(&meta).unwrap());
    select_session(&mut app, &mut rx, id, "act_kill_me").await;

    app.on_key(key(KeyCode::Char('t')));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("Terminate session?"), "{screen}");
    assert!(
        screen.contains(&format!("session {id}")) && screen.contains("act_kill_me"),
        "{screen}"
    );
    app.on_key(key(KeyCode::Char('n')));
    assert!(app.activity.as_ref().unwrap().confirm.is_none());
    assert!(!sleeping.is_finished());
    app.on_key(key(KeyCode::Char('t')));
    app.on_key(key(KeyCode::Char('y')));
    pump(&mut app, &mut rx, |a| {
        a.activity.as_ref().is_some_and(|p| !p.signalling)
    })
    .await;
    assert!(
        message(&app).contains(&format!("session {id} terminated")),
        "{}",
        message(&app)
    );
    let ended = tokio::time::timeout(Duration::from_secs(20), sleeping)
        .await
        .expect("the session ended")
        .unwrap();
    assert!(ended.is_err(), "the connection was killed");
    let entries = audit(&meta);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].action, "write");
    assert_eq!(
        entries[0].statement.as_deref(),
        Some(format!("KILL CONNECTION {id}").as_str())
    );
    assert_eq!(entries[0].outcome, "ok");
}
