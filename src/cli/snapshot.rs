//! `dbn snapshot schema|list|show|remove`: schema snapshots in metadata.db.

pub(crate) mod source;

use super::{Ctx, ExitCode, Failure};
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

/// Arguments of `dbn snapshot`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn snapshot schema --conn shop --label before-release
  dbn snapshot list --conn shop
  dbn snapshot show 3 --json
  dbn diff schema --source shop@before-release --target shop")]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// `dbn snapshot` subcommands.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Introspect a connection and store its schema (identical schemas are stored once).
    Schema(SchemaArgs),
    /// List stored schema snapshots, newest first.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Show one snapshot as DDL (or the normalized model with --json).
    Show(ShowArgs),
    /// Delete a snapshot and its labels.
    #[command(alias = "rm")]
    Remove(RemoveArgs),
}

/// `dbn snapshot schema`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn snapshot schema --conn shop
  dbn snapshot schema --conn shop --label before-release --json

An identical schema is not stored twice: the existing snapshot gets the label.")]
pub struct SchemaArgs {
    /// Saved connection name.
    #[arg(long, short = 'c')]
    pub conn: String,
    /// Label to attach (moved here if another snapshot had it).
    #[arg(long)]
    pub label: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `dbn snapshot list`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn snapshot list
  dbn snapshot list --conn shop --json")]
pub struct ListArgs {
    /// Only this connection's snapshots.
    #[arg(long, short = 'c')]
    pub conn: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `dbn snapshot show`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn snapshot show 3
  dbn snapshot show 3 --json > shop-schema.json")]
pub struct ShowArgs {
    /// Snapshot id (see `dbn snapshot list`).
    pub id: i64,
    /// Print the normalized model as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `dbn snapshot remove`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn snapshot remove 3")]
pub struct RemoveArgs {
    /// Snapshot id.
    pub id: i64,
}

/// Run `dbn snapshot ...`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    match args.action {
        Action::Schema(a) => take(a, ctx),
        Action::List(a) => list(a, ctx),
        Action::Show(a) => show(a, ctx),
        Action::Remove(a) => {
            ctx.store()?.remove_schema_snapshot(a.id)?;
            crate::clean_println!("Removed schema snapshot {}.", a.id);
            Ok(ExitCode::Ok)
        }
    }
}

fn take(a: SchemaArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = a.json;
    if let Some(l) = &a.label
        && (l.is_empty() || l.contains('@'))
    {
        return Err(Failure::usage(format!(
            "label '{l}' is not usable: labels must be non-empty and contain no '@'"
        ))
        .into());
    }
    let schema = source::introspect_connection(ctx, &a.conn)?;
    let saved = ctx
        .store()?
        .save_schema_snapshot(&a.conn, &schema, a.label.as_deref())?;
    if a.json {
        crate::clean_println!(
            "{}",
            json!({"id": saved.id, "connection": a.conn, "hash": saved.hash, "created": saved.created, "label": a.label, "tables": schema.tables.len()})
        );
    } else if saved.created {
        crate::clean_println!(
            "Stored schema snapshot {} of '{}' ({} tables, {} views, hash {}){}.",
            saved.id,
            a.conn,
            schema.tables.len(),
            schema.views.len(),
            &saved.hash[..12],
            a.label.as_ref().map(|l| format!(", label '{l}'")).unwrap_or_default()
        );
    } else {
        crate::clean_println!(
            "Schema of '{}' is unchanged since snapshot {} (hash {}): not stored again{}.",
            a.conn,
            saved.id,
            &saved.hash[..12],
            a.label
                .as_ref()
                .map(|l| format!("; label '{l}' now points at it"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::Ok)
}

fn list(a: ListArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = a.json;
    let all = ctx.store()?.list_schema_snapshots(a.conn.as_deref())?;
    if a.json {
        crate::clean_println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(ExitCode::Ok);
    }
    if all.is_empty() {
        crate::clean_println!("No schema snapshots yet. Take one with `dbn snapshot schema --conn NAME`.");
        return Ok(ExitCode::Ok);
    }
    crate::clean_println!(
        "{:>5}  {:<20} {:<24} {:>6}  {:<12}  LABELS",
        "ID",
        "CONNECTION",
        "CREATED",
        "TABLES",
        "HASH"
    );
    for s in all {
        crate::clean_println!(
            "{:>5}  {:<20} {:<24} {:>6}  {:<12}  {}",
            s.id,
            s.connection,
            s.created_at,
            s.tables,
            &s.hash[..12.min(s.hash.len())],
            s.labels.join(", ")
        );
    }
    Ok(ExitCode::Ok)
}

fn show(a: ShowArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = a.json;
    let (info, schema) = ctx.store()?.schema_snapshot(a.id)?;
    if a.json {
        crate::clean_println!("{}", json!({"snapshot": info, "schema": schema}));
        return Ok(ExitCode::Ok);
    }
    crate::clean_println!(
        "-- schema snapshot {} of '{}' ({}), taken {}, hash {}{}",
        info.id,
        info.connection,
        schema.engine,
        info.created_at,
        info.hash,
        if info.labels.is_empty() {
            String::new()
        } else {
            format!(", labels: {}", info.labels.join(", "))
        }
    );
    let objs =
        crate::schema::objects::objects(&schema, crate::schema::objects::ObjectOptions { with_privileges: true });
    for o in objs {
        crate::clean_println!("\n-- {} {}\n{}", o.kind.singular(), o.name, o.ddl);
    }
    Ok(ExitCode::Ok)
}
