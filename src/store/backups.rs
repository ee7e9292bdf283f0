//! The `backups` index (manifests live as files; this table lists them)
//! and `backup_schedules`.

use super::{Store, StoreError, StoreResult, now};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// One indexed backup.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupRecord {
    /// Backup id (also the manifest file name).
    pub id: String,
    /// Source connection.
    pub connection: String,
    /// Label, when given (`scheduled` for schedule runs).
    pub label: Option<String>,
    /// Source engine.
    pub engine: String,
    /// Manifest path relative to the workspace root.
    pub manifest: String,
    /// `ok` once the manifest is written.
    pub status: String,
    /// Tables captured.
    pub tables: i64,
    /// Rows captured.
    pub rows: i64,
    /// Stored bytes this backup added.
    pub bytes: i64,
    /// Creation time (RFC 3339 UTC).
    pub created_at: String,
}

/// One backup schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleRecord {
    /// Row id.
    pub id: i64,
    /// Connection to back up.
    pub connection: String,
    /// `daily HH:MM` or `weekly DAY HH:MM` (local time).
    pub spec: String,
    /// Scheduled backups to keep (older ones are removed).
    pub keep: Option<i64>,
    /// Last run (RFC 3339 UTC).
    pub last_run_at: Option<String>,
    /// Creation time.
    pub created_at: String,
}

fn backup_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BackupRecord> {
    Ok(BackupRecord {
        id: r.get(0)?,
        connection: r.get(1)?,
        label: r.get(2)?,
        engine: r.get(3)?,
        manifest: r.get(4)?,
        status: r.get(5)?,
        tables: r.get::<_, Option<i64>>(6)?.unwrap_or(0),
        rows: r.get::<_, Option<i64>>(7)?.unwrap_or(0),
        bytes: r.get::<_, Option<i64>>(8)?.unwrap_or(0),
        created_at: r.get(9)?,
    })
}

const BACKUP_COLS: &str = "id, connection, label, engine, manifest, status, tables, rows, bytes, created_at";

impl Store {
    /// Index a backup whose manifest has been written.
    pub fn add_backup(&self, b: &BackupRecord) -> StoreResult<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO backups (id, connection, label, engine, manifest, status, tables, rows, bytes, created_at)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
            params![
                b.id,
                b.connection,
                b.label,
                b.engine,
                b.manifest,
                b.status,
                b.tables,
                b.rows,
                b.bytes,
                b.created_at
            ],
        )?;
        Ok(())
    }

    /// Backups, oldest first, optionally of one connection.
    pub fn list_backups(&self, connection: Option<&str>) -> StoreResult<Vec<BackupRecord>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {BACKUP_COLS} FROM backups WHERE (?1 IS NULL OR connection = ?1) ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map(params![connection], backup_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One backup by exact id.
    pub fn backup(&self, id: &str) -> StoreResult<Option<BackupRecord>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {BACKUP_COLS} FROM backups WHERE id = ?1"),
                [id],
                backup_row,
            )
            .optional()?)
    }

    /// Drop a backup from the index.
    pub fn remove_backup(&self, id: &str) -> StoreResult<()> {
        self.conn().execute("DELETE FROM backups WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Add a schedule; returns its id.
    pub fn add_schedule(&self, connection: &str, spec: &str, keep: Option<i64>) -> StoreResult<i64> {
        self.conn().execute(
            "INSERT INTO backup_schedules (connection, spec, keep, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![connection, spec, keep, now()],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Every schedule.
    pub fn list_schedules(&self) -> StoreResult<Vec<ScheduleRecord>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, connection, spec, keep, last_run_at, created_at FROM backup_schedules ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(ScheduleRecord {
                id: r.get(0)?,
                connection: r.get(1)?,
                spec: r.get(2)?,
                keep: r.get(3)?,
                last_run_at: r.get(4)?,
                created_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Remove a schedule by id.
    pub fn remove_schedule(&self, id: i64) -> StoreResult<()> {
        let n = self
            .conn()
            .execute("DELETE FROM backup_schedules WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(StoreError::NotFound {
                kind: "backup schedule",
                name: id.to_string(),
                hint: "; list schedules with `dbn backup schedule list`".into(),
            });
        }
        Ok(())
    }

    /// Record a schedule run.
    pub fn mark_schedule_run(&self, id: i64, at: &str) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE backup_schedules SET last_run_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn backups_and_schedules_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("m.db")).unwrap();
        let b = BackupRecord {
            id: "b1".into(),
            connection: "c".into(),
            label: Some("l".into()),
            engine: "sqlite".into(),
            manifest: ".dbnexus/snapshots/manifests/b1.json".into(),
            status: "ok".into(),
            tables: 2,
            rows: 10,
            bytes: 99,
            created_at: now(),
        };
        s.add_backup(&b).unwrap();
        assert_eq!(s.list_backups(Some("c")).unwrap(), vec![b.clone()]);
        assert!(s.list_backups(Some("other")).unwrap().is_empty());
        assert_eq!(s.backup("b1").unwrap(), Some(b));
        s.remove_backup("b1").unwrap();
        assert!(s.backup("b1").unwrap().is_none());
        let id = s.add_schedule("c", "daily 02:30", Some(7)).unwrap();
        s.mark_schedule_run(id, "2026-01-01T00:00:00Z").unwrap();
        let all = s.list_schedules().unwrap();
        assert_eq!(all[0].last_run_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        s.remove_schedule(id).unwrap();
        assert!(s.remove_schedule(id).is_err());
    }
}
