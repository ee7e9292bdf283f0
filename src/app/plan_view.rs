//! The query plan of the statement under the cursor, shown in the grid's
//! place as a collapsible tree. A plain EXPLAIN runs nothing; ANALYZE says
//! what it will execute, waits for Enter, and then passes the same gate as
//! the editor (unlock, confirmations, audit) before the plan task starts.

use super::actions::RunScope;
use super::query::{JobEvent, SharedSession};
use super::{App, Focus, Level};
use crate::db::{Canceller, connect};
use crate::ops::run_statements::{Approved, Piece, complete_intents, record_intents};
use crate::plan::{
    Analysis, ExplainOptions, ExplainRequest, Explained, Flavor, Plan, PlanError, analyze, explain, render_text,
};
use crate::safety::Verdict;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Where the plan view is.
#[derive(Clone)]
pub enum PlanStage {
    /// ANALYZE was asked for: the notice is shown, Enter runs it.
    Confirm {
        /// What the user is told before anything runs.
        notice: String,
        /// The statement changes data (Enter rolls back, `k` keeps the changes).
        changes_data: bool,
    },
    /// The plan task runs.
    Loading {
        /// When it started.
        started: Instant,
        /// Server-side cancel, once connected.
        canceller: Option<Arc<dyn Canceller>>,
        /// Local cancel.
        token: CancellationToken,
    },
    /// A plan to read.
    Ready {
        /// The plan.
        plan: Box<Plan>,
        /// Its analysis (slow nodes, misestimates, slowest path).
        analysis: Analysis,
    },
    /// No plan: why.
    Failed(String),
}

/// The plan view's state.
#[derive(Clone)]
pub struct PlanView {
    /// What is explained.
    pub request: ExplainRequest,
    /// Stage.
    pub stage: PlanStage,
    /// Ticket of the task (stale answers are dropped).
    pub ticket: u64,
    /// Per node (walk order): children shown.
    pub expanded: Vec<bool>,
    /// Selected row among the visible nodes.
    pub selected: usize,
    /// First visible row.
    pub top: usize,
    /// The ANALYZE ran in a transaction that was rolled back.
    pub rolled_back: bool,
}

/// What the plan task reports.
pub enum PlanEvent {
    /// Connected: the handle cancels on the server.
    Started(u64, Arc<dyn Canceller>),
    /// The task ended; the audit entries its writes complete (see `ops::run_statements::record_intents`).
    Done(u64, Box<Explained>, Vec<Option<i64>>),
}

impl std::fmt::Debug for PlanEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanEvent::Started(t, _) => write!(f, "PlanEvent::Started({t})"),
            PlanEvent::Done(t, d, _) => write!(f, "PlanEvent::Done({t}, ok: {})", d.result.is_ok()),
        }
    }
}

impl PlanView {
    /// Visible node indices (walk order) given what is expanded.
    pub fn visible(&self) -> Vec<usize> {
        match &self.stage {
            PlanStage::Ready { analysis, .. } => visible_nodes(analysis, &self.expanded),
            _ => Vec::new(),
        }
    }

    /// Walk index of the selected node.
    pub fn selected_node(&self) -> Option<usize> {
        self.visible().get(self.selected).copied()
    }

    fn has_children(&self, i: usize) -> bool {
        match &self.stage {
            PlanStage::Ready { analysis, .. } => analysis.nodes.get(i + 1).is_some_and(|n| n.parent == Some(i)),
            _ => false,
        }
    }
}

/// Nodes expanded when a plan first shows: all of a small plan, else the slowest path.
pub fn default_expanded(a: &Analysis) -> Vec<bool> {
    const SMALL: usize = 20;
    if a.nodes.len() <= SMALL || a.slowest.is_none() {
        return vec![true; a.nodes.len()];
    }
    a.nodes.iter().map(|f| f.on_slowest_path).collect()
}

impl App {
    /// Show the plan of the statement under the cursor (or the selection); with
    /// `analyze`, say what will run and wait for Enter.
    pub fn explain_statement(&mut self, analyze: bool) {
        let stmts = match self.scoped_statements(RunScope::Statement) {
            Ok(s) => s,
            Err(why) => return self.set_status(Level::Warn, why),
        };
        let text = stmts.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>().join(";\n");
        let options = ExplainOptions {
            analyze,
            ..ExplainOptions::default()
        };
        let req = match ExplainRequest::new(self.engine(), &text, options) {
            Ok(r) => r,
            Err(e) => return self.set_status(Level::Warn, format!("cannot explain: {e}")),
        };
        self.open_plan(req);
    }

