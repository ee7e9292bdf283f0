//! The overlay panels (schema snapshots) rendered through TestBackend and
//! driven headless against real SQLite files: keys in, background tasks
//! through the real drivers, state, screen and audit log out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::app::snapshots::{DiffView, Side, SnapshotPanel};
use dbn::app::{App, ConnInfo, Options, Popup, Receivers};
use dbn::db::{ConnSpec, Engine};
use dbn::keymap::Keymap;
use dbn::schema::{ColumnDef, KeyConstraint, Schema, Table};
use dbn::store::Store;
use dbn::store::connections::Tag;
use dbn::store::schema_snapshots::SnapshotInfo;
use dbn::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::time::Duration;

fn make(spec: ConnSpec, name: &str, read_only: bool, store: Option<Store>, w: u16, h: u16) -> (App, Receivers) {
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
    App::new(conn, opts, Rect::new(0, 0, w, h))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
}

/// Feed job events until nothing runs, or fail after `secs`.
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

fn col(name: &str, ty: &str, nullable: bool) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        data_type: ty.into(),
        nullable,
        default: None,
        identity: None,
        generated: None,
        collation: None,
        comment: None,
        ..Default::default()
    }
}

fn table(name: &str, cols: Vec<ColumnDef>) -> Table {
    Table {
        schema: "public".into(),
        name: name.into(),
        primary_key: Some(KeyConstraint {
            name: format!("{name}_pkey"),
            columns: vec!["id".into()],
            ..Default::default()
        }),
        columns: cols,
        ..Default::default()
    }
}

fn schemas() -> (Schema, Schema) {
    let mut a = Schema::empty(Engine::Postgres);
    a.schemas = vec!["public".into()];
    a.tables.push(table(
        "customers",
        vec![col("id", "integer", false), col("email", "text", false)],
    ));
    a.tables.push(table("legacy", vec![col("id", "integer", false)]));
    let mut b = a.clone();
    b.tables.retain(|t| t.name != "legacy");
    b.tables[0].columns.push(col("name\x1b[31m", "text", true));
    b.tables.push(table(
        "orders",
        vec![col("id", "integer", false), col("total", "numeric(12,2)", true)],
    ));
    a.normalize();
    b.normalize();
    (a, b)
}

fn info(id: i64, labels: &[&str]) -> SnapshotInfo {
    SnapshotInfo {
        id,
        connection: "shop".into(),
        hash: "h".into(),
        created_at: format!("2026-11-2{id}T10:00:00Z"),
        labels: labels.iter().map(|s| s.to_string()).collect(),
        tables: 2,
    }
}

fn panel_app(w: u16, h: u16) -> App {
    let mut spec = ConnSpec::new(Engine::Postgres);
    spec.database = Some("shop".into());
    let (mut app, _rx) = make(spec, "shop", false, None, w, h);
    let mut p = SnapshotPanel::new(vec![info(2, &["release-2"]), info(1, &[])]);
    p.selected = 1;
    p.picked = vec![Side::Snapshot(1)];
    app.snapshots = Some(p);
    app
}

fn with_diff(app: &mut App) {
    let (a, b) = schemas();
    let view = DiffView::build(
        ("snapshot 1".into(), Box::new(a.clone())),
        ("shop (live)".into(), Box::new(b.clone())),
        true,
        Some(&b),
        "shop",
    );
    let p = app.snapshots.as_mut().unwrap();
    p.picked = vec![Side::Snapshot(1), Side::Live];
    p.view = Some(view);
}

#[test]
fn snapshots_list_80x24_and_200x60() {
    let a = panel_app(80, 24);
    let s = render(&a, 80, 24);
    assert!(
        s.contains("Schema snapshots") && s.contains("release-2") && s.contains("[1] #1"),
        "{s}"
    );
    insta::assert_snapshot!("snapshots_list_80x24", s);
    let a = panel_app(200, 60);
    let s = render(&a, 200, 60);
    assert!(s.contains("live") && s.contains("#2"), "{s}");
    insta::assert_snapshot!("snapshots_list_200x60", s);
}

#[test]
fn snapshots_diff_and_sql_80x24_and_200x60() {
    let mut a = panel_app(200, 60);
    with_diff(&mut a);
    let s = render(&a, 200, 60);
    // Summary on top, one section per object, escapes from the database made visible.
    assert!(
        s.contains("Schema diff: changes to make snapshot 1 match shop (live)"),
        "{s}"
    );
    assert!(
        s.contains("table public.orders (added)") && s.contains("table public.legacy (removed)"),
        "{s}"
    );
    assert!(s.contains("␛[31m") && !s.contains('\x1b'), "{s}");
    insta::assert_snapshot!("snapshots_diff_200x60", s);
    let mut a = panel_app(80, 24);
    with_diff(&mut a);
    // n moves to the next object section.
    a.on_key(key(KeyCode::Char('n')));
    let v = a.snapshots.as_ref().unwrap().view.as_ref().unwrap();
    assert_eq!(v.object, 1);
    assert_eq!(v.scroll, v.starts[1]);
    let s = render(&a, 80, 24);
    insta::assert_snapshot!("snapshots_diff_80x24", s);
    // m shows the migration that makes the live connection equal snapshot 1.
    a.on_key(key(KeyCode::Char('m')));
    let s = render(&a, 80, 24);
    assert!(s.contains("make shop match snapshot 1"), "{s}");
    insta::assert_snapshot!("snapshots_sql_80x24", s);
    let s = render(&a, 200, 60);
    assert!(s.contains("DROP TABLE") && s.contains("CREATE TABLE"), "{s}");
}

