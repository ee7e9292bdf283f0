//! The safety gate in the TUI: every statement is classified and judged by
//! `safety::policy` before anything is sent; blocks become typed-confirmation
//! modals (unlock writes, DROP/TRUNCATE, UPDATE/DELETE without WHERE), and
//! every non-read statement that runs is appended to the audit log.

use super::popup::Popup;
use super::query::Statement;
use super::{App, Level};
use crate::safety::audit::{Outcome, refused_entry, should_audit, statement_entry};
use crate::safety::policy::{ConfirmKind, Decision, PolicyInput, decide, excerpt};
use crate::safety::{Refusal, StatementVerdict, classify, rules};
use std::time::Duration;

/// What a typed confirmation grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Unlock writes on a read-only connection for this session.
    Unlock,
    /// Run UPDATE/DELETE without WHERE.
    Unbounded,
    /// Run DROP/TRUNCATE.
    Destructive,
    /// Apply a schema migration from the snapshots panel.
    Migration,
    /// Apply a data sync from the sync panel (the target's name is typed).
    DataSync,
    /// Restore a backup from the snapshot history panel.
    Restore,
}

/// A buffer waiting at the gate.
#[derive(Debug, Clone)]
pub struct Gate {
    /// Statements to send.
    pub stmts: Vec<Statement>,
    /// One verdict per statement.
    pub verdicts: Vec<StatementVerdict>,
    /// Unbounded writes confirmed.
    pub allow_unbounded: bool,
    /// Destructive statements confirmed.
    pub destructive_confirmed: bool,
    /// Who confirmed what, for the audit log.
    pub confirmed_by: Option<String>,
    /// The buffer is a query plan's: start the plan view's task instead of a grid run.
    pub explain: Option<Box<crate::plan::ExplainRequest>>,
}

/// The most severe verdict of a statement (the splitter and the classifier may cut differently).
fn verdict_of(st: &Statement, engine: crate::db::Engine) -> StatementVerdict {
    classify(&st.sql, engine)
        .into_iter()
        .max_by_key(|v| v.verdict)
        .unwrap_or(StatementVerdict {
            span: 0..st.sql.len(),
            sql: st.sql.clone(),
            verdict: crate::safety::Verdict::Read,
            reason: "empty statement".into(),
            objects: Vec::new(),
            parsed: true,
            lexing: None,
        })
}

impl App {
    /// Judge statements and run them, or ask for a typed confirmation first.
    pub fn guarded_run(&mut self, stmts: Vec<Statement>) {
        let engine = self.engine();
        let verdicts = stmts.iter().map(|s| verdict_of(s, engine)).collect();
        self.evaluate(Gate {
            stmts,
            verdicts,
            allow_unbounded: false,
            destructive_confirmed: false,
            confirmed_by: None,
            explain: None,
        });
    }

    pub(super) fn evaluate(&mut self, gate: Gate) {
        let name = self.conn.name.clone();
        let input = PolicyInput {
            conn_name: &name,
            read_only: self.conn.read_only && !self.unlocked,
            unlocked: self.unlocked,
            allow_unbounded: gate.allow_unbounded,
            destructive_confirmed: gate.destructive_confirmed,
        };
        for v in &gate.verdicts {
            let (grant, message) = match decide(v, &input) {
                Decision::Allow => continue,
                Decision::Block { rule, .. } if rule == rules::READ_ONLY => (
                    Grant::Unlock,
                    format!(
                        "'{name}' is read-only and `{}` is a {} ({}).\nType the connection name to unlock writes for this session (audited); Esc cancels.",
                        excerpt(&v.sql),
                        v.verdict,
                        v.reason
                    ),
                ),
                Decision::Block { rule, message } => {
                    self.refuse(&v.sql, Some(v.verdict), &Refusal::new(rule, message));
                    return;
                }
                Decision::NeedConfirm {
                    what: ConfirmKind::Unbounded { .. },
                    ..
                } => (
                    Grant::Unbounded,
                    format!(
                        "`{}` has no WHERE clause and changes every row ({}).\nType '{name}' to run it anyway; Esc cancels.",
                        excerpt(&v.sql),
                        v.reason
                    ),
                ),
                Decision::NeedConfirm { message, .. } => (
                    Grant::Destructive,
                    format!("WARNING: {message}.\nType '{name}' to run it; Esc cancels."),
                ),
            };
            self.popup = Some(Popup::TypedConfirm {
                message,
                expect: name.clone(),
                input: String::new(),
                grant,
                gate: Box::new(gate),
            });
            return;
        }
        self.start_gated(gate);
    }

