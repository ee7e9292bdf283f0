//! The TUI face of the one confirmation rule: every run (F5/F6) and every
//! panel operation is reviewed by `safety::gate` through `ops`; each
//! question becomes a typed-confirmation dialog (the unlock dialog also
//! offers minutes instead of this run). Nothing here decides what needs
//! confirming, and nothing stays unlocked after the run it was typed for.

use super::popup::Popup;
use super::{App, Level};
use crate::ops::gate::OperationKind;
use crate::ops::run_statements::{Piece, approve, refused_entry, review};
use crate::ops::sinks::{NoRecords, StoreRecords};
use crate::ops::{Face, Records, Target, gate};
use crate::safety::gate::{Approval, AskKind, Grants, Review, Typed, review_operation};
use crate::safety::{Refusal, rules};
use crate::store::audit::AuditEntry;

/// Minutes the unlock dialog offers besides "this run" (Tab cycles).
pub const UNLOCK_CHOICES: [Option<u32>; 4] = [None, Some(5), Some(15), Some(60)];

/// What waits behind a confirmation dialog.
#[derive(Debug, Clone)]
pub enum Pending {
    /// Statements from the editor.
    Run(Vec<Piece>),
    /// What a query plan sends (EXPLAIN, or the statement itself for ANALYZE).
    Explain(Box<crate::plan::ExplainRequest>, Vec<Piece>),
    /// Staged grid edits, committed in one transaction.
    Edits(Vec<Piece>),
    /// A panel operation; `what` says what it does.
    Operation {
        /// Which one.
        op: OperationKind,
        /// What it does (`Apply 3 migration statement(s) to 'prod'`).
        what: String,
        /// Target connection (the current one, or the sync panel's target).
        target: Box<Target>,
    },
}

impl App {
    /// The current connection as operations take it.
    pub fn target(&self) -> Target {
        Target::new(
            self.conn.name.clone(),
            self.conn.tag,
            self.conn.read_only,
            self.conn.spec.clone(),
        )
    }

