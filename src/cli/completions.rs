//! `dbn completions SHELL` and `dbn man`: generated from the clap definitions.

use super::{Cli, Ctx, ExitCode, Failure};
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::PathBuf;

/// Arguments of `dbn completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn completions bash > ~/.local/share/bash-completion/completions/dbn
  dbn completions zsh > ~/.zfunc/_dbn
  dbn completions fish > ~/.config/fish/completions/dbn.fish")]
pub struct CompletionArgs {
    /// Shell: bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

/// Arguments of `dbn man`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn man | man -l -
  dbn man --out-dir /usr/local/share/man/man1   # dbn.1 plus one page per subcommand")]
pub struct ManArgs {
    /// Write dbn.1 and one page per subcommand into DIR instead of printing dbn.1.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Print a completion script.
pub fn completions(args: CompletionArgs, _ctx: &mut Ctx) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "dbn", &mut std::io::stdout());
    Ok(ExitCode::Ok)
}

/// Print or write man pages.
pub fn man(args: ManArgs, _ctx: &mut Ctx) -> Result<ExitCode> {
    let cmd = Cli::command();
    match args.out_dir {
        None => {
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Failure::usage(format!("cannot create '{}': {e}", dir.display())))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("cannot write man pages to '{}'", dir.display()))?;
            println!("Wrote man pages to {}", dir.display());
        }
    }
    Ok(ExitCode::Ok)
}
