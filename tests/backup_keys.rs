//! The backup key travels (issue 13, finding 8): a second workspace that
//! has the snapshot folder lists the backups without the key and says how to
//! import it; `dbn backup key export/import` and `dbn export --with-secrets`
//! carry the key so the second workspace restores.

mod backup_support;
mod common;

use backup_support::*;
use common::Sandbox;
use std::process::Stdio;

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn seeded(s: &Sandbox) -> std::path::PathBuf {
    let db = s.dir.path().join("shop.db");
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
         INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three');",
    )
    .unwrap();
    db
}

fn with_pass(s: &Sandbox, args: &[&str], pass: &str) -> std::process::Output {
    s.cmd()
        .args(args)
        .env("DBN_BACKUP_KEY_PASSPHRASE", pass)
        .env("DBN_BUNDLE_PASSPHRASE", pass)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn key_export_import_lets_a_second_workspace_restore() {
    let a = Sandbox::new();
    let db = seeded(&a);
    add_conn(&a, "shop", &format!("sqlite://{}", db.display()), &[]);
    let b1 = create(&a, "shop");
    let id = b1["id"].as_str().unwrap().to_string();

    // A second workspace with the snapshot folder copied in.
    let b = Sandbox::new();
    copy_dir(&a.ws().join(".dbnexus/snapshots"), &b.ws().join(".dbnexus/snapshots"));
    let out = dbn(&b, &["backup", "list"]);
    assert!(out.status.success(), "{}", err_text(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&id) && text.contains("(no key)"), "{text}");
    assert!(text.contains("dbn backup key import"), "{text}");
    let listed = ok(&b, &["backup", "list", "--json"]);
    assert_eq!(listed[0]["readable"], false, "{listed}");
    let out = dbn(&b, &["backup", "show", &id]);
    assert_eq!(out.status.code(), Some(2), "{}", err_text(&out));
    assert!(err_text(&out).contains("dbn backup key import"), "{}", err_text(&out));

    // Export with a passphrase; a wrong passphrase imports nothing.
    let keyfile = a.dir.path().join("shop.key");
    let out = with_pass(
        &a,
        &["backup", "key", "export", "--out", keyfile.to_str().unwrap()],
        "s3cret",
    );
    assert!(out.status.success(), "{}", err_text(&out));
    let raw = std::fs::read_to_string(&keyfile).unwrap();
    assert!(!raw.contains(&std::env::var("DBN_BACKUP_KEY").unwrap_or_else(|_| "zz".into())));
    let out = with_pass(&b, &["backup", "key", "import", keyfile.to_str().unwrap()], "wrong");
    assert_ne!(out.status.code(), Some(0));
    assert!(err_text(&out).contains("wrong passphrase"), "{}", err_text(&out));
    let out = with_pass(&b, &["backup", "key", "import", keyfile.to_str().unwrap()], "s3cret");
    assert!(out.status.success(), "{}", err_text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("this workspace's key now"));

    // The second workspace reads and restores the backup.
    ok(&b, &["backup", "verify", &id]);
    let target = b.dir.path().join("restored.db");
    add_conn(&b, "copy", &format!("sqlite://{}", target.display()), &[]);
    ok(&b, &["backup", "restore", &id, "--into", "copy", "-q"]);
    let c = rusqlite::Connection::open(&target).unwrap();
    let n: i64 = c.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 3);
    // Same key: a backup of the same data made there shares every chunk.
    add_conn(&b, "shop", &format!("sqlite://{}", db.display()), &[]);
    let again = create(&b, "shop");
    assert_eq!(again["new_chunks"].as_u64(), Some(0), "{again}");
}

#[test]
fn bundle_with_secrets_carries_the_backup_key() {
    let a = Sandbox::new();
    let db = seeded(&a);
    add_conn(&a, "shop", &format!("sqlite://{}", db.display()), &[]);
    let b1 = create(&a, "shop");
    let id = b1["id"].as_str().unwrap().to_string();
    let bundle = a.dir.path().join("ws.bundle");
    let out = with_pass(
        &a,
        &["export", "--with-secrets", "--out", bundle.to_str().unwrap()],
        "pp",
    );
    assert!(out.status.success(), "{}", err_text(&out));

    let b = Sandbox::new();
    copy_dir(&a.ws().join(".dbnexus/snapshots"), &b.ws().join(".dbnexus/snapshots"));
    let out = with_pass(&b, &["import", bundle.to_str().unwrap()], "pp");
    assert!(out.status.success(), "{}", err_text(&out));
    let key = ok(&b, &["backup", "key", "show", "--json"]);
    assert_eq!(key["keys"].as_array().unwrap().len(), 1, "{key}");
    ok(&b, &["backup", "verify", &id]);
}
