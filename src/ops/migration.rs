//! Apply a schema migration, the same way from `dbn sync schema --apply`,
//! the TUI's snapshot panel and a saved schema job: the one confirmation
//! rule (the unlock of a read-only target, and the migration's own typed
//! name), a snapshot of the target before, the audit intent before anything
//! is sent, the statements through `schema::apply`, verification by
//! re-introspection, a snapshot after, and the audit entry completed.

use super::context::{OpsContext, Progress};
use super::error::OpsError;
use super::gate::{self, Confirmed};
use super::target::Target;
use crate::safety::gate::Grants;
use crate::schema::Schema;
use crate::schema::apply::ApplyError;
use crate::schema::diff::{DiffOptions, SchemaDiff};
use crate::schema::migrate::Plan;
use crate::schema::verify::{Verified, VerifyError, apply_and_verify};
use crate::store::audit::{AuditEntry, Completion};
use serde_json::json;
use std::time::Instant;

/// A migration to apply: the plan and what it was made from.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The statements.
    pub plan: Plan,
    /// The rendered script (kept in the audit entry).
    pub script: String,
    /// The schema the target must match afterwards.
    pub goal: Schema,
    /// Where the goal came from (`staging`, `shop@v2`, `snapshot 4`).
    pub goal_label: String,
    /// The target's schema the plan was made against (kept as the "before" snapshot).
    pub before: Option<Schema>,
    /// Privileges are part of the comparison.
    pub with_privileges: bool,
}

impl Migration {
    /// What the confirmation asks about.
    pub fn what(&self, target: &Target) -> String {
        format!(
            "Apply {} migration statement(s) ({} with hazards) to '{}' to make it match {}",
            self.plan.steps.len(),
            self.plan.hazard_count(),
            target.name,
            self.goal_label
        )
    }
}

/// What an applied migration did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// Statements that ran.
    pub statements: usize,
    /// Snapshot of the target before.
    pub before_snapshot: Option<i64>,
    /// Snapshot of the target after.
    pub after_snapshot: Option<i64>,
    /// The target as re-introspected afterwards.
    pub after: Box<Schema>,
    /// What still differs from the goal (empty when verified).
    pub remaining: SchemaDiff,
    /// Wall time in milliseconds.
    pub duration_ms: i64,
    /// The audit entry.
    pub audit_id: i64,
}

/// The one rule for a migration of `target`: the unlock when it is
/// read-only, and the typed name (or `--confirm NAME`) for the migration.
/// A refusal is audited.
pub fn authorize(
    ctx: &mut OpsContext<'_>,
    target: &Target,
    m: &Migration,
    grants: Grants,
) -> Result<Confirmed, OpsError> {
    let refused = AuditEntry {
        connection: Some(target.name.clone()),
        action: "migration".into(),
        statement: Some(m.script.clone()),
        verdict: Some("ddl".into()),
        ..Default::default()
    };
    gate::authorize_operation(
        ctx,
        target,
        gate::OperationKind::Migration,
        &m.what(target),
        refused,
        grants,
    )
}

/// Apply `m` to `target` as `confirmed` allows: snapshot before, audit
/// intent (fail closed), statements, re-introspection, snapshot after,
/// audit completion.
pub async fn apply(
    ctx: &mut OpsContext<'_>,
    target: &Target,
    confirmed: &Confirmed,
    m: &Migration,
) -> Result<Applied, OpsError> {
    if ctx.cancel.is_cancelled() {
        return Err(OpsError::Cancelled);
    }
    let before_snapshot = match &m.before {
        Some(b) => Some(ctx.records.save_schema_snapshot(&target.name, b)?),
        None => None,
    };
    let mut entry = AuditEntry {
        connection: Some(target.name.clone()),
        action: "migration".into(),
        statement: Some(m.script.clone()),
        verdict: Some("ddl".into()),
        confirmed_by: Some(confirmed.confirmed_by().to_string()),
        unlock: confirmed.unlock().map(str::to_string),
        face: Some(ctx.face.as_str().into()),
        detail: Some(json!({"source": m.goal_label, "before_snapshot": before_snapshot}).to_string()),
        ..Default::default()
    };
    let audit_id = ctx.intent(&entry)?;
    let started = Instant::now();
    let ran = run(ctx, &confirmed.spec(target), m).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let complete = |ctx: &mut OpsContext<'_>, outcome: String, detail: serde_json::Value| {
        let done = Completion {
            outcome,
            rows_affected: None,
            duration_ms: Some(duration_ms),
            detail: Some(detail.to_string()),
        };
        ctx.records
            .complete(audit_id, &done)
            .map_err(|e| OpsError::AuditIncomplete {
                id: audit_id,
                reason: e.to_string(),
            })
    };
    match ran {
        Err(Ran::Connect(e)) => {
            complete(
                ctx,
                "error: not sent".into(),
                json!({"source": m.goal_label, "before_snapshot": before_snapshot, "error": e.to_string()}),
            )?;
            Err(OpsError::Db(e))
        }
        Err(Ran::Apply(e)) => {
            entry.outcome = format!("error: {}", e.error);
            complete(
                ctx,
                entry.outcome.clone(),
                json!({"source": m.goal_label, "before_snapshot": before_snapshot, "failed_statement": e.statement, "rolled_back": e.rolled_back}),
            )?;
            Err(OpsError::Migration(Box::new(e)))
        }
        Err(Ran::Verify(n, e)) => {
            complete(
                ctx,
                "ok: not verified".into(),
                json!({"source": m.goal_label, "statements": n, "before_snapshot": before_snapshot, "verify_error": e.to_string()}),
            )?;
            Err(OpsError::Db(e))
        }
        Ok(v) => {
            let verified = v.verified();
            let (statements, after, remaining) = (v.statements, v.after, v.remaining);
            let after_snapshot = ctx.records.save_schema_snapshot(&target.name, &after).ok();
            complete(
                ctx,
                if verified { "ok" } else { "ok: diff not empty" }.into(),
                json!({"source": m.goal_label, "statements": statements, "before_snapshot": before_snapshot, "after_snapshot": after_snapshot, "verified_empty_diff": verified, "not_compared": remaining.not_compared}),
            )?;
            Ok(Applied {
                statements,
                before_snapshot,
                after_snapshot,
                after: Box::new(after),
                remaining,
                duration_ms,
                audit_id,
            })
        }
    }
}

enum Ran {
    Connect(crate::db::DbError),
    Apply(ApplyError),
    Verify(usize, crate::db::DbError),
}

/// Statements through `schema::verify::apply_and_verify`, so "verified"
/// means what it means on every face: nothing differs, modelled or not.
async fn run(ctx: &mut OpsContext<'_>, spec: &crate::db::ConnSpec, m: &Migration) -> Result<Verified, Ran> {
    let mut session = crate::db::connect(spec).await.map_err(Ran::Connect)?;
    let progress = &mut *ctx.progress;
    let opts = DiffOptions {
        with_privileges: m.with_privileges,
        detect_renames: false,
    };
    apply_and_verify(session.as_mut(), &m.plan, &m.goal, opts, |index, total, sql| {
        progress.progress(Progress::Statement {
            index,
            total,
            line: sql.lines().next().unwrap_or("").to_string(),
        });
    })
    .await
    .map_err(|e| match e {
        VerifyError::Apply(e) => Ran::Apply(e),
        VerifyError::Reread { statements, error } => Ran::Verify(statements, error),
    })
}
