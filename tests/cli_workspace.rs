//! Workspace, config and metadata-store behaviour of the real binary.

mod common;

use common::Sandbox;
use std::process::Output;

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn init_is_idempotent_and_creates_the_layout() {
    let s = Sandbox::new();
    for p in [
        "dbnexus.config.json",
        ".dbnexus/metadata.db",
        ".dbnexus/logs",
        ".dbnexus/secrets",
        ".dbnexus/snapshots",
    ] {
        assert!(s.ws().join(p).exists(), "missing {p}");
    }
    std::fs::write(
        s.ws().join("dbnexus.config.json"),
        "{\"version\":1,\"ui\":{\"theme\":\"light\"}}",
    )
    .unwrap();
    let out = s.cmd().arg("init").output().unwrap();
    assert!(out.status.success());
    assert!(text(&out).0.contains("already present"));
    let cfg = std::fs::read_to_string(s.ws().join("dbnexus.config.json")).unwrap();
    assert!(cfg.contains("light"), "init clobbered the config: {cfg}");
}

#[test]
fn discovery_walks_up_and_overrides_work() {
    let s = Sandbox::new();
    let deep = s.ws().join("a/b");
    std::fs::create_dir_all(&deep).unwrap();
    let out = s
        .cmd()
        .current_dir(&deep)
        .args(["connect", "add", "x", "--url", "sqlite:x.db"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let out = s.cmd().args(["connect", "list", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["name"], "x");
    // The SQLite path is stored relative to the workspace root.
    assert_eq!(v[0]["url"], "sqlite:a/b/x.db");

    let other = tempfile::tempdir().unwrap();
    let out = s
        .cmd()
        .current_dir(other.path())
        .arg("--workspace")
        .arg(s.ws())
        .args(["connect", "list", "--json"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"x\""));
    let out = s
        .cmd()
        .current_dir(other.path())
        .env("DBN_WORKSPACE", s.ws())
        .args(["connect", "list"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("x"));

    let out = s
        .cmd()
        .arg("--workspace")
        .arg(other.path())
        .args(["connect", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("dbn init"), "{:?}", text(&out));
}

#[test]
fn no_workspace_uses_the_user_default() {
    let s = Sandbox::new();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = s
        .cmd()
        .current_dir(elsewhere.path())
        .args(["connect", "add", "d", "--url", "sqlite:///tmp/d.db"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    let default_ws = s.dir.path().join("home/data/dbn");
    assert!(default_ws.join(".dbnexus/metadata.db").exists());
    assert!(default_ws.join("dbnexus.config.json").exists());
}

#[test]
fn malformed_config_is_a_clear_error_naming_the_file() {
    let s = Sandbox::new();
    std::fs::write(
        s.ws().join("dbnexus.config.json"),
        "{\n  \"version\": 1,\n  \"ui\": { \"theme\": }\n}",
    )
    .unwrap();
    let out = s.cmd().args(["connect", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out).1;
    assert!(err.contains("dbnexus.config.json") && err.contains("line 3"), "{err}");

    std::fs::write(
        s.ws().join("dbnexus.config.json"),
        "{\"version\": 1, \"colour\": \"x\"}",
    )
    .unwrap();
    let out = s.cmd().args(["connect", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("colour"), "{:?}", text(&out));
}

#[test]
fn corrupt_metadata_db_is_refused_and_left_alone() {
    let s = Sandbox::new();
    let db = s.ws().join(".dbnexus/metadata.db");
    let junk = b"garbage garbage garbage, not sqlite".repeat(100);
    std::fs::write(&db, &junk).unwrap();
    let out = s.cmd().args(["connect", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out).1;
    assert!(err.contains("metadata.db") && err.contains("not changed"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), junk);
}

#[test]
fn metadata_db_from_a_newer_dbn_is_refused() {
    let s = Sandbox::new();
    let db = s.ws().join(".dbnexus/metadata.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "user_version", 999).unwrap();
    }
    let out = s.cmd().args(["connect", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("newer"), "{:?}", text(&out));
    let c = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 999);
}

#[test]
fn unknown_connection_and_bad_arguments_exit_2() {
    let s = Sandbox::new();
    let out = s
        .cmd()
        .args(["query", "--conn", "nope", "--sql", "select 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("'nope' not found"), "{:?}", text(&out));
    let out = s
        .cmd()
        .args(["query", "--url", "redis://h/0", "--sql", "select 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("unsupported scheme"), "{:?}", text(&out));
    let out = s.cmd().args(["connect", "add"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = s
        .cmd()
        .args(["query", "--conn", "nope", "--sql", "select 1", "--format", "json"])
        .output()
        .unwrap();
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "NOT_FOUND");
}