#[test]
fn snapshots_panel_never_panics_at_tiny_sizes() {
    for (w, h) in [(1, 1), (2, 3), (10, 4), (30, 8), (31, 9), (45, 12)] {
        let mut a = panel_app(w, h);
        render(&a, w, h);
        with_diff(&mut a);
        render(&a, w, h);
        a.on_key(key(KeyCode::Char('m')));
        render(&a, w, h);
    }
}

#[test]
fn help_lists_the_panel_keys() {
    // Tall enough for every line of the generated help.
    let mut a = panel_app(200, 200);
    a.snapshots = None;
    a.popup = Some(Popup::Help { scroll: 0 });
    let s = render(&a, 200, 200);
    assert!(s.contains("Schema snapshots: diff, migrate") && s.contains("F7"), "{s}");
    assert!(s.contains("Data sync: diff a table, apply") && s.contains("F8"), "{s}");
    assert!(s.contains("Toggle the migration SQL preview"), "{s}");
}

fn sqlite_db(dir: &std::path::Path) -> (ConnSpec, std::path::PathBuf) {
    let path = dir.join("lite.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
         INSERT INTO customers VALUES (1, 'a@example.com');",
    )
    .unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(path.display().to_string());
    (spec, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_then_diff_against_live_and_apply_the_migration_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    let (spec, path) = sqlite_db(dir.path());
    let (mut app, mut rx) = make(spec, "lite", true, Some(store), 120, 40);
    app.on_key(key(KeyCode::F(7)));
    assert!(app.snapshots.is_some(), "F7 opens the panel: {:?}", app.status);
    settle(&mut app, &mut rx, 20).await;
    // s takes a snapshot of the connection now.
    app.on_key(key(KeyCode::Char('s')));
    settle(&mut app, &mut rx, 20).await;
    let p = app.snapshots.as_ref().unwrap();
    assert_eq!(p.items.len(), 1, "{:?}", p.message);
    // Someone changes the schema behind our back.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE audit_trail (id INTEGER PRIMARY KEY, note TEXT);")
            .unwrap();
    }
    app.on_key(key(KeyCode::Char('r')));
    settle(&mut app, &mut rx, 20).await;
    // The snapshot against live: the new table shows as a difference.
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Char('l')));
    // Live is read afresh for every comparison.
    settle(&mut app, &mut rx, 20).await;
    let v = app.snapshots.as_ref().unwrap().view.as_ref().expect("diff view");
    assert_eq!(v.diff.changes.len(), 1, "{:?}", v.diff);
    assert!(v.diff.changes[0].name.contains("audit_trail"), "{:?}", v.diff);
    let screen = render(&app, 120, 40);
    assert!(screen.contains("audit_trail (added)"), "{screen}");
    // The migration makes the connection equal the snapshot again: drop the new table.
    app.on_key(key(KeyCode::Char('m')));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("DROP TABLE"), "{screen}");
    // Apply: the same typed confirmation; a wrong name refuses.
    app.on_key(key(KeyCode::Char('a')));
    assert!(matches!(app.popup, Some(Popup::TypedConfirm { .. })));
    type_text(&mut app, "nope");
    app.on_key(key(KeyCode::Enter));
    assert!(
        app.status.as_ref().is_some_and(|s| s.1.contains("not run")),
        "{:?}",
        app.status
    );
    // A read-only connection: the unlock for this run, then the migration's own confirmation.
    app.on_key(key(KeyCode::Char('a')));
    type_text(&mut app, "lite");
    app.on_key(key(KeyCode::Enter));
    let Some(Popup::TypedConfirm { message, .. }) = &app.popup else {
        panic!("the migration needs its own confirmation: {:?}", app.status)
    };
    assert!(message.contains("migration statement"), "{message}");
    type_text(&mut app, "lite");
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let line = app.snapshots.as_ref().unwrap().apply.as_ref().unwrap().line.clone();
    assert!(line.contains("verified: diff is now empty"), "{line}");
    let c = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'audit_trail'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0, "the table is gone");
    let audit = app.store.as_ref().unwrap().list_audit(&Default::default()).unwrap();
    let mig = audit
        .iter()
        .find(|a| a.action == "migration")
        .expect("migration audited");
    assert_eq!(mig.outcome, "ok");
    assert!(mig.statement.as_deref().unwrap_or("").contains("DROP TABLE"), "{mig:?}");
    assert!(
        mig.confirmed_by.as_deref().unwrap_or("").contains("typed 'lite'"),
        "{mig:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_snapshot_pair_diff_and_migration_back_to_the_snapshot() {
    let Some(url) = common::fresh_pg_db("tui_panels") else {
        return;
    };
    common::psql(&url, "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    let spec = ConnSpec::parse_url(&url).unwrap();
    let (mut app, mut rx) = make(spec, "pgdev", false, Some(store), 200, 60);
    app.on_key(key(KeyCode::F(7)));
    settle(&mut app, &mut rx, 30).await;
    app.on_key(key(KeyCode::Char('s')));
    settle(&mut app, &mut rx, 30).await;
    common::psql(
        &url,
        "ALTER TABLE items ADD COLUMN price numeric(10,2); CREATE INDEX items_name_idx ON items (name)",
    );
    app.on_key(key(KeyCode::Char('s')));
    settle(&mut app, &mut rx, 30).await;
    let p = app.snapshots.as_ref().unwrap();
    assert_eq!(p.items.len(), 2, "{:?}", p.message);
    // Pick the older snapshot, then the newer one: the diff shows what changed between them.
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Enter));
    app.on_key(key(KeyCode::Up));
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let v = app.snapshots.as_ref().unwrap().view.as_ref().expect("diff view");
    let names: Vec<String> = v
        .diff
        .changes
        .iter()
        .map(|c| format!("{} {:?}", c.name, c.status))
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.contains("items_name_idx") && n.contains("Added")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.contains("items") && n.contains("Changed")),
        "{names:?}"
    );
    let screen = render(&app, 200, 60);
    assert!(screen.contains("+    price numeric(10,2),"), "{screen}");
    // The goal of the migration is the newer snapshot, which live already equals: nothing to apply.
    app.on_key(key(KeyCode::Char('a')));
    assert!(app.popup.is_none());
    let msg = app.snapshots.as_ref().unwrap().message.clone().unwrap().1;
    assert!(msg.contains("nothing to apply"), "{msg}");
    // The older snapshot against live: the migration goes back to it.
    app.on_key(key(KeyCode::Esc));
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Char('l')));
    settle(&mut app, &mut rx, 30).await;
    app.on_key(key(KeyCode::Char('a')));
    type_text(&mut app, "pgdev");
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let line = app.snapshots.as_ref().unwrap().apply.as_ref().unwrap().line.clone();
    assert!(line.contains("verified: diff is now empty"), "{line}");
    let cols = common::psql(
        &url,
        "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'items'",
    );
    assert_eq!(cols.trim(), "id,name");
}

