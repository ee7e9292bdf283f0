use super::*;
use crate::db::Engine;
use crate::safety::classify;
use crate::store::unlocks::UnlockKey;

fn conn(read_only: bool) -> Conn<'static> {
    Conn {
        name: "prod-db",
        read_only,
        timed: None,
        scope: "command",
    }
}

fn review(sql: &str, c: &Conn<'_>, g: &Grants) -> Review {
    review_statements(c, &classify(sql, Engine::Postgres), g)
}

fn ask(r: Review) -> Ask {
    match r {
        Review::Ask(a) => a,
        other => panic!("expected a question, got {other:?}"),
    }
}

fn ready(r: Review) -> Approval {
    match r {
        Review::Ready(a) => a,
        other => panic!("expected ready, got {other:?}"),
    }
}

fn refused(r: Review) -> Refusal {
    match r {
        Review::Refused(r) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn typed(kind: AskKind) -> Typed {
    Typed {
        kind,
        how: "typed 'prod-db'".into(),
    }
}

#[test]
fn reads_pass_and_a_hidden_write_asks_for_the_unlock() {
    let g = Grants::default();
    let a = ready(review("SELECT 1; SHOW search_path", &conn(true), &g));
    assert!(!a.writable && a.unlock.is_none());
    let q = ask(review(
        "SELECT 1; -- harmless\nUPDATE t SET a = 1 WHERE id = 1",
        &conn(true),
        &g,
    ));
    assert_eq!(q.kind, AskKind::Unlock);
    assert!(q.message.contains("for this command only"), "{}", q.message);
    assert_eq!(q.unanswered.code, rules::READ_ONLY);
    assert!(
        q.unanswered.message.contains("statement 2 of 2"),
        "{}",
        q.unanswered.message
    );
    assert!(
        q.unanswered.message.contains("--confirm prod-db"),
        "{}",
        q.unanswered.message
    );
    // Asked explicitly (--unlock-writes) without a terminal: the refusal says so.
    let g = Grants {
        unlock_requested: true,
        ..Grants::default()
    };
    let q = ask(review("UPDATE t SET a = 1 WHERE id = 1", &conn(true), &g));
    assert_eq!(q.unanswered.code, rules::CONFIRM_REQUIRED);
}

#[test]
fn confirm_flag_or_typed_name_unlocks_for_this_command() {
    let g = Grants {
        confirm: Some("prod-db".into()),
        ..Grants::default()
    };
    let a = ready(review("UPDATE t SET a = 1 WHERE id = 1", &conn(true), &g));
    assert!(a.writable);
    assert_eq!(
        a.unlock,
        Some(UnlockUse::New {
            how: "--confirm prod-db".into(),
            minutes: None
        })
    );
    assert_eq!(a.confirmed_by().as_deref(), Some("unlock: --confirm prod-db"));
    let g = Grants {
        confirm: Some("stage-db".into()),
        ..Grants::default()
    };
    assert_eq!(
        refused(review("UPDATE t SET a = 1 WHERE id = 1", &conn(true), &g)).code,
        rules::CONFIRM_MISMATCH
    );
    let g = Grants {
        typed: vec![typed(AskKind::Unlock)],
        unlock_minutes: Some(5),
        ..Grants::default()
    };
    let a = ready(review("UPDATE t SET a = 1 WHERE id = 1", &conn(true), &g));
    assert_eq!(a.confirmed_by().as_deref(), Some("unlock for 5 min: typed 'prod-db'"));
}

#[test]
fn a_timed_unlock_counts_but_never_skips_drop_or_unbounded() {
    let key = UnlockKey {
        db_key: "postgres://h:5432/d".into(),
        connection: "prod-db".into(),
        fingerprint: "f".into(),
    };
    let u = Unlock::in_memory(&key, "2999-01-01T00:00:00.000Z", "typed 'prod-db'");
    let c = Conn {
        timed: Some(&u),
        ..conn(true)
    };
    let g = Grants::default();
    let a = ready(review("UPDATE t SET a = 1 WHERE id = 1", &c, &g));
    assert_eq!(a.unlock, Some(UnlockUse::Timed(u.clone())));
    let q = ask(review("DELETE FROM accounts", &c, &g));
    assert_eq!(q.kind, AskKind::Unbounded);
    assert!(
        q.unanswered.message.contains("--allow-unbounded"),
        "{}",
        q.unanswered.message
    );
    let q = ask(review("TRUNCATE a; DROP TABLE b", &c, &g));
    assert_eq!(q.kind, AskKind::Destructive);
    assert!(q.message.contains("a, b"), "{}", q.message);
    assert_eq!(q.unanswered.code, rules::CONFIRM_REQUIRED);
    let g = Grants {
        typed: vec![typed(AskKind::Destructive)],
        ..Grants::default()
    };
    let a = ready(review("TRUNCATE a; DROP TABLE b", &c, &g));
    assert_eq!(a.confirmations, vec!["typed 'prod-db' for DROP/TRUNCATE of a, b"]);
    // Asking for minutes asks again even with a timed unlock active.
    let g = Grants {
        unlock_minutes: Some(10),
        unlock_requested: true,
        ..Grants::default()
    };
    assert_eq!(ask(review("SELECT 1", &c, &g)).kind, AskKind::Unlock);
}

#[test]
fn dev_connections_need_the_same_drop_and_unbounded_confirmations() {
    let g = Grants::default();
    assert_eq!(
        ask(review("DROP TABLE scratch", &conn(false), &g)).kind,
        AskKind::Destructive
    );
    assert_eq!(ask(review("DELETE FROM t", &conn(false), &g)).kind, AskKind::Unbounded);
    let a = ready(review("INSERT INTO t VALUES (1)", &conn(false), &g));
    assert!(a.writable && a.unlock.is_none());
}

#[test]
fn blocks_win_and_never_prompt() {
    let g = Grants {
        confirm: Some("prod-db".into()),
        ..Grants::default()
    };
    let r = refused(review(
        "DROP TABLE t; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        &conn(true),
        &g,
    ));
    assert_eq!(r.code, rules::SESSION_UNLOCK);
    let g = Grants {
        forced_read_only: true,
        confirm: Some("prod-db".into()),
        ..Grants::default()
    };
    assert_eq!(
        refused(review("UPDATE t SET a = 1 WHERE id = 1", &conn(false), &g)).code,
        rules::READ_ONLY
    );
}

#[test]
fn operations_need_the_unlock_and_their_own_confirmation() {
    let op = OperationAsk {
        what: "Apply 3 migration statement(s) to 'prod-db'".into(),
        confirm: true,
    };
    let g = Grants::default();
    let q = ask(review_operation(&conn(true), &op, &g));
    assert_eq!(q.kind, AskKind::Unlock);
    // Without a prompt, the refusal names the flag operations take (they have no --unlock-writes).
    let m = &q.unanswered.message;
    assert!(m.contains("--confirm prod-db") && !m.contains("--unlock-writes"), "{m}");
    let key = UnlockKey {
        db_key: "k".into(),
        connection: "prod-db".into(),
        fingerprint: "f".into(),
    };
    let u = Unlock::in_memory(&key, "2999-01-01T00:00:00.000Z", "typed 'prod-db'");
    let c = Conn {
        timed: Some(&u),
        ..conn(true)
    };
    // The timed unlock covers the unlock, never the migration's own confirmation.
    let q = ask(review_operation(&c, &op, &g));
    assert_eq!(q.kind, AskKind::Operation);
    assert_eq!(q.unanswered.code, rules::CONFIRM_REQUIRED);
    let g = Grants {
        confirm: Some("prod-db".into()),
        ..Grants::default()
    };
    let a = ready(review_operation(&conn(true), &op, &g));
    assert_eq!(
        a.confirmed_by().as_deref(),
        Some("unlock: --confirm prod-db; --confirm prod-db")
    );
}
