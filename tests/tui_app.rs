//! The app driven headless (no terminal) against real SQLite and Postgres:
//! keys in, database batches through the real drivers, state and screen out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::app::{App, ConnInfo, Focus, Options, Popup, Receivers};
use dbn::db::{ConnSpec, Engine};
use dbn::keymap::Keymap;
use dbn::store::Store;
use dbn::store::connections::Tag;
use dbn::ui::theme::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::time::Duration;

fn make(spec: ConnSpec, name: &str, read_only: bool, store: Option<Store>) -> (App, Receivers) {
    let conn = ConnInfo {
        name: name.into(),
        tag: Tag::Dev,
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

/// Feed database and job events until nothing runs, or fail after `secs`.
async fn settle(app: &mut App, rx: &mut Receivers, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if !app.busy() && app.running.is_none() {
            // Let a pending schema load finish too, briefly.
            if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(20), rx.jobs.recv()).await {
                app.on_job(ev);
            }
            return;
        }
        tokio::select! {
            Some(ev) = rx.db.recv() => app.on_db(ev),
            Some(ev) = rx.jobs.recv() => app.on_job(ev),
            () = tokio::time::sleep_until(deadline) => panic!("still running after {secs}s: {:?}", app.status),
        }
    }
}

fn sqlite_db(dir: &std::path::Path) -> ConnSpec {
    let path = dir.join("t.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000)
         INSERT INTO t SELECT x, 'v' || x FROM c;",
    )
    .unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(path.display().to_string());
    spec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_the_statement_under_the_cursor_and_records_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    let (mut app, mut rx) = make(sqlite_db(dir.path()), "lite", false, Some(store));
    type_text(
        &mut app,
        "select count(*) as n from t;\nselect id, v from t where id > 2990 order by id;",
    );
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 20).await;
    let rs = app.grid.result.as_ref().expect("a result");
    assert_eq!(rs.columns[1].name, "v");
    assert_eq!(rs.len(), 10);
    assert_eq!(rs.row(0).unwrap()[1], dbn::db::Value::Text("v2991".into()));
    // Move to the first statement and run it with Alt+Enter.
    app.on_key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE));
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    settle(&mut app, &mut rx, 20).await;
    let rs = app.grid.result.as_ref().unwrap();
    assert_eq!(rs.columns[0].name, "n");
    assert_eq!(rs.row(0).unwrap()[0], dbn::db::Value::Int(3000));
    // F6 runs the whole buffer; the last result stays on screen.
    app.on_key(key(KeyCode::F(6)));
    settle(&mut app, &mut rx, 20).await;
    assert_eq!(app.grid.rows(), 10);
    // History: newest first, re-run from the popup.
    app.on_key(key(KeyCode::F(2)));
    let Some(Popup::History { items, .. }) = &app.popup else {
        panic!("no history popup")
    };
    assert!(items.len() >= 4, "{items:?}");
    assert!(items.iter().any(|h| h.sql.starts_with("select count(*)")));
    type_text(&mut app, "count");
    let Some(Popup::History { items, .. }) = &app.popup else {
        panic!()
    };
    assert!(items.iter().all(|h| h.sql.contains("count")));
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 20).await;
    assert_eq!(app.grid.result.as_ref().unwrap().columns[0].name, "n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_queries_and_read_only_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    let (mut app, mut rx) = make(sqlite_db(dir.path()), "lite", true, Some(store));
    type_text(&mut app, "delete from t");
    app.on_key(key(KeyCode::F(5)));
    assert!(
        matches!(app.popup, Some(Popup::TypedConfirm { .. })),
        "a write on a read-only connection must ask first"
    );
    type_text(&mut app, "nope");
    app.on_key(key(KeyCode::Enter));
    assert!(app.popup.is_none() && app.running.is_none());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.1.contains("SAFETY_CONFIRM_MISMATCH")),
        "{:?}",
        app.status
    );
    // Save the buffer into a folder, then open it from the saved list.
    app.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    type_text(&mut app, "danger/wipe");
    app.on_key(key(KeyCode::Enter));
    app.on_key(key(KeyCode::F(3)));
    let Some(Popup::Saved { items, .. }) = &app.popup else {
        panic!("no saved popup")
    };
    assert_eq!(items[0].path(), "danger/wipe");
    assert_eq!(items[0].sql, "delete from t");
    app.on_key(key(KeyCode::Esc));
    // DELETE without WHERE needs its own confirmation, then the unlock (for this run) is typed.
    app.on_key(key(KeyCode::F(5)));
    let Some(Popup::TypedConfirm { message, .. }) = &app.popup else {
        panic!("no unbounded-write confirmation")
    };
    assert!(message.contains("no WHERE"), "{message}");
    type_text(&mut app, "lite");
    app.on_key(key(KeyCode::Enter));
    let Some(Popup::TypedConfirm { message, .. }) = &app.popup else {
        panic!("no unlock confirmation: {:?}", app.status)
    };
    assert!(message.contains("for this run only"), "{message}");
    type_text(&mut app, "lite");
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 20).await;
    assert_eq!(app.last_run.as_ref().map(|l| l.rows), Some(3000), "{:?}", app.status);
    let audit = app.store.as_ref().unwrap().list_audit(&Default::default()).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(
        actions.contains(&"unlock") && actions.contains(&"blocked"),
        "{actions:?}"
    );
    assert!(
        audit
            .iter()
            .any(|a| a.statement.as_deref() == Some("delete from t") && a.outcome == "ok"),
        "{audit:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_cancels_a_long_sqlite_query() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite_db(dir.path()), "lite", false, None);
    type_text(
        &mut app,
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c",
    );
    app.on_key(key(KeyCode::F(5)));
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(ev) = rx.db.try_recv() {
        app.on_db(ev);
    }
    assert!(app.running.is_some());
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    settle(&mut app, &mut rx, 10).await;
    assert_eq!(app.grid.note.as_deref(), Some("query cancelled"));
    // The session still works.
    app.on_key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL));
    app.on_key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL));
    type_text(&mut app, "select 42 as answer");
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 10).await;
    assert_eq!(
        app.grid.result.as_ref().unwrap().row(0).unwrap()[0],
        dbn::db::Value::Int(42)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_error_position_and_reconnect_after_a_dropped_connection() {
    let Some(url) = common::fresh_pg_db("tui_app") else {
        return;
    };
    let spec = ConnSpec::parse_url(&url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A store: killing the backend is a write, audited before it is sent.
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    let (mut app, mut rx) = make(spec, "pg", false, Some(store));
    app.focus = Focus::Editor;
    type_text(&mut app, "select 1;\nselect nosuchcol from pg_class");
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 20).await;
    let (_, msg) = app.status.clone().expect("an error");
    assert!(msg.contains("nosuchcol") && msg.contains("line 2, column 8"), "{msg}");
    // Kill our own backend: the run fails, the next one reconnects.
    app.on_key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL));
    app.on_key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL));
    app.on_key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE));
    app.on_key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL));
    type_text(&mut app, "select pg_terminate_backend(pg_backend_pid())");
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 20).await;
    assert!(
        app.status.as_ref().is_some_and(|s| s.0 == dbn::app::Level::Error),
        "{:?}",
        app.status
    );
    app.on_key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL));
    app.on_key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL));
    type_text(&mut app, "select 7 as seven");
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 20).await;
    let rs = app.grid.result.as_ref().expect("reconnected and ran");
    assert_eq!(rs.row(0).unwrap()[0], dbn::db::Value::Int(7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_marked_rows_and_export_the_full_result() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite_db(dir.path()), "lite", false, None);
    type_text(&mut app, "select id, v from t order by id");
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 20).await;
    assert_eq!(app.grid.rows(), 3000);
    app.on_key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::ALT));
    assert_eq!(app.focus, Focus::Grid);
    // Mark rows 2..=3 and copy them as CSV through OSC 52.
    type_text(&mut app, "jvjyc");
    let Some(dbn::app::Effect::Clipboard(seq)) = app.effects.pop() else {
        panic!("no clipboard effect")
    };
    let b64 = seq.trim_start_matches("\x1b]52;c;").trim_end_matches('\x07');
    let text = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap();
    assert_eq!(text, "id,v\n2,v2\n3,v3");
    type_text(&mut app, "yi");
    let Some(dbn::app::Effect::Clipboard(seq)) = app.effects.pop() else {
        panic!("no clipboard effect")
    };
    let b64 = seq.trim_start_matches("\x1b]52;c;").trim_end_matches('\x07');
    let text = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap();
    assert!(text.starts_with("INSERT INTO t (") && text.contains("'v3'"), "{text}");
    // Export streams the whole result (re-run on its own session) with progress.
    let out = dir.path().join("all.csv");
    app.export_to(out.to_str().unwrap());
    assert!(app.busy());
    settle(&mut app, &mut rx, 20).await;
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv.lines().count(), 3001, "{:?}", app.status);
    assert!(csv.ends_with("3000,v3000\n"));
    assert!(
        app.status.as_ref().is_some_and(|s| s.1.contains("exported 3000 rows")),
        "{:?}",
        app.status
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_only_the_selection_and_drops_stale_batches() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite_db(dir.path()), "lite", false, None);
    // No semicolons: as one statement this text is invalid; the selection alone is not.
    type_text(&mut app, "select 10 as x\nselect 20 as y");
    app.on_key(key(KeyCode::Home));
    app.on_key(KeyEvent::new(KeyCode::End, KeyModifiers::SHIFT));
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 20).await;
    let rs = app.grid.result.as_ref().expect("selection ran");
    assert_eq!(rs.columns[0].name, "y");
    assert_eq!(rs.row(0).unwrap()[0], dbn::db::Value::Int(20));
    // A batch from an older run (an earlier ticket) never reaches the grid.
    app.on_db(dbn::app::query::DbEvent {
        ticket: 0,
        msg: dbn::app::query::DbMsg::Rows(vec![vec![dbn::db::Value::Int(666)]]),
    });
    assert_eq!(app.grid.rows(), 1);
}

