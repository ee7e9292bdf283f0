//! The activity view: sessions, blocking trees, top statements and health
//! of the current connection's server, refreshed every 2 s by a background
//! task on its own read-only session. The task reports through the job
//! channel; it stops (and its session closes) when the view is closed.

mod keys;

use super::query::JobEvent;
use super::{App, Level};
use crate::activity::act::Request;
use crate::activity::{Collector, REFRESH, SessionInfo, Snapshot, signal::Signal};
use crate::db::{ConnSpec, DbError, Engine, Session};
use crate::ops::run_statements::{approve, refused_entry, review};
use crate::ops::sinks::{NoPrompt, NoRecords, NullProgress, StoreRecords};
use crate::ops::{Face, OpsContext, Records, gate};
use crate::safety::gate::{AskKind, Grants, Review, Typed};
use crate::safety::{Refusal, rules};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

pub use keys::KEYS;

/// Messages from the view's background tasks.
#[derive(Debug)]
pub enum ActivityEvent {
    /// A refresh finished (view ticket, snapshot or the error that stopped it).
    Snapshot(u64, Result<Box<Snapshot>, DbError>),
    /// A cancel or terminate finished (view ticket, what was done, the outcome line).
    Signalled(u64, String, Result<String, crate::activity::act::SendError>),
}

/// Which list the view shows under the blocking trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Every session, longest-running first.
    Sessions,
    /// Top statements by total time.
    Statements,
}

/// Full text of a statement, shown over the view.
#[derive(Debug, Clone)]
pub struct Detail {
    /// What it is (`session 4711`).
    pub title: String,
    /// The text, sanitized per line when drawn.
    pub text: String,
    /// First line shown.
    pub scroll: usize,
}

/// A cancel or terminate waiting for the user's confirmation. It names the
/// session and its statement; on a read-only or prod connection it also
/// carries the rule's question and wants the connection's name typed.
#[derive(Debug, Clone)]
pub struct SignalConfirm {
    /// What to do to which session (as it was when the key was pressed).
    pub request: Request,
    /// The confirmation rule's question, when it asks (unlock on a read-only connection).
    pub rule: Option<String>,
    /// The text to type (the connection name) when the rule asks;
    /// `None` when y/Enter is enough.
    pub expect: Option<String>,
    /// Typed so far.
    pub input: String,
    ask: Option<AskKind>,
    grants: Grants,
}

/// State of the open view.
pub struct ActivityPanel {
    /// Latest snapshot.
    pub snapshot: Option<Snapshot>,
    /// Why the last refresh failed (the previous snapshot stays on screen).
    pub error: Option<String>,
    /// When the latest snapshot arrived (local wall clock, `12:35:55`).
    pub updated: Option<String>,
    /// Sessions or top statements.
    pub tab: Tab,
    /// Selected row of the current tab.
    pub selected: usize,
    /// Session id under the cursor, kept across refreshes.
    pub selected_id: Option<i64>,
    /// First row shown.
    pub scroll: usize,
    /// Leave idle sessions (not in a transaction) out of the list.
    pub hide_idle: bool,
    /// Full statement text over the view.
    pub detail: Option<Detail>,
    /// A cancel or terminate being confirmed.
    pub confirm: Option<SignalConfirm>,
    /// A cancel or terminate in flight.
    pub signalling: bool,
    /// Last action's outcome, shown in the footer.
    pub message: Option<(Level, String)>,
    ticket: u64,
    token: CancellationToken,
    wake: Arc<Notify>,
    pause: Arc<AtomicBool>,
}

impl Drop for ActivityPanel {
    fn drop(&mut self) {
        // Closing the view stops the refresher and closes its session.
        self.token.cancel();
    }
}

