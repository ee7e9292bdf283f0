//! Saved sync jobs and the in-process job runner shared by the CLI
//! (`dbn job run`) and the TUI. A run goes queued -> running -> success,
//! failed or cancelled; every transition is written to `job_runs` and sent
//! as a [`JobEvent`] over a channel, together with the sync's progress.

mod definition;
mod runner;

pub use definition::{DataJob, JobDefinition, SchemaJob};
pub use runner::{JobEvent, JobHandle, JobRunner, RunSummary, Work};

use thiserror::Error;

/// Errors of job definitions and the runner.
#[derive(Debug, Error)]
pub enum JobError {
    /// A stored definition does not parse.
    #[error(
        "job '{name}' has an unreadable definition ({reason}); remove it with `dbn job remove {name}` and add it again"
    )]
    BadDefinition {
        /// Job name.
        name: String,
        /// Parser message.
        reason: String,
    },
    /// The metadata store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl crate::error::Coded for JobError {
    fn code(&self) -> &'static str {
        match self {
            JobError::BadDefinition { .. } => "JOB_INVALID",
            JobError::Store(e) => e.code(),
        }
    }

    fn exit(&self) -> crate::error::ExitStatus {
        match self {
            JobError::BadDefinition { .. } => crate::error::ExitStatus::Usage,
            JobError::Store(e) => e.exit(),
        }
    }
}
