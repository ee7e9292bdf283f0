//! The workspace half of the overview: backups, schedules, the audit log.

use crate::backup::schedule::Cadence;
use crate::store::Store;
use crate::store::audit::AuditFilter;
use chrono::{DateTime, Local as LocalTz, Utc};
use serde::Serialize;

/// Workspace facts about one connection.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Local {
    /// The newest backup.
    pub last_backup: Option<BackupInfo>,
    /// Backup schedules whose firing time passed without a run.
    pub overdue_schedules: Vec<OverdueSchedule>,
    /// The newest audited write (DML, DDL, migration, sync, restore, import).
    pub last_write: Option<WriteInfo>,
}

/// A backup, briefly.
#[derive(Debug, Clone, Serialize)]
pub struct BackupInfo {
    /// Backup id.
    pub id: String,
    /// When it was taken (RFC 3339).
    pub at: String,
    /// Seconds since then.
    pub age_secs: i64,
    /// Its status (`complete`, ...).
    pub status: String,
}

/// A schedule that should have run.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueSchedule {
    /// Schedule id.
    pub id: i64,
    /// `daily HH:MM` or `weekly DAY HH:MM`.
    pub spec: String,
    /// The missed firing time (local, `YYYY-MM-DD HH:MM`).
    pub due_since: String,
}

/// An audited write, briefly.
#[derive(Debug, Clone, Serialize)]
pub struct WriteInfo {
    /// When (RFC 3339).
    pub at: String,
    /// Seconds since then.
    pub age_secs: i64,
    /// `write`, `ddl`, `migration`, `sync`, `restore`, `import`.
    pub action: String,
    /// Outcome (`ok`, `error`, ...).
    pub outcome: String,
    /// Who (OS user), when recorded.
    pub user: Option<String>,
}

/// Audit actions that change data or structure.
const WRITE_ACTIONS: &[&str] = &["write", "ddl", "migration", "sync", "restore", "import"];

/// Facts for connection `name` as of `now`. Store errors leave fields empty.
pub(super) fn facts(store: &Store, name: &str, now: DateTime<Utc>) -> Local {
    let age = |at: &str| {
        DateTime::parse_from_rfc3339(at)
            .map(|t| (now - t.with_timezone(&Utc)).num_seconds())
            .unwrap_or(0)
    };
    let last_backup = store
        .list_backups(Some(name))
        .ok()
        .and_then(|all| all.into_iter().max_by(|a, b| a.created_at.cmp(&b.created_at)))
        .map(|b| BackupInfo {
            age_secs: age(&b.created_at),
            id: b.id,
            at: b.created_at,
            status: b.status,
        });
    let local_now = now.with_timezone(&LocalTz).naive_local();
    let local = |at: &str| {
        DateTime::parse_from_rfc3339(at)
            .ok()
            .map(|t| t.with_timezone(&LocalTz).naive_local())
    };
    let overdue_schedules = store
        .list_schedules()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.connection == name)
        .filter_map(|s| {
            let cadence = Cadence::parse(&s.spec).ok()?;
            let last = s.last_run_at.as_deref().and_then(local);
            let created = local(&s.created_at).unwrap_or(local_now);
            cadence.is_due(local_now, last, created).then(|| OverdueSchedule {
                id: s.id,
                due_since: cadence.last_occurrence(local_now).format("%Y-%m-%d %H:%M").to_string(),
                spec: s.spec,
            })
        })
        .collect();
    let filter = AuditFilter {
        connection: Some(name.to_string()),
        since: None,
        limit: Some(200),
    };
    let last_write = store
        .list_audit(&filter)
        .unwrap_or_default()
        .into_iter()
        .find(|e| WRITE_ACTIONS.contains(&e.action.as_str()))
        .map(|e| WriteInfo {
            age_secs: age(&e.at),
            at: e.at,
            action: e.action,
            outcome: e.outcome,
            user: e.os_user,
        });
    Local {
        last_backup,
        overdue_schedules,
        last_write,
    }
}
