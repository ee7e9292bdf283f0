//! Safety flags shared by commands that send SQL or change data, and the
//! check `dbn query` makes before sending: unlock, gate, audit.

use super::resolve::Target;
use super::{Ctx, ExitCode, Failure};
use crate::safety::audit::{Outcome, refused_entry, should_audit, statement_entry};
use crate::safety::confirm::Terminal;
use crate::safety::gate::{GateContext, check, confirm_unlock};
use crate::safety::{Refusal, StatementVerdict};
use crate::store::audit::AuditEntry;
use anyhow::Result;
use std::time::Duration;

/// `--confirm NAME` alone, for commands that confirm but never unlock
/// (migration apply, sync apply, restore, import).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfirmArgs {
    /// Confirm non-interactively by giving the target connection's name.
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
}

/// `--unlock-writes`, `--unlock-minutes`, `--confirm`, `--allow-unbounded`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SafetyArgs {
    /// Allow writes on a read-only connection: you type the connection's name to confirm (or pass --confirm NAME).
    #[arg(long)]
    pub unlock_writes: bool,
    /// Keep the unlock for N minutes instead of this command only (implies --unlock-writes).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1440))]
    pub unlock_minutes: Option<u32>,
    /// Confirm non-interactively by giving the target connection's name (unlocks, DROP/TRUNCATE).
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
    /// Run UPDATE/DELETE without WHERE on prod or read-only connections.
    #[arg(long)]
    pub allow_unbounded: bool,
    /// Set by commands whose own flags demand read-only (`--read-only`):
    /// unlocks, even active timed ones, are then ignored.
    #[arg(skip)]
    pub forced_read_only: bool,
}

/// What the check granted, for sending and for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Cleared {
    /// Writes are unlocked: open a read-write session.
    pub unlocked: bool,
    /// Who confirmed what (unlock and DROP/TRUNCATE confirmations).
    pub confirmed_by: Option<String>,
}

fn jsonl(ctx: &mut Ctx) -> Option<std::path::PathBuf> {
    ctx.audit_jsonl().ok().flatten()
}

/// Append to the audit log; a failure is reported, never hidden.
pub fn audit(ctx: &mut Ctx, entry: &AuditEntry) {
    let path = jsonl(ctx);
    let result = ctx
        .store()
        .and_then(|s| s.append_audit(entry, path.as_deref()).map_err(Into::into));
    if let Err(e) = result {
        eprintln!("dbn: warning: could not write the audit log: {e:#}");
    }
}

fn refuse(ctx: &mut Ctx, target: &Target, sql: &str, verdicts: &[StatementVerdict], r: Refusal) -> anyhow::Error {
    let worst = verdicts.iter().map(|v| v.verdict).max();
    audit(ctx, &refused_entry(&target.name, target.spec.engine, sql, worst, &r));
    Failure::new(ExitCode::Blocked, r.code, r.message).into()
}

