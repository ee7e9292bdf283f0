//! Backup round trips on MariaDB through the real binary.

mod backup_support;
mod common;

use backup_support::*;
use common::{Sandbox, fresh_mysql_db, mysql};

fn seed(url: &str, customers: i64, orders: i64) {
    for s in SCHEMA {
        mysql(url, s);
    }
    mysql(
        url,
        &format!(
            "INSERT INTO customers SELECT seq, CONCAT('customer ', seq), '2026-01-02 03:04:05' + INTERVAL seq HOUR FROM seq_1_to_{customers}"
        ),
    );
    mysql(
        url,
        &format!(
            "INSERT INTO orders SELECT seq, (seq % {customers}) + 1, (seq * 7 % 1000) / 4.0, IF(seq % 3 = 0, NULL, CONCAT('note ', seq)) FROM seq_1_to_{orders}"
        ),
    );
    mysql(
        url,
        "INSERT INTO events SELECT CONCAT('k', seq % 5), seq FROM seq_0_to_49",
    );
}

#[test]
fn mysql_backup_diff_restore_undo_round_trip() {
    let Some(url) = fresh_mysql_db("bk_rt") else { return };
    seed(&url, 200, 2000);
    let s = Sandbox::new();
    add_conn(&s, "shop", &url, &[]);
    let exec = |sql: &str| {
        mysql(&url, sql);
    };
    round_trip(&s, "shop", &exec);
}

#[test]
fn mysql_read_only_target_needs_confirm() {
    let Some(url) = fresh_mysql_db("bk_ro") else { return };
    seed(&url, 10, 20);
    let s = Sandbox::new();
    add_conn(&s, "m", &url, &[]);
    add_conn(&s, "m-ro", &url, &["--read-only"]);
    let b = create(&s, "m-ro");
    read_only_target_needs_confirm(&s, b["id"].as_str().unwrap(), "m-ro");
}

#[test]
fn mysql_kill_during_backup_leaves_no_backup() {
    let Some(url) = fresh_mysql_db("bk_kill") else { return };
    seed(&url, 1000, 200_000);
    let s = Sandbox::new();
    add_conn(&s, "big", &url, &[]);
    kill_during_backup(&s, "big");
}
