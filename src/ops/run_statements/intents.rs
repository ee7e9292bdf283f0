//! Audit intents for executors that send an approved plan themselves.

use super::*;

/// For executors that send an approved plan's statements themselves (a
/// query plan): record the intent of every write before anything is sent,
/// fail closed. Ids by piece (`None` for reads), for [`complete_intents`].
pub fn record_intents(
    ctx: &mut OpsContext<'_>,
    plan: &Approved,
    what: Option<&str>,
) -> Result<Vec<Option<i64>>, OpsError> {
    let mut ids = Vec::with_capacity(plan.pieces.len());
    for piece in &plan.pieces {
        if !should_audit(&piece.verdict) {
            ids.push(None);
            continue;
        }
        let entry = intent_entry(ctx.face, plan, piece, what);
        let id = ctx.intent(&entry)?;
        ids.push(Some(id));
    }
    Ok(ids)
}

/// The audit intent of one write of `plan`, recorded before it is sent
/// (by [`record_intents`] and by `execute`).
pub(super) fn intent_entry(face: Face, plan: &Approved, piece: &Piece, what: Option<&str>) -> AuditEntry {
    let mut entry = statement_entry(
        &plan.target.name,
        plan.target.engine(),
        &piece.verdict,
        &Outcome::Ok,
        None,
        None,
        plan.approval.confirmed_by().as_deref(),
    );
    entry.face = Some(face.as_str().into());
    entry.unlock = plan.unlock.clone();
    entry.detail = what.map(|w| serde_json::json!({"what": w}).to_string());
    entry
}

/// Complete intents from [`record_intents`] with each piece's outcome
/// (`None`: it was not sent).
pub fn complete_intents(
    records: &mut dyn Records,
    ids: &[Option<i64>],
    ends: &[Option<(Outcome, Option<u64>, Duration)>],
    detail: Option<String>,
) -> Result<(), OpsError> {
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = *id else { continue };
        let done = match ends.get(i).cloned().flatten() {
            Some((outcome, rows, took)) => Completion {
                outcome: outcome.as_text(),
                rows_affected: rows.map(|r| i64::try_from(r).unwrap_or(i64::MAX)),
                duration_ms: Some(i64::try_from(took.as_millis()).unwrap_or(i64::MAX)),
                detail: detail.clone(),
            },
            None => Completion {
                outcome: "error: not sent".into(),
                detail: detail.clone(),
                ..Completion::default()
            },
        };
        records.complete(id, &done).map_err(|e| OpsError::AuditIncomplete {
            id,
            reason: e.to_string(),
        })?;
    }
    Ok(())
}
