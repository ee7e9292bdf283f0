//! The fixture bundles in `fixtures/bundles/`: valid ones import, invalid
//! ones are refused with their own message and exit code and change nothing.

mod common;

use common::Sandbox;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundles").join(rel)
}

fn err_json(o: &Output) -> Value {
    let stderr = String::from_utf8_lossy(&o.stderr);
    let line = stderr.lines().rev().find(|l| l.starts_with('{')).unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|_| panic!("no JSON error in stderr: {stderr}"))
}

/// A workspace with a stored password, so both the metadata database and the
/// encrypted secret file exist.
fn workspace_with_secret() -> Sandbox {
    let s = Sandbox::new();
    let o = s
        .cmd()
        .args(["connect", "add", "mine", "--url", "postgres://u:local-pw@h/db"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    s
}

fn state(s: &Sandbox) -> (Vec<u8>, Vec<u8>, Vec<String>) {
    let d = s.ws().join(".dbnexus");
    let mut names: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    (
        std::fs::read(d.join("metadata.db")).unwrap(),
        std::fs::read(d.join("secrets/secrets.enc")).unwrap(),
        names,
    )
}

#[test]
fn invalid_bundles_are_refused_with_a_specific_message_and_change_nothing() {
    let cases: &[(&str, i32, &str, &str)] = &[
        ("malformed.json", 2, "BUNDLE_MALFORMED", "is not valid JSON"),
        (
            "truncated.json",
            2,
            "BUNDLE_TRUNCATED",
            "is truncated: the JSON ends early",
        ),
        (
            "tampered.json",
            2,
            "BUNDLE_TAMPERED",
            "was modified or damaged after export",
        ),
        (
            "newer-version.json",
            2,
            "BUNDLE_TOO_NEW",
            "is a version 2 bundle, newer than this dbn understands",
        ),
        (
            "not-a-bundle.json",
            2,
            "BUNDLE_INVALID",
            "\"format\" is \"dbn-secrets\", expected \"dbn-bundle\"",
        ),
        ("empty.json", 2, "BUNDLE_INVALID", "the file is empty"),
        (
            "wrong-passphrase.json",
            3,
            "BUNDLE_WRONG_PASSPHRASE",
            "the passphrase does not open the passwords",
        ),
    ];
    // Every invalid fixture has a case, so a new one cannot go untested.
    let mut on_disk: Vec<String> = std::fs::read_dir(fixture("invalid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = cases.iter().map(|c| c.0.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);

    let s = workspace_with_secret();
    let before = state(&s);
    for (file, exit, code, message) in cases {
        for extra in [&[][..], &["--dry-run", "--on-conflict", "overwrite"][..]] {
            let o = s
                .cmd()
                .env("DBN_BUNDLE_PASSPHRASE", "not the passphrase")
                .arg("import")
                .arg(fixture(&format!("invalid/{file}")))
                .arg("--json")
                .args(extra)
                .output()
                .unwrap();
            assert_eq!(
                o.status.code(),
                Some(*exit),
                "{file}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(o.stdout.is_empty(), "{file}: a refused import prints no plan");
            let e = err_json(&o);
            assert_eq!(e["error"]["code"], *code, "{file}: {e}");
            let msg = e["error"]["message"].as_str().unwrap();
            assert!(msg.contains(message), "{file}: {msg}");
            assert!(msg.contains("Nothing was changed"), "{file}: {msg}");
            assert!(msg.contains(file), "{file}: the message names the file: {msg}");
        }
        // The plain form is the same message for a person.
        let o = s
            .cmd()
            .env("DBN_BUNDLE_PASSPHRASE", "not the passphrase")
            .arg("import")
            .arg(fixture(&format!("invalid/{file}")))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.starts_with("dbn: error: ") && stderr.contains(message),
            "{file}: {stderr}"
        );
    }
    assert_eq!(
        state(&s),
        before,
        "metadata.db, secrets.enc and .dbnexus/ must be byte-identical"
    );
}

#[test]
fn valid_fixtures_import() {
    let s = Sandbox::new();
    let o = s
        .cmd()
        .arg("import")
        .arg(fixture("valid/basic.json"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["add"], 7, "{v:#}");
    let note = v["items"][1]["note"].as_str().unwrap_or_default();
    assert_eq!(v["items"][1]["key"], "shop");
    assert!(note.contains("password is not in the bundle"), "{note}");

    // `-` reads the bundle from standard input; everything is already there.
    let o = s
        .cmd()
        .args(["import", "-", "--json"])
        .stdin(std::fs::File::open(fixture("valid/basic.json")).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["unchanged"], 7, "{v:#}");

    // The sealed fixture: right passphrase, the password lands in this workspace's store.
    let s = Sandbox::new();
    let o = s
        .cmd()
        .env("DBN_BUNDLE_PASSPHRASE", "fixture-passphrase")
        .arg("import")
        .arg(fixture("valid/with-secrets.json"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = s.cmd().args(["secrets", "status", "--json"]).output().unwrap();
    let st: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(st["connections_with_passwords"][0]["name"], "shop");
    let enc = std::fs::read_to_string(s.ws().join(".dbnexus/secrets/secrets.enc")).unwrap();
    assert!(!enc.contains("fixture-password"));

    // --no-secrets imports the rest without asking for a passphrase.
    let s = Sandbox::new();
    let o = s
        .cmd()
        .env_remove("DBN_BUNDLE_PASSPHRASE")
        .stdin(Stdio::null())
        .args(["import", "--no-secrets"])
        .arg(fixture("valid/with-secrets.json"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = s.cmd().args(["secrets", "status", "--json"]).output().unwrap();
    let st: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(st["connections_with_passwords"], serde_json::json!([]));
}

#[test]
fn passwords_without_a_passphrase_are_a_clear_error() {
    let s = workspace_with_secret();
    let before = state(&s);
    let o = s
        .cmd()
        .env_remove("DBN_BUNDLE_PASSPHRASE")
        .stdin(Stdio::null())
        .arg("import")
        .arg(fixture("valid/with-secrets.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("DBN_BUNDLE_PASSPHRASE") && stderr.contains("--no-secrets"),
        "{stderr}"
    );
    assert_eq!(state(&s), before);

    let out = s.dir.path().join("never.json");
    let o = s
        .cmd()
        .env_remove("DBN_BUNDLE_PASSPHRASE")
        .stdin(Stdio::null())
        .args(["export", "--with-secrets", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("DBN_BUNDLE_PASSPHRASE"));
    assert!(
        !out.exists(),
        "no bundle is written when the passwords cannot be sealed"
    );
}

#[test]
fn a_failure_while_applying_rolls_everything_back() {
    // The bundle opens, but this workspace's own secret store does not
    // (wrong master passphrase): the import fails half-way and must undo.
    let s = workspace_with_secret();
    let (_, enc_before, files_before) = state(&s);
    let o = s
        .cmd()
        .env("DBN_BUNDLE_PASSPHRASE", "fixture-passphrase")
        .env("DBN_MASTER_PASSWORD", "not-the-master-passphrase")
        .arg("import")
        .arg(fixture("valid/with-secrets.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("the import was rolled back") && stderr.contains("master passphrase does not open"),
        "{stderr}"
    );
    let (_, enc_after, files_after) = state(&s);
    assert_eq!(enc_after, enc_before);
    assert_eq!(files_after, files_before, "no override file may be left behind");
    let c = rusqlite::Connection::open(s.ws().join(".dbnexus/metadata.db")).unwrap();
    let names: Vec<String> = c
        .prepare(
            "SELECT name FROM connections UNION ALL SELECT name FROM saved_queries UNION ALL SELECT name FROM folders",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names, ["mine"]);
    let audit: String = c
        .query_row("SELECT outcome FROM audit_log WHERE action = 'import'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(audit.starts_with("error: "), "{audit}");
}
