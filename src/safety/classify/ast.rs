//! Verdicts from a parsed statement: walks every nested statement,
//! expression, query and table factor, and keeps the most dangerous finding.

use super::bounds::bounded;
use super::functions::function_verdict;
use super::{Context, Finding, Verdict};
use crate::db::Engine;
use sqlparser::ast::{
    Expr, FromTable, ObjectName, ObjectNamePart, Query, Select, Statement, TableFactor, TransactionAccessMode,
    TransactionMode, Visit, Visitor,
};
use std::ops::ControlFlow;

/// Classify one parsed statement; `text` is what was parsed (to look at
/// the characters around a call).
pub(super) fn classify_statement(stmt: &Statement, text: &str, ctx: &Context<'_>) -> Finding {
    let mut w = Walker {
        engine: ctx.engine,
        ctx: *ctx,
        text,
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        finding: Finding::new(Verdict::Read, "reads only"),
        muted: 0,
        mute_stack: Vec::new(),
    };
    let _ = stmt.visit(&mut w);
    w.finding
}

struct Walker<'a> {
    engine: Engine,
    ctx: Context<'a>,
    text: &'a str,
    line_starts: Vec<usize>,
    finding: Finding,
    /// While positive, nested effects are not executed (EXPLAIN without
    /// ANALYZE, bodies of views, routines and triggers being defined).
    muted: usize,
    mute_stack: Vec<bool>,
}

impl Walker<'_> {
    /// MySQL: is there whitespace (or a comment) between a one-part call
    /// name and its `(`? MariaDB then may resolve the name to a stored function.
    fn spaced_call(&self, name: &ObjectName) -> bool {
        if self.engine != Engine::Mysql {
            return false;
        }
        let [ObjectNamePart::Identifier(id)] = name.0.as_slice() else {
            return false;
        };
        let end = id.span.end;
        let Some(line) = usize::try_from(end.line).ok().and_then(|l| l.checked_sub(1)) else {
            return false;
        };
        let Some(&start) = self.line_starts.get(line) else {
            return false;
        };
        let col = usize::try_from(end.column).unwrap_or(0).saturating_sub(1);
        let after = self
            .text
            .get(start..)
            .and_then(|rest| rest.char_indices().nth(col).map(|(i, _)| start + i))
            .and_then(|at| self.text.get(at..));
        after.is_some_and(|a| !a.starts_with('('))
    }

    fn note(&mut self, verdict: Verdict, reason: impl Into<String>, objects: Vec<String>) {
        if self.muted == 0 {
            self.finding.add(Finding {
                verdict,
                reason: reason.into(),
                objects,
            });
        }
    }
}

