//! Query plans: one model for every engine, parsers for what each server
//! answers to EXPLAIN, the analysis that marks slow nodes and bad estimates,
//! and the run that asks a session for a plan.
//!
//! | engine | plan | with `analyze` |
//! |---|---|---|
//! | PostgreSQL | `EXPLAIN (FORMAT JSON)` | `EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS)` |
//! | MariaDB | `EXPLAIN FORMAT=JSON` | `ANALYZE FORMAT=JSON` |
//! | MySQL | `EXPLAIN FORMAT=JSON` | `EXPLAIN ANALYZE` (tree text) |
//! | SQLite | `EXPLAIN QUERY PLAN` | the plan, then the statement itself, timed |

mod analysis;
mod model;
mod mysql;
mod mysql_tree;
mod postgres;
mod render;
mod run;
mod sql;
mod sqlite;

pub use analysis::{Analysis, MISESTIMATE_FACTOR, NodeFacts, analyze};
pub use model::{Buffers, Plan, PlanNode};
pub use render::{fmt_ms, fmt_rows, node_marks, node_metrics, node_summary, node_title, plan_header, render_text};
pub use run::{Explained, Explanation, Sent, explain, parse_answer};
pub use sql::{ExplainOptions, ExplainRequest, Flavor};

/// Why no plan could be shown.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The statement cannot be explained as given.
    #[error("{0}")]
    Unsupported(String),
    /// The server's answer could not be read as a plan.
    #[error("cannot read the plan the server returned: {0}")]
    Parse(String),
    /// The statement to send is more than the safety check approved.
    #[error("{0}")]
    Refused(crate::safety::Refusal),
    /// The server reported an error.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

impl crate::error::Coded for PlanError {
    fn code(&self) -> &'static str {
        match self {
            PlanError::Unsupported(_) => "PLAN_UNSUPPORTED",
            PlanError::Parse(_) => "PLAN_PARSE",
            PlanError::Refused(r) => r.code,
            PlanError::Db(e) => e.code.as_str(),
        }
    }

    fn exit(&self) -> crate::error::ExitStatus {
        use crate::error::ExitStatus;
        match self {
            PlanError::Unsupported(_) => ExitStatus::Usage,
            PlanError::Parse(_) => ExitStatus::QueryError,
            PlanError::Refused(_) => ExitStatus::Blocked,
            PlanError::Db(e) => crate::error::Coded::exit(e),
        }
    }
}
