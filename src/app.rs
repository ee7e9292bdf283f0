//! Application state and input handling. The event loop (`run`) feeds
//! terminal input, database batches and job events in; drawing reads the
//! state through `&App` only.

mod actions;
pub mod activity;
pub mod chart;
mod complete;
pub mod copy;
pub mod cursor;
mod dock;
pub mod edit;
pub mod editor;
pub mod error;
mod events;
mod find;
pub mod fuzzy;
pub mod grid;
pub mod guard;
mod input;
pub mod messages;
pub mod plan_view;
mod popup;
pub mod query;
pub mod results;
mod run;
mod session_store;
mod shutdown;
pub mod snapshots;
pub mod start;
pub mod sync_preview;
pub mod tree;
pub mod txn;

pub use events::{fmt_elapsed, fmt_elapsed_short, rows_text};
pub use popup::{ConnEntry, Popup, PromptPurpose, ViewerKind, palette_matches};
pub use run::{Connections, Ended, run};
pub use shutdown::ShutdownReport;

use crate::db::{Canceller, ConnSpec, Engine};
use crate::keymap::{Context, KeyPress, Keymap, Lookup};
use crate::store::Store;
use crate::store::connections::Tag;
use crate::ui::theme::Theme;
use query::{DbEvent, JobEvent, SharedSession, Statement};
use ratatui::layout::Rect;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Schema tree.
    Tree,
    /// SQL editor.
    Editor,
    /// Result grid.
    Grid,
    /// The docked side panel (snapshots, backups, data sync).
    Panel,
}

impl Focus {
    fn context(self) -> Context {
        match self {
            Focus::Tree => Context::Tree,
            Focus::Editor => Context::Editor,
            Focus::Grid => Context::Grid,
            Focus::Panel => Context::Global,
        }
    }
}

/// How the screen is shared: a docked panel and its size, a zoomed pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dock {
    /// A side panel is open.
    pub panel: bool,
    /// Its share of the screen, in percent (of the width when docked right, of the height at the bottom).
    pub percent: u16,
    /// The pane that takes the whole screen, if any.
    pub zoom: Option<Focus>,
}

/// The connection the app talks to.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// Saved name (or a description for ad-hoc targets).
    pub name: String,
    /// Environment tag.
    pub tag: Tag,
    /// Read-only connection.
    pub read_only: bool,
    /// Spec with the password resolved.
    pub spec: ConnSpec,
}

/// Severity of the status message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Informational.
    Info,
    /// Needs attention.
    Warn,
    /// Something failed.
    Error,
}

/// A query run in progress.
pub struct Running {
    /// Ticket of the run.
    pub ticket: u64,
    /// When it started.
    pub started: Instant,
    /// Start time for history.
    pub started_at: String,
    /// Rows received.
    pub rows: u64,
    /// Server-side cancel, once connected.
    pub canceller: Option<Arc<dyn Canceller>>,
    /// Local cancel.
    pub token: CancellationToken,
    /// Statements of the run.
    pub stmts: Vec<Statement>,
    /// Cancel requested.
    pub cancelling: bool,
    /// Writes on a read-only connection are unlocked for this run.
    pub unlocked: bool,
}

/// What the last finished run did.
#[derive(Debug, Clone)]
pub struct LastRun {
    /// Rows fetched or affected.
    pub rows: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Command tag of the last statement.
    pub tag: Option<String>,
}

/// Side effects the event loop performs on the terminal or the outside world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Put text on the clipboard through OSC 52.
    Clipboard(String),
    /// Open the buffer in $EDITOR.
    ExternalEditor,
    /// List saved connections for the selector.
    ListConnections,
    /// Switch to a saved connection.
    SwitchConnection(String),
    /// List saved connections as data sync targets.
    SyncTargets,
    /// Resolve a saved connection as the data sync target.
    ResolveSyncTarget(String),
    /// List saved connections as sides of a schema comparison (F7).
    SnapshotSources,
    /// Resolve a saved connection picked as a side of a schema comparison.
    ResolveSnapshotSource(String),
    /// Resolve a saved connection chosen as the target of a backup restore.
    ResolveRestoreTarget(String),
    /// Show the start screen (connection overview).
    LoadOverview,
}

