//! `dbn connect list`, `show`, `remove`.

use crate::cli::{Ctx, ExitCode};
use crate::sanitize::sanitize;
use crate::store::connections::ConnectionRecord;
use anyhow::Result;
use serde_json::json;

/// Arguments of `dbn connect list`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  dbn connect list\n  dbn connect list --json | jq '.[].name'")]
pub struct ListArgs {
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `dbn connect show`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  dbn connect show shop --json")]
pub struct ShowArgs {
    /// Connection name.
    pub name: String,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `dbn connect remove`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  dbn connect remove old-staging")]
pub struct RemoveArgs {
    /// Connection name.
    pub name: String,
}

fn to_json(r: &ConnectionRecord) -> serde_json::Value {
    json!({
        "name": r.name,
        "engine": r.engine.as_str(),
        "url": r.url,
        "tag": r.tag.as_str(),
        "color": r.color,
        "read_only": r.read_only,
        "ssh": r.spec().ok().and_then(|s| s.ssh).map(|h| h.to_string()),
        "password": r.secret_backend.as_ref().map(|b| format!("stored ({b})")),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    })
}

/// `dbn connect list`.
pub fn list(args: ListArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let all = ctx.store()?.list_connections()?;
    if args.json {
        let v: Vec<_> = all.iter().map(to_json).collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::Ok);
    }
    if all.is_empty() {
        println!("No connections yet. Add one with `dbn connect add NAME --url URL`, or try `dbn demo`.");
        return Ok(ExitCode::Ok);
    }
    let w = all.iter().map(|r| r.name.chars().count()).max().unwrap_or(4).max(4);
    println!("{:<w$}  {:<8}  {:<5}  {:<10}  TARGET", "NAME", "ENGINE", "TAG", "MODE");
    for r in &all {
        println!(
            "{:<w$}  {:<8}  {:<5}  {:<10}  {}",
            sanitize(&r.name),
            r.engine.as_str(),
            r.tag.as_str(),
            if r.read_only { "read-only" } else { "read-write" },
            sanitize(&r.url)
        );
    }
    Ok(ExitCode::Ok)
}

/// `dbn connect show`.
pub fn show(args: ShowArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let r = ctx.store()?.connection(&args.name)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&r))?);
        return Ok(ExitCode::Ok);
    }
    println!("name:      {}", sanitize(&r.name));
    println!("engine:    {}", r.engine);
    println!("url:       {}", sanitize(&r.url));
    println!("tag:       {}", r.tag);
    println!(
        "mode:      {}",
        if r.read_only {
            "read-only (unlock with --unlock-writes)"
        } else {
            "read-write"
        }
    );
    if let Some(c) = &r.color {
        println!("color:     {}", sanitize(c));
    }
    if let Ok(spec) = r.spec() {
        if let Some(hop) = &spec.ssh {
            println!("ssh:       {}", sanitize(&hop.to_string()));
        }
        println!("tls:       sslmode={}", spec.sslmode.as_str());
        for (label, file) in [
            ("sslrootcert", &spec.ssl_root_cert),
            ("sslcert", &spec.ssl_cert),
            ("sslkey", &spec.ssl_key),
            ("sslcrl", &spec.ssl_crl),
        ] {
            if let Some(f) = file {
                println!("{:<11}{}", format!("{label}:"), sanitize(&f.display().to_string()));
            }
        }
    }
    println!(
        "password:  {}",
        match &r.secret_backend {
            Some(b) => format!("stored in the {b} secret store"),
            None => "none stored (trust, peer, pgpass or PGPASSWORD)".into(),
        }
    );
    println!("created:   {}", r.created_at);
    println!("updated:   {}", r.updated_at);
    Ok(ExitCode::Ok)
}

/// `dbn connect remove`.
pub fn remove(args: RemoveArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    let r = ctx.store()?.connection(&args.name)?;
    if r.secret_backend.is_some() {
        let deleted = ctx
            .secrets()
            .and_then(|s| Ok(s.delete(&r.secret_key(), r.secret_backend.as_deref())?));
        if let Err(e) = deleted {
            eprintln!("warning: could not remove the stored password ({e:#}); removing the connection anyway");
        }
    }
    if r.spec().is_ok_and(|s| s.ssl_key.is_some())
        && let Ok(secrets) = ctx.secrets()
    {
        let _ = secrets.delete(&crate::store::connections::ssl_password_key(&r.name), None);
    }
    ctx.store()?.remove_connection(&args.name)?;
    {
        // Its unlocks end with it.
        let mut face = crate::cli::guard::CliFace::new(ctx);
        let octx = face.context();
        crate::ops::unlock::end_granted_by(octx.records, crate::ops::Face::Cli, &args.name, "connection removed")
            .map_err(crate::cli::guard::ops_failure)?;
    }
    println!("Removed connection '{}' and its stored password", args.name);
    Ok(ExitCode::Ok)
}
