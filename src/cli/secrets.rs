//! `dbn secrets status`.

use super::{Ctx, ExitCode};
use anyhow::Result;
use serde_json::json;

/// Arguments of `dbn secrets`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// `dbn secrets` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Show which secret backend is active and why.
    #[command(after_help = "Example:\n  dbn secrets status --json")]
    Status {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// Run `dbn secrets ...`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    let Action::Status { json } = args.action;
    ctx.json_errors = json;
    let configured = ctx.config()?.secrets.backend.clone();
    let secrets = ctx.secrets()?;
    let file = secrets.file().path().to_path_buf();
    let active = secrets.backend_name();
    let keyring = secrets.keyring_status.clone();
    let stored: Vec<(String, String)> = ctx
        .store()?
        .list_connections()?
        .into_iter()
        .filter_map(|c| c.secret_backend.map(|b| (c.name, b)))
        .collect();
    if json {
        let v = json!({
            "active_backend": active,
            "configured": configured,
            "keyring": keyring,
            "file": file.display().to_string(),
            "file_exists": file.exists(),
            "master_passphrase_from_env": std::env::var_os(crate::secrets::ENV_MASTER_PASSWORD).is_some(),
            "connections_with_passwords": stored.iter().map(|(n, b)| json!({"name": n, "backend": b})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::Ok);
    }
    println!("active backend:  {active} (configured: {configured})");
    println!("OS keyring:      {keyring}");
    println!(
        "encrypted file:  {} ({})",
        file.display(),
        if file.exists() { "present" } else { "not created yet" }
    );
    if active == "file" {
        println!(
            "master passphrase: {}",
            if std::env::var_os(crate::secrets::ENV_MASTER_PASSWORD).is_some() {
                "from DBN_MASTER_PASSWORD"
            } else {
                "prompted when needed"
            }
        );
    }
    println!("stored passwords: {}", stored.len());
    for (n, b) in stored {
        println!("  {n} ({b})");
    }
    Ok(ExitCode::Ok)
}
