//! Safety flags shared by commands that send SQL or change data, and the
//! check `dbn query` makes before sending: unlock, gate, audit.

use super::{Ctx, ExitCode, Failure};
use crate::error::Coded;
use crate::ops::gate::grants_from_flags;
use crate::ops::sinks::{NoRecords, NullProgress, StoreRecords};
use crate::ops::{Face, OpsContext, OpsError, ProgressSink, Records};
use crate::safety::audit::Outcome;
use crate::safety::confirm::Terminal;
use crate::safety::gate::Grants;
use crate::store::audit::AuditEntry;
use anyhow::Result;
use tokio_util::sync::CancellationToken;

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

impl SafetyArgs {
    /// The grants these flags give to the one confirmation rule.
    pub fn grants(&self, forced_read_only: bool) -> Grants {
        grants_from_flags(
            self.confirm.as_deref(),
            self.allow_unbounded,
            self.unlock_writes,
            self.unlock_minutes,
            forced_read_only || self.forced_read_only,
        )
    }
}

/// The CLI's context for operations: the workspace store (or, when it
/// cannot be opened, records that refuse every audited step), the terminal
/// for prompts, and a cancellation token.
pub struct CliFace<'a> {
    records: Box<dyn Records + Send + 'a>,
    prompt: Terminal,
    progress: Box<dyn ProgressSink + Send + 'a>,
    /// Cancels the operation (Ctrl-C watchers cancel it).
    pub cancel: CancellationToken,
}

impl<'a> CliFace<'a> {
    /// Borrow the store of `ctx` for one operation.
    pub fn new(ctx: &'a mut Ctx) -> Self {
        let jsonl = ctx.audit_jsonl().ok().flatten();
        let records: Box<dyn Records + Send + 'a> = match ctx.store() {
            Ok(s) => Box::new(StoreRecords::new(s, jsonl)),
            Err(e) => Box::new(NoRecords {
                reason: format!("{e:#}"),
            }),
        };
        CliFace {
            records,
            prompt: Terminal,
            progress: Box::new(NullProgress),
            cancel: CancellationToken::new(),
        }
    }

    /// Report progress to `p` instead of nowhere.
    pub fn with_progress(mut self, p: impl ProgressSink + Send + 'a) -> Self {
        self.progress = Box::new(p);
        self
    }

    /// The context to pass to an operation.
    pub fn context(&mut self) -> OpsContext<'_> {
        OpsContext {
            face: Face::Cli,
            records: &mut *self.records,
            prompt: &mut self.prompt,
            progress: &mut *self.progress,
            cancel: self.cancel.clone(),
        }
    }
}

/// An operation's error as the CLI reports it: its code and exit status.
pub fn ops_failure(e: OpsError) -> anyhow::Error {
    match e {
        OpsError::Db(db) => db.into(),
        OpsError::Store(s) => s.into(),
        OpsError::Backup(b) => super::backup::common::fail(b),
        other => Failure::new(other.exit(), other.code(), other.to_string()).into(),
    }
}

/// The active timed unlock of saved connection `name`'s database.
pub fn timed_unlock(ctx: &mut Ctx, name: &str) -> Result<Option<crate::store::unlocks::Unlock>> {
    let (rec, spec) = super::resolve::resolve_saved(ctx, name)?;
    let target = crate::ops::Target::new(rec.name.clone(), rec.tag, rec.read_only, spec);
    let mut face = CliFace::new(ctx);
    let octx = face.context();
    crate::ops::gate::active_unlock(octx.records, Face::Cli, &target).map_err(ops_failure)
}

/// Append to the audit log; a failure is reported, never hidden.
pub fn audit(ctx: &mut Ctx, entry: &AuditEntry) {
    let path = ctx.audit_jsonl().ok().flatten();
    let result = ctx
        .store()
        .and_then(|s| s.append_audit(entry, path.as_deref()).map_err(Into::into));
    if let Err(e) = result {
        eprintln!("dbn: warning: could not write the audit log: {e:#}");
    }
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
