//! The in-process job runner: each submitted run is a tokio task with a
//! cancellation token; its status lives in `job_runs` and its events go to
//! one channel that the CLI prints and the TUI renders.

use super::{DataJob, JobError};
use crate::datasync::{Control, DataSyncError, Progress, Strategy};
use crate::db::ConnSpec;
use crate::error::{Coded, ExitStatus};
use crate::ops::sync_table::{Endpoint, SyncRequest};
use crate::store::Store;
use crate::store::jobs::{JobKind, RunStatus};
use serde::Serialize;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What a run does.
#[derive(Debug, Clone)]
pub enum Work {
    /// A data sync of the job's tables between two resolved connections.
    Data {
        /// The definition.
        def: Box<DataJob>,
        /// Source spec (password resolved).
        source: Box<ConnSpec>,
        /// The connection to change.
        target: Box<crate::ops::Target>,
        /// What the rule granted: write the changes, every batch audited
        /// (`None`: diff and plan only).
        confirmed: Option<crate::ops::gate::Confirmed>,
        /// The audit mirror.
        jsonl: Option<PathBuf>,
    },
    /// A schema migration, run in this process through `ops::migration`:
    /// applied when the one rule cleared it (`confirmed`), otherwise only
    /// reported.
    Schema {
        /// The connection to change.
        target: Box<crate::ops::Target>,
        /// The migration planned against it.
        migration: Box<crate::ops::migration::Migration>,
        /// What the rule granted (`None`: a preview).
        confirmed: Option<crate::ops::gate::Confirmed>,
        /// The audit mirror.
        jsonl: Option<PathBuf>,
    },
}

/// Something that happened to a run.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum JobEvent {
    /// The run was recorded and waits to start.
    Queued {
        /// Run id.
        run: i64,
    },
    /// The run started.
    Started {
        /// Run id.
        run: i64,
    },
    /// A table of a data job started.
    Table {
        /// Run id.
        run: i64,
        /// Table name.
        table: String,
    },
    /// Progress of the current table.
    Progress {
        /// Run id.
        run: i64,
        /// The progress event.
        progress: Progress,
    },
    /// The run ended.
    Finished {
        /// Run id.
        run: i64,
        /// Final summary.
        summary: RunSummary,
    },
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Final status.
    pub status: RunStatus,
    /// Counts (per table for data jobs).
    pub counts: serde_json::Value,
    /// Error message, for failed runs.
    pub error: Option<String>,
    /// Stable code of the failure (as `dbn` commands report it).
    pub code: Option<&'static str>,
    /// The exit status the same failure has in the commands that do it alone.
    #[serde(skip)]
    pub exit: ExitStatus,
    /// Duration in milliseconds.
    pub duration_ms: i64,
}

/// Code of a migration that ran but left the target different from its
/// source (or objects uncompared): not verified.
pub const NOT_VERIFIED: &str = "SCHEMA_NOT_VERIFIED";

