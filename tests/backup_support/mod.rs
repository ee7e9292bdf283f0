//! The backup round trip shared by the per-engine tests: backup, change
//! data, diff shows exactly the changes, restore one table, undo it,
//! restore all, hash-compare with the original, corrupted chunk, wrong key,
//! read-only target, dedup of an unchanged second backup.
#![allow(dead_code)]

use crate::common::Sandbox;
use serde_json::Value as J;
use std::process::{Output, Stdio};

/// Run `dbn` with args; stdin is closed (never a terminal).
pub fn dbn(s: &Sandbox, args: &[&str]) -> Output {
    s.cmd().args(args).stdin(Stdio::null()).output().expect("run dbn")
}

/// Run `dbn` and require success; stdout as JSON when it parses.
pub fn ok(s: &Sandbox, args: &[&str]) -> J {
    let out = dbn(s, args);
    assert!(
        out.status.success(),
        "dbn {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(J::Null)
}

/// stderr as text.
pub fn err_text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Add a saved connection without a password prompt.
pub fn add_conn(s: &Sandbox, name: &str, url: &str, extra: &[&str]) {
    let mut args = vec!["connect", "add", name, "--url", url];
    if !url.contains('@') || !url.split('@').next().unwrap_or("").contains(':') {
        args.push("--no-password");
    }
    args.extend_from_slice(extra);
    ok(s, &args);
}

/// Per-table `(rows, hash)` of a backup, from `show --json`.
pub fn hashes(s: &Sandbox, id: &str) -> Vec<(String, u64, String)> {
    let j = ok(s, &["backup", "show", id, "--json"]);
    let mut v: Vec<(String, u64, String)> = j["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let name = t["table"].as_str().unwrap();
            let bare = name.rsplit('.').next().unwrap().to_string();
            (
                bare,
                t["rows"].as_u64().unwrap(),
                t["hash"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// `(added, removed, changed)` of a table in a diff JSON.
pub fn counts(diff: &J, table: &str) -> (u64, u64, u64) {
    let t = diff["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"].as_str().unwrap().ends_with(&format!(".{table}")))
        .unwrap_or_else(|| panic!("table {table} not in diff: {diff}"));
    (
        t["rows_added"].as_u64().unwrap(),
        t["rows_removed"].as_u64().unwrap(),
        t["rows_changed"].as_u64().unwrap(),
    )
}

/// Create a backup; returns its JSON report.
pub fn create(s: &Sandbox, conn: &str) -> J {
    ok(s, &["backup", "create", "--conn", conn, "--json"])
}

/// The standard schema (portable across the three engines).
pub const SCHEMA: &[&str] = &[
    "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, created TIMESTAMP NULL)",
    "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2), note VARCHAR(200), FOREIGN KEY (customer_id) REFERENCES customers(id))",
    "CREATE TABLE events (kind VARCHAR(20), n INT)",
];

/// The changes made after the first backup.
pub const CHANGES: &[&str] = &[
    "UPDATE orders SET amount = amount + 1 WHERE id IN (10, 20, 30)",
    "DELETE FROM orders WHERE id = 40",
    "INSERT INTO orders (id, customer_id, amount, note) VALUES (100001, 1, 5.00, 'new one'), (100002, 2, 6.00, NULL)",
    "INSERT INTO events (kind, n) VALUES ('x', 1)",
];

/// The whole round trip against connection `src` (already holding SCHEMA
/// and data: 200 customers, 2000 orders, 50 events). `exec` runs SQL on
/// the database directly.
pub fn round_trip(s: &Sandbox, src: &str, exec: &dyn Fn(&str)) {
    let b1 = create(s, src);
    let id1 = b1["id"].as_str().unwrap().to_string();
    assert_eq!(b1["rows"].as_u64(), Some(2250), "{b1}");
    assert!(b1["new_chunks"].as_u64().unwrap() > 0);

    // An unchanged second backup stores no new chunk.
    let again = create(s, src);
    assert_eq!(again["new_chunks"].as_u64(), Some(0), "{again}");
    assert_eq!(again["new_bytes"].as_u64(), Some(0), "{again}");
    let ratio = again["manifest_bytes"].as_f64().unwrap() / b1["new_bytes"].as_f64().unwrap();
    eprintln!("unchanged second backup adds {:.1}% (manifest only)", ratio * 100.0);
    let original = hashes(s, &id1);
    assert_eq!(hashes(s, again["id"].as_str().unwrap()), original);

    for sql in CHANGES {
        exec(sql);
    }
    // The live diff shows exactly the changes.
    let d = ok(s, &["backup", "diff", &id1, "--live", "--json"]);
    assert_eq!(counts(&d, "orders"), (2, 1, 3), "{d}");
    assert_eq!(counts(&d, "events"), (1, 0, 0), "{d}");
    assert_eq!(counts(&d, "customers"), (0, 0, 0), "{d}");
    let orders = d["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"].as_str().unwrap().ends_with(".orders"))
        .unwrap();
    let changed: Vec<&J> = orders["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "changed")
        .collect();
    assert_eq!(changed.len(), 3);
    assert_eq!(changed[0]["columns"][0]["column"], "amount", "{}", changed[0]);

    let b2 = create(s, src);
    let id2 = b2["id"].as_str().unwrap().to_string();
    let d12 = ok(s, &["backup", "diff", &id1, &id2, "--json"]);
    assert_eq!(counts(&d12, "orders"), (2, 1, 3), "{d12}");
    assert_eq!(counts(&d12, "events"), (1, 0, 0));
    let one = ok(s, &["backup", "diff", &id1, &id2, "--table", "orders", "--json"]);
    assert_eq!(one["tables"].as_array().unwrap().len(), 1);

    // Restore one table.
    let r = ok(s, &["backup", "restore", &id1, "--tables", "orders", "--json", "-q"]);
    let pre = r["pre_restore_backup"]
        .as_str()
        .expect("pre-restore snapshot")
        .to_string();
    let d = ok(s, &["backup", "diff", &id1, "--live", "--json"]);
    assert_eq!(counts(&d, "orders"), (0, 0, 0), "{d}");
    assert_eq!(counts(&d, "events"), (1, 0, 0), "events were not restored: {d}");

    // Undo it with the pre-restore snapshot: back to the changed state.
    ok(s, &["backup", "restore", &pre, "--json", "-q"]);
    let d = ok(s, &["backup", "diff", &id2, "--live", "--json"]);
    assert_eq!(d["identical"], true, "{d}");

    // Restore everything; data equals the original, by hash.
    ok(s, &["backup", "restore", &id1, "--json", "-q"]);
    let d = ok(s, &["backup", "diff", &id1, "--live", "--json"]);
    assert_eq!(d["identical"], true, "{d}");
    let b3 = create(s, src);
    assert_eq!(hashes(s, b3["id"].as_str().unwrap()), original);

    corrupted_chunk_is_detected(s, &id1, exec);
    wrong_key_is_detected(s, &id1);
    ok(s, &["backup", "verify", &id1]);

    // Backups and restores are in the audit log.
    let db = rusqlite::Connection::open(s.ws().join(".dbnexus/metadata.db")).unwrap();
    let n = |action: &str| -> i64 {
        db.query_row(
            "SELECT count(*) FROM audit_log WHERE action = ?1 AND outcome = 'ok'",
            [action],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert!(
        n("backup") >= 4 && n("restore") >= 3,
        "backup {} restore {}",
        n("backup"),
        n("restore")
    );

    // Remove every other backup: GC keeps what id2 needs (delta bases too).
    let all = ok(s, &["backup", "list", "--json"]);
    for b in all.as_array().unwrap() {
        let id = b["id"].as_str().unwrap();
        if id != id2 {
            ok(s, &["backup", "remove", id]);
        }
    }
    let v = ok(s, &["backup", "verify", &id2, "--json"]);
    assert_eq!(v["ok"], true, "{v}");
    let d = ok(s, &["backup", "diff", &id2, "--live", "--json", "--table", "orders"]);
    assert_eq!(
        counts(&d, "orders"),
        (1, 2, 3),
        "live is back at the first backup's orders: {d}"
    );
}

fn chunk_path(s: &Sandbox, id: &str, table: &str) -> std::path::PathBuf {
    let m: J =
        serde_json::from_slice(&std::fs::read(s.ws().join(format!(".dbnexus/snapshots/manifests/{id}.json"))).unwrap())
            .unwrap();
    let t = m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == table)
        .unwrap();
    let chunk = t["chunks"][0][0].as_str().unwrap().to_string();
    s.ws()
        .join(format!(".dbnexus/snapshots/chunks/{}/{chunk}", &chunk[..2]))
}

fn corrupted_chunk_is_detected(s: &Sandbox, id: &str, exec: &dyn Fn(&str)) {
    exec("UPDATE customers SET name = 'changed after' WHERE id = 5");
    let path = chunk_path(s, id, "orders");
    let good = std::fs::read(&path).unwrap();
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x55;
    std::fs::write(&path, &bad).unwrap();
    let before = ok(s, &["backup", "list", "--json"]).as_array().unwrap().len();

    let v = dbn(s, &["backup", "verify", id]);
    assert_eq!(v.status.code(), Some(1), "{}", err_text(&v));
    assert!(
        err_text(&v).contains(path.file_name().unwrap().to_str().unwrap()),
        "{}",
        err_text(&v)
    );
    // The restore first snapshots the tables it replaces; that new backup re-opens
    // every stored chunk it would reuse (issue 11, point 10), finds this one
    // damaged and stores it again from the live rows, which are unchanged. So the
    // restore then reads an intact chunk and brings back exactly the backup.
    let r = dbn(s, &["backup", "restore", id]);
    assert_eq!(r.status.code(), Some(0), "{}", err_text(&r));
    assert_ne!(std::fs::read(&path).unwrap(), bad, "the damaged chunk was stored again");
    let v = dbn(s, &["backup", "verify", id]);
    assert_eq!(v.status.code(), Some(0), "{}", err_text(&v));
    assert_eq!(
        ok(s, &["backup", "list", "--json"]).as_array().unwrap().len(),
        before + 1
    );
    let d = ok(s, &["backup", "diff", id, "--live", "--json", "--table", "customers"]);
    assert_eq!(counts(&d, "customers"), (0, 0, 0), "{d}");
    exec("UPDATE customers SET name = 'changed after' WHERE id = 5");

    std::fs::remove_file(&path).unwrap();
    let r = dbn(s, &["backup", "restore", id]);
    assert_eq!(r.status.code(), Some(1));
    assert!(err_text(&r).contains("missing"), "{}", err_text(&r));
    std::fs::write(&path, &good).unwrap();
}

fn wrong_key_is_detected(s: &Sandbox, id: &str) {
    let other = "11".repeat(32);
    let out = s
        .cmd()
        .args(["backup", "restore", id])
        .env("DBN_BACKUP_KEY", &other)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", err_text(&out));
    assert!(
        err_text(&out).contains("backup key does not match"),
        "{}",
        err_text(&out)
    );
}

/// Restoring into a read-only connection needs --confirm NAME (exit 4 otherwise).
pub fn read_only_target_needs_confirm(s: &Sandbox, id: &str, ro_conn: &str) {
    let r = dbn(s, &["backup", "restore", id, "--into", ro_conn]);
    assert_eq!(r.status.code(), Some(4), "{}", err_text(&r));
    let r = dbn(s, &["backup", "restore", id, "--into", ro_conn, "--confirm", "wrong"]);
    assert_eq!(r.status.code(), Some(4), "{}", err_text(&r));
    ok(
        s,
        &["backup", "restore", id, "--into", ro_conn, "--confirm", ro_conn, "-q"],
    );
}

/// Interrupt a running `dbn backup create` with SIGINT (Ctrl-C) once it
/// has written chunks: exit 130 and no manifest.
pub fn interrupt_during_backup(s: &Sandbox, conn: &str) {
    let chunks = s.ws().join(".dbnexus/snapshots/chunks");
    let manifests = s.ws().join(".dbnexus/snapshots/manifests");
    let before = walk(&manifests).len();
    let child = s
        .cmd()
        .args(["backup", "create", "--conn", conn, "-q"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while walk(&chunks).len() < 3 {
        assert!(start.elapsed().as_secs() < 60, "no chunk written within 60 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let st = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", err_text(&out));
    assert!(err_text(&out).contains("cancelled"), "{}", err_text(&out));
    assert_eq!(walk(&manifests).len(), before, "an interrupted backup left a manifest");
}

/// Kill a running `dbn backup create` with SIGKILL once it has written
/// chunks: no manifest may appear, and GC later removes the orphans.
pub fn kill_during_backup(s: &Sandbox, conn: &str) {
    let chunks = s.ws().join(".dbnexus/snapshots/chunks");
    let manifests = s.ws().join(".dbnexus/snapshots/manifests");
    let count_files = |d: &std::path::Path| -> usize { walk(d).len() };
    let before_manifests = count_files(&manifests);
    let mut child = s
        .cmd()
        .args(["backup", "create", "--conn", conn, "-q"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while count_files(&chunks) < 3 {
        assert!(start.elapsed().as_secs() < 60, "no chunk written within 60 s");
        if let Ok(Some(st)) = child.try_wait() {
            panic!("backup finished before it could be killed ({st}); make the table bigger");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        count_files(&manifests),
        before_manifests,
        "a killed backup left a manifest"
    );
    assert!(
        walk(&manifests)
            .iter()
            .all(|p| !p.ends_with(".json") || p.contains("/."))
    );
    let listed = ok(s, &["backup", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), before_manifests);
    // A complete backup then its removal: GC deletes the orphans too.
    let b = create(s, conn);
    ok(s, &["backup", "remove", b["id"].as_str().unwrap()]);
    if before_manifests == 0 {
        assert_eq!(
            count_files(&chunks),
            0,
            "orphan chunks survived GC: {:?}",
            walk(&chunks)
        );
    }
}

fn walk(d: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![d.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&p) else { continue };
        for e in rd.flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().display().to_string());
            }
        }
    }
    out
}
