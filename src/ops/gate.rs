//! Applying the one confirmation rule (`safety::gate`) with a context: read
//! the database's timed unlock, ask through the prompt until the rule is
//! satisfied, audit refusals, and record a new unlock before anything is
//! sent (fail closed).

use super::context::{AuditSink, Face, OpsContext, Records};
use super::error::OpsError;
use super::target::Target;
use crate::safety::confirm::Prompt;
use crate::safety::gate::{Approval, Ask, AskKind, Conn, Grants, Review, Typed, UnlockUse};
use crate::safety::{Refusal, rules};
use crate::sanitize::sanitize;
use crate::store::audit::AuditEntry;
use crate::store::connections::Tag;
use crate::store::unlocks::{Lapsed, Unlock};
use serde_json::json;

/// What an unlock lasts for without minutes, per face.
pub fn scope_word(face: Face) -> &'static str {
    match face {
        Face::Tui => "run",
        Face::Cli | Face::Job => "command",
    }
}

/// The database's active timed unlock for `target`. An unlock whose
/// granting connection changed (URL, tag, read-only flag) ends here, audited.
pub fn active_unlock(records: &mut dyn Records, face: Face, target: &Target) -> Result<Option<Unlock>, OpsError> {
    if !target.read_only {
        return Ok(None);
    }
    let (active, lapsed) = records.active_unlock(&target.unlock_key())?;
    if let Some(Lapsed::ConnectionChanged(u)) = lapsed {
        let entry = AuditEntry {
            connection: Some(u.connection.clone()),
            action: "lock".into(),
            outcome: "ok".into(),
            face: Some(face.as_str().into()),
            detail: Some(
                json!({"ended": "connection changed (URL, tag or read-only flag)", "database": u.db_key, "until": u.until})
                    .to_string(),
            ),
            ..Default::default()
        };
        // The unlock is already gone; failing to note it changes nothing that is sent.
        if let Err(e) = records.record(&entry) {
            tracing::warn!("cannot audit the end of an unlock: {e}");
        }
    }
    Ok(active)
}

/// The rule's view of `target`.
pub fn conn<'a>(target: &'a Target, timed: Option<&'a Unlock>, face: Face) -> Conn<'a> {
    Conn {
        name: &target.name,
        read_only: target.read_only,
        timed,
        scope: scope_word(face),
    }
}

/// Audit a refusal and turn it into the error every face reports.
/// `entry` describes what was refused (statement, verdict); the refusal's
/// code, message and the face are filled in here.
pub fn refuse(audit: &mut dyn AuditSink, face: Face, mut entry: AuditEntry, r: Refusal) -> OpsError {
    entry.action = if entry.action.is_empty() {
        "blocked".into()
    } else {
        entry.action
    };
    entry.outcome = crate::safety::audit::Outcome::Refused(r.code.to_string()).as_text();
    entry.face = Some(face.as_str().into());
    entry.detail = Some(json!({"rule": r.code, "message": crate::logging::redact(&r.message)}).to_string());
    match audit.record(&entry) {
        Ok(_) => OpsError::Refused(r),
        // The refusal stands; say that it could not be put on record.
        Err(e) => OpsError::Refused(Refusal::new(
            r.code,
            format!("{} (the refusal could not be audited: {e})", r.message),
        )),
    }
}

/// Ask one question through a prompt: `Ok(typed)` or the refusal to report.
pub fn ask(prompt: &mut dyn Prompt, name: &str, q: &Ask) -> Result<Typed, Refusal> {
    // A flag-only confirmation, or nobody to ask.
    if q.kind == AskKind::Unbounded || !prompt.interactive() {
        return Err(q.unanswered.clone());
    }
    let text = format!(
        "{}\nType the connection name '{name}' to confirm (anything else cancels): ",
        q.message
    );
    let answer = prompt.ask(&text).map_err(|e| {
        Refusal::new(
            rules::CANCELLED,
            format!("could not read the confirmation ({e}); nothing was done"),
        )
    })?;
    match answer {
        Some(a) if a.trim() == name => Ok(Typed {
            kind: q.kind,
            how: format!("typed '{name}'"),
        }),
        Some(a) if !a.trim().is_empty() => Err(Refusal::new(
            rules::CONFIRM_MISMATCH,
            format!(
                "you typed '{}', which is not the connection name '{name}'; cancelled, nothing was done",
                sanitize(a.trim())
            ),
        )),
        _ => Err(Refusal::new(
            rules::CANCELLED,
            "confirmation cancelled (empty answer); nothing was done",
        )),
    }
}

