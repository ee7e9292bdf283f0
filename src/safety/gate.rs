//! The one confirmation rule, as a pure function every face calls (through
//! `ops`): given what is about to be sent, the connection and what the user
//! has granted so far, answer ready, ask for one more confirmation, or
//! refuse. Faces only differ in *how* they ask (a terminal prompt, a TUI
//! dialog, `--confirm NAME` where nothing can be asked).
//!
//! The rule:
//! 1. A write to a read-only connection needs an unlock: the connection's
//!    name typed at a prompt, or `--confirm NAME` where there is no prompt.
//!    It lasts one command (CLI) or one run (TUI) unless minutes were asked;
//!    an active timed unlock of the database counts.
//! 2. An unlock never stands in for the other confirmations: UPDATE/DELETE
//!    without WHERE needs `--allow-unbounded` (the TUI's dialog), DROP/
//!    TRUNCATE/ALTER ... DROP need the typed name, and operations that
//!    replace structure or data (migration, data sync into prod or a
//!    read-only target, restore, import) need their own typed name.
//! 3. `--confirm NAME` answers every confirmation of one command at once; a
//!    refused buffer never prompts; statements that could lift read-only are
//!    always refused on a read-only connection.

use super::confirm::{Prompt, confirm_typed_with};
use super::permit::WritePermit;
use super::policy::{ConfirmKind, Decision, PolicyInput, decide, excerpt, unlock_hint};
use super::{Refusal, StatementVerdict, Verdict, rules};
use crate::sanitize::sanitize;
use crate::store::unlocks::Unlock;

/// A confirmation the rule can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AskKind {
    /// Unlock writes on a read-only connection.
    Unlock,
    /// UPDATE/DELETE without WHERE.
    Unbounded,
    /// DROP/TRUNCATE/ALTER ... DROP.
    Destructive,
    /// An operation that replaces structure or data (migration, sync, restore, import).
    Operation,
}

/// One more confirmation needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    /// What to confirm.
    pub kind: AskKind,
    /// What is at stake, for the prompt or dialog (sanitized).
    pub message: String,
    /// The refusal to report where nobody can answer.
    pub unanswered: Refusal,
}

/// A confirmation given at a prompt or dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typed {
    /// What it confirmed.
    pub kind: AskKind,
    /// How (`typed 'prod'`, `typed 'prod' in dbn ui`).
    pub how: String,
}

/// What the user has granted for this command or run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// `--confirm NAME`: answers every confirmation of this command on NAME.
    pub confirm: Option<String>,
    /// `--allow-unbounded`.
    pub allow_unbounded: bool,
    /// The user asked to unlock (`--unlock-writes`, `--unlock-minutes`), even for reads.
    pub unlock_requested: bool,
    /// Keep a new unlock for N minutes instead of this command or run.
    pub unlock_minutes: Option<u32>,
    /// The command demands read-only (`--read-only`): no unlock applies.
    pub forced_read_only: bool,
    /// Confirmations typed so far.
    pub typed: Vec<Typed>,
}

impl Grants {
    fn typed(&self, kind: AskKind) -> Option<&str> {
        self.typed.iter().find(|t| t.kind == kind).map(|t| t.how.as_str())
    }
}

/// The connection as the rule sees it.
#[derive(Debug, Clone, Copy)]
pub struct Conn<'a> {
    /// Name (what a confirmation types).
    pub name: &'a str,
    /// Read-only connection.
    pub read_only: bool,
    /// The database's active timed unlock, if any.
    pub timed: Option<&'a Unlock>,
    /// What an unlock without minutes lasts for: `command` (CLI, jobs) or `run` (TUI).
    pub scope: &'a str,
}

/// Which unlock allows the writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlockUse {
    /// An active timed unlock of the database.
    Timed(Unlock),
    /// A new unlock confirmed now: for this command/run, or for `minutes`.
    New {
        /// How it was confirmed.
        how: String,
        /// Timed for this many minutes.
        minutes: Option<u32>,
    },
}

/// Permission to send. Only the review functions here make one, so only
/// they decide whether writes may pass (see [`permit`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approval {
    confirmations: Vec<String>,
    unlock: Option<UnlockUse>,
    writable: bool,
}

/// The rule's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// Send it.
    Ready(Approval),
    /// Ask this, then review again with the answer added to the grants.
    Ask(Ask),
    /// Never send it (audit the refusal).
    Refused(Refusal),
}