/// Unlock (when asked) and gate the whole buffer before anything is sent.
/// Refusals are audited and returned as exit-code-4 failures.
pub fn clear(
    ctx: &mut Ctx,
    target: &Target,
    sql: &str,
    verdicts: &[StatementVerdict],
    flags: &SafetyArgs,
) -> Result<Cleared> {
    let read_only = target.read_only();
    let mut cleared = Cleared::default();
    let mut confirmations = Vec::new();
    let wants_unlock = flags.unlock_writes || flags.unlock_minutes.is_some();
    if read_only && !flags.forced_read_only {
        if let Some(u) = ctx.store()?.active_unlock(&target.name)? {
            cleared.unlocked = true;
            confirmations.push(format!("unlock until {} ({})", u.until, u.confirmed_by));
        }
        // A request for a timed unlock is honoured even when one is active.
        if wants_unlock && (!cleared.unlocked || flags.unlock_minutes.is_some()) {
            match confirm_unlock(
                &target.name,
                flags.unlock_minutes,
                flags.confirm.as_deref(),
                &mut Terminal,
            ) {
                Ok(c) => {
                    let path = jsonl(ctx);
                    ctx.store()?
                        .grant_unlock(&target.name, flags.unlock_minutes, &c.how, path.as_deref())?;
                    cleared.unlocked = true;
                    confirmations.push(format!("unlock: {}", c.how));
                }
                Err(r) => return Err(refuse(ctx, target, sql, verdicts, r)),
            }
        }
    } else if wants_unlock && !read_only {
        eprintln!(
            "dbn: note: connection '{}' is not read-only; nothing to unlock",
            crate::sanitize::sanitize(&target.name)
        );
    }
    let gate = GateContext {
        conn_name: &target.name,
        tag: target.tag,
        read_only,
        unlocked: cleared.unlocked,
        allow_unbounded: flags.allow_unbounded,
        confirm: flags.confirm.as_deref(),
    };
    match check(verdicts, &gate) {
        Ok(approval) => {
            confirmations.extend(approval.confirmed_by);
            if flags.allow_unbounded
                && verdicts
                    .iter()
                    .any(|v| v.verdict == crate::safety::Verdict::UnboundedWrite)
            {
                confirmations.push("--allow-unbounded".into());
            }
        }
        Err(r) => return Err(refuse(ctx, target, sql, verdicts, r)),
    }
    cleared.confirmed_by = (!confirmations.is_empty()).then(|| confirmations.join("; "));
    Ok(cleared)
}

/// A typed confirmation for commands that change a target (migration
/// apply, sync apply, restore, import): `--confirm NAME` or the name typed
/// on a terminal. A refusal is audited under `action` and becomes exit 4.
pub fn confirm_or_refuse(
    ctx: &mut Ctx,
    conn_name: &str,
    action: &str,
    prompt: &str,
    confirm: Option<&str>,
) -> Result<crate::safety::confirm::Confirmation> {
    match crate::safety::confirm::confirm_typed(conn_name, prompt, confirm) {
        Ok(c) => Ok(c),
        Err(r) => {
            audit(
                ctx,
                &AuditEntry {
                    connection: Some(conn_name.to_string()),
                    action: action.to_string(),
                    outcome: Outcome::Refused(r.code.to_string()).as_text(),
                    detail: Some(serde_json::json!({"rule": r.code, "message": r.message}).to_string()),
                    ..Default::default()
                },
            );
            Err(Failure::new(ExitCode::Blocked, r.code, r.message).into())
        }
    }
}

/// One statement that was sent, as the runner reports it.
pub struct Sent<'a> {
    /// Its verdict.
    pub verdict: &'a StatementVerdict,
    /// `ok`, `error`, `cancelled`.
    pub outcome: &'a str,
    /// Error text, if any.
    pub error: Option<&'a str>,
    /// Rows affected (DML) or returned.
    pub rows: Option<u64>,
    /// Wall time.
    pub duration: Duration,
}

/// Audit every statement that was sent and is not a plain read, in one
/// metadata transaction (a long script must not pay a commit per row).
pub fn audit_sent(ctx: &mut Ctx, target: &Target, sent: &[Sent<'_>], confirmed_by: Option<&str>) {
    let entries: Vec<AuditEntry> = sent
        .iter()
        .filter(|s| should_audit(s.verdict))
        .map(|s| {
            let outcome = match s.outcome {
                "ok" => Outcome::Ok,
                "cancelled" => Outcome::Cancelled,
                _ => Outcome::Error(s.error.unwrap_or("failed").to_string()),
            };
            statement_entry(
                &target.name,
                target.spec.engine,
                s.verdict,
                &outcome,
                s.rows,
                Some(s.duration),
                confirmed_by,
            )
        })
        .collect();
    if entries.is_empty() {
        return;
    }
    let path = jsonl(ctx);
    let result = ctx.store().and_then(|store| {
        let tx = store.conn().unchecked_transaction()?;
        for e in &entries {
            store.append_audit(e, path.as_deref())?;
        }
        tx.commit()?;
        Ok(())
    });
    if let Err(e) = result {
        eprintln!("dbn: warning: could not write the audit log: {e:#}");
    }
}
