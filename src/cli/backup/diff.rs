//! `dbn backup diff`.

use super::common::{ctrl_c_token, fail, load_keys, repo};
use crate::backup::diff::{BackupDiff, RowChange, RowChangeKind, diff_backups, diff_live};
use crate::cli::resolve::resolve_saved;
use crate::cli::{Ctx, ExitCode, Failure};
use crate::db::Value;
use crate::output::value_to_json;
use anyhow::Result;
use serde_json::json;

/// Arguments of `dbn backup diff`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn backup diff 20261122T020000Z-aa01 20261123T020000Z-bb02
  dbn backup diff 20261123T020000Z-bb02 --live --table orders
  dbn backup diff OLD NEW --json

The live side is read through a read-only session in one consistent snapshot.")]
pub struct Args {
    /// Older backup id (a unique prefix is enough).
    pub id: String,
    /// Newer backup id; omit with --live.
    #[arg(required_unless_present = "live", conflicts_with = "live")]
    pub other: Option<String>,
    /// Compare with the live database instead of a second backup.
    #[arg(long)]
    pub live: bool,
    /// Live connection (default: the backup's own connection).
    #[arg(long, short = 'c', requires = "live")]
    pub conn: Option<String>,
    /// Only these tables (repeatable).
    #[arg(long = "table", short = 't')]
    pub tables: Vec<String>,
    /// Row-level detail per table, at most this many rows.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// Run `dbn backup diff`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let repo = repo(ctx)?;
    let keys = load_keys(ctx)?;
    let rt = crate::cli::runtime()?;
    let (a, key) = rt.block_on(repo.load_with(&args.id, &keys)).map_err(fail)?;
    let tables = (!args.tables.is_empty()).then_some(args.tables.as_slice());
    let d = if let Some(other) = &args.other {
        let b = rt.block_on(repo.load(other, &key)).map_err(fail)?;
        // (Both backups must share a key: chunks are compared by address.)
        rt.block_on(diff_backups(repo.chunks.as_ref(), &key, &a, &b, tables, args.limit))
            .map_err(fail)?
    } else {
        let conn = args.conn.clone().unwrap_or_else(|| a.connection.clone());
        let (_rec, mut spec) = resolve_saved(ctx, &conn)?;
        spec.read_only = true;
        rt.block_on(async {
            let cancel = ctrl_c_token();
            let mut s = crate::db::connect(&spec).await?;
            diff_live(
                repo.chunks.as_ref(),
                &key,
                &a,
                s.as_mut(),
                &conn,
                tables,
                args.limit,
                &cancel,
            )
            .await
            .map_err(fail)
        })?
    };
    if let Some(missing) = args.tables.iter().find(|t| {
        !d.tables
            .iter()
            .any(|x| x.table == **t || x.table.ends_with(&format!(".{t}")))
    }) {
        return Err(Failure::usage(format!("table '{missing}' is in neither side of the diff")).into());
    }
    if args.json {
        crate::clean_println!("{}", serde_json::to_string_pretty(&to_json(&d))?);
    } else {
        print_human(&d);
    }
    Ok(ExitCode::Ok)
}

fn pairs_json(p: &[(String, Value)]) -> serde_json::Value {
    let mut o = serde_json::Map::new();
    for (k, v) in p {
        o.insert(k.clone(), value_to_json(v));
    }
    serde_json::Value::Object(o)
}

fn row_json(r: &RowChange) -> serde_json::Value {
    let mut o = json!({"kind": r.kind, "key": pairs_json(&r.key)});
    if let Some(row) = &r.row {
        o["row"] = pairs_json(row);
    }
    if !r.columns.is_empty() {
        o["columns"] = r
            .columns
            .iter()
            .map(|c| json!({"column": c.column, "old": value_to_json(&c.old), "new": value_to_json(&c.new)}))
            .collect();
    }
    o
}

/// The diff as JSON with plain values.
pub fn to_json(d: &BackupDiff) -> serde_json::Value {
    let tables: Vec<_> = d
        .tables
        .iter()
        .map(|t| {
            json!({
                "table": t.table, "status": t.status, "rows_added": t.rows_added, "rows_removed": t.rows_removed,
                "rows_changed": t.rows_changed, "schema_changes": t.schema_changes, "truncated": t.truncated,
                "rows": t.rows.iter().map(row_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let schema: Vec<_> = d
        .schema
        .iter()
        .map(|c| json!({"kind": c.kind, "name": c.name, "status": c.status, "old": c.target, "new": c.source}))
        .collect();
    json!({"from": d.from, "to": d.to, "identical": d.is_empty(), "tables": tables, "schema": schema})
}

fn lit(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Text(s) | Value::Json(s) => format!("'{}'", crate::sanitize::sanitize(s)),
        other => crate::sanitize::sanitize(&other.to_string()).into_owned(),
    }
}

fn key_text(k: &[(String, Value)]) -> String {
    k.iter()
        .map(|(c, v)| format!("{c}={}", lit(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_human(d: &BackupDiff) {
    crate::clean_println!("diff {} -> {}", d.from, d.to);
    if d.is_empty() {
        crate::clean_println!("no differences");
        return;
    }
    crate::clean_println!(
        "{:<40} {:>9} {:>9} {:>9}  SCHEMA",
        "TABLE",
        "ADDED",
        "REMOVED",
        "CHANGED"
    );
    for t in &d.tables {
        crate::clean_println!(
            "{:<40} {:>9} {:>9} {:>9}  {}",
            t.table,
            t.rows_added,
            t.rows_removed,
            t.rows_changed,
            if t.schema_changes.is_empty() {
                "-".to_string()
            } else {
                t.schema_changes.join("; ")
            }
        );
    }
    if !d.schema.is_empty() {
        println!();
        crate::clean_println!("schema:");
        for c in &d.schema {
            let mark = match c.status {
                crate::schema::diff::Status::Added => '+',
                crate::schema::diff::Status::Removed => '-',
                crate::schema::diff::Status::Changed => '~',
            };
            crate::clean_println!(
                "  {mark} {} {}",
                serde_json::to_value(c.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                c.name
            );
        }
    }
    for t in d.tables.iter().filter(|t| !t.rows.is_empty()) {
        println!();
        crate::clean_println!("{}:", t.table);
        for r in &t.rows {
            match r.kind {
                RowChangeKind::Added => {
                    crate::clean_println!("  + {}", r.row.as_deref().map(key_text).unwrap_or_default())
                }
                RowChangeKind::Removed => {
                    crate::clean_println!("  - {}", r.row.as_deref().map(key_text).unwrap_or_default())
                }
                RowChangeKind::Changed => {
                    let cols: Vec<String> = r
                        .columns
                        .iter()
                        .map(|c| format!("{}: {} -> {}", c.column, lit(&c.old), lit(&c.new)))
                        .collect();
                    crate::clean_println!("  ~ {}  {}", key_text(&r.key), cols.join(", "));
                }
            }
        }
        if t.truncated {
            crate::clean_println!("  ... more rows; raise --limit or use --json");
        }
    }
}