/// Why a run did not succeed: message, code and exit status.
type Failed = Option<(String, &'static str, ExitStatus)>;

fn failed(e: &dyn Coded, message: String) -> Failed {
    Some((message, e.code(), e.exit()))
}

/// A submitted run.
pub struct JobHandle {
    /// Row id in `job_runs`.
    pub run_id: i64,
    /// Cancels the run (the running statement is cancelled; an apply stops
    /// after its current batch).
    pub cancel: CancellationToken,
    /// Resolves when the run has ended and been recorded.
    pub done: tokio::task::JoinHandle<RunSummary>,
}

/// Runs jobs in this process and records them in the metadata database.
#[derive(Debug, Clone)]
pub struct JobRunner {
    metadata: PathBuf,
    events: mpsc::UnboundedSender<JobEvent>,
}

impl JobRunner {
    /// A runner recording into the metadata database at `metadata_db`, and
    /// the receiver of its events.
    pub fn new(metadata_db: PathBuf) -> (Self, mpsc::UnboundedReceiver<JobEvent>) {
        let (events, rx) = mpsc::unbounded_channel();
        (
            Self {
                metadata: metadata_db,
                events,
            },
            rx,
        )
    }

    /// Queue a run and start it on the current tokio runtime.
    pub fn submit(&self, job_name: Option<&str>, kind: JobKind, work: Work) -> Result<JobHandle, JobError> {
        let run = Store::open(&self.metadata)?.queue_run(job_name, kind.as_str())?;
        let _ = self.events.send(JobEvent::Queued { run });
        let cancel = CancellationToken::new();
        let runner = self.clone();
        let token = cancel.clone();
        let done = tokio::spawn(async move { runner.execute(run, work, token).await });
        Ok(JobHandle {
            run_id: run,
            cancel,
            done,
        })
    }

    async fn execute(self, run: i64, work: Work, cancel: CancellationToken) -> RunSummary {
        let started = Instant::now();
        let recorded = Store::open(&self.metadata).and_then(|s| s.start_run(run));
        let _ = self.events.send(JobEvent::Started { run });
        let (status, counts, error) = match recorded {
            Err(e) => (RunStatus::Failed, json!({}), failed(&e, e.to_string())),
            Ok(()) => match work {
                Work::Data {
                    def,
                    source,
                    target,
                    confirmed,
                    jsonl,
                } => {
                    let apply = Apply {
                        confirmed: confirmed.as_ref(),
                        jsonl: jsonl.as_deref(),
                    };
                    self.data(run, &def, &source, &target, &apply, &cancel).await
                }
                Work::Schema {
                    target,
                    migration,
                    confirmed,
                    jsonl,
                } => {
                    self.schema(&target, &migration, confirmed.as_ref(), jsonl, &cancel)
                        .await
                }
            },
        };
        let (error, code, exit) = match error {
            Some((m, c, x)) => (Some(m), Some(c), x),
            None => (None, None, ExitStatus::Ok),
        };
        let summary = RunSummary {
            status,
            counts,
            error,
            code,
            exit,
            duration_ms: started.elapsed().as_millis() as i64,
        };
        let stored = Store::open(&self.metadata).and_then(|s| {
            s.finish_run(
                run,
                summary.status,
                summary.duration_ms,
                Some(&summary.counts),
                summary.error.as_deref(),
            )
        });
        if let Err(e) = stored {
            tracing::warn!(run, "could not record the end of a job run: {e}");
        }
        let _ = self.events.send(JobEvent::Finished {
            run,
            summary: summary.clone(),
        });
        summary
    }

    async fn data(
        &self,
        run: i64,
        def: &DataJob,
        source: &ConnSpec,
        target: &crate::ops::Target,
        apply: &Apply<'_>,
        cancel: &CancellationToken,
    ) -> (RunStatus, serde_json::Value, Failed) {
        let mut tables = Vec::new();
        for table in &def.tables {
            let _ = self.events.send(JobEvent::Table {
                run,
                table: table.clone(),
            });
            let (tx, mut rx) = mpsc::unbounded_channel::<Progress>();
            let events = self.events.clone();
            let forward = tokio::spawn(async move {
                while let Some(progress) = rx.recv().await {
                    let _ = events.send(JobEvent::Progress { run, progress });
                }
            });
            let ctl = Control {
                cancel: cancel.clone(),
                progress: Some(tx),
            };
            let result = sync_table(def, table, source, target, apply, &self.metadata, &ctl).await;
            drop(ctl);
            let _ = forward.await;
            match result {
                Ok(counts) => tables.push(counts),
                Err(e) => {
                    let status = if matches!(e, DataSyncError::Cancelled) {
                        RunStatus::Cancelled
                    } else {
                        RunStatus::Failed
                    };
                    let message = format!("table {table}: {e}");
                    tables.push(json!({"table": table, "error": e.to_string()}));
                    return (status, json!({"tables": tables}), failed(&e, message));
                }
            }
        }
        (
            RunStatus::Success,
            json!({"applied": apply.confirmed.is_some(), "tables": tables}),
            None,
        )
    }
}

impl JobRunner {
    /// A schema job: report the plan, or apply it through `ops::migration`
    /// with this run's records (face `job`).
    async fn schema(
        &self,
        target: &crate::ops::Target,
        m: &crate::ops::migration::Migration,
        confirmed: Option<&crate::ops::gate::Confirmed>,
        jsonl: Option<PathBuf>,
        cancel: &CancellationToken,
    ) -> (RunStatus, serde_json::Value, Failed) {
        use crate::ops::sinks::{NoPrompt, NullProgress, StoreRecords};
        use crate::ops::{Face, OpsContext};
        let planned = json!({
            "target": target.name,
            "source": m.goal_label,
            "statements": m.plan.steps.len(),
            "hazards": m.plan.hazard_count(),
        });
        let Some(confirmed) = confirmed else {
            let mut counts = planned;
            counts["applied"] = json!(false);
            counts["script"] = json!(m.script);
            return (RunStatus::Success, counts, None);
        };
        if m.plan.is_empty() {
            let mut counts = planned;
            counts["applied"] = json!(0);
            return (RunStatus::Success, counts, None);
        }
        let mut records = match StoreRecords::open(&self.metadata, jsonl) {
            Ok(r) => r,
            Err(e) => {
                let e = crate::ops::OpsError::AuditUnavailable(e.to_string());
                return (RunStatus::Failed, planned, failed(&e, e.to_string()));
            }
        };
        let mut ctx = OpsContext {
            face: Face::Job,
            records: &mut records,
            prompt: &mut NoPrompt,
            progress: &mut NullProgress,
            cancel: cancel.clone(),
        };
        let mut counts = planned;
        match crate::ops::migration::apply(&mut ctx, target, confirmed, m).await {
            Ok(a) => {
                counts["applied"] = json!(a.statements);
                counts["before_snapshot"] = json!(a.before_snapshot);
                counts["after_snapshot"] = json!(a.after_snapshot);
                // Verified only when nothing differs and nothing was left
                // uncompared or unmigrated, as `dbn sync schema --apply` says.
                counts["verified_empty_diff"] = json!(a.remaining.is_identical());
                counts["audit_id"] = json!(a.audit_id);
                if a.remaining.is_identical() {
                    (RunStatus::Success, counts, None)
                } else {
                    let verdict = crate::schema::verify::verdict(&a.remaining, &target.name, &m.goal_label);
                    (
                        RunStatus::Failed,
                        counts,
                        Some((verdict, NOT_VERIFIED, ExitStatus::QueryError)),
                    )
                }
            }
            Err(e) => {
                let status = if matches!(e, crate::ops::OpsError::Cancelled) {
                    RunStatus::Cancelled
                } else {
                    RunStatus::Failed
                };
                (status, counts, failed(&e, e.to_string()))
            }
        }
    }
}

/// What a data job's run may write.
struct Apply<'a> {
    /// The rule's grant (`None`: a preview).
    confirmed: Option<&'a crate::ops::gate::Confirmed>,
    /// The audit mirror.
    jsonl: Option<&'a std::path::Path>,
}

