//! Editing rows in the grid, driven headless against live PostgreSQL,
//! MariaDB and SQLite: edits are staged and highlighted, the preview shows
//! the exact SQL, typed input is checked, results that cannot be edited say
//! why, and a commit goes through the editor's gate in one transaction
//! (conflicts and errors roll everything back and keep the edits; a
//! read-only connection needs the unlock; every statement is audited).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::app::{App, ConnInfo, Focus, Options, Receivers};
use dbn::db::ConnSpec;
use dbn::keymap::Keymap;
use dbn::store::Store;
use dbn::store::connections::Tag;
use dbn::ui::theme::{Slot, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Style;
use std::time::Duration;

struct Ui {
    app: App,
    rx: Receivers,
    _dir: tempfile::TempDir,
}

fn make(spec: ConnSpec, name: &str, read_only: bool) -> Ui {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("meta.db")).unwrap();
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
    let (app, rx) = App::new(conn, opts, Rect::new(0, 0, 140, 40));
    Ui { app, rx, _dir: dir }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

impl Ui {
    fn keys(&mut self, s: &str) {
        for c in s.chars() {
            self.app.on_key(key(KeyCode::Char(c)));
        }
    }

    fn press(&mut self, code: KeyCode) {
        self.app.on_key(key(code));
    }

    async fn settle(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while self.app.running.is_some()
            || self.app.tree.loading
            || self.app.edits.as_ref().is_some_and(|e| e.committing)
        {
            tokio::select! {
                Some(ev) = self.rx.db.recv() => self.app.on_db(ev),
                Some(ev) = self.rx.jobs.recv() => self.app.on_job(ev),
                () = tokio::time::sleep_until(deadline) => panic!("still busy: {:?}", self.app.status),
            }
        }
    }

    /// Run `sql` from the editor and focus the grid on its result, with the schema loaded.
    async fn query(&mut self, sql: &str) {
        if self.app.tree.schema.is_none() {
            self.app.start();
        }
        self.app.focus = Focus::Editor;
        self.app.editor.buf_mut().set_text(sql);
        self.press(KeyCode::F(5));
        self.settle().await;
        assert!(self.app.grid.result.is_some(), "{sql}: {:?}", self.app.status);
        self.app.focus = Focus::Grid;
    }

    fn status(&self) -> String {
        self.app.status.as_ref().map(|s| s.1.clone()).unwrap_or_default()
    }

    /// Go to row `row`, column `col` (0-based) of the grid.
    fn goto(&mut self, row: usize, col: usize) {
        self.app.grid.row = row;
        self.app.grid.col = col;
        self.app.after_move();
    }

    /// Edit the cursor cell: clear it, type `text`, Enter.
    fn edit(&mut self, text: &str) {
        self.keys("e");
        assert!(self.editing(), "editor open: {}", self.status());
        self.app.on_key(ctrl('u'));
        self.keys(text);
        self.press(KeyCode::Enter);
    }

    fn editing(&self) -> bool {
        self.app.edits.as_ref().is_some_and(|e| e.editor.is_some())
    }

    fn editor_error(&self) -> Option<String> {
        self.app.edits.as_ref()?.editor.as_ref()?.error.clone()
    }

    fn statements(&self) -> Vec<String> {
        self.app
            .edits
            .as_ref()
            .map(|e| e.staged.statements().into_iter().map(|s| s.sql).collect())
            .unwrap_or_default()
    }

    fn buffer(&self) -> Buffer {
        let (w, h) = (self.app.size.width, self.app.size.height);
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| dbn::ui::draw(f, &self.app)).unwrap();
        term.backend().buffer().clone()
    }

    /// The screen line of the grid's staged new row `n` (1-based), drawn as `+n│`.
    fn new_row_line(&self, n: usize) -> Option<String> {
        let mark = format!("+{n}│");
        self.screen().lines().find(|l| l.contains(&mark)).map(str::to_string)
    }

    /// The style of the first screen cell showing `text` on the line holding `line_mark`.
    fn style_of(&self, line_mark: &str, text: &str) -> Style {
        let buf = self.buffer();
        let (w, h) = (buf.area.width, buf.area.height);
        for y in 0..h {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol()).collect();
            if !line.contains(line_mark) {
                continue;
            }
            let at = line.find(text).unwrap_or_else(|| panic!("{text} not in {line}"));
            let x = line[..at].chars().count() as u16;
            return buf[(x, y)].style();
        }
        panic!("no line with {line_mark}")
    }

    fn screen(&self) -> String {
        let buf = self.buffer();
        let (w, h) = (buf.area.width, buf.area.height);
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

const ACCOUNTS: &str = "CREATE TABLE accounts (id int PRIMARY KEY, owner varchar(40) NOT NULL, balance numeric(10,2) NOT NULL DEFAULT 0, note text, opened date, active boolean NOT NULL DEFAULT true);
INSERT INTO accounts VALUES (1, 'ada', 10.00, NULL, '2026-01-01', true), (2, 'bob', 20.50, 'vip', '2026-01-02', true), (3, 'cy', 0.00, NULL, NULL, false);
CREATE VIEW rich AS SELECT * FROM accounts WHERE balance > 5;
CREATE TABLE ledger (at timestamp, amount int);";

/// Drops its test database when the test ends (even when it fails).
struct Dropped {
    name: String,
    mysql: bool,
}

impl Drop for Dropped {
    fn drop(&mut self) {
        let engine = if self.mysql {
            dbn::db::Engine::Mysql
        } else {
            dbn::db::Engine::Postgres
        };
        common::drop_test_database(engine, &self.name);
    }
}

async fn pg() -> Option<(Ui, String, Dropped)> {
    let url = common::fresh_pg_db("tui_edit")?;
    let guard = Dropped {
        name: common::database_of(&url).unwrap_or_default(),
        mysql: false,
    };
    common::psql(&url, ACCOUNTS);
    let ui = make(ConnSpec::parse_url(&url).unwrap(), "pg", false);
    Some((ui, url, guard))
}

const MY_ACCOUNTS: &str = "CREATE TABLE accounts (id int PRIMARY KEY, owner varchar(40) NOT NULL, balance decimal(10,2) NOT NULL DEFAULT 0, note text, opened date, active boolean NOT NULL DEFAULT true);
INSERT INTO accounts VALUES (1, 'ada', 10.00, NULL, '2026-01-01', true), (2, 'bob', 20.50, 'vip', '2026-01-02', true), (3, 'cy', 0.00, NULL, NULL, false);";

async fn mariadb() -> Option<(Ui, String, Dropped)> {
    let url = common::fresh_mysql_db("tui_edit")?;
    let guard = Dropped {
        name: common::database_of(&url).unwrap_or_default(),
        mysql: true,
    };
    common::mysql(&url, MY_ACCOUNTS);
    let ui = make(ConnSpec::parse_url(&url).unwrap(), "my", false);
    Some((ui, url, guard))
}

fn sqlite(dir: &std::path::Path) -> (Ui, std::path::PathBuf) {
    let path = dir.join("lite.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance REAL NOT NULL DEFAULT 0, note TEXT, opened DATE, active BOOLEAN NOT NULL DEFAULT 1);
         INSERT INTO accounts VALUES (1, 'ada', 10.0, NULL, '2026-01-01', 1), (2, 'bob', 20.5, 'vip', '2026-01-02', 1), (3, 'cy', 0.0, NULL, NULL, 0);",
    )
    .unwrap();
    let mut spec = dbn::db::ConnSpec::new(dbn::db::Engine::Sqlite);
    spec.database = Some(path.display().to_string());
    (make(spec, "lite", false), path)
}

fn lite(path: &std::path::Path, sql: &str) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
        .map(|v| format!("{v:?}"))
        .unwrap()
}