impl Visitor for Walker<'_> {
    type Break = ();

    fn pre_visit_statement(&mut self, stmt: &Statement) -> ControlFlow<()> {
        let (v, reason, objects) = statement_verdict(stmt, self.engine);
        self.note(v, reason, objects);
        let mutes = matches!(
            stmt,
            Statement::CreateView(_)
                | Statement::CreateFunction(_)
                | Statement::CreateProcedure { .. }
                | Statement::CreateTrigger(_)
                | Statement::CreateMacro { .. }
        ) || matches!(stmt, Statement::Explain { .. } if !explain_runs(stmt));
        if mutes {
            self.muted += 1;
        }
        self.mute_stack.push(mutes);
        ControlFlow::Continue(())
    }

    fn post_visit_statement(&mut self, _stmt: &Statement) -> ControlFlow<()> {
        if self.mute_stack.pop() == Some(true) {
            self.muted = self.muted.saturating_sub(1);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if !q.locks.is_empty() {
            self.note(
                Verdict::Write,
                "SELECT ... FOR UPDATE/SHARE takes row locks",
                Vec::new(),
            );
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, s: &Select) -> ControlFlow<()> {
        if let Some(into) = &s.into {
            let targets = into.to_string();
            let user_vars = targets
                .trim_start_matches("INTO")
                .split(',')
                .all(|t| t.trim().starts_with('@'));
            if self.engine == Engine::Mysql && user_vars {
                self.note(
                    Verdict::Setting,
                    "SELECT ... INTO @variables sets user variables",
                    Vec::new(),
                );
            } else if self.engine == Engine::Mysql {
                self.note(
                    Verdict::Write,
                    "SELECT ... INTO writes variables or a server file",
                    Vec::new(),
                );
            } else {
                self.note(Verdict::Ddl, "SELECT ... INTO creates a table", Vec::new());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = e {
            let spaced = self.spaced_call(&f.name);
            if let Some((v, reason)) = function_verdict(&f.name, &f.to_string(), self.engine, self.ctx.catalog, spaced)
            {
                self.note(v, reason, Vec::new());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        let call = match t {
            TableFactor::Table {
                name, args: Some(_), ..
            } => Some(name),
            TableFactor::Function { name, .. } => Some(name),
            _ => None,
        };
        if let Some(name) = call {
            let spaced = self.spaced_call(name);
            if let Some((v, reason)) = function_verdict(name, &t.to_string(), self.engine, self.ctx.catalog, spaced) {
                self.note(v, reason, Vec::new());
            }
        }
        if let TableFactor::Table { name, args: None, .. } = t
            && let Some(c) = self.ctx.catalog
        {
            let full = relation_name(self.engine, name);
            if c.is_risky_view(&full) {
                self.note(
                    Verdict::Write,
                    format!("reads view {name}, which calls a user-defined function that may write"),
                    Vec::new(),
                );
            }
        }
        ControlFlow::Continue(())
    }
}

/// A relation name as the catalog keys it: parts folded as the server
/// folds them, joined with dots.
fn relation_name(engine: Engine, name: &ObjectName) -> String {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(id) if engine == Engine::Postgres && id.quote_style.is_some() => {
                id.value.clone()
            }
            ObjectNamePart::Identifier(id) => id.value.to_lowercase(),
            other => other.to_string().to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether an EXPLAIN actually runs its statement (ANALYZE).
fn explain_runs(stmt: &Statement) -> bool {
    match stmt {
        Statement::Explain { analyze, options, .. } => {
            *analyze
                || options.iter().flatten().any(|o| {
                    o.name.value.eq_ignore_ascii_case("analyze")
                        && o.arg.as_ref().is_none_or(|a| {
                            let a = a.to_string().to_ascii_lowercase();
                            !matches!(a.as_str(), "false" | "off" | "0" | "'false'" | "'off'")
                        })
                })
        }
        _ => false,
    }
}

fn names(list: &[ObjectName]) -> Vec<String> {
    list.iter().map(|n| n.to_string()).collect()
}

type Verdict3 = (Verdict, String, Vec<String>);

fn v(verdict: Verdict, reason: &str) -> Verdict3 {
    (verdict, reason.to_string(), Vec::new())
}

/// The verdict of a statement on its own (nested parts are visited separately).
fn statement_verdict(stmt: &Statement, engine: Engine) -> Verdict3 {
    use Verdict::*;
    match stmt {
        Statement::Query(_) => v(Read, "reads only"),
        Statement::Insert(_) | Statement::Merge(_) | Statement::LoadData { .. } => v(Write, "inserts or merges rows"),
        Statement::Update(u)
            if u.table
                .relation
                .to_string()
                .to_ascii_lowercase()
                .ends_with("pg_settings") =>
        {
            v(
                SessionUnlock,
                "UPDATE pg_settings changes server settings such as default_transaction_read_only",
            )
        }
        Statement::Update(u) => {
            if bounded(u.selection.as_ref()) {
                v(Write, "updates rows matching its WHERE")
            } else {
                let t = u.table.to_string();
                (
                    UnboundedWrite,
                    format!("UPDATE without WHERE changes every row of {t}"),
                    vec![t],
                )
            }
        }
        Statement::Delete(d) => {
            if bounded(d.selection.as_ref()) {
                v(Write, "deletes rows matching its WHERE")
            } else {
                let mut objs = names(&d.tables);
                if objs.is_empty() {
                    let (FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f)) = &d.from;
                    objs = f.iter().map(|t| t.relation.to_string()).collect();
                }
                (
                    UnboundedWrite,
                    format!("DELETE without WHERE removes every row of {}", objs.join(", ")),
                    objs,
                )
            }
        }
        Statement::Truncate(t) => {
            let objs: Vec<String> = t.table_names.iter().map(|n| n.name.to_string()).collect();
            (Destructive, format!("TRUNCATE empties {}", objs.join(", ")), objs)
        }
        Statement::Drop {
            object_type, names: n, ..
        } => {
            let objs = names(n);
            (Destructive, format!("DROP {object_type} {}", objs.join(", ")), objs)
        }
        Statement::DropFunction(_)
        | Statement::DropDomain(_)
        | Statement::DropProcedure { .. }
        | Statement::DropSecret { .. }
        | Statement::DropPolicy(_)
        | Statement::DropConnector { .. }
        | Statement::DropExtension(_)
        | Statement::DropOperator(_)
        | Statement::DropOperatorFamily(_)
        | Statement::DropOperatorClass(_)
        | Statement::DropTrigger(_) => {
            let text = stmt.to_string();
            let obj = object_after_drop(&text);
            (Destructive, format!("drops {obj}"), vec![obj])
        }
        Statement::AlterTable(a) => {
            let dropped: Vec<String> = a
                .operations
                .iter()
                .map(|op| op.to_string())
                .filter(|s| s.to_ascii_uppercase().starts_with("DROP"))
                .collect();
            if dropped.is_empty() {
                v(Ddl, "changes table structure")
            } else {
                let objs: Vec<String> = dropped.iter().map(|d| format!("{} ({d})", a.name)).collect();
                (
                    Destructive,
                    format!("ALTER TABLE {} {}", a.name, dropped.join(", ")),
                    objs,
                )
            }
        }
        Statement::Copy { to, target, .. } => {
            use sqlparser::ast::CopyTarget;
            match (to, target) {
                (true, CopyTarget::Stdout) => v(Read, "COPY ... TO STDOUT reads only"),
                (true, _) => v(Write, "COPY ... TO a file or program writes on the server"),
                (false, _) => v(Write, "COPY ... FROM loads rows"),
            }
        }
        Statement::StartTransaction { modes, .. } => transaction_modes(modes, "starts a transaction"),
        // Judged by settings.rs from the tokens (names unquoted and folded
        // as the server does); here only their value expressions count.
        Statement::Set(_) | Statement::Reset(_) => v(Read, "session setting (judged by name)"),
        Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. }
        | Statement::UnlockTables => v(Transaction, "transaction control"),
        Statement::AttachDatabase { .. } => v(SessionUnlock, "ATTACH opens another database file, possibly writable"),
        Statement::Pragma { name, value, .. } => {
            let n = name.0.last().map(|p| p.to_string()).unwrap_or_default();
            let (v, r) = super::pragma::verdict(&n, value.is_some());
            (v, r, Vec::new())
        }
        Statement::Explain { .. } => {
            if explain_runs(stmt) {
                v(Read, "EXPLAIN ANALYZE runs its statement")
            } else {
                v(Read, "EXPLAIN shows a plan without running the statement")
            }
        }
        Statement::ExplainTable { .. }
        | Statement::ShowFunctions { .. }
        | Statement::ShowVariable { .. }
        | Statement::ShowStatus { .. }
        | Statement::ShowVariables { .. }
        | Statement::ShowCreate { .. }
        | Statement::ShowColumns { .. }
        | Statement::ShowCatalogs { .. }
        | Statement::ShowDatabases { .. }
        | Statement::ShowProcessList { .. }
        | Statement::ShowSchemas { .. }
        | Statement::ShowCharset(_)
        | Statement::ShowObjects(_)
        | Statement::ShowTables { .. }
        | Statement::ShowViews { .. }
        | Statement::ShowCollation { .. }
        | Statement::Fetch { .. }
        | Statement::Close { .. }
        | Statement::Deallocate { .. }
        | Statement::LISTEN { .. }
        | Statement::UNLISTEN { .. } => v(Read, "reads or changes only session state"),
        Statement::Use(_) => v(Setting, "changes the default database or schema"),
        Statement::Discard { object_type } => match object_type {
            sqlparser::ast::DiscardObject::ALL => v(SessionUnlock, "DISCARD ALL resets default_transaction_read_only"),
            _ => v(Read, "discards session caches"),
        },
        Statement::Declare { .. } => v(Read, "declares a cursor over a query"),
        Statement::Prepare { .. } => v(Read, "prepares a statement (judged by its body)"),
        Statement::Call(_) => v(Write, "CALL runs a procedure, which may write"),
        Statement::Execute { .. } => v(
            Write,
            "EXECUTE runs a prepared statement or dynamic SQL, which may write",
        ),
        Statement::Lock(_) | Statement::LockTables { .. } => v(Write, "LOCK takes table locks"),
        Statement::NOTIFY { .. } => v(Write, "NOTIFY signals other sessions"),
        Statement::Kill { .. } => v(Write, "KILL ends another session's work"),
        Statement::Vacuum(_) | Statement::Analyze(_) | Statement::OptimizeTable { .. } | Statement::Flush { .. } => {
            v(Ddl, "maintenance command (rewrites storage or statistics)")
        }
        Statement::Grant(_) | Statement::Revoke(_) | Statement::Deny(_) => v(Ddl, "changes privileges"),
        Statement::CreateRole(_) | Statement::AlterRole { .. } | Statement::CreateUser(_) | Statement::AlterUser(_) => {
            v(Ddl, "creates or changes a role")
        }
        Statement::Comment { .. } | Statement::RenameTable(_) => v(Ddl, "changes the schema"),
        other => by_head(&other.to_string(), engine),
    }
}

fn transaction_modes(modes: &[TransactionMode], what: &str) -> Verdict3 {
    if modes.contains(&TransactionMode::AccessMode(TransactionAccessMode::ReadWrite)) {
        v(
            Verdict::SessionUnlock,
            "asks for a READ WRITE transaction, which would lift read-only",
        )
    } else {
        v(Verdict::Transaction, what)
    }
}

/// The object named in a DROP statement's text (`DROP FUNCTION f(int)` -> `f(int)`).
fn object_after_drop(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let skip = [
        "DROP",
        "FUNCTION",
        "PROCEDURE",
        "DOMAIN",
        "SECRET",
        "POLICY",
        "CONNECTOR",
        "EXTENSION",
        "OPERATOR",
        "FAMILY",
        "CLASS",
        "TRIGGER",
        "IF",
        "EXISTS",
        "TEMPORARY",
        "PERSISTENT",
    ];
    words
        .iter()
        .find(|w| !skip.contains(&w.to_ascii_uppercase().as_str()))
        .map(|w| w.to_string())
        .unwrap_or_else(|| text.to_string())
}

/// Fallback by leading keyword for statement kinds not matched above.
pub(super) fn by_head(text: &str, _engine: Engine) -> Verdict3 {
    let head = text.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    match head.as_str() {
        "CREATE" | "ALTER" | "GRANT" | "REVOKE" | "COMMENT" | "RENAME" | "INSTALL" | "LOAD" => {
            (Verdict::Ddl, format!("{head} changes the schema"), Vec::new())
        }
        "DROP" => (Verdict::Destructive, "drops an object".into(), Vec::new()),
        _ => (
            Verdict::Write,
            format!("{head} is not known to be read-only; treated as a write"),
            Vec::new(),
        ),
    }
}