fn position(i: usize, n: usize) -> String {
    if n > 1 {
        format!(" (statement {} of {n})", i + 1)
    } else {
        String::new()
    }
}

fn mismatch(flag: &str, name: &str, what: &str) -> Refusal {
    Refusal::new(
        rules::CONFIRM_MISMATCH,
        format!(
            "--confirm '{}' does not match the target connection '{name}'; nothing was done. Pass --confirm {name} to confirm: {}",
            sanitize(flag),
            sanitize(what)
        ),
    )
}

fn required(name: &str, what: &str) -> Refusal {
    Refusal::new(
        rules::CONFIRM_REQUIRED,
        format!(
            "confirmation required and stdin is not a terminal, so dbn cannot ask: {}. Nothing was done. Pass --confirm {name} to confirm non-interactively",
            sanitize(what.trim_end_matches(['.', ' ', '\n']))
        ),
    )
}

/// Outcome of one confirmation: already given (how), or still to ask.
enum Given {
    Yes(String),
    No,
}

fn given(conn: &Conn<'_>, grants: &Grants, kind: AskKind, what: &str) -> Result<Given, Refusal> {
    if let Some(how) = grants.typed(kind) {
        return Ok(Given::Yes(how.to_string()));
    }
    match grants.confirm.as_deref() {
        Some(flag) if flag == conn.name => Ok(Given::Yes(format!("--confirm {}", conn.name))),
        Some(flag) => Err(mismatch(flag, conn.name, what)),
        None => Ok(Given::No),
    }
}

fn unlock_span(minutes: Option<u32>, run: &str) -> String {
    match minutes {
        Some(m) => format!("for {m} minute{}", if m == 1 { "" } else { "s" }),
        None => format!("for this {run} only"),
    }
}

/// The unlock step, shared by statements and operations. `what` names the
/// first write (for the refusal without a prompt).
fn unlock_step(conn: &Conn<'_>, grants: &Grants, what: &str) -> Result<Option<UnlockUse>, Box<Review>> {
    let prompt = format!(
        "Unlock writes on read-only connection '{}' {}.",
        conn.name,
        unlock_span(grants.unlock_minutes, conn.scope)
    );
    match given(conn, grants, AskKind::Unlock, &prompt).map_err(|r| Box::new(Review::Refused(r)))? {
        Given::Yes(how) => Ok(Some(UnlockUse::New {
            how,
            minutes: grants.unlock_minutes,
        })),
        Given::No => {
            // A request for a new timed unlock is honoured even when one is active.
            if let Some(t) = conn.timed
                && grants.unlock_minutes.is_none()
            {
                return Ok(Some(UnlockUse::Timed(t.clone())));
            }
            let unanswered = if grants.unlock_requested {
                required(conn.name, &prompt)
            } else {
                Refusal::new(
                    rules::READ_ONLY,
                    format!(
                        "connection '{}' is read-only ({}): refused {what} before sending it. Nothing was sent. {}",
                        conn.name,
                        rules::READ_ONLY,
                        unlock_hint(conn.name)
                    ),
                )
            };
            Err(Box::new(Review::Ask(Ask {
                kind: AskKind::Unlock,
                message: sanitize(&prompt).into_owned(),
                unanswered,
            })))
        }
    }
}