fn sqlite_file(path: &std::path::Path, sql: &str) -> ConnSpec {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(sql).unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(path.display().to_string());
    spec
}

fn entry(name: &str) -> dbn::app::ConnEntry {
    dbn::app::ConnEntry {
        name: name.into(),
        engine: "sqlite".into(),
        tag: Tag::Dev,
        read_only: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sync_panel_diffs_two_sqlite_files_and_applies_source_wins() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    let src = sqlite_file(
        &dir.path().join("src.db"),
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER);
         INSERT INTO items VALUES (1, 'apple', 5), (2, 'pear', 1), (3, 'plum', 7);",
    );
    let tgt_path = dir.path().join("tgt.db");
    let tgt = sqlite_file(
        &tgt_path,
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER);
         INSERT INTO items VALUES (2, 'pear', 1), (3, 'plum', 2), (4, 'fig\x1b[31m', 9);",
    );
    let (mut app, mut rx) = make(src, "src", false, Some(store), 200, 60);
    app.start();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while app.tree.schema.is_none() {
        let ev = tokio::time::timeout_at(deadline, rx.jobs.recv())
            .await
            .unwrap()
            .unwrap();
        app.on_job(ev);
    }
    // F8 asks the loop for saved connections; the loop answers (as run.rs does).
    app.on_key(key(KeyCode::F(8)));
    assert_eq!(
        app.effects.drain(..).collect::<Vec<_>>(),
        vec![dbn::app::Effect::SyncTargets]
    );
    app.show_sync_targets(vec![entry("src"), entry("tgt")]);
    let s = render(&app, 80, 24);
    assert!(s.contains("Target connection") && s.contains("tgt"), "{s}");
    insta::assert_snapshot!("sync_targets_80x24", s);
    let s = render(&app, 200, 60);
    insta::assert_snapshot!("sync_targets_200x60", s);
    app.on_key(key(KeyCode::Enter));
    assert_eq!(
        app.effects.drain(..).collect::<Vec<_>>(),
        vec![dbn::app::Effect::ResolveSyncTarget("tgt".into())]
    );
    // A writable prod target: applying needs its typed name.
    app.sync_target_resolved(Ok(ConnInfo {
        name: "tgt".into(),
        tag: Tag::Prod,
        read_only: false,
        spec: tgt,
    }));
    app.on_key(key(KeyCode::Enter));
    assert!(app.sync_busy(), "the diff runs in the background");
    settle(&mut app, &mut rx, 30).await;
    let p = app.sync.as_ref().unwrap();
    let d = p.diff().expect("a diff");
    assert_eq!(
        (
            d.diff.only_in_source.len(),
            d.diff.only_in_target.len(),
            d.diff.changed.len()
        ),
        (1, 1, 1),
        "{:?}",
        p.message
    );
    let s = render(&app, 200, 60);
    assert!(
        s.contains("only in source 1 · only in target 1 · changed 1 · equal 1"),
        "{s}"
    );
    assert!(s.contains("qty: 2 -> 7"), "{s}");
    assert!(s.contains("␛[31m") || !s.contains('\x1b'), "{s}");
    insta::assert_snapshot!("sync_result_200x60", s);
    let s = render(&app, 80, 24);
    assert!(s.contains("qty: 2 -> 7"), "{s}");
    insta::assert_snapshot!("sync_result_80x24", s);
    // Drill into the changed row.
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Enter));
    let s = render(&app, 80, 24);
    assert!(
        s.contains("changed (target value -> source value)") && s.contains("2 -> 7"),
        "{s}"
    );
    insta::assert_snapshot!("sync_row_detail_80x24", s);
    app.on_key(key(KeyCode::Esc));
    // Apply behind the typed confirmation of the target's name.
    app.on_key(key(KeyCode::Char('a')));
    let Some(Popup::TypedConfirm { message, .. }) = &app.popup else {
        panic!("no confirmation")
    };
    assert!(
        message.contains("items into 'tgt' (source-wins): 1 insert(s), 1 update(s), 0 delete(s)"),
        "{message}"
    );
    type_text(&mut app, "tgt");
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let msg = app.sync.as_ref().unwrap().message.clone().unwrap().1;
    assert!(msg.contains("applied 2 change(s)"), "{msg}");
    let c = rusqlite::Connection::open(&tgt_path).unwrap();
    let rows: Vec<(i64, i64)> = c
        .prepare("SELECT id, qty FROM items ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows, vec![(1, 5), (2, 1), (3, 7), (4, 9)]);
    let audit = app.store.as_ref().unwrap().list_audit(&Default::default()).unwrap();
    let e = audit.iter().find(|a| a.action == "sync").expect("sync audited");
    assert_eq!((e.outcome.as_str(), e.rows_affected), ("ok", Some(2)));
    assert_eq!(e.connection.as_deref(), Some("tgt"));
    // Diff again: only the target-only row is left.
    app.on_key(key(KeyCode::Char('r')));
    settle(&mut app, &mut rx, 30).await;
    let d = app.sync.as_ref().unwrap().diff().unwrap();
    assert_eq!(
        (
            d.diff.only_in_source.len(),
            d.diff.changed.len(),
            d.diff.only_in_target.len()
        ),
        (0, 0, 1)
    );
}

