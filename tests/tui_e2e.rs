//! End-to-end: the real `dbn` binary in a pseudo-terminal against real
//! SQLite and Postgres, the screen parsed with vt100.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Sandbox, dbn_bin};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const F5: &[u8] = b"\x1b[15~";
const CTRL_Q: &[u8] = b"\x11";
const CTRL_C: &[u8] = b"\x03";
const ALT_1: &[u8] = b"\x1b1";
const ALT_2: &[u8] = b"\x1b2";
const ALT_3: &[u8] = b"\x1b3";

struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
}

impl Pty {
    fn spawn(sb: &Sandbox, args: &[&str], rows: u16, cols: u16) -> Pty {
        Pty::spawn_with(sb, args, rows, cols, &[])
    }

    fn spawn_with(sb: &Sandbox, args: &[&str], rows: u16, cols: u16, env: &[(&str, &str)]) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let home = sb.dir.path().join("home");
        let mut cmd = CommandBuilder::new(dbn_bin());
        cmd.args(args);
        cmd.cwd(sb.ws());
        cmd.env("HOME", &home);
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("DBN_MASTER_PASSWORD", "test-master-passphrase");
        cmd.env("DBN_SECRETS_BACKEND", "file");
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        for v in [
            "DBN_WORKSPACE",
            "DATABASE_URL",
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGPASSWORD",
            "PGDATABASE",
        ] {
            cmd.env_remove(v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn dbn in a pty");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let p = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut guard = p.lock().unwrap();
                // vt100 itself can overflow on a 1-column screen when bytes
                // drawn for the previous size arrive after a resize; that is
                // the test's emulator failing, not dbn: start it afresh.
                let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| guard.process(&buf[..n])));
                if caught.is_err() {
                    let (rows, cols) = guard.screen().size();
                    *guard = vt100::Parser::new(rows, cols, 0);
                }
            }
        });
        let writer = pair.master.take_writer().expect("pty writer");
        Pty {
            parser,
            writer,
            child,
            master: pair.master,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Like `wait_for`, but after a reset of the emulator (see the reader
    /// thread) the screen only fills again on a full redraw: nudge the size
    /// to get one.
    fn wait_for_redrawn(&mut self, needle: &str, rows: u16, cols: u16) -> String {
        for _ in 0..4 {
            let deadline = Instant::now() + Duration::from_secs(4);
            while Instant::now() < deadline {
                let s = self.screen();
                if s.contains(needle) {
                    return s;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            self.resize(rows, cols + 1);
            self.resize(rows, cols);
        }
        self.wait_for(needle, 5)
    }

    fn wait_for(&self, needle: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {needle:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
        // Let the app read each chunk separately, as a typist would.
        std::thread::sleep(Duration::from_millis(60));
    }

    fn resize(&mut self, rows: u16, cols: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        self.parser.lock().unwrap().screen_mut().set_size(rows, cols);
        std::thread::sleep(Duration::from_millis(150));
    }

    fn wait_exit(&mut self, secs: u64) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("dbn did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        // A failed test must not leave dbn (or a child editor) running.
        let _ = self.child.kill();
    }
}

/// A workspace with a SQLite database `t.db` holding `items` (5,000 rows) and a saved connection `lite`.
fn sqlite_sandbox() -> Sandbox {
    let sb = Sandbox::new();
    let db = sb.ws().join("t.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000)
         INSERT INTO items SELECT x, 'item ' || x, CASE WHEN x % 2 = 0 THEN NULL ELSE 'NULL' END FROM c;
         UPDATE items SET name = char(27) || '[31mred' WHERE id = 3;",
    )
    .unwrap();
    drop(conn);
    let out = sb
        .cmd()
        .args(["connect", "add", "lite", "--url", "sqlite:t.db"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    sb
}

#[test]
fn sqlite_open_run_scroll_quit() {
    let sb = sqlite_sandbox();
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "lite"], 30, 110);
    let s = t.wait_for("Editor", 20);
    assert!(s.contains("lite") && s.contains("RW"), "{s}");
    assert!(t.alternate_screen());
    t.send(b"select id, name, note from items order by id");
    t.send(F5);
    let s = t.wait_for("5,000 rows", 20);
    // NULL is drawn as a symbol, the text 'NULL' as text; escapes are visible, never interpreted.
    assert!(s.contains('∅') && s.contains("NULL"), "{s}");
    assert!(s.contains("␛[31mred"), "{s}");
    assert!(s.contains("item 1"), "{s}");
    t.send(ALT_3);
    t.send(b"G");
    let s = t.wait_for("row 5000", 10);
    assert!(s.contains("item 5000"), "{s}");
    t.send(b"gg");
    t.wait_for("row 1 col", 10);
    t.send(b"?");
    t.wait_for("Keys (Esc closes", 10);
    t.send(b"\x1b");
    std::thread::sleep(Duration::from_millis(100));
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
    assert!(!t.alternate_screen(), "terminal left in the alternate screen");
}

#[test]
fn sqlite_tree_browse_and_preview() {
    let sb = sqlite_sandbox();
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "lite"], 30, 110);
    t.wait_for("Editor", 20);
    t.send(ALT_1);
    let s = t.wait_for("items", 20);
    assert!(s.contains("Tables"), "{s}");
    t.send(b"/ite");
    t.send(b"\r");
    t.send(b"j");
    t.send(b"j");
    t.send(b"\r");
    t.wait_for("200 rows", 20);
    t.send(ALT_2);
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}

#[test]
fn bare_dbn_opens_the_demo_database() {
    let sb = Sandbox::new();
    let mut t = Pty::spawn(&sb, &[], 30, 110);
    let s = t.wait_for("Editor", 30);
    assert!(s.contains("demo"), "{s}");
    t.send(b"select count(*) as n from sqlite_master");
    t.send(F5);
    t.wait_for("1 rows in", 20);
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}

#[test]
fn switch_connection_live_and_edit_in_external_editor() {
    let sb = sqlite_sandbox();
    let other = sb.ws().join("other.db");
    let c = rusqlite::Connection::open(&other).unwrap();
    c.execute_batch("CREATE TABLE only_here (x INTEGER); INSERT INTO only_here VALUES (41), (42);")
        .unwrap();
    drop(c);
    let out = sb
        .cmd()
        .args(["connect", "add", "other", "--url", "sqlite:other.db"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let editor = sb.ws().join("fake-editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'select sum(x) as total from only_here' > \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut t = Pty::spawn_with(
        &sb,
        &["ui", "--conn", "lite"],
        30,
        110,
        &[
            ("EDITOR", editor.to_str().unwrap()),
            ("VISUAL", editor.to_str().unwrap()),
        ],
    );
    t.wait_for("Editor", 20);
    // F4 lists saved connections; pick `other` (sorted after `lite`).
    t.send(b"\x1bOS");
    t.wait_for("Connections (Enter switches)", 10);
    t.send(b"\x1b[B");
    t.send(b"\r");
    t.wait_for("switched to 'other'", 10);
    // Alt+E hands the buffer to $EDITOR, then runs what it wrote.
    t.send(b"\x1be");
    t.wait_for("select sum(x) as total from only_here", 10);
    t.send(F5);
    let s = t.wait_for("1 rows in", 10);
    assert!(s.contains("83") && s.contains("total"), "{s}");
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}

#[test]
fn resize_to_absurd_sizes_never_panics() {
    let sb = sqlite_sandbox();
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "lite"], 24, 80);
    t.wait_for("Editor", 20);
    t.send(b"select * from items");
    t.send(F5);
    t.wait_for("5,000 rows", 20);
    // 1x1 is covered in-process (tests/tui_render.rs); vt100 cannot emulate one column.
    for (r, c) in [(3, 10), (2, 3), (2, 5), (7, 29), (100, 300), (60, 200), (24, 80)] {
        t.resize(r, c);
    }
    let s = t.wait_for_redrawn("Editor", 24, 80);
    assert!(s.contains("Results"), "{s}");
    t.resize(5, 20);
    t.wait_for("terminal too small", 10);
    t.resize(24, 80);
    t.wait_for("Editor", 10);
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    let sb = sqlite_sandbox();
    for sig in ["-TERM", "-HUP"] {
        let mut t = Pty::spawn(&sb, &["ui", "--conn", "lite"], 24, 80);
        t.wait_for("Editor", 20);
        let pid = t.child.process_id().expect("pid");
        let ok = std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        assert_eq!(t.wait_exit(10), 130, "{sig}");
        assert!(
            !t.alternate_screen(),
            "terminal left in the alternate screen after {sig}"
        );
    }
}

#[test]
fn bad_keymap_is_a_config_error_naming_file_and_line() {
    let sb = sqlite_sandbox();
    let km = sb.ws().join(".dbnexus/keymap.toml");
    std::fs::write(
        &km,
        "[editor]\n\"f5\" = \"run_statement\"\n\"f9\" = \"launch_rockets\"\n",
    )
    .unwrap();
    let out = sb.cmd().args(["ui", "--conn", "lite"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("keymap.toml") && err.contains("line 3") && err.contains("launch_rockets"),
        "{err}"
    );
    // Without a terminal the console refuses cleanly instead of garbling a pipe.
    std::fs::remove_file(&km).unwrap();
    let out = sb.cmd().args(["ui", "--conn", "lite"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
}

#[test]
fn postgres_run_cancel_scroll() {
    let Some(url) = common::fresh_pg_db("tui_e2e") else {
        return;
    };
    common::psql(
        &url,
        "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 200000) g",
    );
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["connect", "add", "pg", "--url", &url, "--no-password"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "pg"], 30, 110);
    t.wait_for("Editor", 20);
    // The tree shows the introspected table in the public schema.
    let s = t.wait_for("big", 20);
    assert!(s.contains("public") && s.contains("Tables"), "{s}");
    t.send(b"select pg_sleep(30)");
    t.send(F5);
    t.wait_for("running", 10);
    let started = Instant::now();
    t.send(CTRL_C);
    t.wait_for("query cancelled", 10);
    assert!(started.elapsed() < Duration::from_secs(10));
    // The session is usable after a cancel.
    t.send(b"\x01\x0b");
    t.send(b"select id, h from big order by id");
    t.send(F5);
    let s = t.wait_for("200,000 rows", 30);
    assert!(s.contains(" id "), "{s}");
    t.send(ALT_3);
    t.send(b"G");
    t.wait_for("row 200000", 10);
    t.send(b"gg");
    t.wait_for("row 1 col", 10);
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}