    fn open_plan(&mut self, req: ExplainRequest) {
        let flavor = Flavor::guess(self.engine());
        let stage = match req.what_runs(flavor) {
            Some(notice) => PlanStage::Confirm {
                notice,
                changes_data: req.changes_data(flavor),
            },
            None => PlanStage::Failed(String::new()),
        };
        let confirm = matches!(stage, PlanStage::Confirm { .. });
        self.chart = None;
        self.plan = Some(PlanView {
            request: req.clone(),
            stage,
            ticket: 0,
            expanded: Vec::new(),
            selected: 0,
            top: 0,
            rolled_back: false,
        });
        self.focus = Focus::Grid;
        if !confirm {
            self.plan_gate(req);
        }
    }

    /// Pass what the plan sends through the editor's gate; it starts the task when allowed.
    fn plan_gate(&mut self, req: ExplainRequest) {
        let flavor = Flavor::guess(self.engine());
        let pieces = req
            .verdicts(flavor)
            .into_iter()
            .map(|v| Piece {
                sql: v.sql.clone(),
                offset: 0,
                verdict: v,
                expect_rows: None,
            })
            .collect();
        self.guarded_explain(req, pieces);
    }

    /// The gate allowed the plan: record the intents of its writes (fail
    /// closed), then start the task on the shared session.
    pub(super) fn start_plan(&mut self, req: ExplainRequest, plan: Approved) {
        let approved = plan
            .pieces
            .iter()
            .map(|p| p.verdict.verdict)
            .max()
            .unwrap_or(Verdict::Read);
        let ids = {
            let mut records = self.records();
            let mut prompt = crate::ops::sinks::NoPrompt;
            let mut progress = crate::ops::sinks::NullProgress;
            let mut ctx = crate::ops::OpsContext {
                face: crate::ops::Face::Tui,
                records: &mut *records,
                prompt: &mut prompt,
                progress: &mut progress,
                cancel: CancellationToken::new(),
            };
            record_intents(&mut ctx, &plan, Some("explain analyze"))
        };
        let ids = match ids {
            Ok(ids) => ids,
            Err(e) => {
                self.set_status(Level::Error, format!("{e}"));
                if let Some(v) = self.plan.as_mut() {
                    v.stage = PlanStage::Failed(e.to_string());
                }
                return;
            }
        };
        self.plan_ticket += 1;
        let ticket = self.plan_ticket;
        let token = CancellationToken::new();
        let expanded = Vec::new();
        let view = PlanView {
            request: req.clone(),
            stage: PlanStage::Loading {
                started: Instant::now(),
                canceller: None,
                token: token.clone(),
            },
            ticket,
            expanded,
            selected: 0,
            top: 0,
            rolled_back: false,
        };
        self.plan = Some(view);
        self.focus = Focus::Grid;
        spawn_plan(PlanTask {
            ticket,
            plan,
            session: self.session.clone(),
            req,
            approved,
            ids,
            tx: self.job_tx.clone(),
            token,
        });
    }