fn status_line(app: &App) -> String {
    use ratatui::{Terminal, backend::TestBackend};
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    term.draw(|f| dbn::ui::draw(f, app)).unwrap();
    let buf = term.backend().buffer().clone();
    (0..120).map(|x| buf[(x, 39)].symbol().to_string()).collect()
}

fn clear_editor(app: &mut App) {
    app.on_key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL));
    app.on_key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL));
}

fn prod(spec: ConnSpec, name: &str, store: Store) -> (App, Receivers) {
    let (mut app, rx) = make(spec, name, true, Some(store));
    app.conn.tag = Tag::Prod;
    (app, rx)
}

/// Issue 12, behaviour 1: the TUI unlock was silent and session-wide (a
/// second write ran with no prompt while the badge still said RO).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlock_lasts_one_run_and_the_status_line_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    let (mut app, mut rx) = prod(sqlite_db(dir.path()), "lite", store);
    assert!(status_line(&app).contains(" RO "), "{}", status_line(&app));
    type_text(&mut app, "update t set v = 'a' where id = 2");
    app.on_key(key(KeyCode::F(5)));
    let Some(Popup::TypedConfirm { message, .. }) = &app.popup else {
        panic!("a write on a read-only connection must ask: {:?}", app.status)
    };
    assert!(message.contains("for this run only"), "{message}");
    type_text(&mut app, "lite");
    app.on_key(key(KeyCode::Enter));
    assert!(status_line(&app).contains("UNLOCKED run"), "{}", status_line(&app));
    settle(&mut app, &mut rx, 20).await;
    assert!(
        app.status.as_ref().is_some_and(|s| s.0 == dbn::app::Level::Info),
        "{:?}",
        app.status
    );
    assert!(
        status_line(&app).contains(" RO "),
        "the run is over: {}",
        status_line(&app)
    );
    // The second write asks again: the unlock was for that run only.
    clear_editor(&mut app);
    type_text(&mut app, "update t set v = 'b' where id = 3");
    app.on_key(key(KeyCode::F(5)));
    assert!(
        matches!(app.popup, Some(Popup::TypedConfirm { .. })),
        "the second write must ask again: {:?}",
        app.status
    );
    // This time for 5 minutes (Tab), shown as a countdown.
    app.on_key(key(KeyCode::Tab));
    type_text(&mut app, "lite");
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 20).await;
    let line = status_line(&app);
    assert!(line.contains("UNLOCKED 4:") || line.contains("UNLOCKED 5:00"), "{line}");
    assert!(!line.contains(" RO "), "never RO while writes pass: {line}");
    // A third write passes under the timed unlock, without a prompt.
    clear_editor(&mut app);
    type_text(&mut app, "update t set v = 'c' where id = 4");
    app.on_key(key(KeyCode::F(5)));
    assert!(app.popup.is_none(), "{:?}", app.popup);
    settle(&mut app, &mut rx, 20).await;
    // Alt+L ends it: read-only again, and the next write asks.
    app.on_key(KeyEvent::new(KeyCode::Char('l'), KeyModifiers::ALT));
    assert!(status_line(&app).contains(" RO "), "{}", status_line(&app));
    clear_editor(&mut app);
    type_text(&mut app, "update t set v = 'd' where id = 5");
    app.on_key(key(KeyCode::F(5)));
    assert!(matches!(app.popup, Some(Popup::TypedConfirm { .. })));
    app.on_key(key(KeyCode::Esc));
    let c = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    let vals: Vec<String> = (2..=5)
        .map(|id| {
            c.query_row("SELECT v FROM t WHERE id = ?1", [id], |r| r.get(0))
                .unwrap()
        })
        .collect();
    assert_eq!(vals, ["a", "b", "c", "v5"]);
    // Every write names who confirmed it and which unlock allowed it.
    let audit = app.store.as_ref().unwrap().list_audit(&Default::default()).unwrap();
    let writes: Vec<_> = audit.iter().filter(|a| a.action == "write").collect();
    assert_eq!(writes.len(), 3, "{audit:#?}");
    for w in &writes {
        assert_eq!(w.outcome, "ok");
        assert_eq!(w.face.as_deref(), Some("tui"));
        assert!(
            w.confirmed_by
                .as_deref()
                .is_some_and(|c| c.contains("typed 'lite' in dbn ui")),
            "{w:?}"
        );
        assert!(w.unlock.is_some(), "{w:?}");
    }
    assert!(audit.iter().any(|a| a.action == "lock"), "{audit:#?}");
}

