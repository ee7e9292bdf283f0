//! The write policy as a pure function: given a statement's verdict and the
//! connection's state, allow, block, or ask for a confirmation.

use super::{StatementVerdict, Verdict, rules};
use crate::sanitize::sanitize;

/// The connection's state and what the user has already granted.
#[derive(Debug, Clone, Default)]
pub struct PolicyInput<'a> {
    /// Connection name (what the user types to confirm).
    pub conn_name: &'a str,
    /// The connection is read-only (prod connections are by default).
    pub read_only: bool,
    /// Writes were unlocked (typed confirmation, for now or a few minutes).
    pub unlocked: bool,
    /// UPDATE/DELETE without WHERE were confirmed (`--allow-unbounded` / second modal).
    pub allow_unbounded: bool,
    /// DROP/TRUNCATE were confirmed (typed name, `--confirm NAME`).
    pub destructive_confirmed: bool,
}

/// What needs confirming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmKind {
    /// DROP/TRUNCATE/ALTER ... DROP of these objects.
    Destructive {
        /// Objects named by the statement.
        objects: Vec<String>,
    },
    /// UPDATE/DELETE that touches every row.
    Unbounded {
        /// Tables affected, when known.
        objects: Vec<String>,
    },
}

/// The policy's answer for one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send it.
    Allow,
    /// Never send it under the current state.
    Block {
        /// Rule code (see [`rules`]).
        rule: &'static str,
        /// What was refused, why, and how to proceed.
        message: String,
    },
    /// Send it only after the user confirms `what`.
    NeedConfirm {
        /// What to confirm.
        what: ConfirmKind,
        /// Warning to show (names the objects).
        message: String,
    },
}

/// Short, one-line, sanitized form of a statement for messages.
pub fn excerpt(sql: &str) -> String {
    let one_line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let clean = sanitize(&one_line).into_owned();
    if clean.chars().count() > 80 {
        let cut: String = clean.chars().take(77).collect();
        format!("{cut}...")
    } else {
        clean
    }
}

/// How to unlock writes, for messages.
pub fn unlock_hint(conn: &str) -> String {
    format!(
        "To allow writes, run again with --unlock-writes and type the connection name '{conn}' when asked, or non-interactively pass --unlock-writes --confirm {conn}"
    )
}

