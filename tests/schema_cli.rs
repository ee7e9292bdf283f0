//! End to end: `dbn snapshot`, `dbn diff schema` and `dbn sync schema`
//! against real Postgres databases in an isolated workspace.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "schema_support.rs"]
mod support;

use dbn::db::Engine;
use std::process::Output;
use support::{Db, Sandbox};

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn dbn(s: &Sandbox, args: &[&str]) -> Output {
    s.cmd().args(args).output().unwrap()
}

#[test]
fn snapshot_diff_sync_apply_and_audit() {
    let (Some(a), Some(b)) = (
        Db::fresh(Engine::Postgres, "sch_cli_a"),
        Db::fresh(Engine::Postgres, "sch_cli_b"),
    ) else {
        return;
    };
    a.run(
        "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2) DEFAULT 0);
           CREATE INDEX items_name ON items (name);
           CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10;",
    );
    b.run("CREATE TABLE items (id int PRIMARY KEY, name varchar(20)); CREATE TABLE legacy (x int);");
    let s = Sandbox::new();
    for (name, url, tag) in [("src", &a.url, "dev"), ("tgt", &b.url, "dev"), ("live", &b.url, "prod")] {
        let o = dbn(&s, &["connect", "add", name, "--url", url, "--tag", tag]);
        assert!(o.status.success(), "{:?}", text(&o));
    }

    // Snapshots: stored once, re-labelled when unchanged.
    let o = dbn(&s, &["snapshot", "schema", "--conn", "tgt", "--label", "before"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("Stored schema snapshot"), "{:?}", text(&o));
    let o = dbn(&s, &["snapshot", "schema", "--conn", "tgt", "--label", "again"]);
    assert!(text(&o).0.contains("unchanged"), "{:?}", text(&o));
    let o = dbn(&s, &["snapshot", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["labels"], serde_json::json!(["again", "before"]));
    let id = list[0]["id"].as_i64().unwrap().to_string();
    let o = dbn(&s, &["snapshot", "show", &id]);
    assert!(text(&o).0.contains("CREATE TABLE public.legacy"), "{:?}", text(&o));

    // Diff: summary and per-object unified diff, no colour under NO_COLOR.
    let o = dbn(&s, &["diff", "schema", "--source", "src", "--target", "tgt"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("tables") && out.contains("-1 removed") && out.contains("~1 changed"),
        "{out}"
    );
    assert!(out.contains("table public.items (changed)"), "{out}");
    assert!(out.contains("-    name character varying(20),"), "{out}");
    assert!(out.contains("+    name text NOT NULL,"), "{out}");
    assert!(out.contains("view public.cheap (added)"), "{out}");
    assert!(!out.contains('\x1b'), "NO_COLOR must disable colours");
    let o = dbn(&s, &["diff", "schema", "--source", "src", "--target", "tgt", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["identical"], false);
    assert!(
        j["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "index" && c["status"] == "added")
    );

    // Sync preview writes SQL and changes nothing.
    let file = s.ws().join("m.sql");
    let o = dbn(
        &s,
        &[
            "sync",
            "schema",
            "--source",
            "src",
            "--target",
            "tgt",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let sql = std::fs::read_to_string(&file).unwrap();
    assert!(
        sql.contains("BEGIN;") && sql.contains("DROP TABLE public.legacy") && sql.contains("-- HAZARD data loss"),
        "{sql}"
    );

    // Apply needs confirmation: none on a non-terminal is blocked (exit 4).
    let o = dbn(&s, &["sync", "schema", "--source", "src", "--target", "tgt", "--apply"]);
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
    let o = dbn(
        &s,
        &[
            "sync",
            "schema",
            "--source",
            "src",
            "--target",
            "tgt",
            "--apply",
            "--confirm",
            "wrong",
        ],
    );
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
    // A prod connection is read-only by default: its unlock is the same
    // confirmation (`--confirm live`, see tests/ops_rule.rs); a confirmation
    // naming another connection is refused.
    let o = dbn(
        &s,
        &[
            "sync",
            "schema",
            "--source",
            "src",
            "--target",
            "live",
            "--apply",
            "--confirm",
            "tgt",
        ],
    );
    assert_eq!(o.status.code(), Some(4), "{:?}", text(&o));
    assert!(
        b.run("SELECT count(*) FROM legacy").trim() == "0",
        "nothing applied yet"
    );

    let o = dbn(
        &s,
        &[
            "sync",
            "schema",
            "--source",
            "src",
            "--target",
            "tgt",
            "--apply",
            "--confirm",
            "tgt",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("Verified: re-introspected 'tgt' and the diff against src is now empty."),
        "{out}"
    );
    let o = dbn(&s, &["diff", "schema", "--source", "src", "--target", "tgt"]);
    assert!(text(&o).0.starts_with("No differences"), "{:?}", text(&o));
    // The old state is still reachable by label.
    let o = dbn(&s, &["diff", "schema", "--source", "tgt@before", "--target", "tgt"]);
    assert!(text(&o).0.contains("table public.legacy (added)"), "{:?}", text(&o));

    // Audit entry with the full SQL and before/after snapshots.
    let meta = rusqlite::Connection::open(s.ws().join(".dbnexus/metadata.db")).unwrap();
    let (stmt, outcome, detail, confirmed): (String, String, String, String) = meta
        .query_row(
            "SELECT statement, outcome, detail, confirmed_by FROM audit_log WHERE action = 'migration' AND outcome = 'ok'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert!(stmt.contains("CREATE VIEW public.cheap"), "{stmt}");
    assert_eq!(outcome, "ok");
    let refused: i64 = meta
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'migration' AND outcome LIKE 'refused%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(refused, 3, "missing and wrong confirmations are audited");
    assert_eq!(confirmed, "--confirm tgt");
    let d: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(d["verified_empty_diff"], true);
    assert!(d["before_snapshot"].as_i64().unwrap() != d["after_snapshot"].as_i64().unwrap());

    // Removing a snapshot.
    let o = dbn(&s, &["snapshot", "remove", &id]);
    assert!(o.status.success());
    let o = dbn(&s, &["snapshot", "show", &id]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
}

#[test]
fn failed_apply_reports_statement_and_rolls_back() {
    let (Some(a), Some(b)) = (
        Db::fresh(Engine::Postgres, "sch_cli_fa"),
        Db::fresh(Engine::Postgres, "sch_cli_fb"),
    ) else {
        return;
    };
    a.run("CREATE TABLE t (a int NOT NULL, added int);");
    b.run("CREATE TABLE t (a int); INSERT INTO t VALUES (NULL);");
    let s = Sandbox::new();
    for (name, url) in [("src", &a.url), ("tgt", &b.url)] {
        assert!(dbn(&s, &["connect", "add", name, "--url", url]).status.success());
    }
    let o = dbn(
        &s,
        &[
            "sync",
            "schema",
            "--source",
            "src",
            "--target",
            "tgt",
            "--apply",
            "--confirm",
            "tgt",
        ],
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("SET NOT NULL") && err.contains("rolled back"), "{err}");
    assert_eq!(
        b.run("SELECT count(*) FROM information_schema.columns WHERE table_name = 't'")
            .trim(),
        "1"
    );
}

#[test]
fn unknown_reference_is_a_usage_error() {
    let s = Sandbox::new();
    let o = dbn(&s, &["diff", "schema", "--source", "nope", "--target", "nope@x"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("nope"), "{:?}", text(&o));
}

#[test]
fn detected_rename_can_be_applied_on_sqlite() {
    let a = Db::fresh(Engine::Sqlite, "ren_a").unwrap();
    let b = Db::fresh(Engine::Sqlite, "ren_b").unwrap();
    a.run("CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT NOT NULL);");
    b.run("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO people VALUES (7, 'zed');");
    let s = Sandbox::new();
    for (name, path) in [("a", &a.url), ("b", &b.url)] {
        let o = dbn(&s, &["connect", "add", name, "--url", &format!("sqlite://{path}")]);
        assert!(o.status.success(), "{:?}", text(&o));
    }
    let o = dbn(
        &s,
        &["diff", "schema", "--source", "a", "--target", "b", "--detect-renames"],
    );
    let (out, err) = text(&o);
    assert!(out.contains("--rename people=persons"), "{out}{err}");
    let o = dbn(
        &s,
        &[
            "sync",
            "schema",
            "-s",
            "a",
            "-t",
            "b",
            "--rename",
            "people=persons",
            "--apply",
            "--confirm",
            "b",
        ],
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("Verified"), "{out}");
    assert_eq!(b.run("SELECT id, name FROM persons"), "7|zed\n");
    let o = dbn(&s, &["sync", "schema", "-s", "a", "-t", "b", "--rename", "nonsense"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
}
