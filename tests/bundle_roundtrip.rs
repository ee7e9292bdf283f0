//! `dbn export` / `dbn import` through the real binary: round trips, passwords,
//! dry runs and every conflict mode.

mod common;

use common::Sandbox;
use rusqlite::Connection;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn meta(s: &Sandbox) -> Connection {
    Connection::open(s.ws().join(".dbnexus/metadata.db")).unwrap()
}

fn sql_rows(s: &Sandbox, sql: &str) -> Vec<String> {
    let c = meta(s);
    let mut st = c.prepare(sql).unwrap();
    let n = st.column_count();
    st.query_map([], |r| {
        Ok((0..n)
            .map(|i| match r.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Null => "NULL".to_string(),
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                other => format!("{other:?}"),
            })
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// A workspace with two connections, nested folders, saved queries, jobs,
/// schedules and both override files. Tables without a CLI yet are seeded directly.
fn seeded() -> Sandbox {
    let s = Sandbox::new();
    ok(&s
        .cmd()
        .args([
            "connect",
            "add",
            "shop",
            "--url",
            "postgres://app@db.internal:5432/shop",
            "--tag",
            "prod",
        ])
        .arg("--no-password")
        .output()
        .unwrap());
    ok(&s
        .cmd()
        .args([
            "connect",
            "add",
            "local",
            "--url",
            "sqlite:data/app.db",
            "--color",
            "green",
        ])
        .output()
        .unwrap());
    let c = meta(&s);
    c.execute_batch(
        "INSERT INTO folders (id, name, parent_id, created_at) VALUES (10, 'reports', NULL, '2020-01-01T00:00:00Z');
         INSERT INTO folders (id, name, parent_id, created_at) VALUES (11, 'monthly', 10, '2020-01-01T00:00:00Z');
         INSERT INTO folders (id, name, parent_id, created_at) VALUES (12, 'adhoc', NULL, '2020-01-01T00:00:00Z');
         INSERT INTO saved_queries (name, folder_id, connection, sql, created_at, updated_at)
           VALUES ('revenue', 11, 'shop', 'SELECT sum(total) FROM orders', 't', 't');
         INSERT INTO saved_queries (name, folder_id, connection, sql, created_at, updated_at)
           VALUES ('top', 10, 'shop', 'SELECT * FROM customers LIMIT 10', 't', 't');
         INSERT INTO saved_queries (name, folder_id, connection, sql, created_at, updated_at)
           VALUES ('scratch', NULL, NULL, 'SELECT 1', 't', 't');
         INSERT INTO sync_jobs (name, kind, definition, created_at, updated_at)
           VALUES ('nightly', 'data', '{\"source\":\"shop\",\"target\":\"local\",\"tables\":[\"orders\"]}', 't', 't');
         INSERT INTO backup_schedules (connection, spec, keep, last_run_at, created_at)
           VALUES ('shop', 'daily 02:00', 7, '2020-01-02T02:00:00Z', 't');",
    )
    .unwrap();
    std::fs::write(s.ws().join(".dbnexus/keymap.toml"), "[global]\n\"ctrl-q\" = \"quit\"\n").unwrap();
    std::fs::write(s.ws().join(".dbnexus/theme.toml"), "prod_badge = \"#ff0000\"\n").unwrap();
    s
}

fn export(s: &Sandbox, extra: &[&str]) -> (PathBuf, Value) {
    let out = s.dir.path().join(format!("bundle-{}.json", extra.len()));
    ok(&s
        .cmd()
        .arg("export")
        .arg("--out")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    (out, v)
}

fn import_json(s: &Sandbox, file: &Path, extra: &[&str]) -> Value {
    let o = s
        .cmd()
        .arg("import")
        .arg(file)
        .arg("--json")
        .args(extra)
        .output()
        .unwrap();
    serde_json::from_str(&ok(&o)).unwrap()
}

/// `section/key` -> `action` (or `rename:to`).
fn actions(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let a = match i.get("to") {
                Some(to) => format!("rename:{}", to.as_str().unwrap()),
                None => i["action"].as_str().unwrap().to_string(),
            };
            format!("{}/{}={a}", i["section"].as_str().unwrap(), i["key"].as_str().unwrap())
        })
        .collect()
}

#[test]
fn round_trip_into_an_empty_workspace_gives_identical_content() {
    let a = seeded();
    let (file_a, bundle_a) = export(&a, &[]);
    assert_eq!(bundle_a["format"], "dbn-bundle");
    assert_eq!(bundle_a["version"], 1);
    let body = &bundle_a["body"];
    assert_eq!(body["connections"].as_array().unwrap().len(), 2);
    assert_eq!(
        body["connections"][0]["url"], "sqlite:data/app.db",
        "SQLite path must stay relative"
    );
    assert_eq!(body["folders"].as_array().unwrap().len(), 3);
    assert_eq!(body["saved_queries"].as_array().unwrap().len(), 3);
    assert_eq!(body["saved_queries"][0]["folder"], serde_json::json!([]));
    assert_eq!(body["saved_queries"][1]["folder"], serde_json::json!(["reports"]));
    assert_eq!(
        body["saved_queries"][2]["folder"],
        serde_json::json!(["reports", "monthly"])
    );
    assert_eq!(body["sync_jobs"][0]["name"], "nightly");
    assert_eq!(body["backup_schedules"][0]["keep"], 7);
    assert_eq!(body["overrides"].as_array().unwrap().len(), 2);
    assert!(body["secrets"].is_null());

    let b = Sandbox::new();
    let v = import_json(&b, &file_a, &[]);
    assert_eq!(v["summary"]["add"], 12, "{v:#}");
    assert_eq!(v["applied"], true);
    let (_, bundle_b) = export(&b, &[]);
    assert_eq!(bundle_a["body"], bundle_b["body"]);
    assert_eq!(bundle_a["checksum"], bundle_b["checksum"]);

    // The rows themselves, not only the bundle view of them.
    assert_eq!(
        sql_rows(
            &b,
            "SELECT f.name, p.name FROM folders f LEFT JOIN folders p ON p.id = f.parent_id ORDER BY f.name"
        ),
        ["adhoc|NULL", "monthly|reports", "reports|NULL"]
    );
    assert_eq!(
        sql_rows(&b, "SELECT name, read_only, tag, color FROM connections ORDER BY name"),
        ["local|0|dev|green", "shop|1|prod|NULL"]
    );
    for f in ["keymap.toml", "theme.toml"] {
        assert_eq!(
            std::fs::read(a.ws().join(".dbnexus").join(f)).unwrap(),
            std::fs::read(b.ws().join(".dbnexus").join(f)).unwrap()
        );
    }
    let audit = sql_rows(
        &b,
        "SELECT action, outcome, detail FROM audit_log WHERE action = 'import'",
    );
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].starts_with("import|ok|") && audit[0].contains("\"add\":12"),
        "{audit:?}"
    );

    // Importing the same bundle again changes nothing.
    let again = import_json(&b, &file_a, &["--on-conflict", "overwrite"]);
    assert_eq!(again["summary"]["unchanged"], 12, "{again:#}");
    let (_, bundle_c) = export(&b, &[]);
    assert_eq!(bundle_a["checksum"], bundle_c["checksum"]);
}