/// Review a buffer of statements (every statement is judged before any is sent).
pub fn review_statements(conn: &Conn<'_>, verdicts: &[StatementVerdict], grants: &Grants) -> Review {
    let read_only = conn.read_only || grants.forced_read_only;
    let n = verdicts.len();
    // 1. Blocks win over confirmations: a refused buffer never prompts.
    let strict = PolicyInput {
        conn_name: conn.name,
        read_only,
        unlocked: true,
        allow_unbounded: true,
        destructive_confirmed: true,
    };
    for (i, v) in verdicts.iter().enumerate() {
        if let Decision::Block { rule, message } = decide(v, &strict) {
            return Review::Refused(Refusal::new(rule, format!("{message}{}", position(i, n))));
        }
    }
    let first_write = verdicts.iter().position(|v| !v.verdict.is_read());
    if grants.forced_read_only
        && let Some(i) = first_write
    {
        let what = format!("`{}`{}", excerpt(&verdicts[i].sql), position(i, n));
        return Review::Refused(Refusal::new(
            rules::READ_ONLY,
            format!(
                "--read-only was given: refused {what} ({}). Nothing was sent",
                verdicts[i].verdict
            ),
        ));
    }
    let mut approval = Approval {
        writable: !read_only,
        ..Approval::default()
    };
    // 2. UPDATE/DELETE without WHERE: a flag or a dialog, never implied.
    if let Some(i) = verdicts.iter().position(|v| v.verdict == Verdict::UnboundedWrite) {
        if grants.allow_unbounded {
            approval.confirmations.push("--allow-unbounded".into());
        } else if let Some(how) = grants.typed(AskKind::Unbounded) {
            approval.confirmations.push(format!("{how} for unbounded write"));
        } else {
            let v = &verdicts[i];
            let message = format!(
                "`{}` has no WHERE clause and would change every row ({}): {}{}",
                excerpt(&v.sql),
                rules::UNBOUNDED_WRITE,
                v.reason,
                position(i, n)
            );
            return Review::Ask(Ask {
                kind: AskKind::Unbounded,
                unanswered: Refusal::new(
                    rules::UNBOUNDED_WRITE,
                    format!("{message}. Pass --allow-unbounded to run it anyway. Nothing was sent"),
                ),
                message,
            });
        }
    }
    // 3. The unlock, for a write (or an explicit request) on a read-only connection.
    if conn.read_only && (first_write.is_some() || grants.unlock_requested) {
        let what = first_write.map_or_else(
            || "the unlock".to_string(),
            |i| {
                format!(
                    "`{}`{} ({}: {}){}",
                    excerpt(&verdicts[i].sql),
                    position(i, n),
                    verdicts[i].verdict,
                    verdicts[i].reason,
                    if verdicts[i].parsed {
                        ""
                    } else {
                        ". It could not be parsed, and unparseable text counts as a write"
                    }
                )
            },
        );
        match unlock_step(conn, grants, &what) {
            Ok(u) => {
                approval.unlock = u;
                approval.writable = true;
            }
            Err(r) => return *r,
        }
    }
    // 4. DROP/TRUNCATE: the typed name, naming the objects.
    let lenient = PolicyInput {
        conn_name: conn.name,
        read_only: false,
        unlocked: true,
        allow_unbounded: true,
        destructive_confirmed: false,
    };
    let mut objects: Vec<String> = Vec::new();
    let mut statements = Vec::new();
    for v in verdicts {
        if let Decision::NeedConfirm {
            what: ConfirmKind::Destructive { objects: o },
            ..
        } = decide(v, &lenient)
        {
            objects.extend(o);
            statements.push(excerpt(&v.sql));
        }
    }
    if !statements.is_empty() {
        objects.dedup();
        let named = if objects.is_empty() {
            "objects not identified".to_string()
        } else {
            objects.join(", ")
        };
        let message = format!(
            "WARNING: this destroys data on '{}': {named} ({})",
            conn.name,
            statements.join("; ")
        );
        match given(conn, grants, AskKind::Destructive, &message) {
            Err(r) => return Review::Refused(r),
            Ok(Given::Yes(how)) => approval
                .confirmations
                .push(format!("{how} for DROP/TRUNCATE of {named}")),
            Ok(Given::No) => {
                return Review::Ask(Ask {
                    kind: AskKind::Destructive,
                    unanswered: required(conn.name, &message),
                    message: sanitize(&message).into_owned(),
                });
            }
        }
    }
    Review::Ready(approval)
}

/// What an operation other than plain statements needs confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationAsk {
    /// What it does, for the prompt (`Apply 3 migration statement(s) to 'prod'`).
    pub what: String,
    /// Whether the operation itself needs the typed name (besides any unlock).
    pub confirm: bool,
}

