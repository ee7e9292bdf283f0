//! Saved sync jobs (`sync_jobs`) and the record of their runs (`job_runs`).

use super::{Store, StoreError, StoreResult, now};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a job synchronises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// Schema sync (`dbn sync schema`).
    Schema,
    /// Table data sync (`dbn sync data`).
    Data,
}

impl JobKind {
    /// Name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Schema => "schema",
            JobKind::Data => "data",
        }
    }

    fn parse(s: &str) -> JobKind {
        if s == "schema" { JobKind::Schema } else { JobKind::Data }
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A saved job definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncJob {
    /// Row id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Kind.
    pub kind: JobKind,
    /// Definition document (JSON), interpreted by `crate::jobs`.
    pub definition: serde_json::Value,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// Status of a job run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Waiting to start.
    Queued,
    /// In progress.
    Running,
    /// Finished without error.
    Success,
    /// Finished with an error.
    Failed,
    /// Stopped by the user.
    Cancelled,
}

impl RunStatus {
    /// Name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Success => "success",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> RunStatus {
        match s {
            "queued" => RunStatus::Queued,
            "running" => RunStatus::Running,
            "success" => RunStatus::Success,
            "cancelled" => RunStatus::Cancelled,
            _ => RunStatus::Failed,
        }
    }

    /// True once the run has ended.
    pub fn is_final(self) -> bool {
        matches!(self, RunStatus::Success | RunStatus::Failed | RunStatus::Cancelled)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRun {
    /// Row id.
    pub id: i64,
    /// Job name (None for ad-hoc runs).
    pub job_name: Option<String>,
    /// Kind (`schema`, `data`).
    pub kind: String,
    /// Status.
    pub status: RunStatus,
    /// Start (queue) time.
    pub started_at: String,
    /// End time.
    pub finished_at: Option<String>,
    /// Duration in milliseconds.
    pub duration_ms: Option<i64>,
    /// Counts document (JSON).
    pub counts: Option<serde_json::Value>,
    /// Error message.
    pub error: Option<String>,
}

fn job_from(r: &Row<'_>) -> rusqlite::Result<(i64, String, String, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn to_job(t: (i64, String, String, String, String, String)) -> StoreResult<SyncJob> {
    Ok(SyncJob {
        id: t.0,
        name: t.1,
        kind: JobKind::parse(&t.2),
        definition: serde_json::from_str(&t.3)?,
        created_at: t.4,
        updated_at: t.5,
    })
}

fn run_from(r: &Row<'_>) -> rusqlite::Result<JobRun> {
    let counts: Option<String> = r.get(7)?;
    Ok(JobRun {
        id: r.get(0)?,
        job_name: r.get(1)?,
        kind: r.get(2)?,
        status: RunStatus::parse(&r.get::<_, String>(3)?),
        started_at: r.get(4)?,
        finished_at: r.get(5)?,
        duration_ms: r.get(6)?,
        counts: counts.and_then(|c| serde_json::from_str(&c).ok()),
        error: r.get(8)?,
    })
}

const JOB_COLS: &str = "id, name, kind, definition, created_at, updated_at";
const RUN_COLS: &str = "id, job_name, kind, status, started_at, finished_at, duration_ms, counts, error";

impl Store {
    /// Save a new job; fails when the name is taken.
    pub fn add_sync_job(&self, name: &str, kind: JobKind, definition: &serde_json::Value) -> StoreResult<SyncJob> {
        if self.find_sync_job(name)?.is_some() {
            return Err(StoreError::Exists {
                kind: "job",
                name: name.to_string(),
                hint: ": pick another name, or remove it first with `dbn job remove`".into(),
            });
        }
        let at = now();
        self.conn().execute(
            "INSERT INTO sync_jobs (name, kind, definition, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![name, kind.as_str(), definition.to_string(), at],
        )?;
        self.sync_job(name)
    }

    /// A job by name, if it exists.
    pub fn find_sync_job(&self, name: &str) -> StoreResult<Option<SyncJob>> {
        let t = self
            .conn()
            .query_row(
                &format!("SELECT {JOB_COLS} FROM sync_jobs WHERE name = ?1"),
                params![name],
                job_from,
            )
            .optional()?;
        t.map(to_job).transpose()
    }

    /// A job by name, or NotFound listing the known ones.
    pub fn sync_job(&self, name: &str) -> StoreResult<SyncJob> {
        self.find_sync_job(name)?.ok_or_else(|| {
            let known: Vec<String> = self
                .list_sync_jobs()
                .map(|v| v.into_iter().map(|j| j.name).collect())
                .unwrap_or_default();
            StoreError::NotFound {
                kind: "job",
                name: name.to_string(),
                hint: if known.is_empty() {
                    ": no jobs are saved; create one with `dbn job add`".into()
                } else {
                    format!(" (saved jobs: {}); see `dbn job list`", known.join(", "))
                },
            }
        })
    }

    /// All jobs by name.
    pub fn list_sync_jobs(&self) -> StoreResult<Vec<SyncJob>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {JOB_COLS} FROM sync_jobs ORDER BY name"))?;
        let rows = stmt.query_map([], job_from)?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(to_job).collect()
    }

    /// Remove a job (its run history stays).
    pub fn remove_sync_job(&self, name: &str) -> StoreResult<()> {
        self.sync_job(name)?;
        self.conn()
            .execute("DELETE FROM sync_jobs WHERE name = ?1", params![name])?;
        Ok(())
    }

    /// Record a queued run; returns its id.
    pub fn queue_run(&self, job_name: Option<&str>, kind: &str) -> StoreResult<i64> {
        self.conn().execute(
            "INSERT INTO job_runs (job_name, kind, status, started_at) VALUES (?1, ?2, 'queued', ?3)",
            params![job_name, kind, now()],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Mark a run as running (its start time becomes now).
    pub fn start_run(&self, id: i64) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE job_runs SET status = 'running', started_at = ?2 WHERE id = ?1",
            params![id, now()],
        )?;
        Ok(())
    }

    /// Record the end of a run.
    pub fn finish_run(
        &self,
        id: i64,
        status: RunStatus,
        duration_ms: i64,
        counts: Option<&serde_json::Value>,
        error: Option<&str>,
    ) -> StoreResult<()> {
        self.conn().execute(
            "UPDATE job_runs SET status = ?2, finished_at = ?3, duration_ms = ?4, counts = ?5, error = ?6 WHERE id = ?1",
            params![id, status.as_str(), now(), duration_ms, counts.map(|c| c.to_string()), error],
        )?;
        Ok(())
    }

    /// A run by id.
    pub fn job_run(&self, id: i64) -> StoreResult<JobRun> {
        self.conn()
            .query_row(
                &format!("SELECT {RUN_COLS} FROM job_runs WHERE id = ?1"),
                params![id],
                run_from,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "job run",
                name: id.to_string(),
                hint: String::new(),
            })
    }

    /// Runs, newest first, optionally of one job.
    pub fn list_runs(&self, job_name: Option<&str>, limit: usize) -> StoreResult<Vec<JobRun>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {RUN_COLS} FROM job_runs WHERE (?1 IS NULL OR job_name = ?1) ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![job_name, limit as i64], run_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_and_runs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("m.db")).unwrap();
        let def = serde_json::json!({"source": "a", "target": "b", "tables": ["t"]});
        s.add_sync_job("nightly", JobKind::Data, &def).unwrap();
        assert!(matches!(
            s.add_sync_job("nightly", JobKind::Data, &def),
            Err(StoreError::Exists { .. })
        ));
        assert_eq!(s.sync_job("nightly").unwrap().definition, def);
        let id = s.queue_run(Some("nightly"), "data").unwrap();
        assert_eq!(s.job_run(id).unwrap().status, RunStatus::Queued);
        s.start_run(id).unwrap();
        s.finish_run(
            id,
            RunStatus::Success,
            12,
            Some(&serde_json::json!({"inserted": 3})),
            None,
        )
        .unwrap();
        let runs = s.list_runs(Some("nightly"), 10).unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].status, RunStatus::Success);
        assert_eq!(runs[0].counts, Some(serde_json::json!({"inserted": 3})));
        s.remove_sync_job("nightly").unwrap();
        let err = s.sync_job("nightly").unwrap_err().to_string();
        assert!(err.contains("dbn job add"), "{err}");
        assert_eq!(s.list_runs(None, 10).unwrap().len(), 1);
    }
}