/// Settings the app starts with.
pub struct Options {
    /// Keymap (preset plus overrides).
    pub keymap: Keymap,
    /// Theme.
    pub theme: Theme,
    /// LIMIT for table previews.
    pub preview_limit: u32,
    /// Metadata store for history, saved queries and the audit log.
    pub store: Option<Store>,
    /// Mirror of the audit log (`.dbnexus/logs/audit.jsonl`), when enabled.
    pub audit_jsonl: Option<std::path::PathBuf>,
}

/// The whole application state.
pub struct App {
    /// Current connection.
    pub conn: ConnInfo,
    /// Shared query session.
    pub session: SharedSession,
    /// Key bindings.
    pub keymap: Keymap,
    /// Colours.
    pub theme: Theme,
    /// Focused pane.
    pub focus: Focus,
    /// Editor buffers.
    pub editor: editor::EditorState,
    /// Result grid.
    pub grid: grid::GridState,
    /// Schema tree.
    pub tree: tree::TreeState,
    /// Open overlay.
    pub popup: Option<Popup>,
    /// Query in progress.
    pub running: Option<Running>,
    /// Last finished run.
    pub last_run: Option<LastRun>,
    /// Status message.
    pub status: Option<(Level, String)>,
    /// Export in progress: rows written.
    pub export_rows: Option<u64>,
    /// Terminal size.
    pub size: Rect,
    /// LIMIT for previews.
    pub preview_limit: u32,
    /// Metadata store.
    pub store: Option<Store>,
    /// Set when the user quits.
    pub quit: bool,
    /// The database's timed unlock in force (status line countdown); a
    /// one-run unlock lives in [`Running::unlocked`] only.
    pub unlock: Option<crate::store::unlocks::Unlock>,
    /// When `unlock` was last read from the store.
    pub unlock_checked: Option<Instant>,
    /// Audit log mirror file.
    pub audit_jsonl: Option<std::path::PathBuf>,
    /// Effects for the loop.
    pub effects: Vec<Effect>,
    /// Schema snapshots panel, when open.
    pub snapshots: Option<snapshots::SnapshotPanel>,
    /// Data sync panel, when open.
    pub sync: Option<sync_preview::SyncPanel>,
    /// Activity view, when open.
    pub activity: Option<activity::ActivityPanel>,
    activity_ticket: u64,
    sync_confirmed: Option<(String, Instant)>,
    /// The start screen, when shown.
    pub start_screen: Option<start::StartScreen>,
    /// A connection has been opened (so the start screen may be closed).
    pub connected_once: bool,
    /// Colours of saved connections (name -> colour), for tinting.
    pub conn_colors: std::collections::HashMap<String, String>,
    overview_tx: mpsc::UnboundedSender<start::OverviewEvent>,
    /// Where result pages spill and how large they may grow.
    pub spill: results::SpillSettings,
    /// Every message of the session in full.
    pub messages: messages::MessageLog,
    /// A transaction is open on the query session, since then.
    tx_since: Option<Instant>,
    /// Share of the screen the docked panel takes, in percent.
    pub panel_percent: u16,
    /// The focused pane takes the whole screen.
    pub zoom: bool,
    /// A panel was open at the last key (a newly opened one takes the focus).
    panel_seen: bool,
    /// A statement of the run changed the schema: reload the tree when it ends.
    schema_stale: bool,
    /// Query plan shown in the grid's place, when open.
    pub plan: Option<plan_view::PlanView>,
    plan_ticket: u64,
    /// Chart of the result shown in the grid's place, when open.
    pub chart: Option<chart::ChartView>,
    chart_ticket: u64,
    /// Staged grid edits and their dialogs.
    pub edits: Option<edit::EditState>,
    /// Cancels a running commit of the staged edits.
    pub edits_token: Option<CancellationToken>,
    /// What a commit of the edits did, kept in the status of the re-run that follows it.
    pub edits_committed: Option<String>,
    dirty: bool,
    ticket: u64,
    grid_ticket: u64,
    /// Ticket of a run stopped because its result reached the page file's cap.
    capped_run: Option<u64>,
    schema_ticket: u64,
    export_token: Option<CancellationToken>,
    db_tx: mpsc::Sender<DbEvent>,
    job_tx: mpsc::UnboundedSender<JobEvent>,
}

