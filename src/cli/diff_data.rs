//! `dbn diff data --source A --target B --table T`: compare a table's rows
//! between two saved connections.

pub mod progress;
pub mod render;

use super::resolve::resolve_saved;
use super::{Ctx, ExitCode, Failure};
use crate::datasync::{Control, DataDiff, DataSyncError, DiffSpec, Method, Progress, diff_table};
use crate::db::Session;
use crate::store::connections::Tag;
use anyhow::{Context, Result};
use std::path::PathBuf;
use tokio::sync::mpsc;

/// Arguments of `dbn diff data`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  dbn diff data --source staging --target prod --table orders
  dbn diff data --source a --target b --table public.events --key id,ts --columns status,amount --where \"ts > '2026-01-01'\"
  dbn diff data --source pg --target maria --table users --json --out users-diff.json

Same-engine Postgres or MariaDB pairs compare checksums of key-ordered segments computed by
the servers and fetch only the differing rows; other pairs stream both tables in key order.
The summary counts come first, then rows: + only in source, - only in target, ~ changed
(column: target value -> source value).")]
pub struct Args {
    /// Saved connection holding the reference data.
    #[arg(long, short = 's')]
    pub source: String,
    /// Saved connection compared against it.
    #[arg(long, short = 't')]
    pub target: String,
    /// Table to compare (`schema.table` or a bare name).
    #[arg(long)]
    pub table: String,
    /// Key columns, comma-separated (default: the primary key).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub key: Vec<String>,
    /// Columns to compare, comma-separated (default: all columns both sides have).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub columns: Vec<String>,
    /// SQL condition applied on both sides.
    #[arg(long = "where", value_name = "EXPR")]
    pub filter: Option<String>,
    /// Comparison method.
    #[arg(long, value_enum, default_value_t = Method::Auto)]
    pub method: Method,
    /// Print the full diff as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the full diff as JSON to FILE (the summary still goes to stdout).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Rows shown per kind in the text output.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
}

impl Args {
    /// The library's diff spec for these flags.
    pub fn spec(&self) -> DiffSpec {
        let mut spec = DiffSpec::table(&self.table);
        spec.key = (!self.key.is_empty()).then(|| self.key.clone());
        spec.columns = (!self.columns.is_empty()).then(|| self.columns.clone());
        spec.filter = self.filter.clone();
        spec.method = self.method;
        spec
    }
}

/// A connection opened for a data command.
pub struct Opened {
    /// Connection name.
    pub name: String,
    /// Environment tag.
    pub tag: Tag,
    /// Whether the saved connection is read-only.
    pub read_only: bool,
    /// The spec (password resolved), to reopen read-write later.
    pub spec: crate::db::ConnSpec,
    /// The live session.
    pub session: Box<dyn Session>,
}

/// Resolve and connect a saved connection; `force_read_only` opens the
/// session read-only whatever the connection allows.
pub fn open(ctx: &mut Ctx, rt: &tokio::runtime::Runtime, name: &str, force_read_only: bool) -> Result<Opened> {
    let (rec, mut spec) = resolve_saved(ctx, name)?;
    let read_only = spec.read_only;
    if force_read_only {
        spec.read_only = true;
    }
    let session = rt
        .block_on(crate::db::connect(&spec))
        .with_context(|| format!("cannot connect to '{name}'"))?;
    Ok(Opened {
        name: rec.name,
        tag: rec.tag,
        read_only,
        spec,
        session,
    })
}

/// Map a data sync error to the documented exit codes.
pub fn failure(e: DataSyncError) -> anyhow::Error {
    use crate::error::Coded;
    if let DataSyncError::Db { .. } = e {
        return anyhow::Error::new(e);
    }
    Failure::new(e.exit(), e.code(), e.to_string()).into()
}

/// Run a diff with progress on stderr and Ctrl-C cancellation.
pub fn run_diff(
    rt: &tokio::runtime::Runtime,
    source: &mut dyn Session,
    target: &mut dyn Session,
    spec: &DiffSpec,
    quiet: bool,
) -> Result<DataDiff> {
    rt.block_on(async {
        let (tx, rx) = mpsc::unbounded_channel::<Progress>();
        let ctl = Control {
            cancel: tokio_util::sync::CancellationToken::new(),
            progress: Some(tx),
        };
        let shown = progress::spawn(rx, quiet);
        let cancel = ctl.cancel.clone();
        let watcher = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        });
        let result = diff_table(source, target, spec, &ctl).await;
        watcher.abort();
        drop(ctl);
        let _ = shown.await;
        result.map_err(failure)
    })
}

/// Run `dbn diff data`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let rt = super::runtime()?;
    let mut src = open(ctx, &rt, &args.source, true)?;
    let mut tgt = open(ctx, &rt, &args.target, true)?;
    let d = run_diff(&rt, src.session.as_mut(), tgt.session.as_mut(), &args.spec(), args.json)?;
    let full = render::diff_json(&d, &src.name, &tgt.name);
    if let Some(path) = &args.out {
        crate::fsutil::write_atomic(path, serde_json::to_string_pretty(&full)?.as_bytes())
            .with_context(|| format!("cannot write '{}'", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&full)?);
    } else {
        print!("{}", render::summary(&d, &src.name, &tgt.name));
        if !d.diff.is_empty() {
            println!();
            print!("{}", render::rows(&d, args.limit));
        }
        if let Some(path) = &args.out {
            println!("full diff written to {}", path.display());
        }
    }
    Ok(ExitCode::Ok)
}