/// Issue 11.6: the TUI's unlock ends when the user switches connection (F4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_connection_ends_the_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    let spec = sqlite_db(dir.path());
    let (mut app, mut rx) = prod(spec.clone(), "lite", store);
    type_text(&mut app, "update t set v = 'a' where id = 2");
    app.on_key(key(KeyCode::F(5)));
    app.on_key(key(KeyCode::Tab));
    type_text(&mut app, "lite");
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 20).await;
    assert!(status_line(&app).contains("UNLOCKED"));
    let other = tempfile::tempdir().unwrap();
    app.switch_to(dbn::app::ConnInfo {
        name: "other".into(),
        tag: Tag::Prod,
        read_only: true,
        spec: sqlite_db(other.path()),
    });
    let unlocks = app.store.as_ref().unwrap().list_unlocks().unwrap();
    assert!(unlocks.is_empty(), "{unlocks:?}");
    assert!(status_line(&app).contains(" RO "), "{}", status_line(&app));
}

/// Issue 12, behaviour 6: an audit entry that cannot be written stops the
/// write, with one clear message (it used to be a warning in the log file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_failure_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    store
        .conn()
        .execute_batch(
            "CREATE TRIGGER broken BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;",
        )
        .unwrap();
    let (mut app, mut rx) = make(sqlite_db(dir.path()), "lite", false, Some(store));
    type_text(&mut app, "update t set v = 'x' where id = 2");
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 20).await;
    let (level, msg) = app.status.clone().unwrap();
    assert_eq!(level, dbn::app::Level::Error);
    assert!(
        msg.contains("audit log cannot be written") && msg.contains("nothing was sent"),
        "{msg}"
    );
    let c = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    let v: String = c.query_row("SELECT v FROM t WHERE id = 2", [], |r| r.get(0)).unwrap();
    assert_eq!(v, "v2");
}

