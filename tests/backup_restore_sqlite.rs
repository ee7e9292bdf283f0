//! Restore semantics on SQLite (issue 13): views, triggers, WITHOUT ROWID
//! and AUTOINCREMENT come back; a selective restore fires no trigger and
//! no cascade, all in one transaction.

mod backup_support;
mod common;

use backup_support::*;
use common::Sandbox;

const SCHEMA: &str = "
PRAGMA foreign_keys = ON;
CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, total NUMERIC NOT NULL DEFAULT 0, at TEXT);
CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE, price NUMERIC NOT NULL);
CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
CREATE INDEX items_order ON order_items (order_id);
CREATE VIEW big AS SELECT id, total FROM orders WHERE total > 10;
CREATE TRIGGER items_total AFTER INSERT ON order_items BEGIN UPDATE orders SET total = total + NEW.price WHERE id = NEW.order_id; END;
";

fn seed(path: &std::path::Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(SCHEMA).unwrap();
    c.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
         INSERT INTO orders (at) SELECT '2026-01-01T10:00:00' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
         INSERT INTO order_items (order_id, price) SELECT (i % 20) + 1, 2.5 FROM n;
         INSERT INTO kv VALUES ('a', x'00ff'), ('b', 'text in a blob column');
         UPDATE sqlite_sequence SET seq = 7777 WHERE name = 'orders';",
    )
    .unwrap();
}

/// The engine's own description of the schema: `sqlite_master` (SQL with
/// whitespace collapsed, since the schema module re-renders table DDL) and,
/// per table, its columns, foreign keys and indexes as PRAGMAs report them.
fn master(path: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = q(
        path,
        "SELECT type, name, tbl_name FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name",
    )
    .lines()
    .map(str::to_string)
    .collect();
    let c = rusqlite::Connection::open(path).unwrap();
    let mut st = c
        .prepare("SELECT sql FROM sqlite_master WHERE type IN ('view', 'trigger', 'index') AND sql IS NOT NULL ORDER BY name")
        .unwrap();
    let sqls: Vec<String> = st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    out.extend(sqls.iter().map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")));
    for t in ["orders", "order_items", "kv"] {
        for pragma in ["table_xinfo", "foreign_key_list", "index_list", "table_list"] {
            out.push(format!(
                "{t} {pragma}: {}",
                q(path, &format!("SELECT * FROM pragma_{pragma}('{t}')"))
            ));
        }
    }
    out
}

fn q(path: &std::path::Path, sql: &str) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut st = c.prepare(sql).unwrap();
    let n = st.column_count();
    let rows: Vec<String> = st
        .query_map([], |r| {
            Ok((0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(b) => format!("x'{}'", hex::encode(b)),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.join("\n")
}

#[test]
fn sqlite_new_database_restore_is_exact() {
    let s = Sandbox::new();
    let src = s.dir.path().join("src.db");
    seed(&src);
    add_conn(&s, "src", &format!("sqlite://{}", src.display()), &[]);
    let b = create(&s, "src");
    let copy = s.dir.path().join("copy.db");
    ok(
        &s,
        &[
            "backup",
            "restore",
            b["id"].as_str().unwrap(),
            "--new-database",
            copy.to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(master(&src), master(&copy));
    for sql in [
        "SELECT * FROM orders ORDER BY id",
        "SELECT * FROM order_items ORDER BY id",
        "SELECT k, typeof(v), v FROM kv ORDER BY k",
        "SELECT name, seq FROM sqlite_sequence ORDER BY name",
    ] {
        assert_eq!(q(&src, sql), q(&copy, sql), "{sql}");
    }
}

#[test]
fn sqlite_selective_restore_fires_no_trigger_and_no_cascade() {
    let s = Sandbox::new();
    let db = s.dir.path().join("db.db");
    seed(&db);
    add_conn(&s, "db", &format!("sqlite://{}", db.display()), &[]);
    let b = create(&s, "db");
    let id = b["id"].as_str().unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("DELETE FROM order_items WHERE id > 30").unwrap();
    let orders_before = q(&db, "SELECT * FROM orders ORDER BY id");
    ok(&s, &["backup", "restore", id, "--tables", "order_items", "-q"]);
    assert_eq!(q(&db, "SELECT count(*) FROM order_items"), "Integer(60)");
    assert_eq!(q(&db, "SELECT * FROM orders ORDER BY id"), orders_before);
    assert_eq!(
        q(&db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"),
        "Integer(1)",
        "the trigger is back after the load"
    );

    let out = dbn(&s, &["backup", "restore", id, "--tables", "orders", "-q"]);
    assert_eq!(out.status.code(), Some(4), "{}", err_text(&out));
    assert!(err_text(&out).contains("order_items"), "{}", err_text(&out));
    ok(
        &s,
        &["backup", "restore", id, "--tables", "orders", "--with-dependents", "-q"],
    );
    assert_eq!(q(&db, "SELECT count(*) FROM order_items"), "Integer(60)");
    assert_eq!(q(&db, "SELECT * FROM orders ORDER BY id"), orders_before);
}

/// Issue 11, point 7: a restore whose audit intent cannot be recorded
/// sends nothing (exit 4, one message): the target, the repository and the
/// file system stay as they were, with or without `--new-database`.
#[test]
fn sqlite_restore_is_not_sent_when_the_audit_log_cannot_be_written() {
    let s = Sandbox::new();
    let db = s.dir.path().join("db.db");
    seed(&db);
    add_conn(&s, "db", &format!("sqlite://{}", db.display()), &[]);
    let b = create(&s, "db");
    let id = b["id"].as_str().unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("DELETE FROM order_items WHERE id > 30; UPDATE orders SET total = -1")
        .unwrap();
    let all = "SELECT (SELECT group_concat(id || ':' || total) FROM orders), (SELECT count(*) FROM order_items)";
    let before = q(&db, all);
    let backups = ok(&s, &["backup", "list", "--json"]).to_string();
    common::block_audit(&s.ws());
    let out = dbn(&s, &["backup", "restore", id, "-q"]);
    assert_eq!(out.status.code(), Some(4), "{}", err_text(&out));
    let e = err_text(&out);
    assert!(
        e.contains("the audit log cannot be written") && e.contains("nothing was sent"),
        "{e}"
    );
    assert_eq!(q(&db, all), before, "the target is unchanged");
    assert_eq!(
        ok(&s, &["backup", "list", "--json"]).to_string(),
        backups,
        "no pre-restore snapshot"
    );
    let copy = s.dir.path().join("copy.db");
    let out = dbn(
        &s,
        &["backup", "restore", id, "--new-database", copy.to_str().unwrap(), "-q"],
    );
    assert_eq!(out.status.code(), Some(4), "{}", err_text(&out));
    assert!(!copy.exists(), "no database is created");
}