/// Diff, plan and (when confirmed) write one table through
/// `ops::sync_table`, every batch audited in the run's metadata store; its
/// counts as JSON.
async fn sync_table(
    def: &DataJob,
    table: &str,
    source: &ConnSpec,
    target: &crate::ops::Target,
    apply: &Apply<'_>,
    metadata: &std::path::Path,
    ctl: &Control,
) -> Result<serde_json::Value, DataSyncError> {
    let strategy: Strategy = def.strategy.parse()?;
    let mut req = SyncRequest::new(
        Endpoint::new(def.source.clone(), source.clone()),
        Endpoint::new(target.name.clone(), target.spec.clone()),
        vec![table.to_string()],
    );
    req.key = (!def.key.is_empty()).then(|| def.key.clone());
    req.columns = (!def.columns.is_empty()).then(|| def.columns.clone());
    req.filter.clone_from(&def.filter);
    req.strategy = strategy.clone();
    req.delete_missing = def.delete_missing;
    let (d, plan) = crate::ops::sync_table::preview(&req, ctl, &mut |_, _| {})
        .await?
        .into_single()?;
    let mut counts = json!({
        "table": table,
        "only_in_source": d.diff.only_in_source.len(),
        "only_in_target": d.diff.only_in_target.len(),
        "changed": d.diff.changed.len(),
        "identical": d.diff.equal,
        "planned": {"insert": plan.inserts.len(), "update": plan.updates.len(), "delete": plan.deletes.len()},
    });
    if let Some(confirmed) = apply.confirmed
        && plan.total() > 0
    {
        let mut records =
            crate::ops::sinks::StoreRecords::open(metadata, apply.jsonl.map(std::path::Path::to_path_buf)).map_err(
                |e| {
                    DataSyncError::Audit(format!(
                        "the audit log cannot be written ({e}), so nothing of table {table} was sent"
                    ))
                },
            )?;
        let what =
            crate::ops::sync_table::SyncWhat::new(&def.source, &target.name, table, &strategy, def.delete_missing);
        let mut session = crate::ops::sync_table::open_target(confirmed, target)
            .await
            .map_err(DataSyncError::db("target"))?;
        let report = crate::ops::sync_table::apply(
            &mut records,
            crate::ops::Face::Job,
            confirmed,
            &what,
            session.as_mut(),
            &d,
            &plan,
            def.batch_size as usize,
            ctl,
        )
        .await?;
        counts["applied"] = json!(report);
    }
    Ok(counts)
}
