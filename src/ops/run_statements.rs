//! Run statements: split (one splitter per dialect), classify, gate (the one
//! confirmation rule), then execute one statement per message with the
//! audit intent recorded before each write is sent and completed after,
//! and every statement added to the history with secrets redacted.
//!
//! Faces call it in two steps: [`authorize`] (CLI, jobs: asks through the
//! context's prompt) or [`review`] + [`approve`] (the TUI, which asks in
//! its own dialogs), then [`execute`] with a [`ResultSink`] that shows rows.

use super::context::{Face, OpsContext, Records};
use super::error::OpsError;
use super::gate;
use super::target::Target;
use crate::db::{Access, ConnSpec, DbError, Engine, ErrorCode, Frame, Lexing, Session, Summary};
use crate::safety::WritePermit;
use crate::safety::audit::{Outcome, should_audit, statement_entry};
use crate::safety::gate::{Approval, Grants, Review, review_statements};
use crate::safety::redact;
use crate::safety::{Catalog, Context, StatementVerdict, Verdict, classify, classify_in};
use crate::store::audit::{AuditEntry, Completion};
use crate::store::history::NewHistory;
use crate::store::unlocks::Unlock;
use async_trait::async_trait;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod execute;
mod intents;
mod pieces;
mod report;

pub use execute::execute;
pub use intents::{complete_intents, record_intents};
pub use pieces::{Piece, generated, split, split_in};
pub use report::{CountingSink, End, ResultSink, RunReport, Shown, StatementReport};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Cancel a statement running longer than this.
    pub timeout: Option<Duration>,
    /// Add each statement to the query history.
    pub history: bool,
    /// Run everything in one transaction; roll back on the first error or conflict.
    pub atomic: bool,
    /// What the user is doing, kept in each audit entry's detail (`cancel session 4711`).
    pub what: Option<String>,
}

/// Statements cleared by the rule, with the unlock that allows them.
#[derive(Debug)]
pub struct Approved {
    /// Where they go.
    pub target: Target,
    /// What is sent, in order.
    pub pieces: Vec<Piece>,
    /// What the rule granted.
    pub approval: Approval,
    /// Which unlock allows the writes (recorded in each entry's `unlock`).
    pub unlock: Option<String>,
    /// What lets the writes through a read-only connection's session.
    permit: Option<WritePermit>,
}

impl Approved {
    /// The spec to open the session with: the connection's own. A
    /// read-only connection stays read-only; its writes pass by permit.
    pub fn spec(&self) -> ConnSpec {
        self.target.spec.clone()
    }

    /// Writes pass a read-only connection in this run (an unlock is in force).
    pub fn unlocked(&self) -> bool {
        self.permit.is_some()
    }

    /// The permit for executors that send these statements themselves
    /// (a query plan's ANALYZE): only an approved plan has one.
    pub fn permit(&self) -> Option<&WritePermit> {
        self.permit.as_ref()
    }

    /// How a statement runs. An unlocked run sends every statement with
    /// the permit, so a transaction it opens spans its reads too (the
    /// driver would roll back an open write transaction before a read);
    /// otherwise allowed session settings persist and the rest is read-only.
    fn access(&self, piece: &Piece) -> Access<'_> {
        match &self.permit {
            Some(p) => Access::Write(p),
            None => piece.verdict.access(None),
        }
    }
}

/// What the classifier needs from the session a buffer will run on: its
/// lexing settings (asked only when the text has characters they change)
/// and, on a read-only connection, the database's own functions and views.
pub async fn context_for(
    session: &mut dyn Session,
    sql: &str,
    read_only: bool,
) -> Result<(Lexing, Option<Catalog>), DbError> {
    let lexing = if Lexing::text_is_sensitive(sql) {
        session.lexing().await?
    } else {
        Lexing::default()
    };
    let catalog = if read_only {
        Some(Catalog::load(session).await?)
    } else {
        None
    };
    Ok((lexing, catalog))
}

/// Code dbn cannot see (a trigger, a function) may have changed how the
/// server lexes text since the statement was judged: refuse to send it then.
async fn still_reads_as_judged(session: &mut dyn Session, piece: &Piece) -> Result<(), OpsError> {
    let v = &piece.verdict;
    if v.lexing.is_none() || !Lexing::text_is_sensitive(&v.sql) {
        return Ok(());
    }
    let now = session.lexing().await?;
    if v.still_reads_as_judged(&now) {
        return Ok(());
    }
    Err(OpsError::Refused(crate::safety::Refusal::new(
        crate::safety::rules::READ_ONLY,
        format!(
            "stopped before `{}`: the server's lexing settings changed since the statement was judged (an earlier statement changed standard_conforming_strings or sql_mode in a way dbn could not see), so it could be read differently; nothing more was sent. Run it again on its own",
            crate::safety::policy::excerpt(&v.sql)
        ),
    )))
}

/// The rule applied to `pieces` (pure; the TUI asks its dialogs from the answer).
pub fn review(target: &Target, pieces: &[Piece], grants: &Grants, timed: Option<&Unlock>, face: Face) -> Review {
    let verdicts: Vec<StatementVerdict> = pieces.iter().map(|p| p.verdict.clone()).collect();
    review_statements(&gate::conn(target, timed, face), &verdicts, grants)
}

/// What a refusal of `pieces` records: the redacted text and the worst verdict.
pub fn refused_entry(target: &Target, pieces: &[Piece]) -> AuditEntry {
    let text = pieces.iter().map(|p| p.sql.as_str()).collect::<Vec<_>>().join(";\n");
    AuditEntry {
        connection: Some(target.name.clone()),
        action: "blocked".into(),
        statement: Some(redact::statement(&text, target.engine())),
        verdict: pieces
            .iter()
            .map(|p| p.verdict.verdict)
            .max()
            .map(|v| v.as_str().to_string()),
        ..Default::default()
    }
}

/// Record the unlock of a ready review and hand out the approved run
/// (faces that asked through their own dialogs).
pub fn approve(
    records: &mut dyn Records,
    face: Face,
    target: &Target,
    pieces: Vec<Piece>,
    approval: Approval,
) -> Result<Approved, OpsError> {
    let unlock = gate::record_unlock(records, face, target, &approval)?;
    let permit = if target.read_only {
        crate::safety::gate::permit(&approval, &target.db_key())
    } else {
        None
    };
    Ok(Approved {
        target: target.clone(),
        pieces,
        approval,
        unlock,
        permit,
    })
}

/// Apply the rule, asking through `ctx.prompt` (CLI, jobs); refusals are audited.
pub fn authorize(
    ctx: &mut OpsContext<'_>,
    target: &Target,
    pieces: Vec<Piece>,
    mut grants: Grants,
) -> Result<Approved, OpsError> {
    let face = ctx.face;
    let approval = gate::clear(ctx, target, &mut grants, refused_entry(target, &pieces), |c, g| {
        let verdicts: Vec<StatementVerdict> = pieces.iter().map(|p| p.verdict.clone()).collect();
        review_statements(c, &verdicts, g)
    })?;
    approve(ctx.records, face, target, pieces, approval)
}