    /// The workspace's records (or records that refuse every audited step
    /// when no workspace store is open).
    pub(super) fn records(&mut self) -> Box<dyn Records + Send + '_> {
        let jsonl = self.audit_jsonl.clone();
        match self.store.as_mut() {
            Some(s) => Box::new(StoreRecords::new(s, jsonl)),
            None => Box::new(NoRecords {
                reason: "no workspace store is open".into(),
            }),
        }
    }

    /// Read the database's timed unlock for the status line and the rule.
    pub fn refresh_unlock(&mut self) -> Option<crate::store::unlocks::Unlock> {
        let target = self.target();
        let found = gate::active_unlock(&mut *self.records(), Face::Tui, &target).unwrap_or_else(|e| {
            tracing::warn!("cannot read unlocks: {e}");
            None
        });
        self.unlock = found.clone();
        self.unlock_checked = Some(std::time::Instant::now());
        found
    }

    /// Judge statements and run them, or ask for a typed confirmation first.
    pub fn guarded_run(&mut self, pieces: Vec<Piece>) {
        self.gate(Pending::Run(pieces), Grants::default());
    }

    /// Judge what a query plan sends and start it, or ask first.
    pub(super) fn guarded_explain(&mut self, req: crate::plan::ExplainRequest, pieces: Vec<Piece>) {
        self.gate(Pending::Explain(Box::new(req), pieces), Grants::default());
    }

    /// Judge the statements of staged grid edits and commit them, or ask first.
    pub(super) fn guarded_edits(&mut self, pieces: Vec<Piece>) {
        self.gate(Pending::Edits(pieces), Grants::default());
    }

    /// Run a dbn-built read (table preview) under the same rule, never asking.
    pub(super) fn gate_preview(&mut self, pieces: Vec<Piece>) {
        let target = self.target();
        match review(&target, &pieces, &Grants::default(), None, Face::Tui) {
            Review::Ready(a) => {
                let approved = approve(&mut *self.records(), Face::Tui, &target, pieces, a);
                match approved {
                    Ok(plan) => self.start_run(plan, true),
                    Err(e) => self.set_status(Level::Error, format!("{e}")),
                }
            }
            Review::Ask(q) => self.set_status(Level::Error, q.unanswered.message),
            Review::Refused(r) => self.set_status(Level::Error, r.message),
        }
    }

    /// Ask for the confirmations a panel operation on `target` needs, then run it.
    pub(super) fn guarded_operation(&mut self, op: OperationKind, what: String, target: Target) {
        let pending = Pending::Operation {
            op,
            what,
            target: Box::new(target),
        };
        self.gate(pending, Grants::default());
    }

    fn gate(&mut self, pending: Pending, grants: Grants) {
        let target = match &pending {
            Pending::Run(_) | Pending::Explain(..) | Pending::Edits(_) => self.target(),
            Pending::Operation { target, .. } => (**target).clone(),
        };
        let timed = if target.name == self.conn.name {
            self.refresh_unlock()
        } else {
            gate::active_unlock(&mut *self.records(), Face::Tui, &target).unwrap_or(None)
        };
        let verdict = match &pending {
            Pending::Run(pieces) | Pending::Explain(_, pieces) | Pending::Edits(pieces) => {
                review(&target, pieces, &grants, timed.as_ref(), Face::Tui)
            }
            Pending::Operation { op, what, .. } => review_operation(
                &gate::conn(&target, timed.as_ref(), Face::Tui),
                &gate::operation_ask(*op, &target, what),
                &grants,
            ),
        };
        match verdict {
            Review::Refused(r) => self.refuse(&target, &pending, r),
            Review::Ask(q) => {
                self.popup = Some(Popup::TypedConfirm {
                    message: format!(
                        "{}\nType '{}' to confirm (audited); Esc cancels.",
                        q.message, target.name
                    ),
                    expect: target.name.clone(),
                    input: String::new(),
                    ask: q.kind,
                    minutes: None,
                    pending: Box::new(pending),
                    grants: Box::new(grants),
                });
            }
            Review::Ready(a) => self.cleared(target, pending, a),
        }
    }

    /// The rule is satisfied: record the unlock and start.
    fn cleared(&mut self, target: Target, pending: Pending, approval: Approval) {
        let timed = matches!(
            approval.unlock(),
            Some(crate::safety::gate::UnlockUse::New { minutes: Some(_), .. })
        );
        self.cleared_inner(target.clone(), pending, approval);
        // A new timed unlock shows in the status line at once.
        if timed && target.name == self.conn.name {
            self.refresh_unlock();
        }
    }

    fn cleared_inner(&mut self, target: Target, pending: Pending, approval: Approval) {
        match pending {
            Pending::Run(pieces) => {
                let approved = approve(&mut *self.records(), Face::Tui, &target, pieces, approval);
                match approved {
                    Ok(plan) => self.start_run(plan, false),
                    Err(e) => self.set_status(Level::Error, format!("{e}")),
                }
            }
            Pending::Explain(req, pieces) => {
                let approved = approve(&mut *self.records(), Face::Tui, &target, pieces, approval);
                match approved {
                    Ok(plan) => self.start_plan(*req, plan),
                    Err(e) => self.set_status(Level::Error, format!("{e}")),
                }
            }
            Pending::Edits(pieces) => {
                let approved = approve(&mut *self.records(), Face::Tui, &target, pieces, approval);
                match approved {
                    Ok(plan) => self.start_edits(plan),
                    Err(e) => self.set_status(Level::Error, format!("{e}; nothing was sent")),
                }
            }
            Pending::Operation { op, .. } => {
                let recorded = gate::confirmed(&mut *self.records(), Face::Tui, &target, &approval);
                let confirmed = match recorded {
                    Ok(c) => c,
                    Err(e) => {
                        self.set_status(Level::Error, format!("{e}"));
                        return;
                    }
                };
                match op {
                    OperationKind::Migration => self.start_migration(confirmed),
                    OperationKind::DataSync => self.start_data_sync(confirmed),
                    OperationKind::Restore => self.start_restore(confirmed),
                }
            }
        }
    }

    /// Tab in the unlock dialog: the next scope.
    pub(super) fn next_unlock_choice(current: Option<u32>) -> Option<u32> {
        let i = UNLOCK_CHOICES.iter().position(|c| *c == current).unwrap_or(0);
        UNLOCK_CHOICES[(i + 1) % UNLOCK_CHOICES.len()]
    }

    /// The user typed `input` into a confirmation dialog.
    pub(super) fn confirm_typed(
        &mut self,
        ask: AskKind,
        expect: &str,
        input: &str,
        minutes: Option<u32>,
        pending: Pending,
        mut grants: Grants,
    ) {
        if input != expect {
            let r = Refusal::new(
                rules::CONFIRM_MISMATCH,
                format!(
                    "not run: you typed '{}', which is not the connection name '{expect}'",
                    crate::sanitize::sanitize(input)
                ),
            );
            let target = match &pending {
                Pending::Run(_) | Pending::Explain(..) | Pending::Edits(_) => self.target(),
                Pending::Operation { target, .. } => (**target).clone(),
            };
            self.refuse(&target, &pending, r);
            return;
        }
        if ask == AskKind::Unlock {
            grants.unlock_minutes = minutes;
        }
        grants.typed.push(Typed {
            kind: ask,
            how: format!("typed '{expect}' in dbn ui"),
        });
        self.gate(pending, grants);
    }

    fn refuse(&mut self, target: &Target, pending: &Pending, r: Refusal) {
        let entry = match pending {
            Pending::Run(pieces) | Pending::Explain(_, pieces) | Pending::Edits(pieces) => {
                refused_entry(target, pieces)
            }
            Pending::Operation { op, what, .. } => AuditEntry {
                connection: Some(target.name.clone()),
                action: op.as_str().into(),
                statement: Some(what.clone()),
                ..Default::default()
            },
        };
        let e = {
            let mut records = self.records();
            gate::refuse(&mut *records, Face::Tui, entry, r)
        };
        let code = match &e {
            crate::ops::OpsError::Refused(r) => r.code,
            _ => "",
        };
        self.set_status(Level::Error, format!("{e} ({code}); nothing was sent"));
    }

    /// End the database's timed unlock now (the end-unlock key).
    pub fn end_unlock(&mut self, why: &str) {
        let target = self.target();
        let ended = crate::ops::unlock::end(&mut *self.records(), Face::Tui, Some(&target), why);
        match ended {
            Ok(ended) if ended.is_empty() => self.set_status(Level::Info, "no unlock is in force on this connection"),
            Ok(_) => self.set_status(Level::Info, format!("'{}' is read-only again", target.name)),
            Err(e) => self.set_status(Level::Error, format!("cannot end the unlock: {e}")),
        }
        self.unlock = None;
    }

    /// Text for the status badge while writes would pass a read-only
    /// connection: `UNLOCKED 4:32`, or `UNLOCKED run` during an unlocked run.
    pub fn unlock_badge(&self) -> Option<String> {
        if !self.conn.read_only {
            return None;
        }
        if let Some(u) = &self.unlock {
            let left = u.seconds_left();
            if left > 0 {
                return Some(format!("UNLOCKED {}:{:02}", left / 60, left % 60));
            }
        }
        self.running
            .as_ref()
            .is_some_and(|r| r.unlocked)
            .then(|| "UNLOCKED run".to_string())
    }
}
