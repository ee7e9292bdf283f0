//! Command-line interface: clap definitions and dispatch. One file per
//! subcommand under `cli/`, each with `run(args, &mut Ctx) -> Result<ExitCode>`.

mod ctx;
pub mod exit;
mod init;
pub mod ui;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

pub use ctx::Ctx;
pub use exit::{ExitCode, Failure};

/// dbn: a keyboard-driven terminal database console.
#[derive(Debug, Parser)]
#[command(name = "dbn", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Use the workspace in DIR instead of discovering one.
    #[arg(long, global = true, value_name = "DIR", env = "DBN_WORKSPACE")]
    pub workspace: Option<PathBuf>,
    /// Log filter written to .dbnexus/logs (error, warn, info, debug, trace).
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Disable coloured output (also NO_COLOR).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// The command; none opens the TUI.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a workspace (dbnexus.config.json + .dbnexus/) here or in DIR.
    Init(init::Args),
    /// Open the terminal console (also what bare `dbn` does).
    Ui(ui::Args),
}

/// Run a parsed command line.
pub fn dispatch(cli: Cli) -> ExitCode {
    let mut ctx = match Ctx::new(&cli) {
        Ok(c) => c,
        Err(e) => return exit::report(&e, false),
    };
    let result = match cli.command {
        Some(Command::Init(a)) => init::run(a, &mut ctx),
        Some(Command::Ui(a)) => ui::run(a, &mut ctx),
        None => ui::run_tui(&mut ctx, None),
    };
    match result {
        Ok(code) => code,
        Err(e) => exit::report(&e, ctx.json_errors),
    }
}
