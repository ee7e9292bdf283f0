//! Editor, tree, message log and saved sessions, driven headless: undo and
//! redo keys, indent, paste with CR line ends, fuzzy palette and completion,
//! functions/triggers/constraints with their DDL, refresh after DDL,
//! full error texts, editor tabs restored, transactions rolled back on exit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::app::{App, ConnInfo, Focus, Options, Popup, Receivers, ViewerKind};
use dbn::db::{ConnSpec, Engine};
use dbn::keymap::{Action, Keymap};
use dbn::store::Store;
use dbn::store::connections::Tag;
use dbn::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::time::Duration;

fn make(spec: ConnSpec, name: &str, store: Option<Store>) -> (App, Receivers) {
    let conn = ConnInfo {
        name: name.into(),
        tag: Tag::Dev,
        read_only: false,
        spec,
    };
    let opts = Options {
        keymap: Keymap::load("default", &[]).unwrap(),
        theme: Theme::named("basic16").unwrap(),
        preview_limit: 50,
        audit_jsonl: None,
        store,
    };
    App::new(conn, opts, Rect::new(0, 0, 120, 40))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
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

async fn settle(app: &mut App, rx: &mut Receivers, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if app.running.is_none() && !app.tree.loading {
            return;
        }
        tokio::select! {
            Some(ev) = rx.db.recv() => app.on_db(ev),
            Some(ev) = rx.jobs.recv() => app.on_job(ev),
            () = tokio::time::sleep_until(deadline) => panic!("still busy after {secs}s: {:?}", app.status),
        }
    }
}

