//! Connections and secrets through the real binary: no password ever lands
//! on disk in plaintext, and secrets follow renames and removals.

mod common;

use common::Sandbox;
use std::io::Write;
use std::process::{Output, Stdio};

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn with_stdin(mut cmd: std::process::Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Every byte of every file under `dir` (WAL files included).
fn grep_tree(dir: &std::path::Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                hits.push(p.display().to_string());
            }
        }
    }
    hits
}

#[test]
fn password_in_url_is_moved_to_the_secret_store() {
    let s = Sandbox::new();
    let pw = "Sup3r-Secret-In-Url";
    let out = s
        .cmd()
        .args([
            "connect",
            "add",
            "shop",
            "--tag",
            "prod",
            "--url",
            &format!("postgres://app:{pw}@db.example:5433/shop"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let (stdout, stderr) = text(&out);
    assert!(stderr.contains("moved to the secret store"), "{stderr}");
    assert!(!stdout.contains(pw) && !stderr.contains(pw));
    let out = s.cmd().args(["connect", "show", "shop", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["url"], "postgres://app@db.example:5433/shop");
    assert_eq!(v["read_only"], true, "prod must default to read-only");
    assert_eq!(v["password"], "stored (file)");
    assert!(grep_tree(&s.ws(), pw).is_empty(), "plaintext password found on disk");
    assert!(grep_tree(&s.dir.path().join("home"), pw).is_empty());
}

#[test]
fn password_stdin_rename_and_remove() {
    let s = Sandbox::new();
    let pw = "stdin-pass-0xC0FFEE";
    let mut cmd = s.cmd();
    cmd.args([
        "connect",
        "add",
        "a",
        "--url",
        "mysql://rep@10.1.2.3/crm",
        "--password-stdin",
    ]);
    let out = with_stdin(cmd, &format!("{pw}\n"));
    assert!(out.status.success(), "{:?}", text(&out));
    let out = s
        .cmd()
        .args(["connect", "edit", "a", "--rename", "b", "--tag", "stage"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let out = s.cmd().args(["secrets", "status", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["active_backend"], "file");
    assert_eq!(v["connections_with_passwords"][0]["name"], "b");
    assert!(grep_tree(&s.ws(), pw).is_empty());
    let out = s.cmd().args(["connect", "remove", "b"]).output().unwrap();
    assert!(out.status.success());
    let out = s.cmd().args(["connect", "list", "--json"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}

#[test]
fn wrong_master_passphrase_is_refused_and_changes_nothing() {
    let s = Sandbox::new();
    let out = s
        .cmd()
        .args(["connect", "add", "a", "--url", "postgres://u:pw1@h/db"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let secrets = s.ws().join(".dbnexus/secrets/secrets.enc");
    let before = std::fs::read(&secrets).unwrap();
    let out = s
        .cmd()
        .env("DBN_MASTER_PASSWORD", "not-the-passphrase")
        .args(["connect", "add", "b", "--url", "postgres://u:pw2@h/db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{:?}", text(&out));
    assert!(
        text(&out).1.contains("master passphrase does not open"),
        "{:?}",
        text(&out)
    );
    assert_eq!(std::fs::read(&secrets).unwrap(), before);
    let out = s.cmd().args(["connect", "list", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v.as_array().unwrap().len(),
        1,
        "the failed add must not leave a connection behind"
    );
}

#[test]
fn no_passphrase_without_a_terminal_is_a_clear_error() {
    let s = Sandbox::new();
    let out = s
        .cmd()
        .env_remove("DBN_MASTER_PASSWORD")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .args(["connect", "add", "a", "--url", "postgres://u:pw@h/db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("DBN_MASTER_PASSWORD"), "{:?}", text(&out));
}

#[test]
fn invalid_names_tags_and_engines_are_rejected() {
    let s = Sandbox::new();
    for args in [
        vec!["connect", "add", "bad name", "--url", "sqlite:a.db"],
        vec!["connect", "add", "x", "--url", "sqlite:a.db", "--tag", "qa"],
        vec!["connect", "add", "x", "--engine", "oracle", "--host", "h"],
        vec!["connect", "add", "x", "--url", "postgres://h/db", "--engine", "mysql"],
        vec!["connect", "add", "x", "--url", "postgres://h/db?sslmode=sometimes"],
    ] {
        let out = s.cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {:?}", text(&out));
        assert!(!text(&out).1.contains("panicked"), "{args:?}");
    }
    let out = s
        .cmd()
        .args(["connect", "add", "x", "--url", "sqlite:a.db"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = s
        .cmd()
        .args(["connect", "add", "x", "--url", "sqlite:b.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("already exists"));
}
