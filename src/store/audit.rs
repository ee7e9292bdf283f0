//! The append-only audit log.

use super::{Store, StoreError, StoreResult, now};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// One audit record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Row id (0 before insertion).
    #[serde(default)]
    pub id: i64,
    /// Time (RFC 3339 UTC); filled on append when empty.
    #[serde(default)]
    pub at: String,
    /// Connection name.
    pub connection: Option<String>,
    /// OS user; filled on append when empty.
    pub os_user: Option<String>,
    /// Host name; filled on append when empty.
    pub host: Option<String>,
    /// What happened: `write`, `ddl`, `unlock`, `migration`, `sync`, `restore`, `blocked`, ...
    pub action: String,
    /// Statement text (secrets are masked again on append).
    pub statement: Option<String>,
    /// Classifier verdict.
    pub verdict: Option<String>,
    /// Rows affected.
    pub rows_affected: Option<i64>,
    /// Duration in milliseconds.
    pub duration_ms: Option<i64>,
    /// `ok`, `error: ...`, `cancelled`, `refused`.
    pub outcome: String,
    /// Who confirmed what (`typed 'prod-db'`, `--confirm prod-db --allow-unbounded`).
    pub confirmed_by: Option<String>,
    /// Free-form JSON detail.
    pub detail: Option<String>,
    /// Which face did it: `cli`, `tui` or `job`.
    #[serde(default)]
    pub face: Option<String>,
    /// Which unlock allowed a write on a read-only connection (`this command: --confirm prod`,
    /// `timed until ...: typed 'prod'`).
    #[serde(default)]
    pub unlock: Option<String>,
}

/// Outcome stored with an intent until its completion arrives; a process
/// killed in between leaves it on record.
pub const OUTCOME_UNKNOWN: &str = "unknown";

/// The end of an intent entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    /// Final outcome (`ok`, `error: ...`, `cancelled`).
    pub outcome: String,
    /// Rows affected.
    pub rows_affected: Option<i64>,
    /// Duration in milliseconds.
    pub duration_ms: Option<i64>,
    /// Replaces the detail when given.
    pub detail: Option<String>,
}

/// Filters for listing the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this connection.
    pub connection: Option<String>,
    /// Only entries at or after this RFC 3339 time.
    pub since: Option<String>,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

/// The current OS user name.
pub fn os_user() -> Option<String> {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(uid_name)
}

/// The user of this process's uid (from /proc and /etc/passwd), for
/// environments (cron, containers, CI) that set no USER variable.
fn uid_name() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let named = std::fs::read_to_string("/etc/passwd").ok().and_then(|p| {
        p.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2] == uid).then(|| f[0].to_string())
        })
    });
    Some(named.unwrap_or_else(|| format!("uid {uid}")))
}

/// The machine's host name.
pub fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .or_else(|| std::env::var("HOSTNAME").ok())
}

/// Mirror an entry to the JSONL file. The database is the record; the
/// mirror is best effort.
fn mirror(jsonl: Option<&Path>, e: &AuditEntry) {
    if jsonl.is_some()
        && let Ok(line) = serde_json::to_string(e)
    {
        mirror_line(jsonl, &line);
    }
}

fn mirror_line(jsonl: Option<&Path>, line: &str) {
    if let Some(path) = jsonl
        && let Ok(mut f) = crate::fsutil::append_private(path)
    {
        let _ = writeln!(f, "{line}");
    }
}

impl Store {
    /// Append an entry, and mirror it to `jsonl` when given. Returns its id.
    pub fn append_audit(&self, entry: &AuditEntry, jsonl: Option<&Path>) -> StoreResult<i64> {
        let mut e = entry.clone();
        if e.at.is_empty() {
            e.at = now();
        }
        if e.os_user.is_none() {
            e.os_user = os_user();
        }
        if e.host.is_none() {
            e.host = host_name();
        }
        // Secrets never reach the file, whoever built the entry.
        e.statement = e.statement.map(|s| crate::safety::redact::any_engine(&s));
        e.outcome = crate::safety::redact::text(&e.outcome);
        e.detail = e.detail.map(|d| crate::safety::redact::text(&d));
        e.confirmed_by = e.confirmed_by.map(|c| crate::safety::redact::text(&c));
        self.conn().execute(
            "INSERT INTO audit_log (at, connection, os_user, host, action, statement, verdict, rows_affected, duration_ms, outcome, confirmed_by, detail, face, unlock)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
            params![
                e.at, e.connection, e.os_user, e.host, e.action, e.statement, e.verdict, e.rows_affected, e.duration_ms, e.outcome,
                e.confirmed_by, e.detail, e.face, e.unlock
            ],
        )?;
        e.id = self.conn().last_insert_rowid();
        mirror(jsonl, &e);
        Ok(e.id)
    }

