//! The event loop: input first (so row floods never starve keys), then
//! signals, then a frame when something changed, then database batches and
//! job events. Idle means no wake-ups except the input thread's poll.

use super::error::{AppError, ConnectionsError};
use super::popup::ConnEntry;
use super::{App, ConnInfo, Effect, Level, Receivers};
use crate::overview::Entry;
use crate::tui::{Input, TerminalGuard, draw_synced, write_raw};
use std::io;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

/// Where saved connections come from when the user switches live.
pub trait Connections {
    /// Saved connections for the selector.
    fn list(&mut self) -> Result<Vec<ConnEntry>, ConnectionsError>;
    /// A connection with its password resolved.
    fn resolve(&mut self, name: &str) -> Result<ConnInfo, ConnectionsError>;

    /// Every saved connection for the start screen, resolved (an entry
    /// whose secret cannot be read carries the reason).
    fn overview_entries(&mut self) -> Result<Vec<Entry>, ConnectionsError> {
        let list = self.list()?;
        Ok(list
            .into_iter()
            .map(|c| {
                // The overview keeps the reason as the text it shows.
                let resolved = self.resolve(&c.name).map(|i| i.spec).map_err(|e| e.to_string());
                Entry {
                    engine: resolved
                        .as_ref()
                        .map(|s| s.engine)
                        .ok()
                        .or_else(|| crate::db::Engine::parse(&c.engine).ok())
                        .unwrap_or(crate::db::Engine::Postgres),
                    target: resolved.as_ref().map(|s| s.display_target()).unwrap_or_default(),
                    spec: resolved,
                    name: c.name,
                    tag: c.tag,
                    color: None,
                    read_only: c.read_only,
                }
            })
            .collect())
    }
}

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit.
    Quit,
    /// SIGTERM or SIGHUP.
    Signal,
}

/// Run the app until it quits or a signal arrives. The guard restores the terminal when dropped by the caller.
pub async fn run(
    guard: &mut TerminalGuard,
    app: &mut App,
    mut rx: Receivers,
    conns: &mut dyn Connections,
) -> io::Result<Ended> {
    let mut input = Input::spawn();
    let mut term_sig = signal(SignalKind::terminate())?;
    let mut hup_sig = signal(SignalKind::hangup())?;
    let mut frame = tokio::time::interval(Duration::from_millis(16));
    frame.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut clock = tokio::time::interval(Duration::from_millis(250));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    app.start();
    for effect in std::mem::take(&mut app.effects) {
        perform(effect, guard, app, conns, &mut input)?;
    }
    draw(guard, app)?;
    let ended = loop {
        if app.quit {
            break Ended::Quit;
        }
        tokio::select! {
            biased;
            ev = input.rx.recv() => match ev {
                Some(ev) => {
                    app.on_term(ev);
                    // Take every queued key before drawing, so typing ahead stays fast.
                    while let Ok(ev) = input.rx.try_recv() {
                        app.on_term(ev);
                    }
                }
                None => break Ended::Quit,
            },
            _ = term_sig.recv() => break Ended::Signal,
            _ = hup_sig.recv() => break Ended::Signal,
            _ = frame.tick(), if app.dirty() => draw(guard, app)?,
            Some(ev) = rx.db.recv() => app.on_db(ev),
            Some(ev) = rx.jobs.recv() => app.on_job(ev),
            Some(ev) = rx.overview.recv() => app.on_overview(ev),
            _ = clock.tick(), if app.ticking() => app.on_tick(),
        }
        for effect in std::mem::take(&mut app.effects) {
            perform(effect, guard, app, conns, &mut input)?;
        }
    };
    // Nothing of ours keeps running on the server: cancel, roll back, close.
    // After a hangup the terminal is gone, so no frame is drawn here.
    if ended == Ended::Quit && (app.running.is_some() || app.transaction_open().is_some()) {
        app.set_status_pub(Level::Warn, "cancelling and rolling back before exit…");
        let _ = draw(guard, app);
    }
    app.shutdown(&mut rx, SHUTDOWN_LIMIT).await;
    Ok(ended)
}

/// Longest the exit waits for the server to cancel and roll back.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(5);

fn draw(guard: &mut TerminalGuard, app: &mut App) -> io::Result<()> {
    let size = guard.terminal.size()?;
    let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
    if area != app.size {
        app.size = area;
        app.after_move();
    }
    draw_synced(&mut guard.terminal, |f| crate::ui::draw(f, app))?;
    app.drawn();
    Ok(())
}

