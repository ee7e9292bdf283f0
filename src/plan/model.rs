//! The plan model shared by every engine. Text from the server is kept as
//! it came (sanitized when drawn); numbers are what the server estimated or
//! measured, `None` when the engine does not give them.

use crate::db::Engine;
use serde::Serialize;

/// A whole plan as one server answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Engine that planned it.
    pub engine: Engine,
    /// Which answer was parsed: `postgres-json`, `mariadb-json`, `mysql-json`, `mysql-tree`, `sqlite-eqp`.
    pub format: &'static str,
    /// The statement ran (ANALYZE): actual rows, loops and times are filled.
    pub analyzed: bool,
    /// The top node.
    pub root: PlanNode,
    /// Planning time reported by the server.
    pub planning_ms: Option<f64>,
    /// Execution time reported by the server (or measured around the statement).
    pub execution_ms: Option<f64>,
    /// Facts about the run: rolled back, what the engine does not give.
    pub notes: Vec<String>,
}

/// One step of a plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanNode {
    /// Operation: `Seq Scan`, `Hash Join`, `Full scan`, `SEARCH`, ...
    pub kind: String,
    /// Table, view, function or CTE read by this step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
    /// Alias of the relation in the statement, when it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Index used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// Further facts as the server names them (filter, join condition, sort key, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<(String, String)>,
    /// Estimated rows produced per loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub est_rows: Option<f64>,
    /// Estimated cost to produce the first row (engine units).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_cost: Option<f64>,
    /// Estimated total cost including children (engine units).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub est_cost: Option<f64>,
    /// Rows actually produced per loop (ANALYZE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_rows: Option<f64>,
    /// How many times the step ran (ANALYZE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loops: Option<f64>,
    /// Time spent in this step and its children, over all loops, in ms (ANALYZE).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_ms: Option<f64>,
    /// Block counts (PostgreSQL BUFFERS, MariaDB pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffers: Option<Buffers>,
    /// Planned but never run (ANALYZE shows zero loops).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub never_executed: bool,
    /// Steps feeding this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<PlanNode>,
}

/// Block (page) counts of a step, including its children.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Buffers {
    /// Found in the buffer cache.
    pub hit: u64,
    /// Read from disk or the OS cache.
    pub read: u64,
    /// Dirtied.
    pub dirtied: u64,
    /// Written.
    pub written: u64,
    /// Temporary blocks read and written (sorts and hashes that spilled).
    pub temp: u64,
}

impl Buffers {
    /// True when every count is zero.
    pub fn is_zero(&self) -> bool {
        *self == Buffers::default()
    }
}

impl PlanNode {
    /// A node of `kind` with nothing else known.
    pub fn new(kind: impl Into<String>) -> PlanNode {
        PlanNode {
            kind: kind.into(),
            ..PlanNode::default()
        }
    }

    /// Add a detail when the value is not empty.
    pub fn detail(&mut self, label: &str, value: impl Into<String>) {
        let value = value.into();
        if !value.trim().is_empty() {
            self.details.push((label.to_string(), value));
        }
    }

    /// This node and every node below it, depth first (the order the tree shows them).
    pub fn walk(&self) -> Vec<&PlanNode> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(n.children.iter().rev());
        }
        out
    }

    /// Rows produced over all loops (actual when analyzed, else estimated).
    pub fn total_rows(&self) -> Option<f64> {
        let per_loop = self.actual_rows.or(self.est_rows)?;
        Some(per_loop * self.loops.unwrap_or(1.0).max(1.0))
    }
}
