//! Statement classifier (sqlparser), one verdict per statement.
//!
//! Text is split with [`split`](super::split::split) first (so it works on
//! text sqlparser cannot parse), then each statement is parsed with the
//! engine's dialect. Text that does not parse is judged **fail closed**: at
//! least a write, `parsed: false`, and the reason says so.
//!
//! Statements whose effect depends on the server are classified
//! conservatively:
//!
//! | statement | verdict | why |
//! |---|---|---|
//! | `SELECT f()` with `f` not a known built-in | write | user functions may write |
//! | `SELECT nextval(..)`, `setval(..)` | write | advances a sequence |
//! | `SELECT set_config('..read_only..', ..)` | session unlock | lifts read-only |
//! | `SELECT ... FOR UPDATE / FOR SHARE` | write | takes row locks |
//! | `SELECT ... INTO t` (Postgres, SQLite) | ddl | creates a table |
//! | `SELECT ... INTO @v / OUTFILE` (MySQL) | write | writes variables or files |
//! | `WITH x AS (DELETE ..) SELECT ..` | verdict of the inner write | data-modifying CTE |
//! | `CALL p()`, `DO $$..$$`, `EXECUTE s` | write | runs code we cannot see |
//! | `PREPARE s AS <stmt>` | verdict of `<stmt>` | judged by its body |
//! | `COPY t FROM ..` | write | loads rows |
//! | `COPY t TO STDOUT` / `TO 'file'` | read / write | a server file is a write |
//! | `LOCK`, `LOCK TABLES` | write | takes locks |
//! | `VACUUM`, `ANALYZE`, `OPTIMIZE`, `REINDEX`, `CLUSTER` | ddl | maintenance |
//! | `EXPLAIN <stmt>` | read | plans only |
//! | `EXPLAIN ANALYZE <stmt>` | verdict of `<stmt>` | runs it |
//! | `SHOW`, `DESCRIBE`, `PRAGMA table_info(..)` | read | reports |
//! | `PRAGMA x = v`, unknown `PRAGMA x` | write | may change the file or session |
//! | `PRAGMA query_only = ..`, `ATTACH` | session unlock | could lift read-only |
//! | `LISTEN`, `UNLISTEN` / `NOTIFY` | read / write | NOTIFY signals others |
//! | `GRANT`, `REVOKE`, `CREATE/ALTER USER/ROLE` | ddl | privileges (audit redacts passwords) |
//! | `SET x = v` / `SET GLOBAL x = v` | read / ddl | session vs server-wide |
//! | `SET ... read_only`, `RESET ALL`, `... READ WRITE`, `SESSION CHARACTERISTICS` | session unlock | could lift read-only |
//! | `UPDATE`/`DELETE` without a WHERE naming a column (`WHERE 1=1`) | unbounded write | touches every row |
//! | MariaDB `ANALYZE <stmt>` | verdict of `<stmt>` | runs it |
//! | `UPDATE pg_settings ...`, `DISCARD ALL` | session unlock | could lift read-only |
//! | unparseable text | write, or worse when it mentions `DROP`/`TRUNCATE` or `DELETE`/`UPDATE` without `WHERE` | fail closed |
//!
//! Known limits (the read-only database session is the backstop): custom
//! operators and type input functions can run user code without a visible
//! function call; a server may parse text differently from sqlparser.

mod ast;
mod fallback;
mod functions;
mod pragma;

use super::lex::tokenize;
use super::split::split_tokens;
use crate::db::Engine;
use serde::Serialize;
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use std::ops::Range;

/// What a statement may do, from least to most dangerous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Reads only.
    Read,
    /// Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT).
    Transaction,
    /// Changes rows (INSERT, UPDATE/DELETE with WHERE, MERGE, ...).
    Write,
    /// Changes structure (CREATE, ALTER that drops nothing, ...).
    Ddl,
    /// Drops or truncates objects or columns/constraints.
    Destructive,
    /// UPDATE or DELETE without WHERE.
    UnboundedWrite,
    /// Changes session settings that could lift read-only.
    SessionUnlock,
}