#[test]
fn passwords_travel_only_encrypted_and_work_after_import() {
    let Some(pw_url) = common::pg_pw_url() else { return };
    let password = url::Url::parse(&pw_url).unwrap().password().unwrap().to_string();
    let a = Sandbox::new();
    ok(&a
        .cmd()
        .args(["connect", "add", "app", "--url", &pw_url])
        .output()
        .unwrap());
    let (plain, v) = export(&a, &[]);
    assert!(v["body"]["secrets"].is_null());
    assert_eq!(v["body"]["connections"][0]["has_password"], true);
    assert!(!std::fs::read_to_string(&plain).unwrap().contains(&password));

    let out = a.dir.path().join("secret-bundle.json");
    ok(&a
        .cmd()
        .env("DBN_BUNDLE_PASSPHRASE", "bundle pass phrase")
        .args(["export", "--with-secrets", "--out"])
        .arg(&out)
        .output()
        .unwrap());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains(&password), "plaintext password in the bundle");
    assert!(text.contains("argon2id"));

    // A different master passphrase: the password is re-encrypted for the new workspace.
    let b = Sandbox::new();
    let o = b
        .cmd()
        .env("DBN_MASTER_PASSWORD", "another-master")
        .env("DBN_BUNDLE_PASSPHRASE", "bundle pass phrase")
        .arg("import")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = ok(&o);
    assert!(stdout.contains("password included"), "{stdout}");
    assert!(
        stdout.contains("Passwords stored in the file secret store for: app."),
        "{stdout}"
    );
    let status: Value = serde_json::from_slice(
        &b.cmd()
            .env("DBN_MASTER_PASSWORD", "another-master")
            .args(["secrets", "status", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(status["connections_with_passwords"][0]["name"], "app");
    assert_eq!(status["connections_with_passwords"][0]["backend"], "file");
    let show: Value = serde_json::from_str(&ok(&b
        .cmd()
        .args(["connect", "show", "app", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(show["password"], "stored (file)");
    // The password really works: password authentication against the server.
    let q = b
        .cmd()
        .env("DBN_MASTER_PASSWORD", "another-master")
        .args([
            "query",
            "--conn",
            "app",
            "--format",
            "csv",
            "--sql",
            "SELECT current_user AS u",
        ])
        .output()
        .unwrap();
    assert_eq!(ok(&q).trim(), "u\ndbn_user");
    for entry in walk(&b.ws()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&password),
            "plaintext password in {}",
            entry.display()
        );
    }
    // Re-exporting with secrets gives the same content apart from the fresh salt and nonce.
    let again = b.dir.path().join("again.json");
    ok(&b
        .cmd()
        .env("DBN_MASTER_PASSWORD", "another-master")
        .env("DBN_BUNDLE_PASSPHRASE", "other")
        .args(["export", "--with-secrets", "--out"])
        .arg(&again)
        .output()
        .unwrap());
    let mut x: Value = serde_json::from_str(&text).unwrap();
    let mut y: Value = serde_json::from_str(&std::fs::read_to_string(&again).unwrap()).unwrap();
    assert!(y["body"]["secrets"]["ciphertext"].is_string());
    x["body"]["secrets"] = Value::Null;
    y["body"]["secrets"] = Value::Null;
    assert_eq!(x["body"], y["body"]);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A workspace that shares some keys with `seeded()`, with other content.
fn conflicting() -> Sandbox {
    let s = Sandbox::new();
    ok(&s
        .cmd()
        .args([
            "connect",
            "add",
            "shop",
            "--url",
            "postgres://other@elsewhere/shop",
            "--no-password",
        ])
        .output()
        .unwrap());
    ok(&s
        .cmd()
        .args([
            "connect",
            "add",
            "local",
            "--url",
            "sqlite:data/app.db",
            "--color",
            "green",
        ])
        .output()
        .unwrap());
    meta(&s)
        .execute_batch(
            "INSERT INTO folders (id, name, parent_id, created_at) VALUES (1, 'reports', NULL, 't');
             INSERT INTO saved_queries (name, folder_id, connection, sql, created_at, updated_at)
               VALUES ('top', 1, 'shop', 'SELECT 42', 't', 't');
             INSERT INTO sync_jobs (name, kind, definition, created_at, updated_at) VALUES ('nightly', 'schema', '{}', 't', 't');
             INSERT INTO backup_schedules (connection, spec, keep, created_at) VALUES ('shop', 'daily 02:00', 30, 't');",
        )
        .unwrap();
    std::fs::write(s.ws().join(".dbnexus/keymap.toml"), "# mine\n").unwrap();
    s
}

fn files_of(s: &Sandbox) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = walk(&s.ws())
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("/logs/"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn dry_run_shows_the_plan_and_changes_nothing() {
    let a = seeded();
    let (file, _) = export(&a, &[]);
    let b = conflicting();
    let before = files_of(&b);
    let o = b
        .cmd()
        .arg("import")
        .arg(&file)
        .args(["--dry-run", "--on-conflict", "rename"])
        .output()
        .unwrap();
    let out = ok(&o);
    assert!(
        out.contains("  rename     shop -> shop-2  (exists with other settings)"),
        "{out}"
    );
    assert!(out.contains("  unchanged  local"), "{out}");
    assert!(out.contains("Dry run: nothing was changed."), "{out}");
    assert_eq!(files_of(&b), before, "a dry run must not touch any file");
}

#[test]
fn on_conflict_skip_is_the_default_and_keeps_local_entries() {
    let a = seeded();
    let (file, _) = export(&a, &[]);
    let b = conflicting();
    let v = import_json(&b, &file, &[]);
    assert_eq!(v["on_conflict"], "skip");
    let acts = actions(&v);
    for want in [
        "connections/shop=skip",
        "connections/local=unchanged",
        "folders/reports=unchanged",
        "folders/reports/monthly=add",
        "saved_queries/reports/top=skip",
        "saved_queries/reports/monthly/revenue=add",
        "sync_jobs/nightly=skip",
        "backup_schedules/shop daily 02:00=skip",
        "overrides/keymap.toml=skip",
        "overrides/theme.toml=add",
    ] {
        assert!(acts.contains(&want.to_string()), "missing {want} in {acts:#?}");
    }
    assert_eq!(
        sql_rows(&b, "SELECT url FROM connections WHERE name='shop'"),
        ["postgres://other@elsewhere/shop"]
    );
    assert_eq!(
        sql_rows(&b, "SELECT sql FROM saved_queries WHERE name='top'"),
        ["SELECT 42"]
    );
    assert_eq!(sql_rows(&b, "SELECT keep FROM backup_schedules"), ["30"]);
    assert_eq!(
        std::fs::read_to_string(b.ws().join(".dbnexus/keymap.toml")).unwrap(),
        "# mine\n"
    );
    assert!(b.ws().join(".dbnexus/theme.toml").exists());
}

#[test]
fn on_conflict_overwrite_replaces_local_entries() {
    let a = seeded();
    let (file, _) = export(&a, &[]);
    let b = conflicting();
    let v = import_json(&b, &file, &["--on-conflict", "overwrite"]);
    assert_eq!(v["summary"]["overwrite"], 5, "{v:#}");
    assert_eq!(
        sql_rows(&b, "SELECT url, tag, read_only FROM connections WHERE name='shop'"),
        ["postgres://app@db.internal:5432/shop|prod|1"]
    );
    assert_eq!(
        sql_rows(&b, "SELECT sql FROM saved_queries WHERE name='top'"),
        ["SELECT * FROM customers LIMIT 10"]
    );
    assert_eq!(sql_rows(&b, "SELECT kind FROM sync_jobs"), ["data"]);
    assert_eq!(sql_rows(&b, "SELECT keep FROM backup_schedules"), ["7"]);
    assert_eq!(
        std::fs::read_to_string(b.ws().join(".dbnexus/keymap.toml")).unwrap(),
        "[global]\n\"ctrl-q\" = \"quit\"\n"
    );
}

#[test]
fn on_conflict_rename_imports_beside_and_follows_renamed_connections() {
    let a = seeded();
    let (file, _) = export(&a, &[]);
    let b = conflicting();
    // A name already taken pushes the rename to the next number.
    ok(&b
        .cmd()
        .args(["connect", "add", "shop-2", "--url", "postgres://x@y/z", "--no-password"])
        .output()
        .unwrap());
    let v = import_json(&b, &file, &["--on-conflict", "rename"]);
    let acts = actions(&v);
    for want in [
        "connections/shop=rename:shop-3",
        "saved_queries/reports/top=rename:top-2",
        "sync_jobs/nightly=rename:nightly-2",
        "backup_schedules/shop-3 daily 02:00=add",
        "overrides/keymap.toml=rename:keymap-2.toml",
    ] {
        assert!(acts.contains(&want.to_string()), "missing {want} in {acts:#?}");
    }
    assert_eq!(
        sql_rows(&b, "SELECT name, url FROM connections ORDER BY name"),
        [
            "local|sqlite:data/app.db",
            "shop|postgres://other@elsewhere/shop",
            "shop-2|postgres://x@y/z",
            "shop-3|postgres://app@db.internal:5432/shop"
        ]
    );
    // Imported queries and schedules point at the connection they came with.
    assert_eq!(
        sql_rows(
            &b,
            "SELECT name, connection, sql FROM saved_queries WHERE folder_id = 1 ORDER BY name"
        ),
        ["top|shop|SELECT 42", "top-2|shop-3|SELECT * FROM customers LIMIT 10"]
    );
    assert_eq!(
        sql_rows(&b, "SELECT connection, keep FROM backup_schedules ORDER BY connection"),
        ["shop|30", "shop-3|7"]
    );
    assert_eq!(
        sql_rows(&b, "SELECT name, kind FROM sync_jobs ORDER BY name"),
        ["nightly|schema", "nightly-2|data"]
    );
    assert_eq!(
        std::fs::read_to_string(b.ws().join(".dbnexus/keymap.toml")).unwrap(),
        "# mine\n"
    );
    assert!(
        std::fs::read_to_string(b.ws().join(".dbnexus/keymap-2.toml"))
            .unwrap()
            .contains("ctrl-q")
    );
}

/// Issue 12: an import that would make a read-only prod connection writable
/// takes the one confirmation rule (as `dbn connect edit`): refused without
/// it (exit 4, nothing imported), audited with it; the import itself is on
/// record before anything changes, and not done when it cannot be.
#[test]
fn an_import_that_relaxes_a_prod_connection_needs_its_name() {
    let dev = conflicting();
    let (file, _) = export(&dev, &[]);
    let b = seeded();
    let shop = "SELECT url, tag, read_only FROM connections WHERE name='shop'";
    let before = sql_rows(&b, shop);
    assert_eq!(before, ["postgres://app@db.internal:5432/shop|prod|1"]);
    let run = |extra: &[&str]| {
        b.cmd()
            .arg("import")
            .arg(&file)
            .args(["--on-conflict", "overwrite"])
            .args(extra)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let o = run(&[]);
    assert_eq!(o.status.code(), Some(4), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--confirm shop"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(sql_rows(&b, shop), before, "nothing imported");
    let o = run(&["--confirm", "nope"]);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(sql_rows(&b, shop), before);
    // The audit log cannot be written: nothing is imported.
    let blocked = seeded();
    common::block_audit(&blocked.ws());
    let o = blocked
        .cmd()
        .arg("import")
        .arg(&file)
        .args(["--on-conflict", "overwrite", "--confirm", "shop"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(sql_rows(&blocked, shop), before);
    // With the name: imported, the relaxation and the import audited.
    ok(&run(&["--confirm", "shop"]));
    assert_eq!(sql_rows(&b, shop), ["postgres://other@elsewhere/shop|dev|0"]);
    assert_eq!(
        sql_rows(
            &b,
            "SELECT action, outcome, confirmed_by FROM audit_log WHERE action IN ('connection', 'import') ORDER BY id"
        ),
        [
            "connection|refused: SAFETY_CONFIRM_REQUIRED|NULL",
            "connection|refused: SAFETY_CONFIRM_MISMATCH|NULL",
            "connection|ok|--confirm shop",
            "import|ok|NULL"
        ]
    );
}
