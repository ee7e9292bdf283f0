//! Audit records for statements, unlocks and refusals, with secrets
//! redacted before anything is stored.

use super::{Refusal, StatementVerdict, Verdict};
use crate::db::Engine;
use crate::store::audit::AuditEntry;
use std::time::Duration;

/// How a statement ended, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It ran.
    Ok,
    /// The server returned an error.
    Error(String),
    /// The user cancelled it (Ctrl-C, TUI cancel).
    Cancelled,
    /// A safety rule refused it before sending.
    Refused(String),
}

impl Outcome {
    /// Text stored in `audit_log.outcome`.
    pub fn as_text(&self) -> String {
        match self {
            Outcome::Ok => "ok".into(),
            Outcome::Error(e) => format!("error: {}", crate::logging::redact(e)),
            Outcome::Cancelled => "cancelled".into(),
            Outcome::Refused(code) => format!("refused: {code}"),
        }
    }
}

/// Statement text with secrets masked (see [`super::redact::statement`]).
pub fn redact_sql(sql: &str, engine: Engine) -> String {
    super::redact::statement(sql, engine)
}

/// Action name for a verdict: `write`, `ddl`, `destructive`, ...
pub fn action_for(v: Verdict) -> &'static str {
    match v {
        Verdict::Read => "read",
        Verdict::Setting => "setting",
        Verdict::Transaction => "transaction",
        Verdict::Write | Verdict::UnboundedWrite => "write",
        Verdict::Ddl | Verdict::Destructive => "ddl",
        Verdict::SessionUnlock => "session",
    }
}

/// Whether a statement with this verdict is recorded when it runs.
pub fn should_audit(v: &StatementVerdict) -> bool {
    !v.verdict.changes_nothing()
}

/// Entry for a statement that was sent (or attempted).
pub fn statement_entry(
    conn: &str,
    engine: Engine,
    v: &StatementVerdict,
    outcome: &Outcome,
    rows_affected: Option<u64>,
    duration: Option<Duration>,
    confirmed_by: Option<&str>,
) -> AuditEntry {
    let detail = (!v.parsed).then(|| serde_json::json!({"parsed": false, "reason": v.reason}).to_string());
    AuditEntry {
        connection: Some(conn.to_string()),
        action: action_for(v.verdict).to_string(),
        statement: Some(redact_sql(&v.sql, engine)),
        verdict: Some(v.verdict.as_str().to_string()),
        rows_affected: rows_affected.map(|r| i64::try_from(r).unwrap_or(i64::MAX)),
        duration_ms: duration.map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        outcome: outcome.as_text(),
        confirmed_by: confirmed_by.map(str::to_string),
        detail,
        ..Default::default()
    }
}

/// Entry for a buffer refused by a safety rule (nothing was sent).
pub fn refused_entry(conn: &str, engine: Engine, sql: &str, verdict: Option<Verdict>, refusal: &Refusal) -> AuditEntry {
    AuditEntry {
        connection: Some(conn.to_string()),
        action: "blocked".into(),
        statement: Some(redact_sql(sql, engine)),
        verdict: verdict.map(|v| v.as_str().to_string()),
        outcome: Outcome::Refused(refusal.code.to_string()).as_text(),
        detail: Some(
            serde_json::json!({"rule": refusal.code, "message": crate::logging::redact(&refusal.message)}).to_string(),
        ),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        let pg = Engine::Postgres;
        assert_eq!(
            redact_sql("ALTER ROLE app WITH LOGIN PASSWORD 'hunter2'", pg),
            "ALTER ROLE app WITH LOGIN PASSWORD '***'"
        );
        assert_eq!(
            redact_sql("CREATE ROLE a ENCRYPTED PASSWORD\n  'x''y' VALID UNTIL 'infinity'", pg),
            "CREATE ROLE a ENCRYPTED PASSWORD\n  '***' VALID UNTIL 'infinity'"
        );
        let my = Engine::Mysql;
        assert_eq!(
            redact_sql(
                "CREATE USER 'bob'@'%' IDENTIFIED WITH mysql_native_password BY \"s3cret\"",
                my
            ),
            "CREATE USER 'bob'@'%' IDENTIFIED WITH mysql_native_password BY \"***\""
        );
        assert_eq!(
            redact_sql("SET PASSWORD FOR bob = 'pw'", my),
            "SET PASSWORD FOR bob = '***'"
        );
        let s = redact_sql("SELECT dblink_exec('host=h password=topsecret', 'x')", pg);
        assert!(!s.contains("topsecret"), "{s}");
        assert_eq!(
            redact_sql("SELECT 'password' AS label", pg),
            "SELECT 'password' AS label"
        );
    }

    #[test]
    fn entries_carry_verdict_rows_and_outcome() {
        let v = crate::safety::classify("UPDATE users SET pw = 'x' WHERE id = 1", Engine::Postgres).remove(0);
        let e = statement_entry(
            "prod",
            Engine::Postgres,
            &v,
            &Outcome::Ok,
            Some(1),
            Some(Duration::from_millis(12)),
            Some("--confirm prod"),
        );
        assert_eq!(e.action, "write");
        assert_eq!(e.verdict.as_deref(), Some("write"));
        assert_eq!(
            (e.rows_affected, e.duration_ms, e.outcome.as_str()),
            (Some(1), Some(12), "ok")
        );
        let r = Refusal::new(crate::safety::rules::READ_ONLY, "no");
        let b = refused_entry(
            "prod",
            Engine::Postgres,
            "DELETE FROM t",
            Some(Verdict::UnboundedWrite),
            &r,
        );
        assert_eq!(
            (b.action.as_str(), b.outcome.as_str()),
            ("blocked", "refused: SAFETY_READ_ONLY")
        );
    }
}
