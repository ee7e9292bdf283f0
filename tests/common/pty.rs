//! A pseudo-terminal running the real `dbn` binary, its screen parsed with
//! vt100. Shared by the end-to-end tests (`#[path = "common/pty.rs"] mod pty;`).
#![allow(dead_code)]

use super::common::{Sandbox, dbn_bin};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The binary in a pseudo-terminal.
pub struct Pty {
    /// The screen.
    pub parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    /// The dbn process.
    pub child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
}

impl Pty {
    /// Start dbn with `args` in a `rows` x `cols` terminal.
    pub fn spawn(sb: &Sandbox, args: &[&str], rows: u16, cols: u16) -> Pty {
        Pty::spawn_with(sb, args, rows, cols, &[])
    }

    /// Like `spawn`, with extra environment variables.
    pub fn spawn_with(sb: &Sandbox, args: &[&str], rows: u16, cols: u16, env: &[(&str, &str)]) -> Pty {
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

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Like `wait_for`, but after a reset of the emulator (see the reader
    /// thread) the screen only fills again on a full redraw: nudge the size
    /// to get one.
    pub fn wait_for_redrawn(&mut self, needle: &str, rows: u16, cols: u16) -> String {
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

    pub fn wait_for(&self, needle: &str, secs: u64) -> String {
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

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
        // Let the app read each chunk separately, as a typist would.
        std::thread::sleep(Duration::from_millis(60));
    }

    pub fn resize(&mut self, rows: u16, cols: u16) {
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

    pub fn wait_exit(&mut self, secs: u64) -> u32 {
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

    pub fn alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        // A failed test must not leave dbn (or a child editor) running.
        let _ = self.child.kill();
    }
}