impl Verdict {
    /// Stable snake_case name (as in the corpus and the audit log).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Read => "read",
            Verdict::Transaction => "transaction",
            Verdict::Write => "write",
            Verdict::Ddl => "ddl",
            Verdict::Destructive => "destructive",
            Verdict::UnboundedWrite => "unbounded_write",
            Verdict::SessionUnlock => "session_unlock",
        }
    }

    /// Parse a name written by [`Verdict::as_str`].
    pub fn parse(s: &str) -> Option<Verdict> {
        [
            Verdict::Read,
            Verdict::Transaction,
            Verdict::Write,
            Verdict::Ddl,
            Verdict::Destructive,
            Verdict::UnboundedWrite,
            Verdict::SessionUnlock,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// True for verdicts that change nothing on the server.
    pub fn is_read(self) -> bool {
        matches!(self, Verdict::Read | Verdict::Transaction)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict for one statement of a buffer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementVerdict {
    /// Byte range of the statement in the input.
    pub span: Range<usize>,
    /// The statement text (trimmed).
    pub sql: String,
    /// Classification.
    pub verdict: Verdict,
    /// Why, in words a user understands.
    pub reason: String,
    /// Objects named by destructive statements (for warnings).
    pub objects: Vec<String>,
    /// False when the text could not be parsed and the verdict is a fail-closed guess.
    pub parsed: bool,
}

/// The most dangerous effect found so far in one statement.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    verdict: Verdict,
    reason: String,
    objects: Vec<String>,
}

impl Finding {
    fn new(verdict: Verdict, reason: impl Into<String>) -> Finding {
        Finding {
            verdict,
            reason: reason.into(),
            objects: Vec::new(),
        }
    }

    /// Keep the worse verdict (and its reason); collect every object.
    fn add(&mut self, other: Finding) {
        if other.verdict > self.verdict {
            self.verdict = other.verdict;
            self.reason = other.reason;
        }
        for o in other.objects {
            if !self.objects.contains(&o) {
                self.objects.push(o);
            }
        }
    }
}

/// The sqlparser dialect of an engine.
pub(crate) fn dialect(engine: Engine) -> Box<dyn Dialect> {
    match engine {
        Engine::Postgres => Box::new(PostgreSqlDialect {}),
        Engine::Mysql => Box::new(MySqlDialect {}),
        Engine::Sqlite => Box::new(SQLiteDialect {}),
    }
}

/// Classify every statement in `sql` for the engine's dialect. Never panics;
/// returns one verdict per statement found by [`split`](super::split::split).
pub fn classify(sql: &str, engine: Engine) -> Vec<StatementVerdict> {
    let tokens = tokenize(sql, engine);
    let d = dialect(engine);
    split_tokens(sql, &tokens)
        .into_iter()
        .map(|r| {
            let span = tokens[r.start].span.start..tokens[r.end - 1].span.end;
            let text = sql.get(span.clone()).unwrap_or("");
            let toks = &tokens[r];
            let pragma = (engine == Engine::Sqlite).then(|| pragma::parse(sql, toks)).flatten();
            let parsed_here = pragma.map(|(v, reason)| Finding::new(v, reason));
            let (mut finding, parsed) = match parsed_here
                .or_else(|| parse_one(text, span.start, toks, engine, d.as_ref()))
                .or_else(|| parse_runs_inner(sql, toks, engine, d.as_ref()))
            {
                Some(f) => (f, true),
                None => (fallback::classify_unparsed(sql, toks), false),
            };
            finding.add(fallback::unlock_scan(sql, toks, !parsed));
            StatementVerdict {
                span,
                sql: text.to_string(),
                verdict: finding.verdict,
                reason: finding.reason,
                objects: finding.objects,
                parsed,
            }
        })
        .collect()
}

/// MariaDB `ANALYZE <statement>` (and `EXPLAIN ANALYZE` forms sqlparser
/// rejects) run the inner statement: judge that statement.
fn parse_runs_inner(sql: &str, toks: &[super::lex::Token], engine: Engine, d: &dyn Dialect) -> Option<Finding> {
    let words: Vec<(usize, String)> = super::lex::words(sql, toks).collect();
    let (first, rest) = words.split_first()?;
    if !matches!(first.1.as_str(), "ANALYZE" | "EXPLAIN") {
        return None;
    }
    let inner = rest.iter().find(|(_, w)| {
        matches!(
            w.as_str(),
            "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "WITH" | "VALUES" | "MERGE"
        )
    })?;
    // Everything between the prefix and the inner statement must be options.
    if rest.iter().take_while(|(n, _)| n < &inner.0).any(|(_, w)| {
        !matches!(
            w.as_str(),
            "ANALYZE" | "VERBOSE" | "FORMAT" | "JSON" | "TEXT" | "TRADITIONAL" | "TREE" | "EXTENDED" | "PARTITIONS"
        )
    }) {
        return None;
    }
    let inner_toks = &toks[inner.0..];
    let start = inner_toks.first()?.span.start;
    let end = toks.last()?.span.end;
    let text = sql.get(start..end)?;
    let mut f = parse_one(text, start, inner_toks, engine, d)?;
    f.reason = format!("{} runs its statement: {}", first.1, f.reason);
    Some(f)
}

fn parse_one(
    text: &str,
    offset: usize,
    toks: &[super::lex::Token],
    engine: Engine,
    d: &dyn Dialect,
) -> Option<Finding> {
    // MySQL runs the body of `/*! ... */` comments: parse them as code.
    let owned;
    let text = if engine == Engine::Mysql && toks.iter().any(|t| t.kind == super::lex::TokenKind::ExecCommentStart) {
        owned = fallback::unwrap_exec_comments(text, offset, toks);
        owned.as_str()
    } else {
        text
    };
    // sqlparser recurses; extremely deep nesting is refused rather than risked.
    let stmts = Parser::new(d)
        .with_recursion_limit(64)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_statements())
        .ok()?;
    if stmts.is_empty() {
        return None;
    }
    let mut finding = Finding::new(Verdict::Read, "reads only");
    for s in &stmts {
        finding.add(ast::classify_statement(s, engine));
    }
    Some(finding)
}

#[cfg(test)]
mod tests;
