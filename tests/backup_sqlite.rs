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

/// Issue 11, point 10: a damaged stored chunk is never counted as present.
/// Every chunk file is truncated after a first backup; the next backup
/// stores them again, so it verifies and restores.
#[test]
fn sqlite_damaged_chunk_is_stored_again_not_reused() {
    let s = Sandbox::new();
    let db = s.ws().join("d.db");
    seed(&db, 20, 300);
    add_conn(&s, "d", "sqlite:d.db", &[]);
    let first = create(&s, "d");
    let mut damaged = 0;
    let mut dirs = vec![s.ws().join(".dbnexus/snapshots/chunks")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
                damaged += 1;
            }
        }
    }
    assert!(damaged > 0, "no chunk files found");
    let first_id = first["id"].as_str().unwrap();
    assert_eq!(dbn(&s, &["backup", "verify", first_id]).status.code(), Some(1));

    let second = create(&s, "d");
    assert_eq!(second["new_chunks"].as_u64(), Some(damaged), "{second}");
    let id = second["id"].as_str().unwrap();
    let v = dbn(&s, &["backup", "verify", id]);
    assert_eq!(v.status.code(), Some(0), "{}", err_text(&v));
    // The same content is addressed the same way: the first backup is whole again.
    let v = dbn(&s, &["backup", "verify", first_id]);
    assert_eq!(v.status.code(), Some(0), "{}", err_text(&v));
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("DELETE FROM orders")
        .unwrap();
    ok(&s, &["backup", "restore", id, "--json", "-q"]);
    let n: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 300);
}
