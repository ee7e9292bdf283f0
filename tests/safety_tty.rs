//! Typed confirmations on a real terminal: `dbn query --unlock-writes`
//! prompts on a pseudo-terminal and only the exact connection name unlocks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Sandbox;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Tty {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<Vec<u8>>>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Tty {
    fn spawn(cmd: std::process::Command) -> Tty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 200,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut b = CommandBuilder::new(cmd.get_program());
        b.args(cmd.get_args());
        if let Some(d) = cmd.get_current_dir() {
            b.cwd(d);
        }
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => b.env(k, v),
                None => b.env_remove(k),
            }
        }
        let child = pair.slave.spawn_command(b).expect("spawn on pty");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let screen = Arc::new(Mutex::new(Vec::new()));
        let sink = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Tty {
            child,
            writer,
            screen,
            _master: pair.master,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "no {needle:?} on the terminal; saw:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn finish(mut self) -> (u32, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                std::thread::sleep(Duration::from_millis(100));
                return (status.exit_code(), self.text());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("dbn did not exit; saw:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn prod_sqlite() -> (Sandbox, std::path::PathBuf) {
    let s = Sandbox::new();
    let path = s.dir.path().join("prod.db");
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("CREATE TABLE acct (id int PRIMARY KEY, bal int); INSERT INTO acct VALUES (1, 10); CREATE TABLE scratch (x int)")
        .unwrap();
    let out = s
        .cmd()
        .args(["connect", "add", "prod-lite", "--tag", "prod", "--url"])
        .arg(format!("sqlite://{}", path.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (s, path)
}

fn bal(path: &std::path::Path) -> i64 {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("SELECT bal FROM acct WHERE id = 1", [], |r| r.get(0))
        .unwrap()
}

fn query(s: &Sandbox, sql: &str, extra: &[&str]) -> std::process::Command {
    let mut c = s.cmd();
    c.args(["query", "--conn", "prod-lite", "--format", "csv", "--sql", sql])
        .args(extra);
    c
}

#[test]
fn wrong_typed_name_cancels_and_nothing_changes() {
    let (s, path) = prod_sqlite();
    let mut t = Tty::spawn(query(&s, "UPDATE acct SET bal = 5 WHERE id = 1", &["--unlock-writes"]));
    t.wait_for("Type the connection name 'prod-lite'");
    t.writer.write_all(b"prod\r").unwrap();
    let (code, screen) = t.finish();
    assert_eq!(code, 4, "{screen}");
    assert!(screen.contains("you typed 'prod'"), "{screen}");
    assert_eq!(bal(&path), 10);
}

#[test]
fn typed_name_unlocks_and_drop_prompt_names_the_object() {
    let (s, path) = prod_sqlite();
    let mut t = Tty::spawn(query(&s, "UPDATE acct SET bal = 5 WHERE id = 1", &["--unlock-writes"]));
    t.wait_for("Unlock writes on read-only connection 'prod-lite' for this command only");
    t.writer.write_all(b"prod-lite\r").unwrap();
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(bal(&path), 5);

    let mut t = Tty::spawn(query(&s, "DROP TABLE scratch", &["--unlock-writes"]));
    t.wait_for("Type the connection name");
    t.writer.write_all(b"prod-lite\r").unwrap();
    t.wait_for("destroys data on 'prod-lite': scratch");
    t.writer.write_all(b"prod-lite\r").unwrap();
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    let c = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'scratch'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, 0, "scratch was confirmed and dropped");

    let out = s.cmd().args(["audit", "--json"]).stdin(Stdio::null()).output().unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let typed = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["confirmed_by"]
                .as_str()
                .is_some_and(|c| c.contains("typed 'prod-lite'"))
        })
        .count();
    assert!(typed >= 3, "two unlocks and one DROP confirmation typed: {log:#}");
}
