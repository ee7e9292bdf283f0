//! The single check a command makes before sending a buffer of SQL: every
//! statement is judged first, so nothing is sent when any is refused.

use super::confirm::{Prompt, Terminal, confirm_typed_with};
use super::permit::WritePermit;
use super::policy::{ConfirmKind, Decision, PolicyInput, decide, excerpt};
use super::{Refusal, StatementVerdict, rules};
use crate::store::connections::Tag;

/// The connection and what the user asked for on the command line.
#[derive(Debug, Clone)]
pub struct GateContext<'a> {
    /// Connection name (what `--confirm` must equal).
    pub conn_name: &'a str,
    /// Environment tag; prod connections get the extra confirmations.
    pub tag: Tag,
    /// The connection is read-only.
    pub read_only: bool,
    /// Writes are unlocked (this invocation or an unexpired timed unlock).
    pub unlocked: bool,
    /// `--allow-unbounded` was given.
    pub allow_unbounded: bool,
    /// `--confirm NAME`, if given.
    pub confirm: Option<&'a str>,
}

/// Permission to send the buffer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Approval {
    /// Who confirmed what, for the audit log (`typed 'prod' for DROP of t`).
    pub confirmed_by: Option<String>,
}

/// Check a buffer using the process's terminal for confirmations.
pub fn check(verdicts: &[StatementVerdict], ctx: &GateContext<'_>) -> Result<Approval, Refusal> {
    check_with(verdicts, ctx, &mut Terminal)
}

/// Check a buffer, asking `io` for any typed confirmation.
pub fn check_with(
    verdicts: &[StatementVerdict],
    ctx: &GateContext<'_>,
    io: &mut dyn Prompt,
) -> Result<Approval, Refusal> {
    let input = PolicyInput {
        conn_name: ctx.conn_name,
        read_only: ctx.read_only,
        unlocked: ctx.unlocked,
        allow_unbounded: ctx.allow_unbounded,
        destructive_confirmed: false,
    };
    let many = verdicts.len() > 1;
    let position = |i: usize| {
        if many {
            format!(" (statement {} of {})", i + 1, verdicts.len())
        } else {
            String::new()
        }
    };
    let mut destroy: Vec<(usize, Vec<String>)> = Vec::new();
    let mut unbounded: Option<(usize, String)> = None;
    // Blocks win over confirmations: a refused buffer never prompts.
    for (i, v) in verdicts.iter().enumerate() {
        match decide(v, &input) {
            Decision::Allow => {}
            Decision::Block { rule, message } => {
                return Err(Refusal::new(rule, format!("{message}{}", position(i))));
            }
            Decision::NeedConfirm {
                what: ConfirmKind::Unbounded { .. },
                message,
            } => {
                unbounded.get_or_insert((i, message));
            }
            Decision::NeedConfirm {
                what: ConfirmKind::Destructive { objects },
                ..
            } => destroy.push((i, objects)),
        }
    }
    if let Some((i, message)) = unbounded {
        return Err(Refusal::new(
            rules::UNBOUNDED_WRITE,
            format!("{message}{}. Nothing was sent", position(i)),
        ));
    }
    let mut approval = Approval::default();
    if !destroy.is_empty() {
        let mut objects: Vec<String> = destroy.iter().flat_map(|(_, o)| o.iter().cloned()).collect();
        objects.dedup();
        let statements: Vec<String> = destroy.iter().map(|(i, _)| excerpt(&verdicts[*i].sql)).collect();
        let named = if objects.is_empty() {
            "objects not identified".to_string()
        } else {
            objects.join(", ")
        };
        let prompt = format!(
            "WARNING: this destroys data on '{}': {named} ({})",
            ctx.conn_name,
            statements.join("; ")
        );
        let c = confirm_typed_with(io, ctx.conn_name, &prompt, ctx.confirm)?;
        approval.confirmed_by = Some(format!("{} for DROP/TRUNCATE of {named}", c.how));
    }
    Ok(approval)
}

/// Ask for the typed confirmation that unlocks writes on `conn_name`
/// (`minutes`: how long; `None` for this invocation only).
pub fn confirm_unlock(
    conn_name: &str,
    minutes: Option<u32>,
    confirm: Option<&str>,
    io: &mut dyn Prompt,
) -> Result<super::confirm::Confirmation, Refusal> {
    let span = match minutes {
        Some(m) => format!("for {m} minute{}", if m == 1 { "" } else { "s" }),
        None => "for this command only".to_string(),
    };
    let prompt = format!("Unlock writes on read-only connection '{conn_name}' {span}.");
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
pub fn permit_for_unlock(database: &str, unlock: &crate::store::unlocks::Unlock) -> WritePermit {
    WritePermit::grant(
        database,
        format!("unlock until {} ({})", unlock.until, unlock.confirmed_by),
    )
}

#[cfg(test)]
mod tests;