/// Issue 12, behaviour 5: the TUI stored history raw while the CLI hid
/// passwords; both now store the same redacted text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_redacted_the_same_way_on_every_face() {
    let Some(url) = common::fresh_pg_db("tui_hist") else {
        return;
    };
    let role = common::unique_name("hist_role");
    common::psql(&url, &format!("CREATE ROLE {role}"));
    let s = common::Sandbox::new();
    let out = s
        .cmd()
        .args(["connect", "add", "pg", "--url", &url])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    let sql = format!("ALTER ROLE {role} PASSWORD 'hunter2'");
    let out = s
        .cmd()
        .args(["query", "--conn", "pg", "--sql", &sql])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = Store::open(&s.ws().join(".dbnexus/metadata.db")).unwrap();
    let (mut app, mut rx) = make(ConnSpec::parse_url(&url).unwrap(), "pg", false, Some(store));
    type_text(&mut app, &sql);
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 20).await;
    let hist = app.store.as_ref().unwrap().list_history(Some("pg"), None, 10).unwrap();
    assert_eq!(hist.len(), 2, "{hist:?}");
    for h in &hist {
        assert!(!h.sql.contains("hunter2"), "{h:?}");
        assert_eq!(h.sql, format!("ALTER ROLE {role} PASSWORD '***'"));
    }
    let audit = app.store.as_ref().unwrap().list_audit(&Default::default()).unwrap();
    assert!(
        audit
            .iter()
            .all(|a| !a.statement.as_deref().unwrap_or("").contains("hunter2"))
    );
}