    /// The user typed `input` into a confirmation.
    pub(super) fn confirm_typed(&mut self, grant: Grant, expect: &str, input: &str, mut gate: Gate) {
        if input != expect {
            let r = Refusal::new(
                rules::CONFIRM_MISMATCH,
                format!("not run: you typed '{input}', which is not the connection name '{expect}'"),
            );
            let sql = gate.stmts.first().map(|s| s.sql.clone()).unwrap_or_default();
            self.refuse(&sql, None, &r);
            return;
        }
        let how = format!("typed '{expect}' in dbn ui");
        if grant == Grant::Migration {
            self.start_migration(format!("{how} for migration"));
            return;
        }
        if grant == Grant::Restore {
            self.start_restore(format!("{how} for backup restore"));
            return;
        }
        if grant == Grant::DataSync {
            self.start_data_sync(format!("{how} for data sync"));
            return;
        }
        match grant {
            Grant::Unlock => {
                let jsonl = self.audit_jsonl.clone();
                if let Some(store) = self.store.as_ref()
                    && let Err(e) = store.grant_unlock(&self.conn.name, None, &how, jsonl.as_deref())
                {
                    self.set_status(Level::Error, format!("cannot record the unlock in the audit log: {e}"));
                    return;
                }
                self.unlock_session();
            }
            Grant::Unbounded => gate.allow_unbounded = true,
            Grant::Destructive => gate.destructive_confirmed = true,
            Grant::Migration | Grant::DataSync | Grant::Restore => {}
        }
        let what = match grant {
            Grant::Unlock => "unlock",
            Grant::Unbounded => "unbounded write",
            Grant::Destructive => "DROP/TRUNCATE",
            Grant::Migration => "migration",
            Grant::DataSync => "data sync",
            Grant::Restore => "backup restore",
        };
        gate.confirmed_by = Some(match gate.confirmed_by.take() {
            Some(prev) => format!("{prev}; {how} for {what}"),
            None => format!("{how} for {what}"),
        });
        self.evaluate(gate);
    }

    /// Writes allowed from now on: reopen the session read-write.
    pub fn unlock_session(&mut self) {
        self.unlocked = true;
        self.conn.spec.read_only = false;
        self.session = std::sync::Arc::new(tokio::sync::Mutex::new(None));
    }

    fn refuse(&mut self, sql: &str, verdict: Option<crate::safety::Verdict>, r: &Refusal) {
        if let Some(store) = self.store.as_ref() {
            let entry = refused_entry(&self.conn.name, self.engine(), sql, verdict, r);
            if let Err(e) = store.append_audit(&entry, self.audit_jsonl.as_deref()) {
                tracing::warn!("cannot append to the audit log: {e}");
            }
        }
        self.set_status(Level::Error, format!("{} ({}); nothing was sent", r.message, r.code));
    }

    fn start_gated(&mut self, mut gate: Gate) {
        if let Some(req) = gate.explain.take() {
            let approved = gate
                .verdicts
                .iter()
                .map(|v| v.verdict)
                .max()
                .unwrap_or(crate::safety::Verdict::Read);
            self.start_plan(*req, approved, gate.confirmed_by);
            return;
        }
        self.start_run(gate.stmts, false);
        if let Some(r) = self.running.as_mut() {
            r.verdicts = gate.verdicts;
            r.confirmed_by = gate.confirmed_by;
        }
    }

    /// Audit one finished statement of the running batch when it is not a plain read.
    pub(super) fn audit_statement(&mut self, index: usize, outcome: Outcome, rows: Option<u64>, took: Duration) {
        let Some(r) = self.running.as_ref() else { return };
        let Some(v) = r.verdicts.get(index) else { return };
        if !should_audit(v) {
            return;
        }
        let entry = statement_entry(
            &self.conn.name,
            self.engine(),
            v,
            &outcome,
            rows,
            Some(took),
            r.confirmed_by.as_deref(),
        );
        if let Some(store) = self.store.as_ref()
            && let Err(e) = store.append_audit(&entry, self.audit_jsonl.as_deref())
        {
            tracing::warn!("cannot append to the audit log: {e}");
        }
    }
}
