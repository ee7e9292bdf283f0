//! Editing a saved connection where it touches safety: making a read-only
//! or prod connection writable needs the typed confirmation and is audited
//! before the change is stored; any change of URL, tag or read-only flag
//! ends the unlocks granted through it.

use super::context::{Face, OpsContext, Records};
use super::error::OpsError;
use super::gate;
use super::target::Target;
use crate::safety::gate::{Conn, Grants, OperationAsk, review_operation};
use crate::store::audit::AuditEntry;
use crate::store::connections::Tag;
use serde_json::json;

/// What an edit changes that safety cares about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyChange {
    /// Tag before and after.
    pub tag: (Tag, Tag),
    /// Read-only flag before and after.
    pub read_only: (bool, bool),
    /// The URL (database, host, user, ...) changes.
    pub url_changed: bool,
}

impl SafetyChange {
    /// The edit makes writes possible that were not: read-only lifted, or prod tag dropped.
    pub fn relaxes(&self) -> bool {
        (self.read_only.0 && !self.read_only.1) || (self.tag.0 == Tag::Prod && self.tag.1 != Tag::Prod)
    }

    /// Unlocks granted through the connection no longer apply.
    pub fn ends_unlocks(&self) -> bool {
        self.url_changed || self.tag.0 != self.tag.1 || self.read_only.0 != self.read_only.1
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.read_only.0 != self.read_only.1 {
            parts.push(if self.read_only.1 { "read-only" } else { "read-write" }.to_string());
        }
        if self.tag.0 != self.tag.1 {
            parts.push(format!("tag {} -> {}", self.tag.0, self.tag.1));
        }
        if self.url_changed {
            parts.push("new URL".into());
        }
        parts.join(", ")
    }
}

/// Check (and audit) an edit of `old` before it is stored. A relaxing edit
/// needs `--confirm NAME` or the typed name; returns who confirmed it.
pub fn check_edit(
    ctx: &mut OpsContext<'_>,
    old: &Target,
    change: &SafetyChange,
    confirm: Option<&str>,
) -> Result<Option<String>, OpsError> {
    if !change.relaxes() {
        return Ok(None);
    }
    let what = format!(
        "Make connection '{}' ({}{}) writable: {}",
        old.name,
        old.tag,
        if old.read_only { ", read-only" } else { "" },
        change.describe()
    );
    let mut grants = Grants {
        confirm: confirm.map(str::to_string),
        ..Grants::default()
    };
    let refused = AuditEntry {
        connection: Some(old.name.clone()),
        action: "connection".into(),
        statement: Some(what.clone()),
        ..Default::default()
    };
    let op = OperationAsk {
        what: what.clone(),
        confirm: true,
    };
    // Confirming the edit is not a write to the database: no unlock step.
    let approval = gate::clear(ctx, old, &mut grants, refused, |c, g| {
        let c = Conn { read_only: false, ..*c };
        review_operation(&c, &op, g)
    })?;
    let how = approval.confirmed_by().unwrap_or_default();
    let entry = AuditEntry {
        connection: Some(old.name.clone()),
        action: "connection".into(),
        statement: Some(what),
        outcome: "ok".into(),
        confirmed_by: Some(how.clone()),
        face: Some(ctx.face.as_str().into()),
        detail: Some(json!({"read_only": change.read_only, "tag": [change.tag.0, change.tag.1], "url_changed": change.url_changed}).to_string()),
        ..Default::default()
    };
    ctx.records
        .record(&entry)
        .map_err(|e| OpsError::AuditUnavailable(e.to_string()))?;
    Ok(Some(how))
}

/// After an edit of connection `name` was stored: end the unlocks granted through it.
pub fn after_edit(records: &mut dyn Records, face: Face, name: &str, change: &SafetyChange) -> Result<usize, OpsError> {
    if !change.ends_unlocks() {
        return Ok(0);
    }
    let why = format!("connection '{name}' changed ({})", change.describe());
    Ok(super::unlock::end_granted_by(records, face, name, &why)?.len())
}
