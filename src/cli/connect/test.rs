//! `dbn connect test NAME`: version, latency and, for prod, write capability.

use crate::cli::resolve::resolve_saved;
use crate::cli::{Ctx, ExitCode};
use crate::db::{Engine, Session, Value, connect, query_all};
use crate::store::connections::Tag;
use anyhow::Result;
use serde_json::json;
use std::time::{Duration, Instant};

/// Arguments of `dbn connect test`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  dbn connect test shop")]
pub struct Args {
    /// Connection name.
    pub name: String,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// Run `dbn connect test`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let (rec, spec) = resolve_saved(ctx, &args.name)?;
    let rt = super::super::runtime()?;
    let report = rt.block_on(async {
        let started = Instant::now();
        let mut session = connect(&spec).await?;
        let connect_time = started.elapsed();
        let version = session.server_version().await?;
        let mut samples = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            session.ping().await?;
            samples.push(t.elapsed());
        }
        samples.sort();
        let latency = samples[samples.len() / 2];
        let can_write = if rec.tag == Tag::Prod {
            write_capability(session.as_mut()).await
        } else {
            None
        };
        anyhow::Ok((connect_time, version, latency, can_write))
    })?;
    let (connect_time, version, latency, can_write) = report;
    if args.json {
        let v = json!({
            "name": rec.name,
            "server_version": version,
            "connect_ms": ms(connect_time),
            "latency_ms": ms(latency),
            "read_only_session": spec.read_only,
            "login_can_write": can_write.as_ref().map(|(w, _)| *w),
            "write_detail": can_write.as_ref().map(|(_, d)| d.clone()),
        });
        crate::clean_println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        crate::clean_println!("ok: connected to '{}' ({})", rec.name, spec.display_target());
        crate::clean_println!("server:   {version}");
        crate::clean_println!("connect:  {:.1} ms", ms(connect_time));
        crate::clean_println!("latency:  {:.2} ms (median of 5 round trips)", ms(latency));
        crate::clean_println!("session:  {}", if spec.read_only { "read-only" } else { "read-write" });
        if let Some((true, detail)) = &can_write {
            crate::clean_eprintln!(
                "warning: this prod connection's login can write ({detail}). dbn keeps the session read-only, but a read-only database role is safer"
            );
        }
    }
    Ok(ExitCode::Ok)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Whether the login could write if dbn let it, with a reason.
async fn write_capability(session: &mut dyn Session) -> Option<(bool, String)> {
    let sql = match session.engine() {
        Engine::Postgres => {
            "SELECT r.rolsuper OR has_database_privilege(current_database(), 'CREATE') OR EXISTS (
                SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema')
                  AND has_table_privilege(c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE')),
              CASE WHEN r.rolsuper THEN 'superuser' ELSE 'has write privileges' END
             FROM pg_roles r WHERE r.rolname = current_user"
        }
        Engine::Mysql => "SHOW GRANTS",
        // A SQLite file's writability is the OS's business; the session itself is opened read-only.
        Engine::Sqlite => return None,
    };
    let (_, rows, _) = query_all(session, sql).await.ok()?;
    match session.engine() {
        Engine::Postgres => {
            let row = rows.first()?;
            let w = matches!(row.first(), Some(Value::Bool(true)));
            let d = row.get(1).map(|v| v.render()).unwrap_or_default();
            Some((w, d))
        }
        _ => {
            let grants: Vec<String> = rows.iter().filter_map(|r| r.first().map(|v| v.render())).collect();
            let writes = ["ALL PRIVILEGES", "INSERT", "UPDATE", "DELETE", "DROP", "ALTER"];
            let hit = grants
                .iter()
                .find(|g| writes.iter().any(|w| g.to_ascii_uppercase().contains(w)));
            Some((hit.is_some(), hit.cloned().unwrap_or_else(|| "read-only grants".into())))
        }
    }
}
