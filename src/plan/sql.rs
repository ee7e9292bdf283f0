//! What is sent to get a plan. The statement to explain is one statement
//! (split by the shared splitter); the EXPLAIN text around it is fixed per
//! engine, so the safety check judges exactly what goes to the server.

use super::PlanError;
use crate::db::Engine;
use crate::safety::{StatementVerdict, Verdict, classify};

/// The server family, which decides the EXPLAIN syntax and answer format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// PostgreSQL.
    Postgres,
    /// MariaDB (`ANALYZE FORMAT=JSON`).
    MariaDb,
    /// MySQL (`EXPLAIN ANALYZE`, tree text).
    MySql,
    /// SQLite.
    Sqlite,
}

impl Flavor {
    /// The flavor before the server has said who it is (MySQL-protocol servers are taken for MariaDB).
    pub fn guess(engine: Engine) -> Flavor {
        match engine {
            Engine::Postgres => Flavor::Postgres,
            Engine::Mysql => Flavor::MariaDb,
            Engine::Sqlite => Flavor::Sqlite,
        }
    }

    /// The flavor from the server's version string (`MariaDB 10.11`, `MySQL 8.0.36`).
    pub fn from_version(engine: Engine, version: &str) -> Flavor {
        match engine {
            Engine::Mysql if !version.to_ascii_lowercase().contains("mariadb") => Flavor::MySql,
            other => Flavor::guess(other),
        }
    }
}

/// How to explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplainOptions {
    /// Run the statement and report actual rows, loops and times.
    pub analyze: bool,
    /// With `analyze` on PostgreSQL: report block counts (BUFFERS).
    pub buffers: bool,
    /// With `analyze` of a statement that changes data: run it in a transaction and roll it back.
    pub rollback: bool,
}

impl Default for ExplainOptions {
    fn default() -> Self {
        ExplainOptions {
            analyze: false,
            buffers: true,
            rollback: false,
        }
    }
}

/// One statement to explain, checked and ready to wrap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRequest {
    /// Engine of the target connection.
    pub engine: Engine,
    /// The statement, trimmed, without a trailing semicolon.
    pub statement: String,
    /// Options.
    pub options: ExplainOptions,
}

impl ExplainRequest {
    /// Check that `text` holds exactly one statement that is not itself an EXPLAIN.
    pub fn new(engine: Engine, text: &str, options: ExplainOptions) -> Result<ExplainRequest, PlanError> {
        let parts = crate::safety::split(text, engine);
        let statement = match parts.as_slice() {
            [] => {
                return Err(PlanError::Unsupported(
                    "nothing to explain: give one SQL statement".into(),
                ));
            }
            [one] => text[one.clone()].trim().trim_end_matches(';').trim_end().to_string(),
            many => {
                return Err(PlanError::Unsupported(format!(
                    "explain takes one statement, found {}: pass them one at a time",
                    many.len()
                )));
            }
        };
        let first = statement
            .split(|c: char| !c.is_ascii_alphabetic())
            .find(|w| !w.is_empty())
            .unwrap_or_default()
            .to_ascii_uppercase();
        if first == "EXPLAIN" || (first == "ANALYZE" && engine == Engine::Mysql) {
            return Err(PlanError::Unsupported(
                "the statement is already an EXPLAIN: give the statement itself (add --analyze for actual rows and times)"
                    .into(),
            ));
        }
        Ok(ExplainRequest {
            engine,
            statement,
            options,
        })
    }

    /// The statements sent for `flavor`, in order (transaction control not included).
    pub fn statements(&self, flavor: Flavor) -> Vec<String> {
        let s = &self.statement;
        let o = self.options;
        match flavor {
            Flavor::Postgres => {
                let extra = match (o.analyze, o.buffers) {
                    (true, true) => ", ANALYZE, BUFFERS",
                    (true, false) => ", ANALYZE",
                    (false, _) => "",
                };
                vec![format!("EXPLAIN (FORMAT JSON{extra}) {s}")]
            }
            Flavor::MariaDb if o.analyze => vec![format!("ANALYZE FORMAT=JSON {s}")],
            Flavor::MySql if o.analyze => vec![format!("EXPLAIN ANALYZE {s}")],
            Flavor::MariaDb | Flavor::MySql => vec![format!("EXPLAIN FORMAT=JSON {s}")],
            // SQLite has no ANALYZE of a statement: the plan, then the statement itself, timed.
            Flavor::Sqlite if o.analyze => vec![format!("EXPLAIN QUERY PLAN {s}"), s.clone()],
            Flavor::Sqlite => vec![format!("EXPLAIN QUERY PLAN {s}")],
        }
    }

