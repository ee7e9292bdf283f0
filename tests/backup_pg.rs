//! Backup round trips on PostgreSQL through the real binary, plus a
//! cross-engine restore into SQLite.

mod backup_support;
mod common;

use backup_support::*;
use common::{Sandbox, fresh_pg_db, psql};

fn seed(url: &str, customers: i64, orders: i64) {
    for s in SCHEMA {
        psql(url, s);
    }
    psql(
        url,
        &format!(
            "INSERT INTO customers SELECT i, 'customer ' || i, timestamp '2026-01-02 03:04:05' + i * interval '1 hour' FROM generate_series(1, {customers}) i"
        ),
    );
    psql(
        url,
        &format!(
            "INSERT INTO orders SELECT i, (i % {customers}) + 1, (i * 7 % 1000) / 4.0, CASE WHEN i % 3 = 0 THEN NULL ELSE 'note ' || i END FROM generate_series(1, {orders}) i"
        ),
    );
    psql(
        url,
        "INSERT INTO events SELECT 'k' || (i % 5), i FROM generate_series(0, 49) i",
    );
}

#[test]
fn pg_backup_diff_restore_undo_round_trip() {
    let Some(url) = fresh_pg_db("bk_rt") else { return };
    seed(&url, 200, 2000);
    let s = Sandbox::new();
    add_conn(&s, "shop", &url, &[]);
    let exec = |sql: &str| {
        psql(&url, sql);
    };
    round_trip(&s, "shop", &exec);
}

#[test]
fn pg_backup_works_with_read_only_connection_and_confirm_gate() {
    let Some(url) = fresh_pg_db("bk_ro") else { return };
    seed(&url, 10, 20);
    let s = Sandbox::new();
    add_conn(&s, "prod", &url, &["--tag", "prod"]);
    // A prod connection is read-only: backup works through it.
    let b = create(&s, "prod");
    read_only_target_needs_confirm(&s, b["id"].as_str().unwrap(), "prod");
}

#[test]
fn pg_snapshot_restores_into_sqlite() {
    let Some(url) = fresh_pg_db("bk_x") else { return };
    seed(&url, 20, 100);
    psql(
        &url,
        "CREATE TABLE typed (id bigint PRIMARY KEY, at timestamptz, j jsonb, u uuid, b bytea, ok boolean, tags text[])",
    );
    psql(
        &url,
        "INSERT INTO typed VALUES (1, '2026-01-01 10:00:00+02', '{\"a\": 1}', '00000000-0000-0000-0000-000000000001', '\\x00ff', true, '{a,b}'), (2, NULL, NULL, NULL, NULL, NULL, NULL)",
    );
    let s = Sandbox::new();
    add_conn(&s, "pg", &url, &[]);
    add_conn(&s, "lite", "sqlite:lite.db", &[]);
    let b = create(&s, "pg");
    let r = ok(
        &s,
        &[
            "backup",
            "restore",
            b["id"].as_str().unwrap(),
            "--into",
            "lite",
            "--new-database",
            "copy.db",
            "--json",
            "-q",
        ],
    );
    assert_eq!(r["rows"].as_u64(), Some(20 + 100 + 50 + 2), "{r}");
    let c = rusqlite::Connection::open(s.ws().join("copy.db")).unwrap();
    let n: i64 = c.query_row("SELECT count(*) FROM orders", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 100);
    let (ok_flag, tags, bytes): (i64, String, Vec<u8>) = c
        .query_row("SELECT ok, tags, b FROM typed WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((ok_flag, tags.as_str(), bytes), (1, "{a,b}", vec![0u8, 255]));
}

#[test]
fn pg_kill_during_backup_leaves_no_backup() {
    let Some(url) = fresh_pg_db("bk_kill") else { return };
    seed(&url, 1000, 400_000);
    let s = Sandbox::new();
    add_conn(&s, "big", &url, &[]);
    kill_during_backup(&s, "big");
}

#[test]
fn pg_restore_into_new_database_recreates_schema_and_data() {
    let Some(url) = fresh_pg_db("bk_new") else { return };
    psql(&url, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
    psql(
        &url,
        "CREATE TABLE parent (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, m mood NOT NULL, tags text[])",
    );
    psql(
        &url,
        "CREATE TABLE child (id serial PRIMARY KEY, parent_id int NOT NULL REFERENCES parent(id), at timestamptz DEFAULT now())",
    );
    psql(&url, "CREATE INDEX child_parent ON child (parent_id)");
    psql(
        &url,
        "INSERT INTO parent (m, tags) SELECT (ARRAY['sad','ok','happy'])[1 + i % 3]::mood, ARRAY['t' || i] FROM generate_series(1, 300) i",
    );
    psql(
        &url,
        "INSERT INTO child (parent_id, at) SELECT 1 + i % 300, timestamptz '2026-01-01' + i * interval '1 minute' FROM generate_series(1, 900) i",
    );
    let s = Sandbox::new();
    add_conn(&s, "pg", &url, &[]);
    let b = create(&s, "pg");
    let id = b["id"].as_str().unwrap();
    let newdb = common::unique_name("bk_new_copy");
    ok(&s, &["backup", "restore", id, "--new-database", &newdb, "-q"]);
    let copy_url = common::with_database(&url, &newdb);
    assert_eq!(
        psql(&copy_url, "SELECT count(*) FROM pg_constraint WHERE contype = 'f'").trim(),
        "1"
    );
    assert_eq!(
        psql(
            &copy_url,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'child_parent'"
        )
        .trim(),
        "1"
    );
    assert_eq!(psql(&copy_url, "SELECT m FROM parent WHERE id = 3").trim(), "sad");
    // Sequences continue after the restored ids.
    psql(&copy_url, "INSERT INTO child (parent_id) VALUES (1)");
    assert_eq!(psql(&copy_url, "SELECT max(id) FROM child").trim(), "901");
    psql(&copy_url, "DELETE FROM child WHERE id = 901");
    add_conn(&s, "copy", &copy_url, &[]);
    let c = create(&s, "copy");
    assert_eq!(hashes(&s, c["id"].as_str().unwrap()), hashes(&s, id));
}