    /// A message from the plan task.
    pub(super) fn on_plan(&mut self, ev: PlanEvent) {
        let Some(view) = self.plan.as_mut() else { return };
        match ev {
            PlanEvent::Started(t, c) if t == view.ticket => {
                if let PlanStage::Loading { canceller, .. } = &mut view.stage {
                    *canceller = Some(c);
                }
            }
            PlanEvent::Done(t, done, ids) if t == view.ticket => {
                self.audit_plan(&done, &ids);
                let Some(view) = self.plan.as_mut() else { return };
                view.rolled_back = done.rolled_back;
                match done.result {
                    Ok(ex) => {
                        let analysis = analyze(&ex.plan);
                        view.expanded = default_expanded(&analysis);
                        view.selected = analysis
                            .slowest
                            .and_then(|s| view_position(&analysis, &view.expanded, s))
                            .unwrap_or(0);
                        view.top = 0;
                        view.stage = PlanStage::Ready {
                            plan: Box::new(ex.plan),
                            analysis,
                        };
                    }
                    Err(e) => {
                        let cancelled =
                            matches!(&e, PlanError::Db(d) if d.code == crate::db::ErrorCode::QueryCancelled);
                        let msg = if cancelled {
                            "cancelled".to_string()
                        } else {
                            crate::sanitize::sanitize(&e.to_string()).into_owned()
                        };
                        let level = if cancelled { Level::Warn } else { Level::Error };
                        self.set_status(level, format!("plan: {msg}"));
                        if let Some(v) = self.plan.as_mut() {
                            v.stage = PlanStage::Failed(msg);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Ctrl+C while a plan is computed: cancel it. True when there was one.
    pub(super) fn cancel_plan(&mut self) -> bool {
        let Some(PlanStage::Loading { canceller, token, .. }) = self.plan.as_ref().map(|v| &v.stage) else {
            return false;
        };
        token.cancel();
        if let Some(c) = canceller.clone() {
            tokio::spawn(async move {
                let _ = c.cancel().await;
            });
        }
        self.set_status(Level::Warn, "cancelling the plan on the server…");
        true
    }

    /// True while the plan task runs (the clock ticks).
    pub fn plan_busy(&self) -> bool {
        self.plan
            .as_ref()
            .is_some_and(|v| matches!(v.stage, PlanStage::Loading { .. }))
    }

    /// Keys of the plan view; false when the key is not one of them.
    pub(super) fn plan_key(&mut self, key: KeyEvent) -> bool {
        let page = self.plan_page();
        let Some(view) = self.plan.as_mut() else { return false };
        if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
            return false;
        }
        if let PlanStage::Confirm { changes_data, .. } = view.stage {
            let rollback = match key.code {
                KeyCode::Enter => changes_data,
                KeyCode::Char('k') if changes_data => false,
                KeyCode::Esc | KeyCode::Char('q') => {
                    self.plan = None;
                    self.set_status(Level::Info, "ANALYZE cancelled; nothing was sent");
                    return true;
                }
                _ => return true,
            };
            let mut req = view.request.clone();
            req.options.rollback = rollback;
            self.plan_gate(req);
            return true;
        }
        let n = view.visible().len();
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => {
                if let PlanStage::Loading { .. } = view.stage {
                    self.cancel_plan();
                }
                self.plan = None;
            }
            KeyCode::Down | KeyCode::Char('j') => view.selected = (view.selected + 1).min(n.saturating_sub(1)),
            KeyCode::Up | KeyCode::Char('k') => view.selected = view.selected.saturating_sub(1),
            KeyCode::PageDown => view.selected = (view.selected + page).min(n.saturating_sub(1)),
            KeyCode::PageUp => view.selected = view.selected.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => view.selected = 0,
            KeyCode::End | KeyCode::Char('G') => view.selected = n.saturating_sub(1),
            KeyCode::Enter | KeyCode::Char(' ') => toggle(view, None),
            KeyCode::Right | KeyCode::Char('l') => toggle(view, Some(true)),
            KeyCode::Left | KeyCode::Char('h') => collapse_or_parent(view),
            KeyCode::Char('E') => view.expanded.iter_mut().for_each(|e| *e = true),
            KeyCode::Char('C') => {
                if let PlanStage::Ready { analysis, .. } = &view.stage {
                    view.expanded = default_expanded(analysis);
                    view.selected = 0;
                }
            }
            KeyCode::Char('a') => {
                let mut req = view.request.clone();
                req.options.analyze = true;
                req.options.rollback = false;
                self.open_plan(req);
            }
            KeyCode::Char('r') => {
                let req = view.request.clone();
                self.open_plan(req);
            }
            KeyCode::Char('i') => self.plan_node_details(),
            KeyCode::Char('y') => self.copy_plan(),
            _ => return false,
        }
        self.follow_plan();
        true
    }

    fn plan_page(&self) -> usize {
        crate::ui::plan_rows(self.panes().grid).max(1)
    }

    /// Keep the selected row on screen.
    pub(super) fn follow_plan(&mut self) {
        let h = self.plan_page();
        let Some(v) = self.plan.as_mut() else { return };
        if v.selected < v.top {
            v.top = v.selected;
        } else if v.selected >= v.top + h {
            v.top = v.selected + 1 - h;
        }
    }

    fn plan_node_details(&mut self) {
        let Some(view) = self.plan.as_ref() else { return };
        let PlanStage::Ready { plan, analysis } = &view.stage else {
            return;
        };
        let Some(i) = view.selected_node() else { return };
        let nodes = plan.root.walk();
        let n = nodes[i];
        let mut lines = vec![crate::plan::node_summary(n, &analysis.nodes[i], analysis.basis)];
        for (k, v) in &n.details {
            lines.push(format!("{k}: {v}"));
        }
        if let Some(c) = n.startup_cost {
            lines.push(format!("startup cost: {c:.2}"));
        }
        if let Some(ms) = analysis.nodes[i].self_ms {
            lines.push(format!("time in this step alone: {}", crate::plan::fmt_ms(ms)));
        }
        let text = crate::sanitize::sanitize_multiline(&lines.join("\n"));
        let title = crate::plan::node_title(n);
        self.popup = Some(super::Popup::Inspector { title, text, scroll: 0 });
    }

    fn copy_plan(&mut self) {
        let Some(view) = self.plan.as_ref() else { return };
        let PlanStage::Ready { plan, analysis } = &view.stage else {
            return;
        };
        let text = render_text(plan, analysis);
        let n = text.lines().count();
        self.effects.push(super::Effect::Clipboard(super::copy::osc52(&text)));
        self.set_status(Level::Info, format!("copied the plan ({n} lines) via OSC 52"));
    }

    fn audit_plan(&mut self, done: &Explained, ids: &[Option<i64>]) {
        let ends: Vec<_> = done
            .sent
            .iter()
            .map(|s| Some((s.outcome.clone(), s.rows_affected, s.duration)))
            .collect();
        let detail =
            serde_json::json!({"what": "explain analyze", "explain_analyze": true, "rolled_back": done.rolled_back});
        let res = complete_intents(&mut *self.records(), ids, &ends, Some(detail.to_string()));
        if let Err(e) = res {
            self.set_status(Level::Error, format!("{e}"));
        }
    }
}

/// Node indices shown when `expanded` says which nodes show their children.
fn visible_nodes(a: &Analysis, expanded: &[bool]) -> Vec<usize> {
    let mut out = Vec::with_capacity(a.nodes.len());
    let mut hidden_below: Option<usize> = None;
    for (i, f) in a.nodes.iter().enumerate() {
        if let Some(d) = hidden_below {
            if f.depth > d {
                continue;
            }
            hidden_below = None;
        }
        out.push(i);
        if !expanded.get(i).copied().unwrap_or(true) {
            hidden_below = Some(f.depth);
        }
    }
    out
}

fn view_position(a: &Analysis, expanded: &[bool], node: usize) -> Option<usize> {
    visible_nodes(a, expanded).iter().position(|i| *i == node)
}

fn toggle(view: &mut PlanView, to: Option<bool>) {
    let Some(i) = view.selected_node() else { return };
    if !view.has_children(i) {
        return;
    }
    if let Some(e) = view.expanded.get_mut(i) {
        *e = to.unwrap_or(!*e);
    }
}

fn collapse_or_parent(view: &mut PlanView) {
    let Some(i) = view.selected_node() else { return };
    if view.has_children(i) && view.expanded.get(i).copied().unwrap_or(false) {
        view.expanded[i] = false;
        return;
    }
    let parent = match &view.stage {
        PlanStage::Ready { analysis, .. } => analysis.nodes.get(i).and_then(|f| f.parent),
        _ => None,
    };
    if let Some(p) = parent
        && let Some(pos) = view.visible().iter().position(|x| *x == p)
    {
        view.selected = pos;
    }
}

struct PlanTask {
    ticket: u64,
    plan: Approved,
    session: SharedSession,
    req: ExplainRequest,
    approved: Verdict,
    ids: Vec<Option<i64>>,
    tx: mpsc::UnboundedSender<JobEvent>,
    token: CancellationToken,
}

/// Explain on the shared session (connecting first when needed); a lost connection is dropped so the next run reconnects.
fn spawn_plan(t: PlanTask) {
    tokio::spawn(async move {
        let mut guard = t.session.lock().await;
        if t.token.is_cancelled() {
            let done = failed(PlanError::Db(crate::db::DbError::new(
                crate::db::ErrorCode::QueryCancelled,
                "cancelled",
            )));
            let _ =
                t.tx.send(JobEvent::Plan(PlanEvent::Done(t.ticket, Box::new(done), t.ids)));
            return;
        }
        if guard.is_none() {
            match connect(&t.plan.spec()).await {
                Ok(s) => *guard = Some(s),
                Err(e) => {
                    let done = failed(e.into());
                    let _ =
                        t.tx.send(JobEvent::Plan(PlanEvent::Done(t.ticket, Box::new(done), t.ids)));
                    return;
                }
            }
        }
        let Some(sess) = guard.as_mut() else { return };
        let canceller: Arc<dyn Canceller> = Arc::from(sess.canceller());
        let _ =
            t.tx.send(JobEvent::Plan(PlanEvent::Started(t.ticket, canceller.clone())));
        let done = {
            let mut work = std::pin::pin!(explain(sess.as_mut(), &t.req, t.approved, t.plan.permit()));
            tokio::select! {
                d = &mut work => d,
                // A cancel can reach the server before the statement does: ask until it ends.
                () = t.token.cancelled() => loop {
                    let _ = canceller.cancel().await;
                    if let Ok(d) = tokio::time::timeout(std::time::Duration::from_millis(300), &mut work).await {
                        break d;
                    }
                },
            }
        };
        if let Err(PlanError::Db(e)) = &done.result
            && (e.code.is_connection() || e.code == crate::db::ErrorCode::DbConnLost)
        {
            *guard = None;
        }
        drop(guard);
        let _ =
            t.tx.send(JobEvent::Plan(PlanEvent::Done(t.ticket, Box::new(done), t.ids)));
    });
}

fn failed(e: PlanError) -> Explained {
    Explained {
        flavor: Flavor::Postgres,
        sent: Vec::new(),
        rolled_back: false,
        result: Err(e),
    }
}