/// Rows of a SQLite table as text, ordered by the first column.
fn sqlite_rows(path: &std::path::Path, table: &str) -> Vec<String> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut st = c.prepare(&format!("SELECT * FROM {table} ORDER BY 1")).unwrap();
    let n = st.column_count();
    st.query_map([], |r| {
        Ok((0..n)
            .map(|i| match r.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Null => "NULL".to_string(),
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                rusqlite::types::ValueRef::Real(v) => v.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Blob(_) => "blob".to_string(),
            })
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sync_panel_several_tables_with_each_strategy_and_delete_missing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
    let schema = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, updated_at TEXT);
         CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);
         CREATE TABLE untouched (id INTEGER PRIMARY KEY);";
    let src = sqlite_file(
        &dir.path().join("src.db"),
        &format!(
            "{schema}
             INSERT INTO items VALUES (1, 'src newer', '2026-02-01'), (2, 'src older', '2026-01-01'), (3, 'only src', '2026-01-01');
             INSERT INTO tags VALUES (1, 'red'), (2, 'blue');
             INSERT INTO untouched VALUES (1);"
        ),
    );
    let tgt_path = dir.path().join("tgt.db");
    let tgt = sqlite_file(
        &tgt_path,
        &format!(
            "{schema}
             INSERT INTO items VALUES (1, 'tgt older', '2026-01-15'), (2, 'tgt newer', '2026-01-20'), (9, 'only tgt', '2026-01-01');
             INSERT INTO tags VALUES (1, 'green'), (3, 'gone');
             INSERT INTO untouched VALUES (1);"
        ),
    );
    let (mut app, mut rx) = make(src, "src", false, Some(store), 80, 24);
    app.start();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while app.tree.schema.is_none() {
        let ev = tokio::time::timeout_at(deadline, rx.jobs.recv())
            .await
            .unwrap()
            .unwrap();
        app.on_job(ev);
    }
    app.on_key(key(KeyCode::F(8)));
    app.effects.clear();
    app.show_sync_targets(vec![entry("src"), entry("tgt")]);
    app.on_key(key(KeyCode::Enter));
    app.effects.clear();
    app.sync_target_resolved(Ok(ConnInfo {
        name: "tgt".into(),
        tag: Tag::Dev,
        read_only: false,
        spec: tgt,
    }));
    // Tables are listed sorted: items, tags, untouched. Enter alone compares the one under the cursor.
    assert_eq!(app.sync.as_ref().unwrap().tables, vec!["items", "tags", "untouched"]);
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let p = app.sync.as_ref().unwrap();
    assert_eq!(
        (p.compared(), p.chosen.clone()),
        (1, vec!["items".to_string()]),
        "{:?}",
        p.message
    );
    // Source wins: the plan, worded like `dbn sync data`.
    let s = render(&app, 80, 24);
    assert!(
        s.contains("items: only in source 1 · only in target 1 · changed 2"),
        "{s}"
    );
    assert!(
        s.contains("source-wins: insert 1, update 2, delete 0; kept 0 changed"),
        "{s}"
    );
    // w: target wins keeps both changed rows.
    app.on_key(key(KeyCode::Char('w')));
    let s = render(&app, 200, 60);
    assert!(
        s.contains("target-wins: insert 1, update 0, delete 0; kept 2 changed"),
        "{s}"
    );
    assert!(s.contains("= changed, kept"), "{s}");
    // w again: newest by updated_at (time-like columns come first), then by name.
    app.on_key(key(KeyCode::Char('w')));
    let p = app.sync.as_ref().unwrap();
    assert_eq!(p.strategy, dbn::datasync::Strategy::Newest("updated_at".into()));
    assert_eq!(
        p.strategies().iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec!["source-wins", "target-wins", "newest:updated_at", "newest:name"]
    );
    let s = render(&app, 200, 60);
    assert!(
        s.contains("newest:updated_at: insert 1, update 1, delete 0; kept 1 changed"),
        "{s}"
    );
    insta::assert_snapshot!("sync_newest_80x24", render(&app, 80, 24));
    // A writable dev target: the sync runs without a typed name, as
    // `dbn sync data --apply` does (one rule: ops::gate::OperationKind).
    app.on_key(key(KeyCode::Char('a')));
    assert!(app.popup.is_none(), "{:?}", app.popup);
    settle(&mut app, &mut rx, 30).await;
    let msg = app.sync.as_ref().unwrap().message.clone().unwrap().1;
    assert!(msg.contains("applied 2 change(s) to 'tgt'"), "{msg}");
    assert_eq!(
        sqlite_rows(&tgt_path, "items"),
        vec![
            "1|src newer|2026-02-01",
            "2|tgt newer|2026-01-20",
            "3|only src|2026-01-01",
            "9|only tgt|2026-01-01"
        ]
    );
    // Again with two tables marked: only strategies every table can use are offered.
    app.on_key(key(KeyCode::Esc));
    app.on_key(key(KeyCode::F(8)));
    app.effects.clear();
    app.show_sync_targets(vec![entry("src"), entry("tgt")]);
    app.on_key(key(KeyCode::Enter));
    app.effects.clear();
    let tgt = sqlite_file(&tgt_path, "");
    app.sync_target_resolved(Ok(ConnInfo {
        name: "tgt".into(),
        tag: Tag::Prod,
        read_only: false,
        spec: tgt,
    }));
    app.on_key(key(KeyCode::Char(' ')));
    app.on_key(key(KeyCode::Char(' ')));
    let s = render(&app, 80, 24);
    assert!(
        s.contains("[x] items") && s.contains("[x] tags") && s.contains("[ ] untouched") && s.contains("2 marked"),
        "{s}"
    );
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let p = app.sync.as_ref().unwrap();
    assert_eq!(
        (p.compared(), p.chosen.clone()),
        (2, vec!["items".to_string(), "tags".to_string()])
    );
    assert_eq!(
        p.strategies().iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec!["source-wins", "target-wins"],
        "no column besides the key is in both tables"
    );
    let s = render(&app, 80, 24);
    assert!(
        s.contains("[1/2] items: only in source 0 · only in target 1 · changed 1"),
        "{s}"
    );
    app.on_key(key(KeyCode::Char(']')));
    let s = render(&app, 80, 24);
    assert!(
        s.contains("[2/2] tags: only in source 1 · only in target 1 · changed 1"),
        "{s}"
    );
    app.on_key(key(KeyCode::Char('w')));
    app.on_key(key(KeyCode::Char('d')));
    let s = render(&app, 80, 24);
    assert!(
        s.contains("target-wins, delete-missing: insert 1, update 0, delete 1"),
        "{s}"
    );
    app.on_key(key(KeyCode::Char('a')));
    let Some(Popup::TypedConfirm { message, .. }) = &app.popup else {
        panic!("no confirmation: {:?}", app.sync.as_ref().unwrap().message)
    };
    assert!(
        message.contains(
            "Sync 2 tables (items, tags) into 'tgt' (target-wins): 1 insert(s), 0 update(s), 2 delete(s), 2 changed row(s) kept"
        ),
        "{message}"
    );
    type_text(&mut app, "tgt");
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let msg = app.sync.as_ref().unwrap().message.clone().unwrap().1;
    assert!(msg.contains("applied 3 change(s) to 'tgt'"), "{msg}");
    assert_eq!(
        sqlite_rows(&tgt_path, "items"),
        vec![
            "1|src newer|2026-02-01",
            "2|tgt newer|2026-01-20",
            "3|only src|2026-01-01"
        ]
    );
    assert_eq!(sqlite_rows(&tgt_path, "tags"), vec!["1|green", "2|blue"]);
    let audit = app.store.as_ref().unwrap().list_audit(&Default::default()).unwrap();
    let syncs: Vec<_> = audit.iter().filter(|a| a.action == "sync").collect();
    assert_eq!(syncs.len(), 3, "one audit entry per table and run: {syncs:?}");
    for (e, rows) in syncs
        .iter()
        .filter(|e| e.statement.as_deref().unwrap().contains("target-wins"))
        .zip([1, 2])
    {
        let st = e.statement.as_deref().unwrap();
        assert!(st.contains("--strategy target-wins --delete-missing"), "{st}");
        assert_eq!(e.outcome.as_str(), "ok");
        assert!(
            e.rows_affected == Some(rows) || e.rows_affected == Some(3 - rows),
            "{e:?}"
        );
        assert!(
            e.detail.as_deref().unwrap().contains("\"kept_changed\""),
            "{:?}",
            e.detail
        );
    }
    // Diff again: both tables match under target wins.
    app.on_key(key(KeyCode::Char('r')));
    settle(&mut app, &mut rx, 30).await;
    app.on_key(key(KeyCode::Char('a')));
    let msg = app.sync.as_ref().unwrap().message.clone().unwrap().1;
    assert!(msg.contains("nothing to apply"), "{msg}");
}