    /// Complete an intent entry (outcome `unknown`) written by
    /// [`Store::append_audit`]. Only such entries can change, once.
    pub fn complete_audit(&self, id: i64, done: &Completion, jsonl: Option<&Path>) -> StoreResult<()> {
        let n = self.conn().execute(
            "UPDATE audit_log SET outcome = ?2, rows_affected = coalesce(?3, rows_affected),
               duration_ms = coalesce(?4, duration_ms), detail = coalesce(?5, detail)
             WHERE id = ?1 AND outcome = 'unknown'",
            params![
                id,
                crate::safety::redact::text(&done.outcome),
                done.rows_affected,
                done.duration_ms,
                done.detail.as_deref().map(crate::safety::redact::text)
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound {
                kind: "pending audit entry",
                name: id.to_string(),
                hint: String::new(),
            });
        }
        if jsonl.is_some() {
            let line = serde_json::json!({"id": id, "completes": id, "at": now(), "outcome": done.outcome,
                "rows_affected": done.rows_affected, "duration_ms": done.duration_ms});
            mirror_line(jsonl, &line.to_string());
        }
        Ok(())
    }

    /// Audit entries, newest first.
    pub fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditEntry>> {
        let mut stmt = self.conn().prepare(
            "SELECT id, at, connection, os_user, host, action, statement, verdict, rows_affected, duration_ms, outcome, confirmed_by, detail, face, unlock
             FROM audit_log WHERE (?1 IS NULL OR connection = ?1) AND (?2 IS NULL OR at >= ?2)
             ORDER BY id DESC LIMIT ?3",
        )?;
        let limit = filter.limit.map(|l| l as i64).unwrap_or(-1);
        let rows = stmt.query_map(params![filter.connection, filter.since, limit], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                connection: r.get(2)?,
                os_user: r.get(3)?,
                host: r.get(4)?,
                action: r.get(5)?,
                statement: r.get(6)?,
                verdict: r.get(7)?,
                rows_affected: r.get(8)?,
                duration_ms: r.get(9)?,
                outcome: r.get(10)?,
                confirmed_by: r.get(11)?,
                detail: r.get(12)?,
                face: r.get(13)?,
                unlock: r.get(14)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_only() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("m.db")).unwrap();
        let jsonl = dir.path().join("audit.jsonl");
        let id = s
            .append_audit(
                &AuditEntry {
                    connection: Some("p".into()),
                    action: "write".into(),
                    outcome: "ok".into(),
                    ..Default::default()
                },
                Some(&jsonl),
            )
            .unwrap();
        assert!(s.conn().execute("DELETE FROM audit_log", []).is_err());
        assert!(s.conn().execute("UPDATE audit_log SET outcome='x'", []).is_err());
        let all = s.list_audit(&AuditFilter::default()).unwrap();
        assert_eq!(all[0].id, id);
        assert!(std::fs::read_to_string(jsonl).unwrap().contains("\"write\""));
        assert!(all[0].os_user.as_deref().is_some_and(|u| !u.is_empty()), "{:?}", all[0]);
    }

    /// Issue 11, point 8: audit and history files are the owner's only.
    #[cfg(unix)]
    #[test]
    fn audit_and_history_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join(".dbnexus");
        std::fs::create_dir_all(data.join("logs")).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        let db = data.join("metadata.db");
        std::fs::write(&db, b"").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let s = Store::open(&db).unwrap();
        let jsonl = data.join("logs/audit.jsonl");
        s.append_audit(
            &AuditEntry {
                action: "write".into(),
                outcome: "ok".into(),
                ..Default::default()
            },
            Some(&jsonl),
        )
        .unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&jsonl), 0o600);
        let wal = data.join("metadata.db-wal");
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600);
        }
    }

    #[test]
    fn only_an_intent_can_be_completed_and_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("m.db")).unwrap();
        let intent = s
            .append_audit(
                &AuditEntry {
                    connection: Some("p".into()),
                    action: "write".into(),
                    statement: Some("UPDATE t SET a = 1 WHERE id = 1".into()),
                    outcome: OUTCOME_UNKNOWN.into(),
                    face: Some("cli".into()),
                    ..Default::default()
                },
                None,
            )
            .unwrap();
        let done = Completion {
            outcome: "ok".into(),
            rows_affected: Some(1),
            duration_ms: Some(3),
            detail: None,
        };
        s.complete_audit(intent, &done, None).unwrap();
        assert!(s.complete_audit(intent, &done, None).is_err(), "completed once");
        let e = &s.list_audit(&AuditFilter::default()).unwrap()[0];
        assert_eq!(
            (e.outcome.as_str(), e.rows_affected, e.face.as_deref()),
            ("ok", Some(1), Some("cli"))
        );
        // A pending entry's statement, connection or confirmation cannot be rewritten.
        let other = s
            .append_audit(
                &AuditEntry {
                    action: "write".into(),
                    outcome: OUTCOME_UNKNOWN.into(),
                    ..Default::default()
                },
                None,
            )
            .unwrap();
        assert!(
            s.conn()
                .execute(
                    "UPDATE audit_log SET statement = 'x', outcome = 'ok' WHERE id = ?1",
                    [other]
                )
                .is_err()
        );
        assert!(
            s.conn()
                .execute("UPDATE audit_log SET outcome = 'ok' WHERE id = ?1", [intent])
                .is_err()
        );
    }
}
