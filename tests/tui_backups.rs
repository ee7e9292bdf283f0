//! The backups tab of the snapshot history panel: rendered through
//! TestBackend, and driven headless against a real SQLite file with a backup
//! made by the real `dbn backup create`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Sandbox;
use dbn::app::snapshots::{BackupTab, RestoreState, SnapshotPanel};
use dbn::app::{App, ConnInfo, Options, Receivers};
use dbn::backup::BackupKey;
use dbn::backup::diff::{BackupDiff, ColumnChange, RowChange, RowChangeKind, TableDiff};
use dbn::db::{ConnSpec, Engine, Value};
use dbn::keymap::Keymap;
use dbn::store::Store;
use dbn::store::backups::BackupRecord;
use dbn::store::connections::Tag;
use dbn::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::time::Duration;

const KEY_HEX: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

fn make(spec: ConnSpec, name: &str, store: Option<Store>, w: u16, h: u16) -> (App, Receivers) {
    make_tagged(spec, name, Tag::Dev, store, w, h)
}

fn make_tagged(spec: ConnSpec, name: &str, tag: Tag, store: Option<Store>, w: u16, h: u16) -> (App, Receivers) {
    let conn = ConnInfo {
        name: name.into(),
        tag,
        read_only: false,
        spec,
    };
    let opts = Options {
        keymap: Keymap::load("default", &[]).unwrap(),
        theme: Theme::named("basic16").unwrap(),
        preview_limit: 200,
        audit_jsonl: None,
        store,
    };
    App::new(conn, opts, Rect::new(0, 0, w, h))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

async fn settle(app: &mut App, rx: &mut Receivers, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if !app.busy() {
            while let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(20), rx.jobs.recv()).await {
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

fn record(id: &str, label: Option<&str>, rows: i64) -> BackupRecord {
    BackupRecord {
        id: id.into(),
        connection: "shop".into(),
        label: label.map(String::from),
        engine: "sqlite".into(),
        manifest: format!("snapshots/{id}.json"),
        status: "ok".into(),
        tables: 2,
        rows,
        bytes: 4096,
        created_at: "2026-11-22T02:00:00Z".into(),
    }
}

fn panel_app(w: u16, h: u16) -> App {
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some("shop.db".into());
    let (mut app, _rx) = make(spec, "shop", None, w, h);
    let mut p = SnapshotPanel::new(Vec::new());
    let mut b = BackupTab::new(
        vec![
            record("20261123T020000Z-bb02", Some("scheduled"), 2002),
            record("20261122T020000Z-aa01", None, 2000),
        ],
        Err(dbn::app::error::Unavailable::NoKey.into()),
        None,
    );
    b.set_key(BackupKey::from_hex(KEY_HEX).unwrap());
    b.selected = 1;
    b.picked = vec!["20261122T020000Z-aa01".into()];
    p.backups = Some(b);
    app.snapshots = Some(p);
    app
}

fn sample_diff() -> BackupDiff {
    BackupDiff {
        from: "20261122T020000Z-aa01".into(),
        to: "live:shop".into(),
        tables: vec![
            TableDiff {
                table: "main.orders".into(),
                status: "changed".into(),
                rows_added: 1,
                rows_removed: 1,
                rows_changed: 1,
                schema_changes: vec![],
                rows: vec![
                    RowChange {
                        kind: RowChangeKind::Changed,
                        key: vec![("id".into(), Value::Int(10))],
                        row: None,
                        columns: vec![ColumnChange {
                            column: "note".into(),
                            old: Value::Text("old\x1b[31m note".into()),
                            new: Value::Text("new note".into()),
                        }],
                    },
                    RowChange {
                        kind: RowChangeKind::Added,
                        key: vec![("id".into(), Value::Int(7))],
                        row: Some(vec![("id".into(), Value::Int(7)), ("note".into(), Value::Null)]),
                        columns: vec![],
                    },
                ],
                truncated: false,
            },
            TableDiff {
                table: "main.customers".into(),
                status: "same".into(),
                ..Default::default()
            },
        ],
        schema: vec![],
    }
}

#[test]
fn backups_list_and_diff_80x24_and_200x60() {
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let app = panel_app(w, h);
        let s = render(&app, w, h);
        assert!(
            s.contains("Backups · shop") && s.contains("[1] 20261122T020000Z-aa01"),
            "{s}"
        );
        assert!(s.contains("scheduled"), "{s}");
        insta::assert_snapshot!(format!("backups_list_{w}x{h}"), s);
    }
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut app = panel_app(w, h);
        let b = app.snapshots.as_mut().unwrap().backups.as_mut().unwrap();
        b.view = Some(dbn::app::snapshots::backups_diff_view(&sample_diff()));
        if w < 120 {
            // Docked under the panes at 80 columns: maximise the panel (Alt+Z) to read the detail.
            app.focus = dbn::app::Focus::Panel;
            app.zoom = true;
        }
        let s = render(&app, w, h);
        assert!(s.contains("main.orders") && s.contains("note: 'old"), "{s}");
        assert!(s.contains("-> 'new note'") && !s.contains('\x1b'), "{s}");
        insta::assert_snapshot!(format!("backups_diff_{w}x{h}"), s);
    }
}

#[test]
fn restore_progress_gauge_80x24() {
    let mut app = panel_app(80, 24);
    let b = app.snapshots.as_mut().unwrap().backups.as_mut().unwrap();
    let mut r = RestoreState::starting("20261122T020000Z-aa01", "test".into(), Default::default());
    r.tables = (2, 1);
    r.rows = (2000, 1000);
    r.line = "table main.orders".into();
    b.restore = Some(r);
    let s = render(&app, 80, 24);
    assert!(
        s.contains("restore █████░░░░░  50% · Esc cancel · table 1/2 · 1000 rows"),
        "{s}"
    );
    insta::assert_snapshot!("backups_restore_80x24", s);
    for (w, h) in [(1u16, 1u16), (10, 3)] {
        render(&app, w, h);
    }
}

#[test]
fn backups_tab_never_panics_at_tiny_sizes() {
    for (w, h) in [(1u16, 1u16), (5, 3), (12, 4), (20, 6)] {
        let mut app = panel_app(w, h);
        render(&app, w, h);
        let b = app.snapshots.as_mut().unwrap().backups.as_mut().unwrap();
        b.view = Some(dbn::app::snapshots::backups_diff_view(&sample_diff()));
        render(&app, w, h);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_then_change_then_diff_against_live_on_sqlite() {
    let s = Sandbox::new();
    let db = s.ws().join("shop.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);
             INSERT INTO orders VALUES (1, 'first'), (2, 'second'), (3, 'third');",
        )
        .unwrap();
    }
    let run = |args: &[&str]| {
        let out = s.cmd().env("DBN_BACKUP_KEY", KEY_HEX).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["connect", "add", "shop", "--url", "sqlite:shop.db", "--no-password"]);
    run(&["backup", "create", "--conn", "shop", "--json"]);
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("UPDATE orders SET note = 'changed!' WHERE id = 2; DELETE FROM orders WHERE id = 3;")
            .unwrap();
    }
    let ws = dbn::workspace::Workspace::discover(&s.ws(), Some(&s.ws())).unwrap();
    let store = Store::open(&ws.metadata_db()).unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(db.display().to_string());
    // A writable prod connection: a restore into it needs its typed name
    // (as `dbn backup restore` does); into dev it would not.
    let (mut app, mut rx) = make_tagged(spec, "shop", Tag::Prod, Some(store), 120, 40);
    app.on_key(key(KeyCode::F(7)));
    settle(&mut app, &mut rx, 20).await;
    app.on_key(key(KeyCode::Char('b')));
    let p = app.snapshots.as_mut().expect("panel open");
    let b = p.backups.as_mut().expect("backups tab");
    assert_eq!(b.items.len(), 1, "{:?}", p.message);
    // The test process has no secret store of its own: hand the tab the key.
    b.set_key(BackupKey::from_hex(KEY_HEX).unwrap());
    app.on_key(key(KeyCode::Char('l')));
    settle(&mut app, &mut rx, 30).await;
    let p = app.snapshots.as_ref().unwrap();
    let v = p
        .backups
        .as_ref()
        .unwrap()
        .view
        .as_ref()
        .unwrap_or_else(|| panic!("no diff: {:?}", p.message));
    let text: Vec<&str> = v.lines.iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        text.iter()
            .any(|l| l.contains("orders") && l.contains("       0        1        1")),
        "{text:?}"
    );
    assert!(text.iter().any(|l| l.contains("note: 'second'")), "{text:?}");
    assert!(text.iter().any(|l| l.contains("-> 'changed!'")), "{text:?}");
    assert!(text.iter().any(|l| l.contains("- id=3 note='third'")), "{text:?}");
    let screen = render(&app, 120, 40);
    assert!(screen.contains("-> 'changed!'"), "{screen}");
    // Esc goes back to the list; R shows the restore choice (every table, into
    // this connection), Enter the preview, Enter again the typed confirmation.
    app.on_key(key(KeyCode::Esc));
    app.on_key(key(KeyCode::Char('R')));
    settle(&mut app, &mut rx, 30).await;
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("Restore into 'shop' · 1/1 tables") && screen.contains("[x] main.orders"),
        "{screen}"
    );
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains("replace main.orders: 2 rows now -> 3 rows from the"),
        "{screen}"
    );
    app.on_key(key(KeyCode::Enter));
    let Some(dbn::app::Popup::TypedConfirm { message, .. }) = &app.popup else {
        panic!("no confirmation: {:?}", app.status)
    };
    assert!(
        message.contains("replace main.orders: 2 rows now -> 3 rows"),
        "{message}"
    );
    for c in "nope".chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    app.on_key(key(KeyCode::Enter));
    assert!(app.popup.is_none());
    let b = app.snapshots.as_ref().unwrap().backups.as_ref().unwrap();
    assert!(b.restore.is_none(), "a wrong name must not restore");
    app.on_key(key(KeyCode::Enter));
    for c in "shop".chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    app.on_key(key(KeyCode::Enter));
    assert!(
        app.snapshots
            .as_ref()
            .unwrap()
            .backups
            .as_ref()
            .unwrap()
            .restore
            .is_some()
    );
    settle(&mut app, &mut rx, 60).await;
    let b = app.snapshots.as_ref().unwrap().backups.as_ref().unwrap();
    let r = b.restore.as_ref().unwrap();
    assert!(
        !r.running && r.line.starts_with("restored 1 table(s), 3 rows"),
        "{:?}",
        r.line
    );
    // The pre-restore snapshot is indexed and listed beside the original.
    assert_eq!(b.items.len(), 2, "{:?}", b.items);
    assert!(
        b.items
            .iter()
            .any(|i| i.label.as_deref().is_some_and(|l| l.starts_with("pre-restore of")))
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    let rows: Vec<(i64, String)> = c
        .prepare("SELECT id, note FROM orders ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            (1, "first".to_string()),
            (2, "second".to_string()),
            (3, "third".to_string())
        ]
    );
    let audited: i64 = rusqlite::Connection::open(ws.metadata_db())
        .unwrap()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'restore' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1);
    // Two backups picked with Enter: the original against the pre-restore
    // snapshot (which holds the changed data) shows the same change.
    app.on_key(key(KeyCode::Up));
    app.on_key(key(KeyCode::Enter));
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let p = app.snapshots.as_ref().unwrap();
    let v = p
        .backups
        .as_ref()
        .unwrap()
        .view
        .as_ref()
        .unwrap_or_else(|| panic!("no diff: {:?}", p.message));
    let text: Vec<&str> = v.lines.iter().map(|(_, l)| l.as_str()).collect();
    assert!(text.iter().any(|l| l.contains("-> 'changed!'")), "{text:?}");
    assert!(v.title.contains(" -> ") && !v.title.contains("live"), "{}", v.title);
    app.on_key(key(KeyCode::Esc));
    // b goes back to the schema snapshots.
    app.on_key(key(KeyCode::Char('b')));
    assert!(app.snapshots.as_ref().unwrap().backups.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_a_chosen_set_of_tables_into_another_connection() {
    let s = Sandbox::new();
    let db = s.ws().join("shop.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
             INSERT INTO customers VALUES (1, 'ann'), (2, 'bob');
             CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);
             INSERT INTO orders VALUES (1, 'first'), (2, 'second'), (3, 'third');",
        )
        .unwrap();
    }
    let copy = s.ws().join("copy.db");
    rusqlite::Connection::open(&copy)
        .unwrap()
        .execute_batch(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO orders VALUES (9, 'stale');",
        )
        .unwrap();
    let run = |args: &[&str]| {
        let out = s.cmd().env("DBN_BACKUP_KEY", KEY_HEX).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["connect", "add", "shop", "--url", "sqlite:shop.db", "--no-password"]);
    run(&["connect", "add", "copy", "--url", "sqlite:copy.db", "--no-password"]);
    run(&["backup", "create", "--conn", "shop", "--json"]);
    let ws = dbn::workspace::Workspace::discover(&s.ws(), Some(&s.ws())).unwrap();
    let store = Store::open(&ws.metadata_db()).unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(db.display().to_string());
    let (mut app, mut rx) = make(spec, "shop", Some(store), 80, 24);
    app.on_key(key(KeyCode::F(7)));
    settle(&mut app, &mut rx, 20).await;
    // The loop lists the saved connections (as run.rs does).
    app.snapshot_sources(vec![entry("shop"), entry("copy")]);
    app.effects.clear();
    app.on_key(key(KeyCode::Char('b')));
    let b = app.snapshots.as_mut().unwrap().backups.as_mut().expect("backups tab");
    b.set_key(BackupKey::from_hex(KEY_HEX).unwrap());
    app.on_key(key(KeyCode::Char('R')));
    settle(&mut app, &mut rx, 30).await;
    // Unmark customers (the first table), switch the target to `copy`.
    app.on_key(key(KeyCode::Char(' ')));
    app.on_key(key(KeyCode::Char('c')));
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("Restore into 'copy' (c: 2/2) · 1/2 tables")
            && screen.contains("[ ] main.customers")
            && screen.contains("[x] main.orders"),
        "{screen}"
    );
    let id = app.snapshots.as_ref().unwrap().backups.as_ref().unwrap().items[0]
        .id
        .clone();
    insta::assert_snapshot!("backups_restore_choice_80x24", screen.replace(&id, "<backup id>"));
    app.on_key(key(KeyCode::Enter));
    assert_eq!(
        app.effects.drain(..).collect::<Vec<_>>(),
        vec![dbn::app::Effect::ResolveRestoreTarget("copy".into())]
    );
    let mut copy_spec = ConnSpec::new(Engine::Sqlite);
    copy_spec.database = Some(copy.display().to_string());
    app.restore_target_resolved(Ok(dbn::app::ConnInfo {
        name: "copy".into(),
        tag: Tag::Dev,
        read_only: false,
        spec: copy_spec,
    }));
    settle(&mut app, &mut rx, 30).await;
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("into 'copy' (sqlite):")
            && screen.contains("replace main.orders: 1 row now -> 3 rows from the backup")
            && !screen.contains("customers: "),
        "{screen}"
    );
    insta::assert_snapshot!("backups_restore_preview_80x24", screen.replace(&id, "<backup id>"));
    app.on_key(key(KeyCode::Enter));
    for c in "copy".chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 60).await;
    let r = app
        .snapshots
        .as_ref()
        .unwrap()
        .backups
        .as_ref()
        .unwrap()
        .restore
        .clone()
        .unwrap();
    assert!(
        r.line.starts_with("restored 1 table(s), 3 rows") && r.line.contains("into 'copy'"),
        "{}",
        r.line
    );
    let c = rusqlite::Connection::open(&copy).unwrap();
    let n: i64 = c.query_row("SELECT count(*) FROM orders", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3);
    let customers: i64 = c
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'customers'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(customers, 0, "customers was not chosen");
    let (conn, detail): (String, String) = rusqlite::Connection::open(ws.metadata_db())
        .unwrap()
        .query_row(
            "SELECT connection, detail FROM audit_log WHERE action = 'restore' AND outcome = 'ok'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(conn, "copy");
    assert!(detail.contains("\"tables\":[\"main.orders\"]"), "{detail}");

    // Parity (issue 12): the CLI restores the same choice into a read-only
    // prod connection holding what `copy` held: the same refusal for a wrong
    // name, the same audit entry apart from the face, the same end state.
    let copy2 = s.ws().join("copy2.db");
    rusqlite::Connection::open(&copy2)
        .unwrap()
        .execute_batch(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO orders VALUES (9, 'stale');",
        )
        .unwrap();
    run(&[
        "connect",
        "add",
        "copy2",
        "--url",
        "sqlite:copy2.db",
        "--no-password",
        "--tag",
        "prod",
        "--read-only",
    ]);
    let restore = [
        "backup",
        "restore",
        &id,
        "--into",
        "copy2",
        "--tables",
        "main.orders",
        "-q",
    ];
    let out = s
        .cmd()
        .env("DBN_BACKUP_KEY", KEY_HEX)
        .args(restore)
        .args(["--confirm", "wrong"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    run(&[&restore[..], &["--confirm", "copy2"]].concat());
    let rows = |p: &std::path::Path| -> Vec<(i64, String)> {
        let c = rusqlite::Connection::open(p).unwrap();
        let mut st = c.prepare("SELECT id, note FROM orders ORDER BY id").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(rows(&copy2), rows(&copy));
    let log = Store::open(&ws.metadata_db())
        .unwrap()
        .list_audit(&Default::default())
        .unwrap();
    let done = |conn: &str| {
        let e = log
            .iter()
            .find(|e| e.action == "restore" && e.outcome == "ok" && e.connection.as_deref() == Some(conn))
            .unwrap_or_else(|| panic!("no restore of {conn}: {log:#?}"));
        let mut d: serde_json::Value = serde_json::from_str(e.detail.as_deref().unwrap()).unwrap();
        assert!(d["pre_restore_backup"].is_string(), "{d}");
        d["pre_restore_backup"] = serde_json::Value::Null;
        (
            e.rows_affected,
            e.verdict.clone(),
            d,
            e.face.clone(),
            e.unlock.is_some(),
        )
    };
    let (tui, cli) = (done("copy"), done("copy2"));
    assert_eq!((&tui.0, &tui.1, &tui.2), (&cli.0, &cli.1, &cli.2));
    assert_eq!((tui.3.as_deref(), cli.3.as_deref()), (Some("tui"), Some("cli")));
    assert!(cli.4, "the unlock of the read-only target is named");
    assert!(
        log.iter().any(|e| e.action == "restore"
            && e.connection.as_deref() == Some("copy2")
            && e.outcome == "refused: SAFETY_CONFIRM_MISMATCH"),
        "{log:#?}"
    );
}

fn entry(name: &str) -> dbn::app::ConnEntry {
    dbn::app::ConnEntry {
        name: name.into(),
        engine: "sqlite".into(),
        tag: Tag::Dev,
        read_only: false,
    }
}