fn render(app: &App) -> String {
    let (w, h) = (app.size.width, app.size.height);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| dbn::ui::draw(f, app)).unwrap();
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn sqlite(dir: &std::path::Path) -> ConnSpec {
    let path = dir.join("e.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, customer_name TEXT);")
        .unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(path.display().to_string());
    spec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paste_with_cr_undo_redo_indent_and_fuzzy_matching() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(sqlite(dir.path()), "lite", None);
    app.start();
    settle(&mut app, &mut rx, 20).await;
    // Terminals paste lines ending in CR (xterm, VTE, tmux paste-buffer -p).
    app.on_term(Event::Paste("select id,\r  customer_name\r\nfrom customers".into()));
    assert_eq!(app.editor.buf().text(), "select id,\n  customer_name\nfrom customers");
    type_text(&mut app, " where id > 1");
    app.on_key(ctrl('z'));
    assert_eq!(app.editor.buf().text(), "select id,\n  customer_name\nfrom customers");
    app.on_key(ctrl('z'));
    assert_eq!(app.editor.buf().text(), "");
    // Ctrl+Shift+Z as the kitty protocol sends it (shift + lowercase), and Ctrl+Y, redo.
    app.on_key(KeyEvent::new(
        KeyCode::Char('z'),
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    ));
    assert_eq!(app.editor.buf().text(), "select id,\n  customer_name\nfrom customers");
    app.on_key(ctrl('y'));
    assert_eq!(
        app.editor.buf().text(),
        "select id,\n  customer_name\nfrom customers where id > 1"
    );
    // Indent and dedent the cursor line (Tab keeps moving between panes).
    app.on_key(KeyEvent::new(KeyCode::Right, KeyModifiers::ALT));
    assert_eq!(
        app.editor.buf().text().lines().last(),
        Some("    from customers where id > 1")
    );
    app.on_key(KeyEvent::new(KeyCode::Left, KeyModifiers::ALT));
    app.on_key(KeyEvent::new(KeyCode::Left, KeyModifiers::ALT));
    assert_eq!(
        app.editor.buf().text().lines().last(),
        Some("from customers where id > 1")
    );
    app.on_key(key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Grid, "Tab still moves focus");
    // Help lists the undo keys.
    app.popup = Some(Popup::Help { scroll: 0 });
    let help_len = dbn::ui::help_len(&app);
    assert!(help_len > 0);
    let lines: String = (0..help_len)
        .step_by(20)
        .map(|s| {
            app.popup = Some(Popup::Help { scroll: s });
            render(&app)
        })
        .collect();
    assert!(
        lines.contains("Ctrl+Z") && lines.contains("Undo") && lines.contains("Indent"),
        "{lines}"
    );
    app.popup = None;
    // Fuzzy palette: letters in order.
    assert_eq!(dbn::app::palette_matches("exprt").first(), Some(&Action::ExportResult));
    // Fuzzy completion: "cstnm" finds customer_name and replaces the typed letters.
    app.focus = Focus::Editor;
    app.on_key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::ALT));
    type_text(&mut app, "select cstnm");
    app.on_key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL));
    if let Some(Popup::Complete { items, .. }) = &app.popup {
        assert_eq!(items.first().map(String::as_str), Some("customer_name"), "{items:?}");
        app.on_key(key(KeyCode::Enter));
    }
    assert_eq!(app.editor.buf().text(), "select customer_name");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_tree_objects_ddl_view_refresh_and_the_message_log() {
    let Some(url) = common::fresh_pg_db("tui_tree") else {
        return;
    };
    common::psql(
        &url,
        "CREATE TABLE acct (id int PRIMARY KEY, email text CONSTRAINT acct_email_key UNIQUE, bal numeric CONSTRAINT bal_pos CHECK (bal >= 0));
         CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql AS 'SELECT x + 1';
         CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1';
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
         CREATE TRIGGER acct_touch BEFORE UPDATE ON acct FOR EACH ROW EXECUTE FUNCTION touch();
         CREATE SEQUENCE invoice_no;",
    );
    let spec = ConnSpec::parse_url(&url).unwrap();
    // DDL is audited before it is sent: a store, as every workspace has.
    let meta = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(spec, "pg", Some(Store::open(&meta.path().join("meta.db")).unwrap()));
    app.start();
    settle(&mut app, &mut rx, 30).await;
    let find = |app: &App, label: &str| app.tree.nodes.iter().position(|n| n.label.contains(label));
    // Open the table and the groups.
    for k in [
        "t:public.acct",
        "g:public:functions",
        "g:public:procedures",
        "g:public:sequences",
    ] {
        app.tree.expanded.insert(k.into());
    }
    app.tree.rebuild();
    for label in [
        "U acct_email_key",
        "✓ bal_pos",
        "⚡ acct_touch",
        "ƒ add_one",
        "ƒ noop",
        "invoice_no",
    ] {
        assert!(find(&app, label).is_some(), "{label} missing: {:?}", app.tree.nodes);
    }
    // DDL of a function, rendered from the model, openable in a new tab.
    app.focus = Focus::Tree;
    app.tree.selected = find(&app, "ƒ add_one").unwrap();
    app.on_key(key(KeyCode::Char('d')));
    let Some(Popup::Viewer { text, kind, .. }) = &app.popup else {
        panic!("no DDL viewer: {:?}", app.status)
    };
    assert_eq!(*kind, ViewerKind::Ddl);
    assert!(text.contains("FUNCTION public.add_one(x integer)"), "{text}");
    let ddl = text.clone();
    app.on_key(key(KeyCode::Char('y')));
    assert!(matches!(app.effects.last(), Some(dbn::app::Effect::Clipboard(_))));
    app.on_key(key(KeyCode::Char('e')));
    assert_eq!(app.focus, Focus::Editor);
    assert_eq!(app.editor.buf().text(), ddl);
    assert_eq!(app.editor.buffers.len(), 2, "a new tab, the first one kept");
    // Constraint and table DDL.
    app.focus = Focus::Tree;
    app.tree.selected = find(&app, "✓ bal_pos").unwrap();
    app.on_key(key(KeyCode::Char('d')));
    let Some(Popup::Viewer { text, .. }) = &app.popup else {
        panic!()
    };
    assert!(
        text.contains("ALTER TABLE public.acct ADD CONSTRAINT bal_pos CHECK"),
        "{text}"
    );
    app.on_key(key(KeyCode::Esc));
    // `e` on a table opens its preview query in a new tab; the typed buffer stays.
    app.tree.selected = find(&app, "acct").unwrap();
    app.focus = Focus::Editor;
    type_text(&mut app, "-- my work");
    app.focus = Focus::Tree;
    app.on_key(key(KeyCode::Char('e')));
    assert!(app.editor.buf().text().starts_with("SELECT * FROM"));
    assert!(app.editor.buffers.iter().any(|b| b.text().contains("-- my work")));
    // DDL typed in the editor refreshes the tree when it completes.
    app.focus = Focus::Editor;
    app.editor.new_buffer("create table fresh_one (id int)");
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 30).await;
    assert!(find(&app, "fresh_one").is_some(), "the tree was not refreshed");
    // The full error text is in the message log, with the statement.
    app.editor
        .new_buffer("select nosuchcolumn_with_a_long_name_that_the_status_line_cuts from acct");
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 30).await;
    app.on_key(key(KeyCode::F(9)));
    let Some(Popup::Viewer { text, kind, .. }) = &app.popup else {
        panic!("no log")
    };
    assert_eq!(*kind, ViewerKind::Log);
    assert!(
        text.contains("nosuchcolumn_with_a_long_name_that_the_status_line_cuts") && text.contains("statement: select"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editor_tabs_come_back_per_connection() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("meta.db");
    {
        let (mut app, mut rx) = make(sqlite(dir.path()), "lite", Some(Store::open(&db).unwrap()));
        type_text(&mut app, "select 1;\nselect 2");
        app.on_key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::ALT));
        type_text(&mut app, "select 'second tab'");
        app.on_key(key(KeyCode::Left));
        app.shutdown(&mut rx, Duration::from_secs(2)).await;
    }
    let (app, _rx) = make(sqlite(dir.path()), "lite", Some(Store::open(&db).unwrap()));
    let texts: Vec<String> = app.editor.buffers.iter().map(|b| b.text()).collect();
    assert_eq!(
        texts,
        vec!["select 1;\nselect 2".to_string(), "select 'second tab'".to_string()]
    );
    assert_eq!(app.editor.active, 1);
    let ratatui_textarea::DataCursor(r, c) = app.editor.buf().textarea.cursor();
    assert_eq!((r, c), (0, "select 'second tab'".len() - 1));
    // Another connection of the same workspace has its own tabs.
    let (other, _rx) = make(sqlite(dir.path()), "other", Some(Store::open(&db).unwrap()));
    assert_eq!(other.editor.buffers.len(), 1);
    assert_eq!(other.editor.buf().text(), "");
}

