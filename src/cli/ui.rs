//! `dbn ui [--conn NAME]` and bare `dbn`: open the TUI.

use super::{Ctx, ExitCode, Failure};
use crate::app::error::ConnectionsError;
use crate::app::{App, ConnEntry, ConnInfo, Connections, Options};
use crate::keymap::Keymap;
use crate::store::Store;
use crate::tui::TerminalGuard;
use crate::ui::theme::Theme;
use anyhow::{Context as _, Result};
use std::io::IsTerminal;

/// Arguments of `dbn ui`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  dbn                 # default connection, else the first saved one, else the demo database\n  dbn ui --conn prod  # open a saved connection"
)]
pub struct Args {
    /// Saved connection to open.
    #[arg(long, short = 'c', value_name = "NAME")]
    pub conn: Option<String>,
}

/// Open the TUI.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    run_tui(ctx, args.conn)
}

/// Open the TUI on `conn` (a saved connection name), or on the configured
/// default, the first saved connection, or the workspace demo database.
pub fn run_tui(ctx: &mut Ctx, conn: Option<String>) -> Result<ExitCode> {
    let cfg = ctx.config()?.clone();
    let data_dir = ctx.workspace()?.data_dir();
    let keymap = Keymap::load(&cfg.ui.keymap, &Keymap::override_paths(Some(&data_dir)))
        .map_err(|e| Failure::usage(format!("{e}. Fix the keymap file or remove it to use the defaults")))?;
    let mut theme_dirs = vec![data_dir.join("themes")];
    theme_dirs.extend(crate::config::user_config_dir().map(|d| d.join("themes")));
    let mut theme = Theme::load(&cfg.ui.theme, &theme_dirs).map_err(|e| Failure::usage(e.to_string()))?;
    if ctx.no_color {
        theme = theme.without_color();
    }
    // Configuration errors first: they are worth reporting even without a terminal.
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "the dbn console needs a terminal (stdin and stdout are not a TTY); use `dbn query` in scripts",
        )
        .into());
    }
    // Several connections and none chosen: start on the overview, and open
    // nothing until the user picks one.
    let start_screen =
        conn.is_none() && ctx.config()?.default_connection.is_none() && ctx.store()?.list_connections()?.len() > 1;
    let info = if start_screen {
        placeholder(ctx)?
    } else {
        initial_connection(ctx, conn)?
    };
    let store = Store::open(&ctx.workspace()?.metadata_db()).ok();
    let audit_jsonl = ctx.audit_jsonl()?;
    let opts = Options {
        audit_jsonl,
        keymap,
        theme,
        preview_limit: cfg.ui.preview_limit,
        store,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut guard = TerminalGuard::enter(cfg.ui.mouse).context("cannot switch the terminal to full-screen mode")?;
    let size = guard.terminal.size().unwrap_or_default();
    let area = ratatui::layout::Rect::new(0, 0, size.width, size.height);
    let ended = {
        let _enter = rt.enter();
        let (mut app, rx) = App::new(info, opts, area);
        app.spill = crate::app::results::SpillSettings::new(
            cfg.ui.spill_dir.as_ref().map(std::path::PathBuf::from),
            cfg.ui.spill_cap_mb,
        );
        if start_screen {
            app.begin_on_start_screen();
        }
        let mut conns = CtxConnections { ctx };
        rt.block_on(crate::app::run(&mut guard, &mut app, rx, &mut conns))
    };
    drop(guard);
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    match ended? {
        crate::app::Ended::Quit => Ok(ExitCode::Ok),
        crate::app::Ended::Signal => Ok(ExitCode::Interrupted),
    }
}

struct CtxConnections<'a> {
    ctx: &'a mut Ctx,
}

impl Connections for CtxConnections<'_> {
    fn list(&mut self) -> Result<Vec<ConnEntry>, ConnectionsError> {
        let recs = self
            .ctx
            .store()
            .and_then(|s| Ok(s.list_connections()?))
            .map_err(ConnectionsError::new)?;
        Ok(recs
            .into_iter()
            .map(|r| ConnEntry {
                name: r.name,
                engine: r.engine.as_str().to_string(),
                tag: r.tag,
                read_only: r.read_only,
            })
            .collect())
    }

    fn resolve(&mut self, name: &str) -> Result<ConnInfo, ConnectionsError> {
        resolve_saved(self.ctx, name).map_err(ConnectionsError::new)
    }
}

/// The first saved connection, unresolved: what the app holds while the
/// start screen is up (it never connects with it).
fn placeholder(ctx: &mut Ctx) -> Result<ConnInfo> {
    let first = ctx
        .store()?
        .list_connections()?
        .into_iter()
        .next()
        .context("no saved connection")?;
    Ok(ConnInfo {
        spec: first.spec()?,
        name: first.name,
        tag: first.tag,
        read_only: first.read_only,
    })
}

fn initial_connection(ctx: &mut Ctx, conn: Option<String>) -> Result<ConnInfo> {
    let name = match conn {
        Some(n) => Some(n),
        None => match ctx.config()?.default_connection.clone() {
            Some(n) => Some(n),
            None => ctx.store()?.list_connections()?.into_iter().next().map(|r| r.name),
        },
    };
    let name = match name {
        Some(n) => n,
        None => {
            super::demo::ensure_demo(ctx, false)?;
            super::demo::DEMO_CONNECTION.to_string()
        }
    };
    resolve_saved(ctx, &name)
}

/// A saved connection with its password from the secret store.
fn resolve_saved(ctx: &mut Ctx, name: &str) -> Result<ConnInfo> {
    let (rec, spec) = super::resolve::resolve_saved(ctx, name)?;
    Ok(ConnInfo {
        name: rec.name,
        tag: rec.tag,
        read_only: rec.read_only,
        spec,
    })
}
