//! Side panels docked beside the editor and grid (right on wide screens, at
//! the bottom below 120 columns): the panes stay visible and usable, focus
//! moves in and out, the panel resizes, any pane can be maximised.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dbn::app::{App, ConnInfo, Focus, Options, Receivers};
use dbn::db::{ConnSpec, Engine};
use dbn::keymap::Keymap;
use dbn::store::Store;
use dbn::store::connections::Tag;
use dbn::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::time::Duration;

fn make(dir: &std::path::Path, w: u16, h: u16) -> (App, Receivers) {
    let path = dir.join("d.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY)")
        .unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(path.display().to_string());
    let conn = ConnInfo {
        name: "lite".into(),
        tag: Tag::Dev,
        read_only: false,
        spec,
    };
    let opts = Options {
        keymap: Keymap::load("default", &[]).unwrap(),
        theme: Theme::named("basic16").unwrap(),
        preview_limit: 50,
        audit_jsonl: None,
        store: Some(Store::open(&dir.join("meta.db")).unwrap()),
    };
    App::new(conn, opts, Rect::new(0, 0, w, h))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn alt(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)
}

fn render(app: &App) -> String {
    let (w, h) = (app.size.width, app.size.height);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| dbn::ui::draw(f, app)).unwrap();
    let buf = term.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
        .collect()
}

async fn settle(app: &mut App, rx: &mut Receivers) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while app.busy() || app.tree.loading {
        tokio::select! {
            Some(ev) = rx.db.recv() => app.on_db(ev),
            Some(ev) = rx.jobs.recv() => app.on_job(ev),
            () = tokio::time::sleep_until(deadline) => panic!("still busy: {:?}", app.status),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_docks_right_and_the_panes_stay_usable() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(dir.path(), 200, 60);
    app.on_key(key(KeyCode::F(7)));
    settle(&mut app, &mut rx).await;
    assert_eq!(app.focus, Focus::Panel);
    let panes = app.panes();
    let panel = panes.panel.expect("docked");
    assert_eq!(panel.x + panel.width, 200, "at the right edge");
    assert!(panes.editor.width > 60 && panes.grid.width > 60 && panes.tree.is_some());
    let s = render(&app);
    assert!(
        s.contains("Schema snapshots") && s.contains("Editor") && s.contains("Results"),
        "{s}"
    );
    // The editor takes keys and runs while the panel stays open.
    app.on_key(alt('2'));
    assert_eq!(app.focus, Focus::Editor);
    for c in "select 42 as answer".chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx).await;
    assert_eq!(app.grid.rows(), 1);
    assert!(app.snapshots.is_some());
    // Tab goes round the panes and into the panel.
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Grid);
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Panel);
    // Resize, maximise, restore.
    app.on_key(alt('='));
    assert!(app.panes().panel.unwrap().width > panel.width);
    app.on_key(alt('-'));
    app.on_key(alt('-'));
    assert!(app.panes().panel.unwrap().width < panel.width);
    app.on_key(alt('z'));
    assert_eq!(app.panes().panel.unwrap().width, 200);
    assert_eq!(app.panes().editor.width, 0);
    app.on_key(alt('z'));
    assert!(app.panes().editor.width > 0);
    // Esc closes the panel and gives the keys back to the editor.
    app.on_key(key(KeyCode::Esc));
    assert!(app.snapshots.is_none());
    assert_eq!(app.focus, Focus::Editor);
    assert!(app.panes().panel.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn below_120_columns_the_panel_docks_at_the_bottom_and_80x24_keeps_its_panes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(dir.path(), 80, 24);
    let before = render(&app);
    app.on_key(key(KeyCode::F(7)));
    settle(&mut app, &mut rx).await;
    let panes = app.panes();
    let panel = panes.panel.expect("docked");
    assert_eq!((panel.x, panel.width), (0, 80));
    assert_eq!(panel.y + panel.height, 23, "above the status line");
    assert!(panes.editor.height >= 3 && panes.grid.height >= 4);
    let s = render(&app);
    assert!(
        s.contains("Editor") && s.contains("Results") && s.contains("Schema snapshots"),
        "{s}"
    );
    app.on_key(key(KeyCode::Esc));
    assert_eq!(
        render(&app),
        before,
        "closing the panel restores the 80x24 layout exactly"
    );
    // Any pane can be maximised, too.
    app.on_key(alt('3'));
    app.on_key(alt('z'));
    assert_eq!(app.panes().grid.height, 23);
    app.on_key(alt('z'));
    assert_eq!(render(&app).lines().count(), 24);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comparing_against_live_reads_the_schema_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(dir.path(), 200, 60);
    app.on_key(key(KeyCode::F(7)));
    settle(&mut app, &mut rx).await;
    app.on_key(key(KeyCode::Char('s')));
    settle(&mut app, &mut rx).await;
    // The schema changes after the panel read it (as an ALTER in the editor or elsewhere would).
    rusqlite::Connection::open(dir.path().join("d.db"))
        .unwrap()
        .execute_batch("CREATE TABLE added_later (x INTEGER)")
        .unwrap();
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Char('l')));
    settle(&mut app, &mut rx).await;
    let view = app.snapshots.as_ref().and_then(|p| p.view.as_ref()).expect("a diff");
    assert!(
        view.lines.iter().any(|l| l.contains("added_later")),
        "live was not read afresh: {:?}",
        view.lines
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f7_compares_this_connection_with_another_one() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(dir.path(), 200, 60);
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, extra TEXT); CREATE TABLE only_there (x INTEGER);")
        .unwrap();
    app.on_key(key(KeyCode::F(7)));
    // The event loop lists the saved connections and resolves the one picked.
    assert!(app.effects.contains(&dbn::app::Effect::SnapshotSources));
    app.snapshot_sources(vec![dbn::app::ConnEntry {
        name: "other".into(),
        engine: "sqlite".into(),
        tag: Tag::Dev,
        read_only: false,
    }]);
    settle(&mut app, &mut rx).await;
    let s = render(&app);
    assert!(s.contains("other") && s.contains("read when compared"), "{s}");
    // The other connection is the last row; `l` compares it with this one, live.
    let last = app.snapshots.as_ref().unwrap().rows() - 1;
    for _ in 0..last {
        app.on_key(key(KeyCode::Down));
    }
    app.on_key(key(KeyCode::Char('l')));
    let wanted = app
        .effects
        .iter()
        .any(|e| *e == dbn::app::Effect::ResolveSnapshotSource("other".into()));
    assert!(wanted, "{:?}", app.effects);
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(other.display().to_string());
    app.snapshot_source_resolved(
        "other".into(),
        Ok(ConnInfo {
            name: "other".into(),
            tag: Tag::Dev,
            read_only: false,
            spec,
        }),
    );
    settle(&mut app, &mut rx).await;
    let view = app.snapshots.as_ref().and_then(|p| p.view.as_ref()).expect("a diff");
    let names: Vec<&str> = view.diff.changes.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"only_there") && names.contains(&"t"), "{names:?}");
    assert!(
        view.lines.iter().any(|l| l.contains("other (live)")),
        "{:?}",
        view.lines
    );
}
