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
//! | `SELECT f()` with `f` not a read-only built-in of this engine, or shadowed by a user function | write | user functions may write |
//! | `SELECT * FROM v` where view `v` calls a user function | write | reading runs the function |
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
//! | `SET search_path`, `SET time zone`, `SET @x` (short list) | setting | harmless session setting |
//! | `SET` of anything else / `SET GLOBAL x = v` | write / ddl | not known harmless / server-wide |
//! | `SET ... read_only`, `RESET ALL`, `... READ WRITE`, `SESSION CHARACTERISTICS` | session unlock | could lift read-only |
//! | `SET standard_conforming_strings`, `sql_mode`, `NAMES`, `client_encoding` | session unlock | changes how text is lexed |
//! | MySQL `/*! ... */`, `/*M! ... */` | at least write, and judged with and without the bodies | runs as code by server version |
//! | `BEGIN`, `COMMIT`, `SAVEPOINT`, `SET TRANSACTION` | transaction | refused on read-only connections |
//! | `UPDATE`/`DELETE` without a WHERE naming a column (`WHERE 1=1`) | unbounded write | touches every row |
//! | MariaDB `ANALYZE <stmt>` | verdict of `<stmt>` | runs it |
//! | `UPDATE pg_settings ...`, `DISCARD ALL` | session unlock | could lift read-only |
//! | unparseable text | write, or worse when it mentions `DROP`/`TRUNCATE` or `DELETE`/`UPDATE` without `WHERE` | fail closed |
//!
//! Text is read under the session's lexing settings ([`Context::lexing`],
//! followed across `SET`s by [`split_with`](super::split::split_with)); where
//! an earlier statement may have changed them to unknown values, a statement
//! is judged under every reading and the worst verdict wins.
//!
//! Known limits (the read-only database session is the backstop): custom
//! operators, casts, type input functions and row-level security policies
//! can run user code without a visible function call.

mod ast;
mod bounds;
mod fallback;
mod functions;
mod normalize;
mod pragma;

use super::catalog::Catalog;
use super::lex::{Token, TokenKind, tokenize_with};
use super::settings::{self, SetStatement};
use super::split::split_with;
use crate::db::{Access, Engine, Lexing};
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
    /// Changes a harmless session setting (search_path, time zone, ...).
    Setting,
    /// Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT); refused on
    /// read-only connections, where dbn runs every statement in its own
    /// read-only transaction.
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
            Verdict::Setting => "setting",
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
            Verdict::Setting,
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

    /// True for what a read-only connection runs: reads and harmless
    /// session settings (not transaction control).
    pub fn is_read(self) -> bool {
        matches!(self, Verdict::Read | Verdict::Setting)
    }

    /// True for verdicts that change no data (not audited when they run).
    pub fn changes_nothing(self) -> bool {
        matches!(self, Verdict::Read | Verdict::Setting | Verdict::Transaction)
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
    /// The lexing settings the statement was read under; `None` when an
    /// earlier statement may have changed them and every reading was judged.
    #[serde(skip)]
    pub lexing: Option<Lexing>,
}

impl StatementVerdict {
    /// How to run it on a session ([`crate::db::Session::execute_as`]):
    /// reads with [`Access::Read`], harmless settings with
    /// [`Access::Setting`], anything else with [`Access::Write`] when the
    /// gate issued `permit` (on a read-only connection the session refuses
    /// a write without one).
    pub fn access<'a>(&self, permit: Option<&'a super::WritePermit>) -> Access<'a> {
        match (self.verdict, permit) {
            (Verdict::Read, _) => Access::Read,
            (Verdict::Setting, _) => Access::Setting,
            (_, Some(p)) => Access::Write(p),
            (_, None) => Access::Read,
        }
    }

    /// Whether the session's lexing settings at send time (`now`) still read
    /// this statement as it was judged (only text with backslashes or double
    /// quotes can be read differently). Check it before sending a statement
    /// whose text [`Lexing::text_is_sensitive`]: code the classifier cannot
    /// see (a trigger, a function) may have changed the settings.
    pub fn still_reads_as_judged(&self, now: &Lexing) -> bool {
        // Judged under every reading (`lexing: None`), the verdict holds whatever `now` is.
        self.lexing.is_none_or(|l| l == *now) || !Lexing::text_is_sensitive(&self.sql)
    }
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

