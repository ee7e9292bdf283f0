//! Backup round trips on SQLite through the real binary.

mod backup_support;
mod common;

use backup_support::*;
use common::Sandbox;

fn seed(path: &std::path::Path, customers: i64, orders: i64) {
    let mut c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    for s in SCHEMA {
        c.execute(s, []).unwrap();
    }
    let tx = c.transaction().unwrap();
    for i in 1..=customers {
        tx.execute(
            "INSERT INTO customers VALUES (?1, ?2, '2026-01-02 03:04:05')",
            rusqlite::params![i, format!("customer {i}")],
        )
        .unwrap();
    }
    for i in 1..=orders {
        tx.execute(
            "INSERT INTO orders VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![
                i,
                (i % customers) + 1,
                (i * 7 % 1000) as f64 / 4.0,
                if i % 3 == 0 { None } else { Some(format!("note {i}")) }
            ],
        )
        .unwrap();
    }
    for i in 0..50 {
        tx.execute(
            "INSERT INTO events VALUES (?1, ?2)",
            rusqlite::params![format!("k{}", i % 5), i],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn sqlite_backup_diff_restore_undo_round_trip() {
    let s = Sandbox::new();
    let db = s.ws().join("shop.db");
    seed(&db, 200, 2000);
    add_conn(&s, "shop", "sqlite:shop.db", &[]);
    let exec = |sql: &str| {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(sql).unwrap();
    };
    round_trip(&s, "shop", &exec);
}

#[test]
fn sqlite_read_only_target_needs_confirm() {
    let s = Sandbox::new();
    seed(&s.ws().join("a.db"), 10, 20);
    add_conn(&s, "a", "sqlite:a.db", &[]);
    add_conn(&s, "a-ro", "sqlite:a.db", &["--read-only"]);
    let b = create(&s, "a");
    read_only_target_needs_confirm(&s, b["id"].as_str().unwrap(), "a-ro");
}

#[test]
fn sqlite_kill_during_backup_leaves_no_backup() {
    let s = Sandbox::new();
    seed(&s.ws().join("big.db"), 1000, 400_000);
    add_conn(&s, "big", "sqlite:big.db", &[]);
    interrupt_during_backup(&s, "big");
    kill_during_backup(&s, "big");
}