fn perform(
    effect: Effect,
    guard: &mut TerminalGuard,
    app: &mut App,
    conns: &mut dyn Connections,
    input: &mut Input,
) -> io::Result<()> {
    match effect {
        Effect::Clipboard(seq) => write_raw(&mut guard.terminal, &seq)?,
        Effect::ListConnections => match conns.list() {
            Ok(items) if !items.is_empty() => app.show_connections(items),
            Ok(_) => app.set_status_pub(Level::Warn, "no saved connections: add one with `dbn connect add`"),
            Err(e) => app.set_status_pub(Level::Error, e.to_string()),
        },
        Effect::LoadOverview => match conns.overview_entries() {
            Ok(mut entries) if !entries.is_empty() => {
                app.refresh_conn_colors();
                for e in &mut entries {
                    e.color = app.conn_colors.get(&e.name).cloned();
                }
                app.show_start_screen(entries);
            }
            Ok(_) => app.set_status_pub(Level::Warn, "no saved connections: add one with `dbn connect add`"),
            Err(e) => app.set_status_pub(Level::Error, e.to_string()),
        },
        Effect::SwitchConnection(name) => match conns.resolve(&name) {
            Ok(info) => {
                app.connected_once = true;
                app.switch_to(info);
            }
            Err(e) => app.set_status_pub(Level::Error, format!("cannot switch to '{name}': {e}")),
        },
        Effect::SyncTargets => match conns.list() {
            Ok(items) => app.show_sync_targets(items),
            Err(e) => app.set_status_pub(Level::Error, e.to_string()),
        },
        Effect::SnapshotSources => {
            // Without saved connections the panel still compares snapshots and live.
            if let Ok(items) = conns.list() {
                app.snapshot_sources(items);
            }
        }
        Effect::ResolveSnapshotSource(name) => {
            let res = open(conns, &name);
            app.snapshot_source_resolved(name, res);
        }
        Effect::ResolveSyncTarget(name) => app.sync_target_resolved(open(conns, &name)),
        Effect::ResolveRestoreTarget(name) => app.restore_target_resolved(open(conns, &name)),
        Effect::ExternalEditor => {
            let text = app.editor.buf().text();
            input.pause();
            guard.suspend();
            let res = edit_externally(&text);
            guard.resume()?;
            input.resume();
            match res {
                Ok(new) => {
                    let b = app.editor.buf_mut();
                    b.set_text(new.trim_end_matches('\n'));
                }
                Err(e) => app.set_status_pub(Level::Error, e.to_string()),
            }
            app.after_move();
            app.mark_dirty();
        }
    }
    Ok(())
}

/// A saved connection, resolved for a panel.
fn open(conns: &mut dyn Connections, name: &str) -> Result<ConnInfo, AppError> {
    conns.resolve(name).map_err(|source| AppError::Open {
        name: name.to_string(),
        source,
    })
}

/// Why the external editor did not hand back a buffer.
#[derive(Debug, thiserror::Error)]
enum ExternalEditError {
    #[error("cannot create a temporary file: {0}")]
    Create(std::io::Error),
    #[error("cannot write the temporary file: {0}")]
    Write(std::io::Error),
    #[error("cannot start editor '{editor}': {source}; set $EDITOR")]
    Start { editor: String, source: std::io::Error },
    #[error("editor '{editor}' exited with {status}; buffer unchanged")]
    Exit {
        editor: String,
        status: std::process::ExitStatus,
    },
    #[error("cannot read the edited file: {0}")]
    Read(std::io::Error),
}

fn edit_externally(text: &str) -> Result<String, ExternalEditError> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| "vi".into());
    let file = tempfile::Builder::new()
        .suffix(".sql")
        .tempfile()
        .map_err(ExternalEditError::Create)?;
    std::fs::write(file.path(), text).map_err(ExternalEditError::Write)?;
    let mut parts = editor.split_whitespace();
    let prog = parts.next().unwrap_or("vi");
    let status = std::process::Command::new(prog)
        .args(parts)
        .arg(file.path())
        .status()
        .map_err(|source| ExternalEditError::Start {
            editor: editor.clone(),
            source,
        })?;
    if !status.success() {
        return Err(ExternalEditError::Exit { editor, status });
    }
    std::fs::read_to_string(file.path()).map_err(ExternalEditError::Read)
}

impl App {
    /// Set the status line (for the loop and embedders).
    pub fn set_status_pub(&mut self, level: Level, text: impl Into<String>) {
        self.set_status(level, text);
        self.mark_dirty();
    }
}