/// Stage one edit, one deletion and one new row the same way on any engine.
fn stage_three(ui: &mut Ui) {
    ui.goto(0, 1);
    ui.edit("ada l");
    ui.goto(2, 0);
    ui.keys("D");
    // o stages the row below the result, Enter opens its form, Enter edits a column.
    ui.keys("o");
    ui.press(KeyCode::Enter);
    ui.press(KeyCode::Enter);
    ui.keys("4");
    ui.press(KeyCode::Enter);
    ui.press(KeyCode::Down);
    ui.press(KeyCode::Enter);
    ui.keys("dee");
    ui.press(KeyCode::Enter);
    ui.press(KeyCode::Esc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_are_staged_highlighted_and_previewed_as_exact_sql() {
    let Some((mut ui, url, _db)) = pg().await else { return };
    ui.query("SELECT id, owner, balance, note, opened FROM accounts ORDER BY id")
        .await;
    // owner of row 1, balance of row 2.
    ui.goto(0, 1);
    ui.edit("ada lovelace");
    ui.goto(1, 2);
    ui.edit("25.5");
    // NULL is a choice, not text: Ctrl+N on note of row 2.
    ui.goto(1, 3);
    ui.keys("e");
    ui.app.on_key(ctrl('n'));
    ui.press(KeyCode::Enter);
    // The text NULL stays text.
    ui.goto(2, 3);
    ui.edit("NULL");
    assert_eq!(
        ui.statements(),
        vec![
            "UPDATE \"public\".\"accounts\" SET \"owner\" = 'ada lovelace' WHERE \"id\" = 1 AND \"owner\" = 'ada'",
            "UPDATE \"public\".\"accounts\" SET \"balance\" = 25.5, \"note\" = NULL WHERE \"id\" = 2 AND \"balance\" = 20.50 AND \"note\" = 'vip'",
            "UPDATE \"public\".\"accounts\" SET \"note\" = 'NULL' WHERE \"id\" = 3 AND \"note\" IS NULL",
        ]
    );
    // Nothing was sent.
    assert_eq!(
        common::psql(&url, "SELECT owner FROM accounts WHERE id = 1").trim(),
        "ada"
    );
    // The grid shows the staged values and says what is staged.
    let screen = ui.screen();
    assert!(screen.contains("ada …") && screen.contains("25.5"), "{screen}");
    assert!(screen.contains("staged on accounts: 4 cells in 3 rows"), "{screen}");
    // The preview lists the exact statements.
    ui.keys("P");
    let screen = ui.screen();
    assert!(
        screen.contains("3 statements in one transaction on public.accounts"),
        "{screen}"
    );
    assert!(
        screen.contains("SET \"owner\" = 'ada lovelace' WHERE \"id\" = 1"),
        "{screen}"
    );
    ui.press(KeyCode::Esc);
    // u reverts a cell; setting a value back to the original unstages it.
    ui.goto(2, 3);
    ui.keys("u");
    ui.goto(1, 2);
    ui.edit("20.5");
    assert_eq!(ui.statements().len(), 2);
    // D marks a row for deletion, o stages a new row, Enter fills it in a form.
    ui.goto(2, 0);
    ui.keys("D");
    ui.keys("o");
    ui.press(KeyCode::Enter);
    let form = ui.app.edits.as_ref().unwrap().form.clone().expect("the new-row form");
    assert_eq!(form.selected, 0, "the first column to fill");
    ui.press(KeyCode::Enter);
    ui.keys("4");
    ui.press(KeyCode::Enter);
    ui.press(KeyCode::Down);
    ui.press(KeyCode::Enter);
    ui.keys("dee");
    ui.press(KeyCode::Enter);
    ui.press(KeyCode::Esc);
    let sql = ui.statements();
    assert_eq!(sql[0], "DELETE FROM \"public\".\"accounts\" WHERE \"id\" = 3");
    assert_eq!(
        sql.last().unwrap(),
        "INSERT INTO \"public\".\"accounts\" (\"id\", \"owner\") VALUES (4, 'dee')"
    );
    // X asks, y drops everything.
    ui.keys("X");
    assert!(ui.screen().contains("Discard"));
    ui.keys("y");
    assert!(ui.app.edits.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_input_is_checked_before_it_is_staged() {
    let Some((mut ui, _url, _db)) = pg().await else { return };
    ui.query("SELECT * FROM accounts ORDER BY id").await;
    for (col, bad, why) in [
        (0, "x1", "whole number"),
        (2, "12,5", "decimal"),
        (2, "12.505", "more than 2 decimal places"),
        (4, "2026-02-30", "date"),
        (5, "maybe", "true or false"),
    ] {
        ui.goto(0, col);
        ui.edit(bad);
        let err = ui.editor_error().unwrap_or_else(|| panic!("{bad} was accepted"));
        assert!(err.contains(why), "{bad}: {err}");
        ui.press(KeyCode::Esc);
    }
    // NULL is refused on a NOT NULL column.
    ui.goto(0, 1);
    ui.keys("e");
    ui.app.on_key(ctrl('n'));
    assert!(ui.editor_error().unwrap().contains("NOT NULL"));
    ui.press(KeyCode::Esc);
    assert!(ui.app.edits.as_ref().is_none_or(|e| e.staged.is_empty()));
    // A new row without its required columns is refused at commit, before anything is sent.
    ui.keys("o");
    ui.press(KeyCode::Esc);
    ui.keys("W");
    assert!(ui.status().contains("NOT NULL and has no default"), "{}", ui.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_that_cannot_be_edited_say_why() {
    let Some((mut ui, _url, _db)) = pg().await else { return };
    for (sql, why) in [
        (
            "SELECT a.id, b.owner FROM accounts a JOIN accounts b ON a.id = b.id",
            "join",
        ),
        ("SELECT * FROM rich", "view"),
        ("SELECT * FROM ledger", "no primary key"),
        ("SELECT owner, balance FROM accounts", "does not include the key"),
        ("SELECT relname FROM pg_catalog.pg_class LIMIT 3", "system table"),
        ("SELECT owner, count(*) FROM accounts GROUP BY owner", "grouped"),
    ] {
        ui.query(sql).await;
        ui.goto(0, 0);
        ui.keys("e");
        assert!(!ui.editing(), "{sql}");
        assert!(ui.status().contains(why), "{sql}: {}", ui.status());
        assert!(ui.status().starts_with("read-only"), "{}", ui.status());
    }
    // An expression column of an editable result is read-only on its own.
    ui.query("SELECT id, balance * 2 AS double FROM accounts").await;
    ui.goto(0, 1);
    ui.keys("e");
    assert!(ui.status().contains("expression"), "{}", ui.status());
    ui.goto(0, 0);
    ui.keys("e");
    assert!(ui.editing());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_edits_are_staged_as_exact_sql() {
    let Some((mut ui, url, _db)) = mariadb().await else {
        return;
    };
    ui.query("SELECT id, owner, balance, note FROM accounts ORDER BY id")
        .await;
    stage_three(&mut ui);
    let db = common::database_of(&url).unwrap_or_default();
    assert_eq!(
        ui.statements(),
        vec![
            format!("DELETE FROM `{db}`.`accounts` WHERE `id` = 3"),
            format!("UPDATE `{db}`.`accounts` SET `owner` = 'ada l' WHERE `id` = 1 AND `owner` = 'ada'"),
            format!("INSERT INTO `{db}`.`accounts` (`id`, `owner`) VALUES (4, 'dee')"),
        ]
    );
    assert_eq!(common::mysql(&url, "SELECT count(*) FROM accounts").trim(), "3");
    // A concurrent change is a conflict: everything rolls back, the edits stay.
    common::mysql(&url, "UPDATE accounts SET owner = 'eve' WHERE id = 1");
    ui.keys("W");
    ui.settle().await;
    let (index, why) = failed(&ui).expect("the commit failed");
    assert_eq!(index, 1);
    assert!(why.contains("conflict"), "{why}");
    assert_eq!(
        common::mysql(&url, "SELECT group_concat(id, ':', owner ORDER BY id) FROM accounts").trim(),
        "1:eve,2:bob,3:cy"
    );
    // Put the row back: the same edits commit in one transaction.
    common::mysql(&url, "UPDATE accounts SET owner = 'ada' WHERE id = 1");
    ui.keys("W");
    ui.settle().await;
    assert!(ui.app.edits.is_none(), "{}", ui.status());
    assert_eq!(
        common::mysql(&url, "SELECT group_concat(id, ':', owner ORDER BY id) FROM accounts").trim(),
        "1:ada l,2:bob,4:dee"
    );
    // The first attempt sent the DELETE and the conflicting UPDATE, the second all three.
    let writes: Vec<_> = audit(&ui).into_iter().filter(|e| e.action == "write").collect();
    assert_eq!(writes.len(), 5, "{writes:?}");
    assert!(writes.iter().any(|w| w.outcome == "rolled back"), "{writes:?}");
    assert!(writes.iter().any(|w| w.outcome.contains("conflict")), "{writes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_edits_are_staged_as_exact_sql() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ui, path) = sqlite(dir.path());
    ui.query("SELECT id, owner, balance, note FROM accounts ORDER BY id")
        .await;
    stage_three(&mut ui);
    assert_eq!(
        ui.statements(),
        vec![
            "DELETE FROM \"accounts\" WHERE \"id\" = 3",
            "UPDATE \"accounts\" SET \"owner\" = 'ada l' WHERE \"id\" = 1 AND \"owner\" = 'ada'",
            "INSERT INTO \"accounts\" (\"id\", \"owner\") VALUES (4, 'dee')",
        ]
    );
    assert_eq!(lite(&path, "SELECT count(*) FROM accounts"), "Integer(3)");
    ui.keys("W");
    ui.settle().await;
    assert!(ui.app.edits.is_none(), "{}", ui.status());
    assert_eq!(
        lite(
            &path,
            "SELECT group_concat(id || ':' || owner, ',') FROM (SELECT * FROM accounts ORDER BY id)"
        ),
        "Text(\"1:ada l,2:bob,4:dee\")"
    );
}

fn audit(ui: &Ui) -> Vec<dbn::store::audit::AuditEntry> {
    ui.app.store.as_ref().unwrap().list_audit(&Default::default()).unwrap()
}

fn failed(ui: &Ui) -> Option<(usize, String)> {
    ui.app.edits.as_ref()?.failed.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_runs_the_staged_statements_in_one_transaction() {
    let Some((mut ui, url, _db)) = pg().await else { return };
    ui.query("SELECT id, owner, balance, note FROM accounts ORDER BY id")
        .await;
    stage_three(&mut ui);
    ui.keys("W");
    ui.settle().await;
    assert!(ui.app.edits.is_none(), "{}", ui.status());
    assert!(ui.status().contains("committed"), "{}", ui.status());
    assert_eq!(
        common::psql(
            &url,
            "SELECT string_agg(id || ':' || owner, ',' ORDER BY id) FROM accounts"
        )
        .trim(),
        "1:ada l,2:bob,4:dee"
    );
    // The query ran again: the grid shows the table as it is now.
    assert_eq!(ui.app.grid.result.as_ref().unwrap().len(), 3);
    // Every statement audited, from the TUI, as a grid edit.
    let writes: Vec<_> = audit(&ui).into_iter().filter(|e| e.action == "write").collect();
    assert_eq!(writes.len(), 3, "{writes:?}");
    for w in &writes {
        assert_eq!(w.outcome, "ok", "{w:?}");
        assert!(w.detail.as_deref().unwrap_or("").contains("grid edit of"), "{w:?}");
    }
    assert!(writes.iter().any(|w| {
        w.statement
            .as_deref()
            .unwrap()
            .starts_with("DELETE FROM \"public\".\"accounts\"")
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_change_is_a_conflict_that_rolls_everything_back() {
    let Some((mut ui, url, _db)) = pg().await else { return };
    ui.query("SELECT id, owner, balance, note FROM accounts ORDER BY id")
        .await;
    stage_three(&mut ui);
    // Someone else changes row 1 after it was read.
    common::psql(&url, "UPDATE accounts SET owner = 'eve' WHERE id = 1");
    ui.keys("W");
    ui.settle().await;
    let (index, why) = failed(&ui).expect("the commit failed");
    assert_eq!(index, 1, "the UPDATE (after the DELETE) matched no row");
    assert!(why.contains("conflict"), "{why}");
    assert!(ui.status().contains("rolled back"), "{}", ui.status());
    // Nothing was kept: the deletion before it was rolled back too.
    assert_eq!(
        common::psql(
            &url,
            "SELECT string_agg(id || ':' || owner, ',' ORDER BY id) FROM accounts"
        )
        .trim(),
        "1:eve,2:bob,3:cy"
    );
    // The edits stay staged for correction.
    assert_eq!(ui.statements().len(), 3);
    assert!(audit(&ui).iter().any(|e| e.outcome.contains("conflict")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_rolls_everything_back_and_keeps_the_edits() {
    let Some((mut ui, url, _db)) = pg().await else { return };
    ui.query("SELECT id, owner FROM accounts ORDER BY id").await;
    ui.goto(0, 1);
    ui.edit("ada l");
    // A new row whose key is taken: the INSERT fails after the UPDATE ran.
    ui.keys("o");
    ui.press(KeyCode::Enter);
    ui.press(KeyCode::Enter);
    ui.keys("2");
    ui.press(KeyCode::Enter);
    ui.press(KeyCode::Down);
    ui.press(KeyCode::Enter);
    ui.keys("dup");
    ui.press(KeyCode::Enter);
    ui.press(KeyCode::Esc);
    ui.keys("W");
    ui.settle().await;
    let (index, why) = failed(&ui).expect("the commit failed");
    assert_eq!(index, 1);
    assert!(why.contains("duplicate"), "{why}");
    assert_eq!(
        common::psql(&url, "SELECT owner FROM accounts WHERE id = 1").trim(),
        "ada"
    );
    assert_eq!(ui.statements().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_connection_needs_the_unlock() {
    let Some(url) = common::fresh_pg_db("tui_edit") else {
        return;
    };
    let _db = Dropped {
        name: common::database_of(&url).unwrap_or_default(),
        mysql: false,
    };
    common::psql(&url, ACCOUNTS);
    let mut ui = make(ConnSpec::parse_url(&url).unwrap(), "pgprod", true);
    ui.query("SELECT id, owner FROM accounts ORDER BY id").await;
    ui.goto(0, 1);
    ui.edit("ada l");
    ui.keys("W");
    let Some(dbn::app::Popup::TypedConfirm { message, .. }) = &ui.app.popup else {
        panic!("the gate asks for the unlock: {}", ui.status())
    };
    assert!(message.contains("read-only"), "{message}");
    // A wrong name refuses: nothing is sent, the refusal is audited, the edits stay.
    ui.keys("nope");
    ui.press(KeyCode::Enter);
    assert!(ui.status().contains("nothing was sent"), "{}", ui.status());
    assert!(audit(&ui).iter().any(|e| e.action == "blocked"));
    assert_eq!(
        common::psql(&url, "SELECT owner FROM accounts WHERE id = 1").trim(),
        "ada"
    );
    assert_eq!(ui.statements().len(), 1);
    // The unlock typed: the commit runs, audited with who confirmed it.
    ui.keys("W");
    ui.keys("pgprod");
    ui.press(KeyCode::Enter);
    ui.settle().await;
    assert!(ui.app.edits.is_none(), "{}", ui.status());
    assert_eq!(
        common::psql(&url, "SELECT owner FROM accounts WHERE id = 1").trim(),
        "ada l"
    );
    let entries = audit(&ui);
    assert!(entries.iter().any(|e| e.action == "unlock"));
    let write = entries
        .iter()
        .find(|e| e.action == "write")
        .expect("the UPDATE is audited");
    assert!(
        write.confirmed_by.as_deref().unwrap_or("").contains("pgprod"),
        "{write:?}"
    );
}

/// A staged new row is drawn under the result (highlighted as new, the
/// schema's defaults shown as such), edited cell by cell with the same typed
/// checks and NULL choice as an edit, reverted cell by cell, removed again,
/// and its INSERT follows every edit; then it commits. Returns the INSERT.
fn new_rows_in_the_grid(ui: &mut Ui) -> String {
    ui.goto(0, 0);
    ui.keys("o");
    assert_eq!(ui.app.grid.row, 3, "the cursor is on the new row: {}", ui.status());
    let line = ui
        .new_row_line(1)
        .unwrap_or_else(|| panic!("new row drawn:\n{}", ui.screen()));
    assert!(line.contains("required"), "owner is NOT NULL without a default: {line}");
    assert!(line.contains("DEFAULT 0"), "balance's default: {line}");
    assert!(line.contains("DEFAULT ∅"), "note defaults to NULL: {line}");
    let theme = &ui.app.theme;
    let new = theme.style(Slot::EditNew);
    assert_eq!(ui.style_of("+1│", "DEFAULT 0").fg, new.fg, "highlighted as new");
    assert!(ui.screen().contains("new row 1"), "{}", ui.screen());
    // Cell by cell, with the edits' typed checks.
    ui.goto(3, 0);
    ui.edit("4");
    ui.goto(3, 1);
    ui.edit("dee");
    ui.goto(3, 2);
    ui.edit("abc");
    assert!(ui.editor_error().is_some(), "abc is no number");
    ui.press(KeyCode::Esc);
    ui.edit("7.25");
    // NULL is its own choice, distinct from the default.
    ui.goto(3, 3);
    ui.keys("e");
    ui.app.on_key(ctrl('n'));
    ui.press(KeyCode::Enter);
    let line = ui.new_row_line(1).unwrap();
    assert!(line.contains("dee") && line.contains("7.25"), "{line}");
    assert!(!line.contains("DEFAULT"), "{line}");
    let changed = ui.app.theme.style(Slot::EditChanged);
    assert_eq!(ui.style_of("+1│", "dee").bg, changed.bg, "set cells are highlighted");
    let insert = ui.statements().last().unwrap().clone();
    assert!(insert.contains("VALUES (4, 'dee', 7.25, NULL)"), "{insert}");
    // u puts a cell back to its default.
    ui.goto(3, 2);
    ui.keys("u");
    assert!(ui.new_row_line(1).unwrap().contains("DEFAULT 0"));
    let insert = ui.statements().last().unwrap().clone();
    assert!(insert.contains("VALUES (4, 'dee', NULL)"), "{insert}");
    // A second new row, removed again with D.
    ui.keys("o");
    assert_eq!(ui.app.grid.row, 4);
    assert!(ui.new_row_line(2).is_some(), "{}", ui.screen());
    ui.keys("D");
    assert!(ui.new_row_line(2).is_none(), "{}", ui.screen());
    assert_eq!(ui.app.edits.as_ref().unwrap().staged.inserts.len(), 1);
    assert_eq!(ui.app.grid.row, 3, "the cursor stays on the rows that are left");
    // Enter opens every column of the row, those outside the result too.
    ui.press(KeyCode::Enter);
    let form = ui.app.edits.as_ref().unwrap().form.clone().expect("the row's form");
    assert_eq!(form.row, 0);
    assert!(ui.screen().contains("active"), "{}", ui.screen());
    ui.press(KeyCode::Esc);
    // The preview shows the INSERT as edited.
    ui.keys("P");
    let sql = ui.statements();
    assert_eq!(sql.len(), 1);
    assert!(ui.screen().contains("'dee'"), "{}", ui.screen());
    ui.press(KeyCode::Esc);
    ui.keys("W");
    sql[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_rows_are_drawn_and_edited_in_the_grid_on_postgres() {
    let Some((mut ui, url, _db)) = pg().await else { return };
    ui.query("SELECT id, owner, balance, note FROM accounts ORDER BY id")
        .await;
    let insert = new_rows_in_the_grid(&mut ui);
    assert_eq!(
        insert,
        "INSERT INTO \"public\".\"accounts\" (\"id\", \"owner\", \"note\") VALUES (4, 'dee', NULL)"
    );
    ui.settle().await;
    assert!(ui.app.edits.is_none(), "{}", ui.status());
    assert_eq!(
        common::psql(
            &url,
            "SELECT id, owner, balance, note IS NULL, active FROM accounts WHERE id = 4"
        )
        .trim(),
        "4|dee|0.00|t|t"
    );
    assert_eq!(ui.app.grid.result.as_ref().unwrap().len(), 4);
    assert!(ui.new_row_line(1).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_rows_are_drawn_and_edited_in_the_grid_on_mariadb() {
    let Some((mut ui, url, _db)) = mariadb().await else {
        return;
    };
    ui.query("SELECT id, owner, balance, note FROM accounts ORDER BY id")
        .await;
    let insert = new_rows_in_the_grid(&mut ui);
    let db = common::database_of(&url).unwrap_or_default();
    assert_eq!(
        insert,
        format!("INSERT INTO `{db}`.`accounts` (`id`, `owner`, `note`) VALUES (4, 'dee', NULL)")
    );
    ui.settle().await;
    assert!(ui.app.edits.is_none(), "{}", ui.status());
    assert_eq!(
        common::mysql(
            &url,
            "SELECT concat_ws('|', id, owner, balance, note IS NULL, active) FROM accounts WHERE id = 4"
        )
        .trim(),
        "4|dee|0.00|1|1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_rows_are_drawn_and_edited_in_the_grid_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ui, path) = sqlite(dir.path());
    ui.query("SELECT id, owner, balance, note FROM accounts ORDER BY id")
        .await;
    let insert = new_rows_in_the_grid(&mut ui);
    assert_eq!(
        insert,
        "INSERT INTO \"accounts\" (\"id\", \"owner\", \"note\") VALUES (4, 'dee', NULL)"
    );
    ui.settle().await;
    assert!(ui.app.edits.is_none(), "{}", ui.status());
    assert_eq!(
        lite(
            &path,
            "SELECT id || '|' || owner || '|' || balance || '|' || (note IS NULL) || '|' || active FROM accounts WHERE id = 4"
        ),
        "Text(\"4|dee|0.0|1|1\")"
    );
}

/// MariaDB reports an UPDATE that leaves a row's stored bytes as they were
/// as 0 changed rows; dbn counts matched rows (CLIENT_FOUND_ROWS), so only a
/// row that no longer holds its original values is a conflict.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_an_edit_the_server_stores_unchanged_is_no_conflict() {
    let Some((mut ui, url, _db)) = mariadb().await else {
        return;
    };
    common::mysql(
        &url,
        "CREATE TABLE codes (id int PRIMARY KEY, code char(6) NOT NULL, n int); INSERT INTO codes VALUES (1, 'ab', 1), (2, 'cd', 2)",
    );
    ui.query("SELECT id, code, n FROM codes ORDER BY id").await;
    // CHAR pads with spaces: 'ab  ' is stored exactly as 'ab' was.
    ui.goto(0, 1);
    ui.edit("ab  ");
    assert_eq!(ui.statements().len(), 1, "{}", ui.status());
    ui.keys("W");
    ui.settle().await;
    assert!(ui.app.edits.is_none(), "no conflict: {}", ui.status());
    assert!(ui.status().contains("committed"), "{}", ui.status());
    let write = audit(&ui).into_iter().find(|e| e.action == "write").unwrap();
    assert_eq!(
        (write.outcome.as_str(), write.rows_affected),
        ("ok", Some(1)),
        "{write:?}"
    );
    // A row changed meanwhile is still a conflict.
    ui.goto(1, 2);
    ui.edit("3");
    common::mysql(&url, "UPDATE codes SET n = 5 WHERE id = 2");
    ui.keys("W");
    ui.settle().await;
    let (_, why) = failed(&ui).expect("the commit failed");
    assert!(why.contains("conflict"), "{why}");
    assert_eq!(common::mysql(&url, "SELECT n FROM codes WHERE id = 2").trim(), "5");
}