/// Channels the loop reads from.
pub struct Receivers {
    /// Query batches.
    pub db: mpsc::Receiver<DbEvent>,
    /// Background jobs.
    pub jobs: mpsc::UnboundedReceiver<JobEvent>,
    /// Start screen checks.
    pub overview: mpsc::UnboundedReceiver<start::OverviewEvent>,
}

impl App {
    /// A new app for `conn`; nothing is started until `start`.
    pub fn new(conn: ConnInfo, opts: Options, size: Rect) -> (App, Receivers) {
        // Bounded: a fast server waits for the UI instead of filling memory.
        let (db_tx, db) = mpsc::channel(8);
        let (job_tx, jobs) = mpsc::unbounded_channel();
        let (overview_tx, overview) = mpsc::unbounded_channel();
        let mut tree = tree::TreeState {
            root: conn.name.clone(),
            ..Default::default()
        };
        tree.loading = false;
        let mut app = App {
            conn,
            session: Arc::new(tokio::sync::Mutex::new(None)),
            keymap: opts.keymap,
            theme: opts.theme,
            focus: Focus::Editor,
            editor: editor::EditorState::default(),
            grid: grid::GridState::default(),
            tree,
            popup: None,
            running: None,
            last_run: None,
            status: None,
            export_rows: None,
            size,
            preview_limit: opts.preview_limit,
            store: opts.store,
            quit: false,
            unlock: None,
            unlock_checked: None,
            audit_jsonl: opts.audit_jsonl,
            effects: Vec::new(),
            snapshots: None,
            sync: None,
            activity: None,
            activity_ticket: 0,
            sync_confirmed: None,
            start_screen: None,
            connected_once: true,
            conn_colors: Default::default(),
            overview_tx,
            spill: results::SpillSettings::default(),
            messages: messages::MessageLog::default(),
            tx_since: None,
            panel_percent: 45,
            zoom: false,
            panel_seen: false,
            schema_stale: false,
            plan: None,
            plan_ticket: 0,
            chart: None,
            chart_ticket: 0,
            edits: None,
            edits_token: None,
            edits_committed: None,
            dirty: true,
            ticket: 0,
            grid_ticket: 0,
            capped_run: None,
            schema_ticket: 0,
            export_token: None,
            db_tx,
            job_tx,
        };
        app.restore_session();
        (app, Receivers { db, jobs, overview })
    }

    /// Start background work (schema introspection). Needs a tokio runtime.
    /// On the start screen nothing connects until a connection is picked.
    pub fn start(&mut self) {
        self.refresh_conn_colors();
        if !self.connected_once {
            self.request_start_screen();
            return;
        }
        // A timed unlock granted elsewhere (`dbn unlock`, `--unlock-minutes`) shows at once.
        self.refresh_unlock();
        self.reload_schema();
    }

    /// Open on the start screen instead of the initial connection.
    pub fn begin_on_start_screen(&mut self) {
        self.connected_once = false;
    }

    /// Reload the saved connections' colours from the store.
    pub fn refresh_conn_colors(&mut self) {
        if let Some(all) = self.store.as_ref().and_then(|s| s.list_connections().ok()) {
            self.conn_colors = all.into_iter().filter_map(|r| Some((r.name, r.color?))).collect();
        }
    }

