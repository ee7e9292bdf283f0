//! `dbn sync data --apply` with identity and generated columns (issue 13):
//! GENERATED ALWAYS identity columns are written as given, generated
//! columns are never written, on Postgres and MariaDB; inserts go through
//! the bulk path.

mod backup_support;
mod common;

use backup_support::{add_conn, err_text};
use common::{Sandbox, fresh_mysql_db, fresh_pg_db, mysql, psql};
use std::process::Stdio;

fn sync(s: &Sandbox) -> std::process::Output {
    s.cmd()
        .args(["sync", "data", "-s", "src", "-t", "dst", "--table", "items", "--apply"])
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn pg_sync_writes_identity_always_and_skips_generated() {
    let (Some(src), Some(dst)) = (fresh_pg_db("sy_gen_s"), fresh_pg_db("sy_gen_d")) else {
        return;
    };
    let ddl = "CREATE TABLE items (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * 2) STORED)";
    psql(&src, ddl);
    psql(&dst, ddl);
    psql(&src, "INSERT INTO items (a) SELECT i FROM generate_series(1, 2000) i");
    psql(
        &dst,
        "INSERT INTO items (a) SELECT i FROM generate_series(1, 10) i; UPDATE items SET a = 0 WHERE id = 3",
    );
    let s = Sandbox::new();
    add_conn(&s, "src", &src, &[]);
    add_conn(&s, "dst", &dst, &[]);
    let out = sync(&s);
    assert!(
        out.status.success(),
        "{}\n{}",
        err_text(&out),
        String::from_utf8_lossy(&out.stdout)
    );
    let q = "SELECT count(*), sum(id), sum(a), sum(b) FROM items";
    assert_eq!(psql(&src, q), psql(&dst, q));
}

#[test]
fn mysql_sync_skips_generated_columns() {
    let (Some(src), Some(dst)) = (fresh_mysql_db("sy_gen_s"), fresh_mysql_db("sy_gen_d")) else {
        return;
    };
    let ddl = "CREATE TABLE items (id INT PRIMARY KEY, a INT, b INT AS (a * 2) STORED, c INT AS (a + 1) VIRTUAL)";
    mysql(&src, ddl);
    mysql(&dst, ddl);
    mysql(&src, "INSERT INTO items (id, a) SELECT seq, seq FROM seq_1_to_2000");
    mysql(
        &dst,
        "INSERT INTO items (id, a) SELECT seq, seq FROM seq_1_to_10; UPDATE items SET a = 0 WHERE id = 3",
    );
    let s = Sandbox::new();
    add_conn(&s, "src", &src, &[]);
    add_conn(&s, "dst", &dst, &[]);
    let out = sync(&s);
    assert!(
        out.status.success(),
        "{}\n{}",
        err_text(&out),
        String::from_utf8_lossy(&out.stdout)
    );
    let q = "SELECT COUNT(*), SUM(id), SUM(a), SUM(b), SUM(c) FROM items";
    assert_eq!(mysql(&src, q), mysql(&dst, q));
}