/// What the classifier knows about where the text will run.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The engine (and so the dialect).
    pub engine: Engine,
    /// The session's lexing settings when the text starts
    /// ([`crate::db::Session::lexing`]; the server default when unknown).
    pub lexing: Lexing,
    /// The database's own functions and views ([`Catalog::load`]); without
    /// it, built-in names are trusted as the server's own.
    pub catalog: Option<&'a Catalog>,
}

impl Context<'_> {
    /// The engine's defaults and no catalog.
    pub fn new(engine: Engine) -> Context<'static> {
        Context {
            engine,
            lexing: Lexing::default(),
            catalog: None,
        }
    }
}

/// Classify every statement in `sql` for the engine's dialect, with the
/// server's default lexing settings and no catalog. Never panics.
pub fn classify(sql: &str, engine: Engine) -> Vec<StatementVerdict> {
    classify_in(sql, &Context::new(engine))
}

/// Classify every statement in `sql` as it will run in `ctx`: one verdict
/// per statement found by [`split_with`](super::split::split_with).
pub fn classify_in(sql: &str, ctx: &Context<'_>) -> Vec<StatementVerdict> {
    split_with(sql, ctx.engine, ctx.lexing)
        .into_iter()
        .map(|piece| {
            let text = sql.get(piece.span.clone()).unwrap_or("");
            let readings = match piece.lexing {
                Some(l) => vec![l],
                None if Lexing::text_is_sensitive(text) => every_reading(ctx.engine),
                None => vec![Lexing::default()],
            };
            let mut finding: Option<Finding> = None;
            let mut parsed = true;
            for l in &readings {
                let (f, p) = judge(text, ctx, l, 0);
                parsed &= p;
                match &mut finding {
                    Some(worst) => worst.add(f),
                    None => finding = Some(f),
                }
            }
            let f = finding.unwrap_or_else(|| Finding::new(Verdict::Write, "empty statement"));
            StatementVerdict {
                span: piece.span,
                sql: text.to_string(),
                verdict: f.verdict,
                reason: f.reason,
                objects: f.objects,
                parsed,
                lexing: piece.lexing,
            }
        })
        .collect()
}

/// Every combination of the lexing settings that matter to `engine`.
fn every_reading(engine: Engine) -> Vec<Lexing> {
    let d = Lexing::default();
    match engine {
        Engine::Postgres => vec![
            d,
            Lexing {
                standard_strings: false,
                ..d
            },
        ],
        Engine::Mysql => [(false, false), (true, false), (false, true), (true, true)]
            .into_iter()
            .map(|(nbe, ansi)| Lexing {
                no_backslash_escapes: nbe,
                ansi_quotes: ansi,
                ..d
            })
            .collect(),
        Engine::Sqlite => vec![d],
    }
}