/// Decide what to do with one statement.
pub fn decide(v: &StatementVerdict, p: &PolicyInput<'_>) -> Decision {
    let conn = p.conn_name;
    let what = excerpt(&v.sql);
    let unparsed = if v.parsed || v.reason.contains("could not be parsed") {
        String::new()
    } else {
        " It could not be parsed, and unparseable text counts as a write.".to_string()
    };
    if v.verdict == Verdict::SessionUnlock && p.read_only {
        return Decision::Block {
            rule: rules::SESSION_UNLOCK,
            message: format!(
                "refused `{what}` on read-only connection '{conn}' ({}): {}. Statements that could lift read-only are always refused on read-only connections; nothing was sent. {}",
                rules::SESSION_UNLOCK,
                v.reason,
                unlock_hint(conn)
            ),
        };
    }
    if p.read_only && !p.unlocked && v.verdict == Verdict::Transaction {
        return Decision::Block {
            rule: rules::READ_ONLY,
            message: format!(
                "connection '{conn}' is read-only ({}): refused `{what}` before sending it: transaction control is not used on read-only connections, where dbn runs every statement in its own read-only transaction and rolls it back. Send the statements without BEGIN/COMMIT. Nothing was sent.",
                rules::READ_ONLY,
            ),
        };
    }
    if p.read_only && !p.unlocked && !v.verdict.is_read() {
        return Decision::Block {
            rule: rules::READ_ONLY,
            message: format!(
                "connection '{conn}' is read-only ({}): refused `{what}` before sending it ({}: {}).{unparsed} Nothing was sent. {}",
                rules::READ_ONLY,
                v.verdict,
                v.reason,
                unlock_hint(conn)
            ),
        };
    }
    if v.verdict == Verdict::UnboundedWrite && !p.allow_unbounded {
        return Decision::NeedConfirm {
            message: format!(
                "`{what}` has no WHERE clause and would change every row ({}): {}. Pass --allow-unbounded to run it anyway",
                rules::UNBOUNDED_WRITE,
                v.reason
            ),
            what: ConfirmKind::Unbounded {
                objects: v.objects.clone(),
            },
        };
    }
    if v.verdict == Verdict::Destructive && !p.destructive_confirmed {
        let objects = if v.objects.is_empty() {
            "(objects not identified)".to_string()
        } else {
            v.objects.join(", ")
        };
        return Decision::NeedConfirm {
            message: format!("`{what}` destroys data on '{conn}': {objects}"),
            what: ConfirmKind::Destructive {
                objects: v.objects.clone(),
            },
        };
    }
    Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Engine;
    use crate::safety::classify;

    fn first(sql: &str) -> StatementVerdict {
        classify(sql, Engine::Postgres).remove(0)
    }

    fn prod() -> PolicyInput<'static> {
        PolicyInput {
            conn_name: "prod-db",
            read_only: true,
            ..Default::default()
        }
    }

    #[test]
    fn read_only_refuses_all_but_reads() {
        assert_eq!(decide(&first("SELECT 1"), &prod()), Decision::Allow);
        assert_eq!(decide(&first("SET search_path = app"), &prod()), Decision::Allow);
        assert!(matches!(
            decide(&first("BEGIN READ ONLY"), &prod()),
            Decision::Block {
                rule: rules::READ_ONLY,
                ..
            }
        ));
        for sql in [
            "UPDATE t SET a = 1 WHERE id = 1",
            "CREATE TABLE x (a int)",
            "FROB nicate",
            "SELECT f()",
        ] {
            match decide(&first(sql), &prod()) {
                Decision::Block { rule, message } => {
                    assert_eq!(rule, rules::READ_ONLY);
                    assert!(message.contains("--unlock-writes"), "{message}");
                    assert!(message.contains("--confirm prod-db"), "{message}");
                    assert!(message.contains("prod-db"), "{message}");
                }
                d => panic!("{sql}: {d:?}"),
            }
        }
        let Decision::Block { message, .. } = decide(&first("FROB nicate"), &prod()) else {
            panic!()
        };
        assert!(message.contains("could not be parsed"), "{message}");
    }

    #[test]
    fn session_unlock_is_refused_even_when_unlocked() {
        let p = PolicyInput {
            unlocked: true,
            ..prod()
        };
        for sql in [
            "SET default_transaction_read_only = off",
            "BEGIN READ WRITE",
            "RESET ALL",
        ] {
            assert!(
                matches!(
                    decide(&first(sql), &p),
                    Decision::Block {
                        rule: rules::SESSION_UNLOCK,
                        ..
                    }
                ),
                "{sql}"
            );
        }
        let dev = PolicyInput {
            conn_name: "dev",
            ..Default::default()
        };
        assert_eq!(decide(&first("BEGIN READ WRITE"), &dev), Decision::Allow);
    }

    #[test]
    fn unlocked_writes_still_need_unbounded_and_destructive_confirmations() {
        let p = PolicyInput {
            unlocked: true,
            ..prod()
        };
        assert_eq!(decide(&first("UPDATE t SET a = 1 WHERE id = 2"), &p), Decision::Allow);
        assert!(matches!(
            decide(&first("DELETE FROM t"), &p),
            Decision::NeedConfirm {
                what: ConfirmKind::Unbounded { .. },
                ..
            }
        ));
        let p2 = PolicyInput {
            allow_unbounded: true,
            ..p.clone()
        };
        assert_eq!(decide(&first("DELETE FROM t"), &p2), Decision::Allow);
        match decide(&first("DROP TABLE accounts, audit.x"), &p) {
            Decision::NeedConfirm {
                what: ConfirmKind::Destructive { objects },
                message,
            } => {
                assert_eq!(objects, vec!["accounts", "audit.x"]);
                assert!(message.contains("accounts, audit.x"), "{message}");
            }
            d => panic!("{d:?}"),
        }
        let p3 = PolicyInput {
            destructive_confirmed: true,
            ..p
        };
        assert_eq!(decide(&first("TRUNCATE t"), &p3), Decision::Allow);
    }

    #[test]
    fn dev_connections_need_the_same_confirmations() {
        let dev = PolicyInput {
            conn_name: "dev",
            ..Default::default()
        };
        for sql in ["DELETE FROM t", "DROP TABLE t", "TRUNCATE t"] {
            assert!(
                matches!(decide(&first(sql), &dev), Decision::NeedConfirm { .. }),
                "{sql}"
            );
        }
        assert_eq!(decide(&first("INSERT INTO t VALUES (1)"), &dev), Decision::Allow);
    }
}