    /// The current connection's colour, if it has one.
    pub fn conn_color(&self) -> Option<&str> {
        self.conn_colors.get(&self.conn.name).map(String::as_str)
    }

    /// Something changed since the last frame.
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    /// Mark the screen as needing a redraw.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// A frame was drawn.
    pub fn drawn(&mut self) {
        self.dirty = false;
    }

    /// The engine of the current connection.
    pub fn engine(&self) -> Engine {
        self.conn.spec.engine
    }

    fn set_status(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        self.messages.push(level, &text);
        self.status = Some((level, crate::sanitize::sanitize(&text).into_owned()));
    }

    /// Keep cursors visible and the grid's pages loaded after any move or resize.
    pub fn after_move(&mut self) {
        self.sync_new_rows();
        let panes = self.panes();
        let (eh, ew) = crate::ui::editor_view(panes.editor, self.editor.buf());
        self.editor.buf_mut().follow_cursor(eh, ew);
        let (gh, gw) = crate::ui::grid_view(panes.grid, &self.grid);
        self.grid.follow(gh, gw);
        if let Err(e) = self.grid.prefetch(gh) {
            self.set_status(Level::Error, format!("cannot read the result page file: {e}"));
        }
        if let Some(t) = panes.tree {
            self.tree.follow(usize::from(t.height.saturating_sub(3)));
        }
    }

    /// How the screen is shared now.
    pub fn dock(&self) -> Dock {
        Dock {
            panel: self.panel_open(),
            percent: self.panel_percent,
            zoom: self.zoom.then_some(self.focus),
        }
    }

    /// Where each pane is now.
    pub fn panes(&self) -> crate::ui::Panes {
        crate::ui::layout_docked(self.size, self.dock())
    }

    /// A side panel (snapshots, backups, data sync) is open.
    pub fn panel_open(&self) -> bool {
        self.snapshots.is_some() || self.sync.is_some()
    }

    /// Rows per grid page for paging keys.
    fn grid_page(&self) -> usize {
        crate::ui::grid_view(self.panes().grid, &self.grid).0.max(1)
    }

    fn tree_page(&self) -> usize {
        self.panes()
            .tree
            .map_or(10, |t| usize::from(t.height.saturating_sub(3)).max(1))
    }

    /// Periodic update while something runs (elapsed time in the status line)
    /// or an unlock counts down.
    pub fn on_tick(&mut self) {
        if self.busy() {
            self.dirty = true;
        }
        if let Some(u) = &self.unlock {
            self.dirty = true;
            // Ended elsewhere (`dbn unlock --end`) or expired: read it again now and then.
            let stale = self
                .unlock_checked
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(2));
            if u.seconds_left() == 0 || stale {
                self.refresh_unlock();
            }
        }
    }

    /// True while the status line has a clock to update.
    pub fn ticking(&self) -> bool {
        self.busy() || self.unlock.is_some()
    }

    /// True while a query, export or scan is in flight or a transaction is open (the loop then ticks the clock).
    pub fn busy(&self) -> bool {
        self.running.is_some()
            || self.tx_since.is_some()
            || self.export_rows.is_some()
            || self.panel_busy()
            || self.grid.tabs.iter().any(|t| t.scan.is_some())
            || self.edits_token.is_some()
    }

    /// True while a panel waits for a background task (introspection, migration).
    pub fn panel_busy(&self) -> bool {
        self.snapshots.as_ref().is_some_and(|p| {
            p.live_loading
                || !p.remote_loading.is_empty()
                || p.apply.as_ref().is_some_and(|a| a.running)
                || p.backups.as_ref().is_some_and(|b| {
                    b.loading
                        || b.restore.as_ref().is_some_and(|r| r.running)
                        || b.setup.as_ref().is_some_and(|s| s.loading)
                })
        }) || self.sync_busy()
            || self.plan_busy()
            || self.chart_busy()
    }
}
