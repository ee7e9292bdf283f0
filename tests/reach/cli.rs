//! The binary as a user drives it: `connect add/edit --ssh --sslcert ...`,
//! queries through the tunnel, clear errors and exit codes.

use super::common::Sandbox;
use super::support::{ssh_aliases, tls};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(mut cmd: Command, stdin: Option<&str>) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out: Output = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn saved_connection_with_client_certificate_through_ssh() {
    let (Some(aliases), Some(t)) = (ssh_aliases(), tls()) else {
        return;
    };
    let s = Sandbox::new();
    let ssh_cmd = format!("ssh -F {}/ssh_config", aliases.display());
    let with_ssh = |mut c: Command| {
        c.env("DBN_SSH_COMMAND", &ssh_cmd);
        c
    };
    let mut add = s.cmd();
    add.args(["connect", "add", "eu", "--url"])
        .arg(format!(
            "postgres://dbn_cert@localhost:{}/dbn_test?sslmode=verify-full",
            t.pg_port
        ))
        .args(["--sslrootcert", &t.file("ca.pem"), "--sslcert", &t.file("client.pem")])
        .args([
            "--sslkey",
            &t.file("client-enc.key"),
            "--ssh",
            "dbn-ok",
            "--sslpassword-stdin",
        ])
        .args(["--no-password", "--tag", "prod", "--color", "Red"]);
    let (code, out, err) = run(add, Some("dbn-key-pass\n"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ssh=dbn-ok"), "{out}");

    let mut show = s.cmd();
    show.args(["connect", "show", "eu"]);
    let (_, out, _) = run(show, None);
    assert!(
        out.contains("ssh:       dbn-ok") && out.contains("sslmode=verify-full") && out.contains("color:     red"),
        "{out}"
    );

    let mut q = with_ssh(s.cmd());
    q.args([
        "query",
        "-c",
        "eu",
        "--format",
        "csv",
        "-s",
        "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    ]);
    let (code, out, err) = run(q, None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("true"), "{out}");

    // The passphrase lives only in the encrypted secret store.
    let mut hits = Vec::new();
    let mut stack = vec![s.dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p).unwrap().windows(12).any(|w| w == b"dbn-key-pass") {
                hits.push(p);
            }
        }
    }
    assert!(hits.is_empty(), "passphrase on disk in {hits:?}");

    // A bad hop fails with a specific message and the connection exit code.
    let mut edit = s.cmd();
    edit.args(["connect", "edit", "eu", "--ssh", "dbn-badkey"]);
    assert_eq!(run(edit, None).0, 0);
    let mut q = with_ssh(s.cmd());
    q.args(["query", "-c", "eu", "-s", "SELECT 1"]);
    let (code, _, err) = run(q, None);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("SSH host key of dbn-badkey"), "{err}");
}

#[test]
fn bad_colour_and_unsupported_parameters_are_usage_errors() {
    let s = Sandbox::new();
    let mut add = s.cmd();
    add.args(["connect", "add", "x", "--url", "sqlite:x.db", "--color", "blurple"]);
    let (code, _, err) = run(add, None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown colour 'blurple'"), "{err}");
    let mut add = s.cmd();
    add.args([
        "connect",
        "add",
        "y",
        "--url",
        "mysql://u@127.0.0.1/db?compress=true",
        "--no-password",
    ]);
    let (code, _, err) = run(add, None);
    assert_ne!(code, 0);
    assert!(err.contains("'compress'"), "{err}");
    let mut add = s.cmd();
    add.args(["connect", "add", "z", "--url", "sqlite:z.db", "--ssh", "bastion"]);
    let (code, _, err) = run(add, None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--ssh is for network connections"), "{err}");
}
