//! Backups in an S3-compatible repository (issue 13): every backup command
//! against a real S3 HTTP server (moto, started by scripts/test-services.sh),
//! chunks shared across workspaces, concurrent backups, and GC that never
//! deletes what a backup still being written references.

mod backup_support;
mod common;

use backup_support::{add_conn, err_text};
use common::{Sandbox, in_ci};
use dbn::backup::backend::{Backend, S3Backend, S3Location};
use dbn::backup::lease::Lease;
use serde_json::Value as J;
use std::process::{Output, Stdio};
use std::sync::Arc;

fn s3_base() -> Option<String> {
    match std::env::var("DBN_TEST_S3_REPO") {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                !in_ci(),
                "DBN_TEST_S3_REPO is not set: CI must start the S3 server with scripts/test-services.sh"
            );
            eprintln!("skipping: DBN_TEST_S3_REPO not set");
            None
        }
    }
}

/// A repository URL under its own prefix.
fn repo_url(base: &str, prefix: &str) -> String {
    let (head, query) = base.split_once('?').unwrap_or((base, ""));
    let p = common::unique_name(prefix);
    if query.is_empty() {
        format!("{head}/{p}")
    } else {
        format!("{head}/{p}?{query}")
    }
}

fn run(s: &Sandbox, repo: &str, args: &[&str]) -> Output {
    let mut full = vec!["backup", "--repo", repo];
    full.extend_from_slice(args);
    s.cmd()
        .args(&full)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("DBN_BACKUP_KEY_PASSPHRASE", "pp")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(s: &Sandbox, repo: &str, args: &[&str]) -> J {
    let out = run(s, repo, args);
    assert!(
        out.status.success(),
        "dbn backup {args:?} failed: {}\n{}",
        err_text(&out),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(J::Null)
}

fn sqlite_db(s: &Sandbox, name: &str, rows: i64) -> std::path::PathBuf {
    let db = s.dir.path().join(name);
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(&format!(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO items SELECT i, 'value ' || i FROM n;
         CREATE TABLE notes (id INTEGER PRIMARY KEY, item INTEGER REFERENCES items(id), t TEXT);
         INSERT INTO notes VALUES (1, 1, 'a'), (2, 2, 'b');"
    ))
    .unwrap();
    db
}

#[test]
fn s3_repository_runs_every_backup_command() {
    let Some(base) = s3_base() else { return };
    let repo = repo_url(&base, "cmds");
    let s = Sandbox::new();
    let db = sqlite_db(&s, "shop.db", 5000);
    add_conn(&s, "shop", &format!("sqlite://{}", db.display()), &[]);
    let b1 = ok(&s, &repo, &["create", "--conn", "shop", "--json", "-q"]);
    let id1 = b1["id"].as_str().unwrap().to_string();
    assert!(b1["new_chunks"].as_u64().unwrap() > 0);
    // Nothing was written locally.
    assert!(!s.ws().join(".dbnexus/snapshots/manifests").exists());
    let again = ok(&s, &repo, &["create", "--conn", "shop", "--json", "-q"]);
    assert_eq!(again["new_chunks"].as_u64(), Some(0), "{again}");
    let listed = ok(&s, &repo, &["list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    let shown = ok(&s, &repo, &["show", &id1, "--json"]);
    assert_eq!(shown["rows"].as_u64(), Some(5002));
    ok(&s, &repo, &["verify", &id1]);

    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("UPDATE items SET v = 'changed' WHERE id <= 3; DELETE FROM notes WHERE id = 2")
        .unwrap();
    let d = ok(&s, &repo, &["diff", &id1, "--live", "--json"]);
    assert_eq!(d["identical"], false, "{d}");
    let b2 = ok(&s, &repo, &["create", "--conn", "shop", "--json", "-q"]);
    let id2 = b2["id"].as_str().unwrap().to_string();
    let d12 = ok(&s, &repo, &["diff", &id1, &id2, "--json"]);
    assert_eq!(d12["identical"], false);

    let r = ok(&s, &repo, &["restore", &id1, "--json", "-q"]);
    let pre = r["pre_restore_backup"].as_str().unwrap().to_string();
    let d = ok(&s, &repo, &["diff", &id1, "--live", "--json"]);
    assert_eq!(d["identical"], true, "{d}");
    ok(&s, &repo, &["restore", &pre, "-q"]);
    let d = ok(&s, &repo, &["diff", &id2, "--live", "--json"]);
    assert_eq!(d["identical"], true, "{d}");

    // Remove all but id2: GC keeps what id2 needs.
    for b in ok(&s, &repo, &["list", "--json"]).as_array().unwrap() {
        let id = b["id"].as_str().unwrap();
        if id != id2 {
            ok(&s, &repo, &["remove", id, "--json"]);
        }
    }
    let v = ok(&s, &repo, &["verify", &id2, "--json"]);
    assert_eq!(v["ok"], true, "{v}");

    // Scheduled backups into the workspace's default repository.
    let cfg = s.ws().join("dbnexus.config.json");
    let mut j: J = serde_json::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    j["backup"] = serde_json::json!({ "repository": repo });
    std::fs::write(&cfg, serde_json::to_string_pretty(&j).unwrap()).unwrap();
    let out = s
        .cmd()
        .args([
            "backup", "schedule", "add", "--conn", "shop", "--daily", "00:00", "--keep", "1",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", err_text(&out));
    // Make the schedule due (it was created before its last firing time).
    rusqlite::Connection::open(s.ws().join(".dbnexus/metadata.db"))
        .unwrap()
        .execute(
            "UPDATE backup_schedules SET created_at = '2020-01-01T00:00:00.000Z'",
            [],
        )
        .unwrap();
    let out = s
        .cmd()
        .args(["backup", "run-due"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", err_text(&out));
    let out = s
        .cmd()
        .args(["backup", "list", "--json"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let all: J = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        all.as_array().unwrap().iter().any(|b| b["label"] == "scheduled"),
        "{all}"
    );
}

#[test]
fn two_workspaces_share_chunks_and_back_up_concurrently() {
    let Some(base) = s3_base() else { return };
    let repo = repo_url(&base, "shared");
    let a = Sandbox::new();
    let db = sqlite_db(&a, "shop.db", 20000);
    add_conn(&a, "shop", &format!("sqlite://{}", db.display()), &[]);
    ok(&a, &repo, &["create", "--conn", "shop", "--json", "-q"]);
    let keyfile = a.dir.path().join("k.key");
    ok(&a, &repo, &["key", "export", "--out", keyfile.to_str().unwrap()]);

    let b = Sandbox::new();
    ok(&b, &repo, &["key", "import", keyfile.to_str().unwrap()]);
    add_conn(&b, "shop", &format!("sqlite://{}", db.display()), &[]);
    let shared = ok(&b, &repo, &["create", "--conn", "shop", "--json", "-q"]);
    assert_eq!(shared["new_chunks"].as_u64(), Some(0), "{shared}");

    // Both at once, on different data: both complete and verify.
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("UPDATE items SET v = v || '!' WHERE id % 7 = 0")
        .unwrap();
    let spawn = |s: &Sandbox| {
        s.cmd()
            .args(["backup", "--repo", &repo, "create", "--conn", "shop", "--json", "-q"])
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (ca, cb) = (spawn(&a), spawn(&b));
    for child in [ca, cb] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", err_text(&out));
        let j: J = serde_json::from_slice(&out.stdout).unwrap();
        ok(&a, &repo, &["verify", j["id"].as_str().unwrap()]);
    }
}

#[tokio::test]
async fn gc_never_runs_beside_a_backup_in_a_bucket() {
    let Some(base) = s3_base() else { return };
    let url = repo_url(&base, "lease");
    let (head, query) = url.split_once('?').unwrap_or((&url, ""));
    let _ = query;
    // Credentials for the in-process client.
    let loc = S3Location::parse(&url).unwrap();
    let creds = dbn::backup::backend::s3::S3Credentials {
        access_key_id: "test".into(),
        secret_access_key: zeroize::Zeroizing::new("test".into()),
    };
    let backend: Arc<dyn Backend> = Arc::new(S3Backend::open(loc, Some(creds)).unwrap());
    let repo = dbn::backup::Repo::new(Arc::clone(&backend));
    // A backup in progress has written a chunk no manifest references yet.
    let chunk = format!("chunks/ab/ab{}", "0".repeat(62));
    let held = Lease::backup(Arc::clone(&backend)).await.unwrap();
    backend.put(&chunk, b"pending".to_vec()).await.unwrap();
    let rep = dbn::backup::gc::collect(&repo).await.unwrap();
    assert!(rep.deferred, "{rep:?} ({head})");
    assert!(
        backend.exists(&chunk).await.unwrap(),
        "GC deleted a chunk of a running backup"
    );
    held.release().await;
    // Once no backup runs, the unreferenced chunk is garbage.
    let rep = dbn::backup::gc::collect(&repo).await.unwrap();
    assert!(!rep.deferred);
    assert!(!backend.exists(&chunk).await.unwrap());
    assert!(backend.list("leases").await.unwrap().is_empty());
}