/// Review an operation that writes to `conn` (migration, sync, restore, import).
pub fn review_operation(conn: &Conn<'_>, op: &OperationAsk, grants: &Grants) -> Review {
    if grants.forced_read_only {
        return Review::Refused(Refusal::new(
            rules::READ_ONLY,
            format!("--read-only was given: refused to {}. Nothing was done", op.what),
        ));
    }
    let mut approval = Approval {
        writable: true,
        ..Approval::default()
    };
    if conn.read_only {
        match unlock_step(conn, grants, &format!("to {}", op.what)) {
            Ok(u) => approval.unlock = u,
            // Operations take no --unlock-writes: their hint names what they take.
            Err(r) => match *r {
                Review::Ask(mut q) if q.unanswered.code == rules::READ_ONLY => {
                    q.unanswered = Refusal::new(
                        rules::READ_ONLY,
                        format!(
                            "connection '{}' is read-only ({}): refused to {} before sending anything. Nothing was sent. Type the connection name when asked, or non-interactively pass --confirm {}",
                            conn.name,
                            rules::READ_ONLY,
                            sanitize(op.what.trim_end_matches(['.', ' ', '\n'])),
                            conn.name
                        ),
                    );
                    return Review::Ask(q);
                }
                other => return other,
            },
        }
    }
    if op.confirm {
        match given(conn, grants, AskKind::Operation, &op.what) {
            Err(r) => return Review::Refused(r),
            Ok(Given::Yes(how)) => approval.confirmations.push(how),
            Ok(Given::No) => {
                return Review::Ask(Ask {
                    kind: AskKind::Operation,
                    unanswered: required(conn.name, &op.what),
                    message: sanitize(&op.what).into_owned(),
                });
            }
        }
    }
    Review::Ready(approval)
}

impl Approval {
    /// Confirmations other than the unlock, for the audit log.
    pub fn confirmations(&self) -> &[String] {
        &self.confirmations
    }

    /// The unlock that allows writes on a read-only connection.
    pub fn unlock(&self) -> Option<&UnlockUse> {
        self.unlock.as_ref()
    }

    /// The session may write (a read-write connection, or unlocked).
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// Everything that confirmed this, for `audit_log.confirmed_by`.
    pub fn confirmed_by(&self) -> Option<String> {
        let mut parts = Vec::new();
        match &self.unlock {
            Some(UnlockUse::New { how, minutes }) => parts.push(match minutes {
                Some(m) => format!("unlock for {m} min: {how}"),
                None => format!("unlock: {how}"),
            }),
            Some(UnlockUse::Timed(u)) => parts.push(format!("unlock until {} ({})", u.until, u.confirmed_by)),
            None => {}
        }
        parts.extend(self.confirmations.iter().cloned());
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// The [`WritePermit`] an approval gives a read-only connection's session
/// of `database` ([`crate::db::database_id`]): `None` when it unlocked nothing.
pub fn permit(approval: &Approval, database: &str) -> Option<WritePermit> {
    let granted_by = match approval.unlock.as_ref()? {
        UnlockUse::New { how, .. } => how.clone(),
        UnlockUse::Timed(u) => format!("unlock until {} ({})", u.until, u.confirmed_by),
    };
    Some(WritePermit::grant(database, granted_by))
}

/// Ask for the typed confirmation that unlocks writes on `conn_name`
/// (`minutes`: how long; `None` for this invocation only).
pub fn confirm_unlock(
    conn_name: &str,
    minutes: Option<u32>,
    confirm: Option<&str>,
    io: &mut dyn Prompt,
) -> Result<super::confirm::Confirmation, Refusal> {
    let prompt = format!(
        "Unlock writes on read-only connection '{conn_name}' {}.",
        unlock_span(minutes, "command")
    );
    confirm_typed_with(io, conn_name, &prompt, confirm)
}

/// Ask for the typed confirmation that unlocks writes on read-only
/// connection `conn_name`, and issue the [`WritePermit`] its sessions need
/// to write to `database` ([`crate::db::database_id`] of the connection).
/// The permit is the only way to run [`crate::db::Access::Write`].
pub fn unlock_writes(
    conn_name: &str,
    database: &str,
    minutes: Option<u32>,
    confirm: Option<&str>,
    io: &mut dyn Prompt,
) -> Result<(WritePermit, super::confirm::Confirmation), Refusal> {
    let c = confirm_unlock(conn_name, minutes, confirm, io)?;
    Ok((WritePermit::grant(database, c.how.clone()), c))
}

/// The [`WritePermit`] for an unlock on record that has not expired
/// (`unlock` as read from the store, for `database`).
pub fn permit_for_unlock(database: &str, unlock: &Unlock) -> WritePermit {
    WritePermit::grant(
        database,
        format!("unlock until {} ({})", unlock.until, unlock.confirmed_by),
    )
}

#[cfg(test)]
mod tests;
