//! `dbn diff data --source A --target B --table T`: compare a table's rows
//! between two saved connections.

pub mod progress;
pub mod render;

use super::resolve::resolve_saved;
use super::{Ctx, ExitCode, Failure};
use crate::datasync::{Control, DataSyncError, Method, Progress};
use crate::ops::sync_table::{Endpoint, SyncRequest};
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
    /// The preview these flags ask for, from `src` to `tgt`.
    pub fn request(&self, src: &Resolved, tgt: &Resolved) -> SyncRequest {
        let mut req = SyncRequest::new(src.endpoint(), tgt.endpoint(), vec![self.table.clone()]);
        req.key = (!self.key.is_empty()).then(|| self.key.clone());
        req.columns = (!self.columns.is_empty()).then(|| self.columns.clone());
        req.filter = self.filter.clone();
        req.method = self.method;
        req
    }
}

/// A saved connection resolved for a data command.
pub struct Resolved {
    /// Connection name.
    pub name: String,
    /// Environment tag.
    pub tag: Tag,
    /// Whether the saved connection is read-only.
    pub read_only: bool,
    /// The spec (password resolved).
    pub spec: crate::db::ConnSpec,
}

impl Resolved {
    /// The side of a preview it is.
    pub fn endpoint(&self) -> Endpoint {
        Endpoint::new(self.name.clone(), self.spec.clone())
    }
}

/// Resolve a saved connection (its password too); nothing is connected.
pub fn resolve(ctx: &mut Ctx, name: &str) -> Result<Resolved> {
    let (rec, spec) = resolve_saved(ctx, name)?;
    Ok(Resolved {
        name: rec.name,
        tag: rec.tag,
        read_only: spec.read_only,
        spec,
    })
}

/// Map a data sync error to the documented exit codes.
pub fn failure(e: DataSyncError) -> anyhow::Error {
    use crate::error::Coded;
    if let DataSyncError::Db { .. } = e {
        // The driver error stays in the chain (its SQLSTATE is printed with --json).
        return anyhow::Error::new(e);
    }
    Failure::new(e.exit(), e.code(), e.to_string()).into()
}

/// Progress on stderr and Ctrl-C cancellation around a long data command.
pub struct Watch {
    /// What the operation is given.
    pub ctl: Control,
    shown: tokio::task::JoinHandle<()>,
    ctrl_c: tokio::task::JoinHandle<()>,
}

impl Watch {
    /// Start showing progress (nothing when `quiet`) and listening for
    /// Ctrl-C; call inside the runtime.
    pub fn start(quiet: bool) -> Watch {
        let (tx, rx) = mpsc::unbounded_channel::<Progress>();
        let ctl = Control {
            cancel: tokio_util::sync::CancellationToken::new(),
            progress: Some(tx),
        };
        let shown = progress::spawn(rx, quiet);
        let cancel = ctl.cancel.clone();
        let ctrl_c = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        });
        Watch { ctl, shown, ctrl_c }
    }

    /// Stop listening and let the progress display finish.
    pub async fn finish(self) {
        self.ctrl_c.abort();
        drop(self.ctl);
        let _ = self.shown.await;
    }
}

/// Run `dbn diff data`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let rt = super::runtime()?;
    let src = resolve(ctx, &args.source)?;
    let tgt = resolve(ctx, &args.target)?;
    let req = args.request(&src, &tgt);
    let d = rt
        .block_on(async {
            let watch = Watch::start(args.json);
            let diffs = crate::ops::sync_table::compare(&req, &watch.ctl, &mut |_, _| {}).await;
            watch.finish().await;
            diffs
        })
        .map_err(failure)?
        .pop()
        .context("the diff of the table is missing")?;
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