/// Review until ready, asking through `ctx.prompt` (CLI, jobs). A refusal
/// is audited with `refused` (what was refused) and returned.
pub fn clear(
    ctx: &mut OpsContext<'_>,
    target: &Target,
    grants: &mut Grants,
    refused: AuditEntry,
    review: impl Fn(&Conn<'_>, &Grants) -> Review,
) -> Result<Approval, OpsError> {
    let timed = active_unlock(ctx.records, ctx.face, target)?;
    loop {
        let c = conn(target, timed.as_ref(), ctx.face);
        match review(&c, grants) {
            Review::Ready(a) => return Ok(a),
            Review::Refused(r) => return Err(refuse(ctx.records, ctx.face, refused, r)),
            Review::Ask(q) => match ask(ctx.prompt, &target.name, &q) {
                Ok(t) => grants.typed.push(t),
                Err(r) => return Err(refuse(ctx.records, ctx.face, refused, r)),
            },
        }
    }
}

/// Record the unlock an approval uses before anything is sent: a new one
/// is audited (and stored when timed); an active timed one is named. The
/// text goes into every write's `audit_log.unlock`. Fails closed.
pub fn record_unlock(
    records: &mut dyn Records,
    face: Face,
    target: &Target,
    approval: &Approval,
) -> Result<Option<String>, OpsError> {
    match approval.unlock() {
        None => Ok(None),
        Some(UnlockUse::Timed(u)) => Ok(Some(format!(
            "timed unlock until {} ({}{})",
            u.until,
            u.confirmed_by,
            u.audit_id.map(|id| format!(", audit #{id}")).unwrap_or_default()
        ))),
        Some(UnlockUse::New { how, minutes }) => {
            let key = target.unlock_key();
            let scope = match minutes {
                Some(m) => json!({"minutes": m, "database": key.db_key}),
                None => json!({"scope": format!("this {}", scope_word(face)), "database": key.db_key}),
            };
            let entry = AuditEntry {
                connection: Some(target.name.clone()),
                action: "unlock".into(),
                outcome: "ok".into(),
                confirmed_by: Some(how.clone()),
                face: Some(face.as_str().into()),
                detail: Some(scope.to_string()),
                ..Default::default()
            };
            let id = records
                .record(&entry)
                .map_err(|e| OpsError::AuditUnavailable(e.to_string()))?;
            match minutes {
                Some(m) => {
                    let u = records.store_unlock(&key, *m, how, Some(id))?;
                    Ok(Some(format!("timed unlock until {} ({how}, audit #{id})", u.until)))
                }
                None => Ok(Some(format!("this {} ({how}, audit #{id})", scope_word(face)))),
            }
        }
    }
}

/// End the timed unlock of `target`'s database early (`dbn unlock --end`,
/// the TUI's key, a connection switch). Audited; returns the one that was active.
pub fn end_unlock(
    records: &mut dyn Records,
    face: Face,
    db_key: &str,
    connection: &str,
    why: &str,
) -> Result<Option<Unlock>, OpsError> {
    let Some(u) = records.remove_unlock(db_key)? else {
        return Ok(None);
    };
    let entry = AuditEntry {
        connection: Some(connection.to_string()),
        action: "lock".into(),
        outcome: "ok".into(),
        face: Some(face.as_str().into()),
        detail: Some(json!({"ended": why, "database": db_key, "until": u.until}).to_string()),
        ..Default::default()
    };
    records
        .record(&entry)
        .map_err(|e| OpsError::AuditUnavailable(e.to_string()))?;
    Ok(Some(u))
}

/// Grants from the usual command-line flags.
pub fn grants_from_flags(
    confirm: Option<&str>,
    allow_unbounded: bool,
    unlock_writes: bool,
    unlock_minutes: Option<u32>,
    forced_read_only: bool,
) -> Grants {
    Grants {
        confirm: confirm.map(str::to_string),
        allow_unbounded,
        unlock_requested: unlock_writes || unlock_minutes.is_some(),
        unlock_minutes,
        forced_read_only,
        typed: Vec::new(),
    }
}

/// A cleared operation: what it carries into its audit entries, and the
/// only way to a session that may write. Made by [`confirmed`] from an
/// approval of the rule, after its unlock was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    confirmed_by: String,
    unlock: Option<String>,
    writable: bool,
}