    /// The safety verdict of every statement sent for `flavor`.
    pub fn verdicts(&self, flavor: Flavor) -> Vec<StatementVerdict> {
        self.statements(flavor)
            .iter()
            .flat_map(|s| classify(s, self.engine))
            .collect()
    }

    /// The most severe verdict of what is sent for `flavor`.
    pub fn worst(&self, flavor: Flavor) -> Verdict {
        self.verdicts(flavor)
            .iter()
            .map(|v| v.verdict)
            .max()
            .unwrap_or(Verdict::Read)
    }

    /// The statement runs and may change data (an ANALYZE of anything but a read).
    pub fn changes_data(&self, flavor: Flavor) -> bool {
        self.options.analyze && !self.worst(flavor).is_read()
    }

    /// What an ANALYZE will execute, without the rollback choice: `None` without ANALYZE.
    pub fn what_runs(&self, flavor: Flavor) -> Option<String> {
        if !self.options.analyze {
            return None;
        }
        let what = crate::safety::policy::excerpt(&self.statement);
        Some(if self.changes_data(flavor) {
            format!("ANALYZE executes `{what}`, which changes data ({})", self.worst(flavor))
        } else {
            format!("ANALYZE executes `{what}` to measure it (a read: nothing changes)")
        })
    }

    /// What a user is told before an ANALYZE runs, with what happens to its changes.
    pub fn notice(&self, flavor: Flavor) -> Option<String> {
        let what = self.what_runs(flavor)?;
        if !self.changes_data(flavor) {
            return Some(what);
        }
        Some(if self.options.rollback {
            format!("{what}, in a transaction that is rolled back afterwards")
        } else {
            format!("{what}, and its changes are kept (ask for a rollback to undo them)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(engine: Engine, sql: &str, analyze: bool) -> ExplainRequest {
        let o = ExplainOptions {
            analyze,
            ..ExplainOptions::default()
        };
        ExplainRequest::new(engine, sql, o).unwrap()
    }

    #[test]
    fn wraps_one_statement_per_engine() {
        let r = req(Engine::Postgres, "  select 1 ;  ", true);
        assert_eq!(r.statement, "select 1");
        assert_eq!(
            r.statements(Flavor::Postgres),
            vec!["EXPLAIN (FORMAT JSON, ANALYZE, BUFFERS) select 1"]
        );
        let r = req(Engine::Mysql, "SELECT * FROM t", true);
        assert_eq!(
            r.statements(Flavor::MariaDb),
            vec!["ANALYZE FORMAT=JSON SELECT * FROM t"]
        );
        assert_eq!(r.statements(Flavor::MySql), vec!["EXPLAIN ANALYZE SELECT * FROM t"]);
        let r = req(Engine::Sqlite, "SELECT * FROM t", false);
        assert_eq!(r.statements(Flavor::Sqlite), vec!["EXPLAIN QUERY PLAN SELECT * FROM t"]);
    }

    #[test]
    fn refuses_several_statements_and_explains_of_explains() {
        let o = ExplainOptions::default();
        for sql in [
            "select 1; drop table t",
            "",
            "EXPLAIN select 1",
            "  -- c\n explain analyze select 1",
        ] {
            assert!(ExplainRequest::new(Engine::Postgres, sql, o).is_err(), "{sql}");
        }
        assert!(ExplainRequest::new(Engine::Mysql, "ANALYZE FORMAT=JSON select 1", o).is_err());
    }

    #[test]
    fn the_safety_verdict_is_the_statement_s_own_when_it_runs() {
        for (engine, flavor) in [
            (Engine::Postgres, Flavor::Postgres),
            (Engine::Mysql, Flavor::MariaDb),
            (Engine::Mysql, Flavor::MySql),
            (Engine::Sqlite, Flavor::Sqlite),
        ] {
            let plain = req(engine, "UPDATE t SET a = 1 WHERE id = 2", false);
            assert_eq!(plain.worst(flavor), Verdict::Read, "{flavor:?}");
            assert!(!plain.changes_data(flavor));
            let run = req(engine, "UPDATE t SET a = 1 WHERE id = 2", true);
            assert_eq!(run.worst(flavor), Verdict::Write, "{flavor:?}");
            assert!(run.changes_data(flavor));
            assert!(run.notice(flavor).unwrap().contains("changes data"));
            let unbounded = req(engine, "DELETE FROM t", true);
            assert_eq!(unbounded.worst(flavor), Verdict::UnboundedWrite, "{flavor:?}");
            let read = req(engine, "SELECT * FROM t", true);
            assert_eq!(read.worst(flavor), Verdict::Read, "{flavor:?}");
            assert!(read.notice(flavor).unwrap().contains("nothing changes"));
        }
    }
}
