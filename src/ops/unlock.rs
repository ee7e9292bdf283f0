//! Timed unlocks as an operation of their own: grant one for N minutes,
//! end one (or all) early, list them. Statements take their unlock through
//! `run_statements`; this is `dbn unlock` and the TUI's end-unlock key.

use super::context::{Face, OpsContext, Records};
use super::error::OpsError;
use super::gate;
use super::target::Target;
use crate::safety::gate::{Grants, review_statements};
use crate::store::audit::AuditEntry;
use crate::store::unlocks::Unlock;

/// What granting did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Granted {
    /// The connection is not read-only: nothing to unlock.
    NotReadOnly,
    /// Writes are unlocked until the unlock's end.
    Until(Unlock),
}

/// Unlock writes on `target`'s database for `minutes`, confirmed by
/// `grants` (`--confirm NAME`) or at the prompt. Audited before it is stored.
pub fn grant(ctx: &mut OpsContext<'_>, target: &Target, minutes: u32, mut grants: Grants) -> Result<Granted, OpsError> {
    if !target.read_only {
        return Ok(Granted::NotReadOnly);
    }
    grants.unlock_requested = true;
    grants.unlock_minutes = Some(minutes);
    let refused = AuditEntry {
        connection: Some(target.name.clone()),
        action: "unlock".into(),
        ..Default::default()
    };
    let approval = gate::clear(ctx, target, &mut grants, refused, |c, g| review_statements(c, &[], g))?;
    gate::record_unlock(ctx.records, ctx.face, target, &approval)?;
    let (active, _) = ctx.records.active_unlock(&target.unlock_key())?;
    active.map(Granted::Until).ok_or_else(|| {
        OpsError::Store(crate::store::StoreError::NotFound {
            kind: "unlock",
            name: target.name.clone(),
            hint: " right after granting it".into(),
        })
    })
}

/// End the timed unlock of `target`'s database, or every unlock when
/// `target` is `None`. Returns those that were active (audited each).
pub fn end(records: &mut dyn Records, face: Face, target: Option<&Target>, why: &str) -> Result<Vec<Unlock>, OpsError> {
    let keys: Vec<(String, String)> = match target {
        Some(t) => vec![(t.db_key(), t.name.clone())],
        None => records
            .list_unlocks()?
            .into_iter()
            .map(|u| (u.db_key, u.connection))
            .collect(),
    };
    let mut ended = Vec::new();
    for (db_key, conn) in keys {
        if let Some(u) = gate::end_unlock(records, face, &db_key, &conn, why)? {
            ended.push(u);
        }
    }
    Ok(ended)
}

/// End the unlocks granted through connection `name` (it is being edited
/// or removed), audited.
pub fn end_granted_by(records: &mut dyn Records, face: Face, name: &str, why: &str) -> Result<Vec<Unlock>, OpsError> {
    let mut ended = Vec::new();
    for u in records.list_unlocks()?.into_iter().filter(|u| u.connection == name) {
        if let Some(u) = gate::end_unlock(records, face, &u.db_key, name, why)? {
            ended.push(u);
        }
    }
    Ok(ended)
}

/// Every active unlock.
pub fn status(records: &mut dyn Records) -> Result<Vec<Unlock>, OpsError> {
    Ok(records.list_unlocks()?)
}