impl ActivityPanel {
    fn new(ticket: u64) -> ActivityPanel {
        ActivityPanel {
            snapshot: None,
            error: None,
            updated: None,
            tab: Tab::Sessions,
            selected: 0,
            selected_id: None,
            scroll: 0,
            hide_idle: false,
            detail: None,
            confirm: None,
            signalling: false,
            message: None,
            ticket,
            token: CancellationToken::new(),
            wake: Arc::new(Notify::new()),
            pause: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A view of a fixed snapshot with no refresher behind it (render tests, replays).
    pub fn showing(snapshot: Snapshot) -> ActivityPanel {
        let mut p = ActivityPanel::new(0);
        p.token.cancel();
        p.snapshot = Some(snapshot);
        p.reselect();
        p
    }

    /// Sessions shown in the list, in order.
    pub fn sessions(&self) -> Vec<&SessionInfo> {
        self.snapshot
            .iter()
            .flat_map(|s| s.sessions.iter())
            .filter(|s| !(self.hide_idle && s.state == "idle"))
            .collect()
    }

    /// Rows of the current tab.
    pub fn rows(&self) -> usize {
        match self.tab {
            Tab::Sessions => self.sessions().len(),
            Tab::Statements => self.snapshot.as_ref().map_or(0, |s| s.top.statements.len()),
        }
    }

    /// The session under the cursor.
    pub fn current(&self) -> Option<&SessionInfo> {
        (self.tab == Tab::Sessions)
            .then(|| self.sessions().get(self.selected).copied())
            .flatten()
    }

    /// Refresh now (after an action, or `r`).
    pub fn refresh_now(&self) {
        self.wake.notify_one();
    }

    /// Auto-refresh paused by the user (no catalog queries meanwhile).
    pub fn paused(&self) -> bool {
        self.pause.load(Ordering::Relaxed)
    }

    /// Pause or resume auto-refresh.
    pub fn toggle_pause(&self) {
        let was = self.pause.fetch_xor(true, Ordering::Relaxed);
        if was {
            self.refresh_now();
        }
    }

    /// Keep the selected session selected when the list changes under it.
    fn reselect(&mut self) {
        if self.tab == Tab::Sessions
            && let Some(id) = self.selected_id
            && let Some(i) = self.sessions().iter().position(|s| s.id == id)
        {
            self.selected = i;
        }
        self.selected = self.selected.min(self.rows().saturating_sub(1));
        self.selected_id = self.current().map(|s| s.id);
    }
}

impl App {
    /// Open the activity view (F10 / Alt+A) and start refreshing.
    pub(super) fn open_activity(&mut self) {
        self.activity_ticket += 1;
        let mut panel = ActivityPanel::new(self.activity_ticket);
        if self.engine() == Engine::Sqlite {
            let mut snap = Snapshot::empty(Engine::Sqlite);
            snap.supported = false;
            snap.notes.push(crate::activity::SQLITE_NOTE.into());
            panel.snapshot = Some(snap);
            panel.updated = Some(now());
        } else {
            spawn_refresher(
                panel.ticket,
                self.conn.spec.clone(),
                self.job_tx.clone(),
                panel.token.clone(),
                panel.wake.clone(),
                panel.pause.clone(),
            );
        }
        self.activity = Some(panel);
    }

    /// Close the view; its refresher stops and its session closes.
    pub(super) fn close_activity(&mut self) {
        self.activity = None;
    }

    /// A message from the view's tasks.
    pub(super) fn on_activity(&mut self, ev: ActivityEvent) {
        let Some(p) = self.activity.as_mut() else { return };
        match ev {
            ActivityEvent::Snapshot(ticket, res) if ticket == p.ticket => {
                match res {
                    Ok(snap) => {
                        p.snapshot = Some(*snap);
                        p.error = None;
                        p.updated = Some(now());
                    }
                    Err(e) => p.error = Some(crate::sanitize::sanitize(&e.message).into_owned()),
                }
                p.reselect();
            }
            ActivityEvent::Signalled(ticket, who, res) if ticket == p.ticket => {
                p.signalling = false;
                p.message = Some(match res {
                    Ok(line) => (Level::Info, format!("{line} (audited)")),
                    Err(e) => (Level::Error, format!("{who}: {e}")),
                });
                p.refresh_now();
            }
            _ => {}
        }
    }
}

impl App {
    /// `c` / `t`: cancel or terminate the selected session, after the
    /// confirmation that names it and the connection's rule.
    pub(super) fn activity_signal(&mut self, signal: Signal) {
        let Some(p) = self.activity.as_mut() else { return };
        if p.signalling {
            p.message = Some((Level::Warn, "a cancel or terminate is still in flight".into()));
            return;
        }
        let Some(session) = p.current().cloned() else {
            p.message = Some((Level::Warn, "select a session first (Tab shows the sessions)".into()));
            return;
        };
        self.activity_review(Request::new(signal, session), Grants::default(), false);
    }

    /// Apply the one confirmation rule to a request: ask (y/n naming the
    /// session; the typed name when the rule asks), refuse (audited) or send.
    fn activity_review(&mut self, request: Request, grants: Grants, confirmed: bool) {
        let target = self.target();
        let pieces = match request.pieces(target.engine()) {
            Ok(p) => p,
            Err(e) => {
                self.activity_message(Level::Error, e.to_string());
                return;
            }
        };
        let timed = self.refresh_unlock();
        match review(&target, &pieces, &grants, timed.as_ref(), Face::Tui) {
            Review::Ready(_) if !confirmed => self.activity_ask(SignalConfirm {
                request,
                rule: None,
                expect: None,
                input: String::new(),
                ask: None,
                grants,
            }),
            Review::Ready(approval) => {
                let who = format!("session {}", request.session.id);
                let plan = approve(&mut *self.records(), Face::Tui, &target, pieces, approval);
                let plan = match plan {
                    Ok(plan) => plan,
                    Err(e) => {
                        self.activity_message(Level::Error, format!("{who}: {e}; nothing was sent"));
                        return;
                    }
                };
                let Some(p) = self.activity.as_mut() else { return };
                p.signalling = true;
                p.message = Some((Level::Info, format!("{}…", request.what())));
                let meta = (
                    self.store.as_ref().map(|s| s.path().to_path_buf()),
                    self.audit_jsonl.clone(),
                );
                let (ticket, tx) = (p.ticket, self.job_tx.clone());
                tokio::spawn(async move {
                    let mut records: Box<dyn Records + Send> = match &meta.0 {
                        Some(path) => match StoreRecords::open(path, meta.1.clone()) {
                            Ok(r) => Box::new(r),
                            Err(e) => Box::new(NoRecords {
                                reason: format!("cannot open the workspace store: {e}"),
                            }),
                        },
                        None => Box::new(NoRecords {
                            reason: "no workspace store is open".into(),
                        }),
                    };
                    let mut ctx = OpsContext {
                        face: Face::Tui,
                        records: &mut *records,
                        prompt: &mut NoPrompt,
                        progress: &mut NullProgress,
                        cancel: CancellationToken::new(),
                    };
                    let res = crate::activity::act::send(&mut ctx, &plan, &request).await;
                    let _ = tx.send(JobEvent::Activity(ActivityEvent::Signalled(ticket, who, res)));
                });
            }
            Review::Ask(q) => self.activity_ask(SignalConfirm {
                request,
                rule: Some(q.message),
                expect: Some(target.name.clone()),
                input: String::new(),
                ask: Some(q.kind),
                grants,
            }),
            Review::Refused(r) => self.activity_refuse(&pieces, r),
        }
    }

    fn activity_ask(&mut self, c: SignalConfirm) {
        if let Some(p) = self.activity.as_mut() {
            p.confirm = Some(c);
        }
    }

    fn activity_message(&mut self, level: Level, text: String) {
        if let Some(p) = self.activity.as_mut() {
            p.message = Some((level, text));
        }
    }

    /// Audit a refusal and say that nothing was sent.
    fn activity_refuse(&mut self, pieces: &[crate::ops::run_statements::Piece], r: Refusal) {
        let target = self.target();
        let e = gate::refuse(&mut *self.records(), Face::Tui, refused_entry(&target, pieces), r);
        self.activity_message(Level::Error, format!("{e}; nothing was sent"));
    }

    /// Enter (or y) in the confirmation: check the typed name, then review again.
    pub(super) fn activity_confirmed(&mut self) {
        let Some(c) = self.activity.as_mut().and_then(|p| p.confirm.take()) else {
            return;
        };
        let SignalConfirm {
            request,
            expect,
            input,
            ask,
            mut grants,
            ..
        } = c;
        match (expect, ask) {
            (Some(expect), Some(kind)) => {
                if input.trim() != expect {
                    let target = self.target();
                    let r = Refusal::new(
                        rules::CONFIRM_MISMATCH,
                        format!(
                            "you typed '{}', which is not the connection name '{expect}'",
                            crate::sanitize::sanitize(input.trim())
                        ),
                    );
                    if let Ok(pieces) = request.pieces(target.engine()) {
                        self.activity_refuse(&pieces, r);
                    }
                    return;
                }
                grants.typed.push(Typed {
                    kind,
                    how: format!("typed '{expect}' in dbn ui"),
                });
                self.activity_review(request, grants, true);
            }
            _ => self.activity_review(request, grants, true),
        }
    }
}

fn now() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}

/// Refresh every [`REFRESH`] (or when woken) until `token` is cancelled;
/// while paused, send nothing until woken.
/// The snapshot is raced against the token, so closing the view also
/// cancels a catalog query in flight.
fn spawn_refresher(
    ticket: u64,
    spec: ConnSpec,
    tx: mpsc::UnboundedSender<JobEvent>,
    token: CancellationToken,
    wake: Arc<Notify>,
    pause: Arc<AtomicBool>,
) {
    tokio::spawn(async move {
        let mut collector = Collector::new(spec.engine);
        let mut session: Option<Box<dyn Session>> = None;
        loop {
            while pause.load(Ordering::Relaxed) {
                tokio::select! {
                    () = token.cancelled() => return,
                    () = wake.notified() => {}
                }
            }
            let step = async {
                if session.is_none() {
                    session = Some(crate::activity::open(&spec).await?);
                }
                match session.as_mut() {
                    Some(s) => collector.collect(s.as_mut()).await,
                    None => Err(DbError::new(crate::db::ErrorCode::DbConnLost, "no activity session")),
                }
            };
            let res = tokio::select! {
                () = token.cancelled() => return,
                r = step => r,
            };
            if let Err(e) = &res
                && (e.code.is_connection() || e.code == crate::db::ErrorCode::DbConnLost)
            {
                // Reconnect on the next refresh (server restart, dropped tunnel).
                session = None;
            }
            if tx
                .send(JobEvent::Activity(ActivityEvent::Snapshot(ticket, res.map(Box::new))))
                .is_err()
            {
                return;
            }
            tokio::select! {
                () = token.cancelled() => return,
                () = tokio::time::sleep(REFRESH) => {}
                () = wake.notified() => {}
            }
        }
    });
}