/// Judge one statement's text read under `lexing`: the finding, and
/// whether it was parsed (not a fail-closed guess).
fn judge(text: &str, ctx: &Context<'_>, lexing: &Lexing, depth: usize) -> (Finding, bool) {
    let toks = tokenize_with(text, ctx.engine, lexing);
    if ctx.engine == Engine::Mysql && toks.iter().any(|t| t.kind == TokenKind::ExecCommentStart) && depth < 4 {
        // The server runs the body of /*! */ always, of /*!NNNNN */ from
        // version NNNNN, of /*M! */ only on MariaDB: judge both readings.
        let mut f = Finding::new(
            Verdict::Write,
            "contains an executable comment (/*! ... */ or /*M! ... */), which the server runs as code depending on its version; not allowed on read-only connections",
        );
        let (a, pa) = judge(&fallback::unwrap_exec_comments(text, 0, &toks), ctx, lexing, depth + 1);
        let (b, pb) = judge(&fallback::strip_exec_comments(text, 0, &toks), ctx, lexing, depth + 1);
        f.add(a);
        f.add(b);
        return (f, pa && pb);
    }
    let engine = ctx.engine;
    if engine == Engine::Sqlite
        && let Some((v, reason)) = pragma::parse(text, &toks)
    {
        return (Finding::new(v, reason), true);
    }
    let norm = normalize::for_parser(text, &toks, engine, lexing);
    let d = dialect(engine);
    if let Some(set) = settings::parse(text, &toks, engine) {
        let (v, reason) = settings::verdict(&set, engine);
        let mut f = Finding::new(v, reason);
        let assigns_exprs = match &set {
            SetStatement::Assign(list) => list.iter().any(|a| a.value == settings::Value::Expression),
            _ => false,
        };
        if let SetStatement::Statement(_, at) = &set {
            let (inner, p) = judge(text.get(*at..).unwrap_or(""), ctx, lexing, depth + 1);
            f.add(inner);
            return (f, p);
        }
        // Values may call functions: judge them on the parse; a value that
        // cannot be parsed may call anything.
        match parse_one(&norm, ctx, d.as_ref()) {
            Some(g) => f.add(g),
            None if assigns_exprs && engine == Engine::Mysql => f.add(Finding::new(
                Verdict::Write,
                "SET with a value dbn could not parse (it may call a stored function); treated as a write",
            )),
            None => {}
        }
        f.add(fallback::unlock_scan(text, &toks, false));
        return (f, true);
    }
    if let Some(f) = table_statement(text, &toks, ctx) {
        return (f, true);
    }
    let (mut f, parsed) = match parse_one(&norm, ctx, d.as_ref()).or_else(|| {
        let ntoks = tokenize_with(&norm, engine, &Lexing::default());
        parse_runs_inner(&norm, &ntoks, ctx, d.as_ref())
    }) {
        Some(f) => (f, true),
        None => (fallback::classify_unparsed(text, &toks), false),
    };
    f.add(fallback::unlock_scan(text, &toks, !parsed));
    (f, parsed)
}

/// Postgres `TABLE name`: reads the table (sqlparser does not know it).
fn table_statement(text: &str, toks: &[Token], ctx: &Context<'_>) -> Option<Finding> {
    if ctx.engine != Engine::Postgres {
        return None;
    }
    let sig: Vec<(&Token, &str)> = toks
        .iter()
        .filter(|t| !matches!(t.kind, TokenKind::Space | TokenKind::Comment))
        .map(|t| (t, text.get(t.span.clone()).unwrap_or("")))
        .collect();
    let (head, rest) = sig.split_first()?;
    if !head.1.eq_ignore_ascii_case("TABLE") || rest.is_empty() {
        return None;
    }
    let rest = match rest {
        [(_, only), tail @ ..] if only.eq_ignore_ascii_case("ONLY") => tail,
        r => r,
    };
    let mut name = Vec::new();
    for (i, (t, s)) in rest.iter().enumerate() {
        let ok = if i % 2 == 0 {
            matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent)
        } else {
            *s == "."
        };
        if !ok {
            return None;
        }
        if i % 2 == 0 {
            name.push(match t.kind {
                TokenKind::QuotedIdent => settings::unquote(s),
                _ => s.to_lowercase(),
            });
        }
    }
    let full = name.join(".");
    if ctx.catalog.is_some_and(|c| c.is_risky_view(&full)) {
        return Some(Finding::new(
            Verdict::Write,
            format!("reads view {full}, which calls a user-defined function"),
        ));
    }
    Some(Finding::new(Verdict::Read, "TABLE reads a table"))
}

/// MariaDB `ANALYZE <statement>` (and `EXPLAIN ANALYZE` forms sqlparser
/// rejects) run the inner statement: judge that statement.
fn parse_runs_inner(sql: &str, toks: &[Token], ctx: &Context<'_>, d: &dyn Dialect) -> Option<Finding> {
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
    let start = toks.get(inner.0)?.span.start;
    let text = sql.get(start..)?;
    let mut f = parse_one(text, ctx, d)?;
    f.reason = format!("{} runs its statement: {}", first.1, f.reason);
    Some(f)
}

fn parse_one(text: &str, ctx: &Context<'_>, d: &dyn Dialect) -> Option<Finding> {
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
        finding.add(ast::classify_statement(s, text, ctx));
    }
    Some(finding)
}

#[cfg(test)]
mod tests;
