//! `dbn activity`: what the server is doing now (sessions, blocking trees,
//! top statements, health), once or every N seconds, as text or JSON.

mod render;
mod signal;

use super::resolve::{Target, resolve};
use super::{Ctx, ExitCode};
use crate::activity::{Collector, Snapshot, TOP_EVERY, signal::Signal};
use crate::db::Engine;
use anyhow::Result;
use std::io::{IsTerminal, Write};
use std::time::Duration;

pub use render::{Layout, health, render};

/// Arguments of `dbn activity`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn activity --conn prod
  dbn activity --conn prod --watch 2
  dbn activity --conn prod --json | jq '.blocking[0]'
  dbn activity --conn prod --watch 5 --json >> activity.jsonl

The first lines name the root blocker and how many sessions wait on it.
Sessions are listed longest-running first; '!' marks idle in transaction.
Activity is read on a separate read-only session. With --watch, --json
prints one document per line (JSON Lines); Ctrl-C stops.

  dbn activity cancel 4711 --conn prod --unlock-writes
  dbn activity terminate 4711 --conn dev

cancel and terminate are writes: the connection's confirmation rule
applies (the typed name on a read-only or prod connection) and they are
audited with the session and its statement.")]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// Act on one session instead of showing activity.
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Saved connection name.
    #[arg(long, short = 'c', conflicts_with = "url")]
    pub conn: Option<String>,
    /// Connection URL (defaults: DATABASE_URL, then PG* variables).
    #[arg(long)]
    pub url: Option<String>,
    /// Print the snapshot as JSON (format documented in the README).
    #[arg(long)]
    pub json: bool,
    /// Refresh every SECONDS until interrupted (decimals allowed, at least 0.5).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub watch: Option<Duration>,
    /// Leave out idle sessions that are not in a transaction (text output).
    #[arg(long)]
    pub hide_idle: bool,
}

/// Acting on a session: a write, confirmed and audited.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Cancel the running statement of a session (Postgres pg_cancel_backend, MariaDB KILL QUERY); the session stays connected
    #[command(after_help = "Examples:
  dbn activity cancel 4711 --conn dev
  dbn activity cancel 4711 --conn prod --unlock-writes
  dbn activity cancel 4711 --conn prod --unlock-writes --confirm prod

A write: the connection's confirmation rule applies and it is audited,
naming the session and its statement.")]
    Cancel(SignalArgs),
    /// Terminate a session (pg_terminate_backend, KILL CONNECTION), rolling back its open transaction
    #[command(after_help = "Examples:
  dbn activity terminate 4711 --conn dev
  dbn activity terminate 4711 --conn prod --unlock-writes --confirm prod

A write: the connection's confirmation rule applies and it is audited,
naming the session and its statement.")]
    Terminate(SignalArgs),
}

/// Arguments of `dbn activity cancel|terminate`.
#[derive(Debug, clap::Args)]
pub struct SignalArgs {
    /// Session id as `dbn activity` shows it (Postgres pid, MariaDB connection id).
    #[arg(value_name = "ID")]
    pub id: String,
    /// Saved connection name.
    #[arg(long, short = 'c', conflicts_with = "url")]
    pub conn: Option<String>,
    /// Connection URL (defaults: DATABASE_URL, then PG* variables).
    #[arg(long)]
    pub url: Option<String>,
    /// Safety: unlocking writes and confirmations.
    #[command(flatten)]
    pub safety: super::guard::SafetyArgs,
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds (e.g. 2 or 0.5)"))?;
    if !(0.5..=86_400.0).contains(&v) {
        return Err(format!("--watch takes 0.5 to 86400 seconds, not {s}"));
    }
    Ok(Duration::from_secs_f64(v))
}

/// Run `dbn activity`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    match args.action {
        Some(Action::Cancel(a)) => return signal::run(Signal::Cancel, a, ctx),
        Some(Action::Terminate(a)) => return signal::run(Signal::Terminate, a, ctx),
        None => {}
    }
    ctx.json_errors = args.json;
    let target = resolve(ctx, args.conn.as_deref(), args.url.as_deref())?;
    let color = !args.json && !ctx.no_color && std::io::stdout().is_terminal();
    let rt = super::runtime()?;
    rt.block_on(watch(&target, &args, color))
}

/// Characters per line: the terminal's width, or a wide default for pipes.
fn width() -> usize {
    if std::io::stdout().is_terminal()
        && let Ok((w, _)) = ratatui::crossterm::terminal::size()
    {
        return usize::from(w).max(40);
    }
    200
}

async fn watch(target: &Target, args: &Args, color: bool) -> Result<ExitCode> {
    let engine = target.spec.engine;
    if engine == Engine::Sqlite {
        let mut snap = Snapshot::empty(engine);
        snap.supported = false;
        snap.notes.push(crate::activity::SQLITE_NOTE.into());
        return Ok(print(&snap, target, args, color, false)
            .err_as_exit()
            .unwrap_or(ExitCode::Ok));
    }
    let top_every = if args.watch.is_some() {
        TOP_EVERY
    } else {
        Duration::ZERO
    };
    let mut collector = Collector::new(engine).top_every(top_every);
    let mut session = Some(crate::activity::open(&target.spec).await?);
    loop {
        let result = match session.as_mut() {
            Some(s) => collector.collect(s.as_mut()).await,
            None => match crate::activity::open(&target.spec).await {
                Ok(mut s) => {
                    let r = collector.collect(s.as_mut()).await;
                    session = Some(s);
                    r
                }
                Err(e) => Err(e),
            },
        };
        match (result, args.watch) {
            (Ok(snap), watching) => {
                if let Some(code) = print(&snap, target, args, color, watching.is_some()).err_as_exit() {
                    return Ok(code);
                }
            }
            (Err(e), None) => return Err(e.into()),
            (Err(e), Some(_)) => {
                // Keep watching through a restart or a dropped tunnel.
                eprintln!(
                    "{}: {}; retrying",
                    chrono::Utc::now().format("%H:%M:%S"),
                    crate::sanitize::sanitize(&e.message)
                );
                session = None;
            }
        }
        let Some(every) = args.watch else {
            return Ok(ExitCode::Ok);
        };
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::Ok),
        }
    }
}

/// A write to a closed pipe (`| head`) ends the command normally.
trait ExitOnPipe {
    fn err_as_exit(self) -> Option<ExitCode>;
}

impl ExitOnPipe for Result<()> {
    fn err_as_exit(self) -> Option<ExitCode> {
        match self {
            Ok(_) => None,
            Err(e) => match e.downcast_ref::<std::io::Error>() {
                Some(io) if io.kind() == std::io::ErrorKind::BrokenPipe => Some(ExitCode::Ok),
                _ => {
                    eprintln!("{e:#}");
                    Some(ExitCode::QueryError)
                }
            },
        }
    }
}

fn print(snap: &Snapshot, target: &Target, args: &Args, color: bool, watching: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut snap = snap.clone();
        snap.connection = Some(target.name.clone());
        let text = if watching {
            serde_json::to_string(&snap)?
        } else {
            serde_json::to_string_pretty(&snap)?
        };
        writeln!(out, "{text}")?;
    } else {
        let layout = Layout {
            conn: target.name.clone(),
            width: width(),
            color,
            hide_idle: args.hide_idle,
        };
        if watching && std::io::stdout().is_terminal() {
            // Home and clear, like watch(1).
            write!(out, "\x1b[H\x1b[2J")?;
        } else if watching {
            writeln!(out)?;
        }
        write!(out, "{}", render(snap, &layout))?;
    }
    out.flush()?;
    Ok(())
}