impl Confirmed {
    /// Who confirmed what (`audit_log.confirmed_by`).
    pub fn confirmed_by(&self) -> &str {
        &self.confirmed_by
    }

    /// Which unlock allows it (`audit_log.unlock`).
    pub fn unlock(&self) -> Option<&str> {
        self.unlock.as_deref()
    }

    /// The spec to open `target`'s session with for this operation: writable
    /// when the rule allowed writes, the connection's own otherwise.
    pub fn spec(&self, target: &Target) -> crate::db::ConnSpec {
        if self.writable {
            target.writable_spec()
        } else {
            target.spec.clone()
        }
    }
}

/// Record the unlock of an approval (fail closed) and turn it into a
/// [`Confirmed`] for an operation.
pub fn confirmed(
    records: &mut dyn Records,
    face: Face,
    target: &Target,
    approval: &Approval,
) -> Result<Confirmed, OpsError> {
    let unlock = record_unlock(records, face, target, approval)?;
    Ok(Confirmed {
        confirmed_by: approval.confirmed_by().unwrap_or_default(),
        unlock,
        writable: approval.writable(),
    })
}

/// An operation that writes to a database besides plain statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// Applying a schema migration.
    Migration,
    /// Applying a data sync.
    DataSync,
    /// Restoring a backup.
    Restore,
}

impl OperationKind {
    /// Whether the operation needs its own typed name on `target`, besides
    /// any unlock: a migration always; a data sync or a restore into a prod
    /// or read-only target. The same on every face.
    pub fn needs_confirmation(self, target: &Target) -> bool {
        match self {
            OperationKind::Migration => true,
            OperationKind::DataSync | OperationKind::Restore => target.read_only || target.tag == Tag::Prod,
        }
    }

    /// Short name (`migration`, `sync`, `restore`).
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Migration => "migration",
            OperationKind::DataSync => "sync",
            OperationKind::Restore => "restore",
        }
    }
}

/// What the one rule asks before operation `kind` on `target` (`what` says
/// what it does, for the prompt).
pub fn operation_ask(kind: OperationKind, target: &Target, what: &str) -> crate::safety::gate::OperationAsk {
    crate::safety::gate::OperationAsk {
        what: what.to_string(),
        confirm: kind.needs_confirmation(target),
    }
}

/// The one rule for an operation other than plain statements on `target`:
/// the unlock when it is read-only, and the operation's own typed name
/// where [`OperationKind::needs_confirmation`] says so (`--confirm NAME`
/// answers both). Asks through `ctx.prompt`; a refusal is audited with
/// `refused` (what was refused). The unlock is recorded before anything
/// is sent (fail closed).
pub fn authorize_operation(
    ctx: &mut OpsContext<'_>,
    target: &Target,
    kind: OperationKind,
    what: &str,
    refused: AuditEntry,
    mut grants: Grants,
) -> Result<Confirmed, OpsError> {
    let op = operation_ask(kind, target, what);
    let approval = clear(ctx, target, &mut grants, refused, |c, g| {
        crate::safety::gate::review_operation(c, &op, g)
    })?;
    confirmed(ctx.records, ctx.face, target, &approval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_need_their_own_name_by_the_same_rule_everywhere() {
        let t = |tag, read_only| Target::new("t", tag, read_only, crate::db::ConnSpec::new(crate::db::Engine::Sqlite));
        let dev = t(Tag::Dev, false);
        let prod_rw = t(Tag::Prod, false);
        let stage_ro = t(Tag::Stage, true);
        assert!(OperationKind::Migration.needs_confirmation(&dev));
        for kind in [OperationKind::DataSync, OperationKind::Restore] {
            assert!(!kind.needs_confirmation(&dev), "{kind:?}");
            assert!(kind.needs_confirmation(&prod_rw), "{kind:?}");
            assert!(kind.needs_confirmation(&stage_ro), "{kind:?}");
        }
    }
}
