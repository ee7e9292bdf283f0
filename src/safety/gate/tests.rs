#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::db::Engine;
use crate::safety::classify;
use crate::safety::confirm::Scripted;

fn ctx(read_only: bool, unlocked: bool) -> GateContext<'static> {
    GateContext {
        conn_name: "prod-db",
        tag: if read_only { Tag::Prod } else { Tag::Dev },
        read_only,
        unlocked,
        allow_unbounded: false,
        confirm: None,
    }
}

fn io(interactive: bool, input: &'static str) -> Scripted<&'static [u8]> {
    Scripted {
        interactive,
        input: input.as_bytes(),
        shown: Vec::new(),
    }
}

fn run(sql: &str, c: &GateContext<'_>, p: &mut Scripted<&'static [u8]>) -> Result<Approval, Refusal> {
    check_with(&classify(sql, Engine::Postgres), c, p)
}

#[test]
fn read_only_refuses_a_hidden_write_in_a_buffer() {
    let mut p = io(true, "prod-db\n");
    let err = run(
        "SELECT 1; -- harmless\nUPDATE t SET a = 1 WHERE id = 1",
        &ctx(true, false),
        &mut p,
    )
    .unwrap_err();
    assert_eq!(err.code, rules::READ_ONLY);
    assert!(err.message.contains("statement 2 of 2"), "{}", err.message);
    assert!(p.shown.is_empty(), "a block never prompts");
    assert!(run("SELECT 1; SHOW search_path", &ctx(true, false), &mut p).is_ok());
}

#[test]
fn unbounded_write_needs_allow_unbounded_even_when_unlocked() {
    let mut p = io(false, "");
    let c = ctx(true, true);
    let err = run("DELETE FROM accounts", &c, &mut p).unwrap_err();
    assert_eq!(err.code, rules::UNBOUNDED_WRITE);
    assert!(err.message.contains("--allow-unbounded"), "{}", err.message);
    let c = GateContext {
        allow_unbounded: true,
        ..c
    };
    assert_eq!(run("DELETE FROM accounts", &c, &mut p).unwrap(), Approval::default());
}

#[test]
fn drop_needs_a_confirmation_naming_the_objects() {
    let c = ctx(true, true);
    let mut p = io(false, "");
    let err = run("DROP TABLE ledger", &c, &mut p).unwrap_err();
    assert_eq!(err.code, rules::CONFIRM_REQUIRED);
    assert!(
        err.message.contains("ledger") && err.message.contains("--confirm prod-db"),
        "{}",
        err.message
    );

    let mut p = io(true, "prod-db\n");
    let ok = run("TRUNCATE a; DROP TABLE b", &c, &mut p).unwrap();
    assert!(p.shown[0].contains("a, b"), "{}", p.shown[0]);
    assert_eq!(
        ok.confirmed_by.as_deref(),
        Some("typed 'prod-db' for DROP/TRUNCATE of a, b")
    );

    let with_flag = GateContext {
        confirm: Some("prod-db"),
        ..c.clone()
    };
    let mut p = io(false, "");
    assert!(run("DROP TABLE ledger", &with_flag, &mut p).is_ok());
    let wrong = GateContext {
        confirm: Some("stage-db"),
        ..c
    };
    assert_eq!(
        run("DROP TABLE ledger", &wrong, &mut p).unwrap_err().code,
        rules::CONFIRM_MISMATCH
    );
}

#[test]
fn dev_connections_need_the_same_confirmations() {
    let mut p = io(false, "");
    let err = run("DROP TABLE scratch", &ctx(false, false), &mut p).unwrap_err();
    assert_eq!(err.code, rules::CONFIRM_REQUIRED);
    assert!(err.message.contains("scratch"), "{}", err.message);
    let err = run("DELETE FROM t", &ctx(false, false), &mut p).unwrap_err();
    assert_eq!(err.code, rules::UNBOUNDED_WRITE);
    assert!(run("INSERT INTO t VALUES (1)", &ctx(false, false), &mut p).is_ok());
}

#[test]
fn session_unlock_refused_on_read_only_even_unlocked() {
    let mut p = io(true, "prod-db\n");
    let err = run(
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        &ctx(true, true),
        &mut p,
    )
    .unwrap_err();
    assert_eq!(err.code, rules::SESSION_UNLOCK);
}

#[test]
fn unlock_confirmation() {
    let mut p = io(false, "");
    assert!(confirm_unlock("prod-db", Some(5), Some("prod-db"), &mut p).is_ok());
    assert_eq!(
        confirm_unlock("prod-db", None, None, &mut p).unwrap_err().code,
        rules::CONFIRM_REQUIRED
    );
    let mut p = io(true, "prod-db\n");
    assert!(confirm_unlock("prod-db", Some(1), None, &mut p).is_ok());
    assert!(p.shown[0].contains("for 1 minute."), "{}", p.shown[0]);
}
