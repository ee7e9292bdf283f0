//! `dbn demo`: a bundled SQLite shop database to explore without setup.

use super::{Ctx, ExitCode};
use crate::db::Engine;
use crate::store::connections::{ConnectionRecord, Tag};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The demo schema and data.
pub const DEMO_SQL: &str = include_str!("../../fixtures/demo.sql");
/// Name of the demo connection.
pub const DEMO_CONNECTION: &str = "demo";
/// Demo file, relative to the workspace root.
pub const DEMO_FILE: &str = ".dbnexus/demo.db";

/// Arguments of `dbn demo`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  dbn demo            # create the demo database and open it\n  dbn demo --reset    # rebuild it from fixtures/demo.sql\n  dbn demo --no-ui && dbn query --conn demo --sql 'SELECT * FROM customer_revenue LIMIT 5'"
)]
pub struct Args {
    /// Rebuild the demo database from scratch.
    #[arg(long)]
    pub reset: bool,
    /// Only create the database and the `demo` connection; do not open the TUI.
    #[arg(long)]
    pub no_ui: bool,
}

/// Create `.dbnexus/demo.db` (atomically) unless it exists, and register the
/// `demo` connection. Returns the file path.
pub fn ensure_demo(ctx: &mut Ctx, reset: bool) -> Result<PathBuf> {
    let root = ctx.workspace()?.root.clone();
    let path = root.join(DEMO_FILE);
    if reset || !path.exists() {
        build(&path)?;
    }
    if ctx.store()?.find_connection(DEMO_CONNECTION)?.is_none() {
        ctx.store()?.add_connection(&ConnectionRecord {
            name: DEMO_CONNECTION.into(),
            engine: Engine::Sqlite,
            url: format!("sqlite:{DEMO_FILE}"),
            tag: Tag::Dev,
            color: None,
            read_only: false,
            secret_backend: None,
            created_at: String::new(),
            updated_at: String::new(),
        })?;
    }
    Ok(path)
}

fn build(path: &Path) -> Result<()> {
    let dir = path.parent().context("demo path has no parent directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    let tmp = crate::fsutil::temp_beside(path).context("cannot create a temporary file for the demo database")?;
    {
        let conn = rusqlite::Connection::open(tmp.path())?;
        conn.execute_batch(&format!("BEGIN;\n{DEMO_SQL}\nCOMMIT;"))
            .context("loading fixtures/demo.sql failed")?;
    }
    crate::fsutil::persist_atomic(tmp, path).with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(())
}

/// Run `dbn demo`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    let path = ensure_demo(ctx, args.reset)?;
    println!(
        "Demo database ready: {} (connection '{DEMO_CONNECTION}')",
        path.display()
    );
    if args.no_ui {
        println!(
            "Try: dbn query --conn {DEMO_CONNECTION} --sql 'SELECT * FROM customer_revenue ORDER BY revenue DESC LIMIT 5'"
        );
        return Ok(ExitCode::Ok);
    }
    super::open_ui(ctx, Some(DEMO_CONNECTION.to_string()))
}