#[test]
fn sync_panel_never_panics_at_tiny_sizes() {
    for (w, h) in [(1, 1), (2, 3), (10, 4), (30, 8), (45, 12)] {
        let mut a = panel_app(w, h);
        a.snapshots = None;
        a.show_sync_targets(vec![entry("a"), entry("b")]);
        render(&a, w, h);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sync_diff_is_cancelled_with_esc() {
    let dir = tempfile::tempdir().unwrap();
    let rows = "CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT);
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000)
         INSERT INTO big SELECT x, 'v' || x FROM c;";
    let src = sqlite_file(&dir.path().join("a.db"), rows);
    let tgt = sqlite_file(
        &dir.path().join("b.db"),
        &format!("{rows} UPDATE big SET v = 'x' WHERE id = 199999;"),
    );
    let (mut app, mut rx) = make(src, "a", false, None, 120, 40);
    app.start();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while app.tree.schema.is_none() {
        let ev = tokio::time::timeout_at(deadline, rx.jobs.recv())
            .await
            .unwrap()
            .unwrap();
        app.on_job(ev);
    }
    app.on_key(key(KeyCode::F(8)));
    app.show_sync_targets(vec![entry("b")]);
    app.on_key(key(KeyCode::Enter));
    app.sync_target_resolved(Ok(ConnInfo {
        name: "b".into(),
        tag: Tag::Dev,
        read_only: false,
        spec: tgt,
    }));
    app.on_key(key(KeyCode::Enter));
    let s = render(&app, 120, 40);
    assert!(s.contains("comparing big") && s.contains("Esc / Ctrl+C cancel"), "{s}");
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    settle(&mut app, &mut rx, 30).await;
    let p = app.sync.as_ref().expect("the panel stays open");
    assert_eq!(p.compared(), 0, "the diff was cancelled");
    let msg = p.message.clone().unwrap().1;
    assert!(msg.contains("cancel"), "{msg}");
}

/// Issue 12.2: on MariaDB the panel named the table `sourcedb.users`, so the
/// target read the source's table and compared it with itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sync_panel_on_mariadb_reads_the_targets_own_table() {
    let (Some(src_url), Some(tgt_url)) = (common::fresh_mysql_db("f8_src"), common::fresh_mysql_db("f8_tgt")) else {
        return;
    };
    common::mysql(
        &src_url,
        "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20));
         INSERT INTO users VALUES (1, 'ann'), (2, 'bob'), (3, 'cy'), (4, 'di');",
    );
    common::mysql(
        &tgt_url,
        "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20));
         INSERT INTO users VALUES (1, 'ann'), (2, 'BOB'), (3, 'cy'), (4, 'di'), (5, 'eve');",
    );
    let (mut app, mut rx) = make(ConnSpec::parse_url(&src_url).unwrap(), "m", false, None, 200, 60);
    app.start();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while app.tree.schema.is_none() {
        let ev = tokio::time::timeout_at(deadline, rx.jobs.recv())
            .await
            .unwrap()
            .unwrap();
        app.on_job(ev);
    }
    app.on_key(key(KeyCode::F(8)));
    app.effects.clear();
    app.show_sync_targets(vec![entry("m"), entry("m2")]);
    app.on_key(key(KeyCode::Enter));
    app.sync_target_resolved(Ok(ConnInfo {
        name: "m2".into(),
        tag: Tag::Dev,
        read_only: false,
        spec: ConnSpec::parse_url(&tgt_url).unwrap(),
    }));
    assert_eq!(app.sync.as_ref().unwrap().tables, vec!["users".to_string()]);
    app.on_key(key(KeyCode::Enter));
    settle(&mut app, &mut rx, 30).await;
    let p = app.sync.as_ref().unwrap();
    let d = p.diff().unwrap_or_else(|| panic!("no diff: {:?}", p.message));
    let counts = (
        d.diff.only_in_source.len(),
        d.diff.only_in_target.len(),
        d.diff.changed.len(),
    );
    let db = |u: &str| u.split('?').next().unwrap().rsplit('/').next().unwrap().to_string();
    common::mysql(
        &src_url,
        &format!("DROP DATABASE {}; DROP DATABASE {}", db(&src_url), db(&tgt_url)),
    );
    assert_eq!(counts, (0, 1, 1), "the same pair as `dbn diff data` finds");
}

