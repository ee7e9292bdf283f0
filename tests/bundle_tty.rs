//! Bundle passphrases typed on a real terminal: asked twice on export, once
//! on import; a mismatch or a wrong passphrase writes nothing.

mod common;

use common::Sandbox;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Tty {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<Vec<u8>>>,
    master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Tty {
    fn spawn(mut cmd: std::process::Command) -> Tty {
        cmd.env_remove("DBN_BUNDLE_PASSPHRASE");
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 200,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
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
        let child = pair.slave.spawn_command(b).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
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
            master: pair.master,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// True while the terminal echoes what is typed. The prompt is written
    /// before echo is switched off, so typing on sight of the prompt races it.
    fn echoes(&self) -> bool {
        let t: libc::termios = self.master.get_termios().unwrap().into();
        t.c_lflag & libc::ECHO != 0
    }

    /// Type a secret at a prompt, as a person would: once the prompt is
    /// shown and the terminal has stopped echoing.
    fn answer(&mut self, prompt: &str, reply: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.text().contains(prompt) || self.echoes() {
            assert!(Instant::now() < deadline, "no {prompt:?}; saw:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(20));
        }
        self.writer.write_all(format!("{reply}\r").as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn finish(mut self) -> (u32, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
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

#[test]
fn passphrase_is_asked_twice_on_export_and_once_on_import() {
    let a = Sandbox::new();
    let o = a
        .cmd()
        .args(["connect", "add", "app", "--url", "postgres://u:tty-secret-pw@h/db"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = a.dir.path().join("b.json");
    let export = || {
        let mut c = a.cmd();
        c.args(["export", "--with-secrets", "--out"]).arg(&file);
        c
    };

    let mut t = Tty::spawn(export());
    t.answer("passphrase to encrypt the passwords in the bundle: ", "first one");
    t.answer("repeat the passphrase: ", "second one");
    let (code, screen) = t.finish();
    assert_eq!(code, 2, "{screen}");
    assert!(screen.contains("the two passphrases do not match"), "{screen}");
    assert!(!file.exists());

    let mut t = Tty::spawn(export());
    t.answer("passphrase to encrypt the passwords in the bundle: ", "typed twice");
    t.answer("repeat the passphrase: ", "typed twice");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        !screen.contains("typed twice"),
        "the passphrase must not echo: {screen}"
    );
    assert!(!std::fs::read_to_string(&file).unwrap().contains("tty-secret-pw"));

    let b = Sandbox::new();
    let import = || {
        let mut c = b.cmd();
        c.arg("import").arg(&file);
        c
    };
    let mut t = Tty::spawn(import());
    t.answer("passphrase of the passwords in the bundle: ", "not it");
    let (code, screen) = t.finish();
    assert_eq!(code, 3, "{screen}");
    assert!(
        screen.contains("the passphrase does not open the passwords"),
        "{screen}"
    );
    let list = b.cmd().args(["connect", "list", "--json"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]");

    let mut t = Tty::spawn(import());
    t.answer("passphrase of the passwords in the bundle: ", "typed twice");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("Passwords stored in the file secret store for: app."),
        "{screen}"
    );
}