/// Saved tabs go to the metadata store: a password typed into the editor is
/// masked there by the same rule as history and the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_editor_tabs_hold_no_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("meta.db");
    {
        let (mut app, mut rx) = make(sqlite(dir.path()), "lite", Some(Store::open(&db).unwrap()));
        type_text(&mut app, "select 1;\nCREATE USER bob IDENTIFIED BY 'hunter2-secret'");
        app.shutdown(&mut rx, Duration::from_secs(2)).await;
    }
    for f in ["meta.db", "meta.db-wal"] {
        let raw = std::fs::read(dir.path().join(f)).unwrap_or_default();
        assert!(
            !raw.windows(14).any(|w| w == b"hunter2-secret"),
            "the password is in {f}"
        );
    }
    let (app, _rx) = make(sqlite(dir.path()), "lite", Some(Store::open(&db).unwrap()));
    assert_eq!(
        app.editor.buf().text(),
        "select 1;\nCREATE USER bob IDENTIFIED BY '***'"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_open_transaction_shows_tx_asks_on_quit_and_is_rolled_back() {
    let Some(url) = common::fresh_pg_db("tui_tx") else {
        return;
    };
    common::psql(&url, "CREATE TABLE t (id int)");
    let spec = ConnSpec::parse_url(&url).unwrap();
    let meta = tempfile::tempdir().unwrap();
    let (mut app, mut rx) = make(spec, "pg", Some(Store::open(&meta.path().join("meta.db")).unwrap()));
    app.editor.buf_mut().set_text("begin;\ninsert into t values (1)");
    app.on_key(key(KeyCode::F(6)));
    settle(&mut app, &mut rx, 30).await;
    assert!(app.transaction_open().is_some(), "{:?}", app.status);
    assert!(render(&app).contains(" TX "), "the status line shows the transaction");
    // Quit asks first.
    app.on_key(ctrl('q'));
    assert!(matches!(app.popup, Some(Popup::ConfirmQuit { .. })));
    assert!(!app.quit);
    app.on_key(key(KeyCode::Char('n')));
    assert!(!app.quit && app.popup.is_none());
    // COMMIT/ROLLBACK end it; BEGIN again, then quit for real.
    app.editor.buf_mut().set_text("rollback");
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 30).await;
    assert!(app.transaction_open().is_none());
    app.editor.buf_mut().set_text("begin;\ninsert into t values (2)");
    app.on_key(key(KeyCode::F(6)));
    settle(&mut app, &mut rx, 30).await;
    app.on_key(ctrl('q'));
    app.on_key(key(KeyCode::Char('y')));
    assert!(app.quit);
    let report = app.shutdown(&mut rx, Duration::from_secs(5)).await;
    assert!(report.rolled_back, "{report:?}");
    assert_eq!(common::psql(&url, "SELECT count(*) FROM t").trim(), "0");
    let db = url.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();
    let left = common::psql(
        &url,
        &format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()"),
    );
    assert_eq!(left.trim(), "0", "the session was closed");
}