// ---------------------------------------------------------------------------
// Issue 12: the same data sync through the CLI, the TUI (headless) and a
// job yields the same refusals, the same per-batch audit entries (apart from
// the face and how the name was given) and the same end state.

// `notes` has no key on either side; `only_src` is missing from the target.
const PARITY_SRC: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER);
     INSERT INTO items VALUES (1, 'apple', 5), (2, 'pear', 1), (3, 'plum', 7), (4, 'fig', 2), (5, 'kiwi', 3);
     CREATE TABLE notes (body TEXT); CREATE TABLE only_src (id INTEGER PRIMARY KEY);";
const PARITY_DST: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER);
     INSERT INTO items VALUES (2, 'pear', 1), (3, 'plum', 2), (9, 'lime', 9);
     CREATE TABLE notes (body TEXT);";

/// What a face's preview showed: the counts of `items` (only in source,
/// only in target, changed, identical) and the messages for `only_src`
/// (missing on the target) and `notes` (no key).
#[derive(Debug, PartialEq)]
struct Previewed {
    counts: (u64, u64, u64, u64),
    missing_table: String,
    no_key: String,
}

/// The preview through the binary: `sync data` without `--apply`, or a job
/// run without `--apply`; then the two refusals.
fn preview_through_binary(sb: &common::Sandbox, job: bool) -> Previewed {
    let run = |args: &[&str]| sb.cmd().args(args).stdin(std::process::Stdio::null()).output().unwrap();
    let json_lines = |out: &[u8]| -> Vec<serde_json::Value> {
        String::from_utf8_lossy(out)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    };
    if job {
        for (name, table) in [("jp", "items"), ("jt", "only_src"), ("jk", "notes")] {
            let o = run(&[
                "job", "add", name, "--kind", "data", "--source", "src", "--target", "dst", "--table", table,
            ]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        // A job exits as `dbn sync data` does for the same failure, with its code.
        let finished = |name: &str, exit: i32| -> serde_json::Value {
            let o = run(&["job", "run", name, "--json"]);
            assert_eq!(o.status.code(), Some(exit), "{}", String::from_utf8_lossy(&o.stderr));
            let ev = json_lines(&o.stdout);
            ev.into_iter().find(|e| e["event"] == "finished").unwrap()["summary"].clone()
        };
        let t = finished("jp", 0)["counts"]["tables"][0].clone();
        let error = |name: &str, table: &str, exit: i32, code: &str| {
            let summary = finished(name, exit);
            assert_eq!(summary["code"], code, "{summary}");
            let e = summary["error"].as_str().unwrap().to_string();
            e.strip_prefix(&format!("table {table}: ")).unwrap_or(&e).to_string()
        };
        Previewed {
            counts: (
                t["only_in_source"].as_u64().unwrap(),
                t["only_in_target"].as_u64().unwrap(),
                t["changed"].as_u64().unwrap(),
                t["identical"].as_u64().unwrap(),
            ),
            missing_table: error("jt", "only_src", 1, "TABLE_NOT_FOUND"),
            no_key: error("jk", "notes", 2, "NO_KEY"),
        }
    } else {
        let sync = |table: &str| run(&["sync", "data", "-s", "src", "-t", "dst", "--table", table, "--json"]);
        let o = sync("items");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let d = &out["diff"];
        let refused = |table: &str, exit: i32, code: &str| {
            let o = sync(table);
            assert_eq!(o.status.code(), Some(exit), "{}", String::from_utf8_lossy(&o.stderr));
            let e = json_lines(&o.stderr).pop().unwrap();
            assert_eq!(e["error"]["code"], code, "{e}");
            e["error"]["message"].as_str().unwrap().to_string()
        };
        Previewed {
            counts: (
                d["only_in_source"].as_u64().unwrap(),
                d["only_in_target"].as_u64().unwrap(),
                d["changed"].as_u64().unwrap(),
                d["identical"].as_u64().unwrap(),
            ),
            missing_table: refused("only_src", 1, "TABLE_NOT_FOUND"),
            no_key: refused("notes", 2, "NO_KEY"),
        }
    }
}

/// What must match across faces in an audit entry.
type Comparable = (
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    String,
    Option<String>,
);

fn comparable(entries: &[dbn::store::audit::AuditEntry], action: &str) -> Vec<Comparable> {
    let mut v: Vec<_> = entries
        .iter()
        .filter(|e| e.action == action)
        .map(|e| {
            (
                e.action.clone(),
                e.connection.clone(),
                e.statement.clone(),
                e.rows_affected,
                e.outcome.clone(),
                e.detail.clone(),
            )
        })
        .collect();
    v.sort_by_key(|e| e.4.clone());
    v
}

/// Outcomes of the refusals recorded (`refused: CODE`).
fn refusals(entries: &[dbn::store::audit::AuditEntry]) -> Vec<(String, String)> {
    entries
        .iter()
        .filter(|e| e.outcome.starts_with("refused"))
        .map(|e| (e.action.clone(), e.outcome.clone()))
        .collect()
}

/// The CLI (`sync data`) or a job (`job run`) in a sandbox: the preview,
/// a wrong confirmation, then `--confirm dst`. Returns the preview and the
/// audit log.
fn parity_through_binary(job: bool, dir: &std::path::Path) -> (Previewed, Vec<dbn::store::audit::AuditEntry>) {
    let sb = common::Sandbox::new();
    let src = dir.join("src.db");
    let dst = dir.join("dst.db");
    sqlite_file(&src, PARITY_SRC);
    sqlite_file(&dst, PARITY_DST);
    let run = |args: &[&str]| sb.cmd().args(args).stdin(std::process::Stdio::null()).output().unwrap();
    let ok = |args: &[&str]| {
        let o = run(args);
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    ok(&["connect", "add", "src", "--url", &format!("sqlite://{}", src.display())]);
    ok(&[
        "connect",
        "add",
        "dst",
        "--url",
        &format!("sqlite://{}", dst.display()),
        "--tag",
        "prod",
        "--read-only",
    ]);
    let base: Vec<&str> = if job {
        ok(&[
            "job", "add", "j", "--kind", "data", "--source", "src", "--target", "dst", "--table", "items",
        ]);
        vec!["job", "run", "j", "--apply"]
    } else {
        vec!["sync", "data", "-s", "src", "-t", "dst", "--table", "items", "--apply"]
    };
    let before = sqlite_rows(&dst, "items");
    let previewed = preview_through_binary(&sb, job);
    assert_eq!(sqlite_rows(&dst, "items"), before, "a preview writes nothing");
    let o = run(&[&base[..], &["--confirm", "wrong"]].concat());
    assert_eq!(o.status.code(), Some(4), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(sqlite_rows(&dst, "items"), before);
    ok(&[&base[..], &["--confirm", "dst"]].concat());
    let out = dir.join(if job { "job.rows" } else { "cli.rows" });
    std::fs::write(&out, sqlite_rows(&dst, "items").join("\n")).unwrap();
    let audit = Store::open(&sb.ws().join(".dbnexus/metadata.db"))
        .unwrap()
        .list_audit(&Default::default())
        .unwrap();
    (previewed, audit)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sync_parity_cli_tui_job() {
    let dir = tempfile::tempdir().unwrap();
    let cli_dir = dir.path().join("cli");
    let job_dir = dir.path().join("job");
    let tui_dir = dir.path().join("tui");
    for d in [&cli_dir, &job_dir, &tui_dir] {
        std::fs::create_dir_all(d).unwrap();
    }
    let (cli_preview, cli) = parity_through_binary(false, &cli_dir);
    let (job_preview, job) = parity_through_binary(true, &job_dir);
    assert_eq!(cli_preview.counts, (3, 1, 1, 1));
    assert_eq!(job_preview, cli_preview, "job vs cli preview");

    // The TUI: F8 from src, target dst (read-only prod), apply, a wrong name, then the right one.
    let store = Store::open(&tui_dir.join("meta.db")).unwrap();
    let src = sqlite_file(&tui_dir.join("src.db"), PARITY_SRC);
    let dst_path = tui_dir.join("dst.db");
    let mut dst = sqlite_file(&dst_path, PARITY_DST);
    dst.read_only = true;
    let (mut app, mut rx) = make(src, "src", false, Some(store), 200, 60);
    app.start();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while app.tree.schema.is_none() {
        let ev = tokio::time::timeout_at(deadline, rx.jobs.recv())
            .await
            .unwrap()
            .unwrap();
        app.on_job(ev);
    }
    // Tables are listed sorted: items, notes, only_src.
    let open_panel = |app: &mut App, dst: &ConnSpec, table: usize| {
        app.on_key(key(KeyCode::F(8)));
        app.effects.clear();
        app.show_sync_targets(vec![entry("src"), entry("dst")]);
        app.on_key(key(KeyCode::Down));
        app.on_key(key(KeyCode::Enter));
        app.effects.clear();
        app.sync_target_resolved(Ok(ConnInfo {
            name: "dst".into(),
            tag: Tag::Prod,
            read_only: true,
            spec: dst.clone(),
        }));
        for _ in 0..table {
            app.on_key(key(KeyCode::Down));
        }
        app.on_key(key(KeyCode::Enter));
    };
    let mut refused = Vec::new();
    for table in [2, 1] {
        open_panel(&mut app, &dst, table);
        settle(&mut app, &mut rx, 30).await;
        let p = app.sync.as_ref().unwrap();
        assert!(p.diff().is_none(), "{:?}", p.message);
        refused.push(p.message.clone().map(|(_, m)| m).unwrap_or_default());
    }
    open_panel(&mut app, &dst, 0);
    settle(&mut app, &mut rx, 30).await;
    let d = &app.sync.as_ref().unwrap().diff().unwrap().diff;
    let tui_preview = Previewed {
        counts: (
            d.only_in_source.len() as u64,
            d.only_in_target.len() as u64,
            d.changed.len() as u64,
            d.equal,
        ),
        no_key: refused.pop().unwrap(),
        missing_table: refused.pop().unwrap(),
    };
    assert_eq!(tui_preview, cli_preview, "tui vs cli preview");
    let before = sqlite_rows(&dst_path, "items");
    app.on_key(key(KeyCode::Char('a')));
    assert!(
        matches!(app.popup, Some(Popup::TypedConfirm { .. })),
        "{:?}",
        app.status
    );
    type_text(&mut app, "wrong");
    app.on_key(key(KeyCode::Enter));
    assert_eq!(sqlite_rows(&dst_path, "items"), before);
    app.popup = None;
    app.on_key(key(KeyCode::Char('a')));
    // The unlock of the read-only target, then the sync's own confirmation.
    for _ in 0..2 {
        if matches!(app.popup, Some(Popup::TypedConfirm { .. })) {
            type_text(&mut app, "dst");
            app.on_key(key(KeyCode::Enter));
        }
    }
    assert!(app.popup.is_none(), "{:?}", app.popup);
    settle(&mut app, &mut rx, 30).await;
    let tui = app.store.as_ref().unwrap().list_audit(&Default::default()).unwrap();

    // Same end state.
    let end = sqlite_rows(&dst_path, "items").join("\n");
    assert_eq!(std::fs::read_to_string(cli_dir.join("cli.rows")).unwrap(), end);
    assert_eq!(std::fs::read_to_string(job_dir.join("job.rows")).unwrap(), end);
    assert!(
        end.contains("1|apple|5") && end.contains("3|plum|7") && end.contains("9|lime|9"),
        "{end}"
    );
    // Same per-batch audit entries, each completed, each naming its face.
    let batches = comparable(&cli, "sync_batch");
    assert_eq!(batches.len(), 1, "{cli:#?}");
    assert_eq!((batches[0].3, batches[0].4.as_str()), (Some(4), "ok"));
    assert_eq!(comparable(&job, "sync_batch"), batches, "job vs cli");
    assert_eq!(comparable(&tui, "sync_batch"), batches, "tui vs cli");
    for (log, face) in [(&cli, "cli"), (&job, "job"), (&tui, "tui")] {
        let b = log.iter().find(|e| e.action == "sync_batch").unwrap();
        assert_eq!(b.face.as_deref(), Some(face));
        assert!(
            b.unlock.is_some() && b.confirmed_by.as_deref().is_some_and(|c| c.contains("dst")),
            "{b:?}"
        );
        // The unlock that allowed it is on record before it.
        assert!(
            log.iter()
                .any(|e| e.action == "unlock" && e.outcome == "ok" && e.id < b.id),
            "{face}: {log:#?}"
        );
    }
    // Same refusal.
    let r = refusals(&cli);
    assert_eq!(
        r,
        [("sync".to_string(), "refused: SAFETY_CONFIRM_MISMATCH".to_string())]
    );
    assert_eq!(refusals(&job), r, "job");
    assert_eq!(refusals(&tui), r, "tui");
}
