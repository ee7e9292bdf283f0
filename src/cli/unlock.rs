//! `dbn unlock`: list, grant or end timed write unlocks of read-only
//! databases (the CLI face of `ops::unlock`).

use super::guard::{CliFace, ops_failure};
use super::resolve::resolve_saved;
use super::{Ctx, ExitCode, Failure};
use crate::ops::unlock::{self, Granted};
use crate::ops::{Face, Target};
use crate::sanitize::sanitize;
use anyhow::Result;

/// Arguments of `dbn unlock`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn unlock                                  # list the unlocks in force
  dbn unlock --conn prod --minutes 15         # type 'prod' to unlock writes for 15 minutes
  dbn unlock --conn prod --minutes 15 --confirm prod
  dbn unlock --end                            # end every unlock now
  dbn unlock --end --conn prod

An unlock belongs to the database (engine, host, port, database), not to the connection's
name; it ends early with --end, when it expires, or when the connection's URL, tag or
read-only flag changes. Every grant and end is audited.")]
pub struct Args {
    /// The connection (its database) to unlock or lock again.
    #[arg(long, short = 'c')]
    pub conn: Option<String>,
    /// Unlock writes for N minutes (asks for the connection's name, or pass --confirm NAME).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1440), conflicts_with = "end")]
    pub minutes: Option<u32>,
    /// Confirm non-interactively by giving the connection's name.
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
    /// End the unlock of --conn now (every unlock without --conn).
    #[arg(long)]
    pub end: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

fn target(ctx: &mut Ctx, name: &str) -> Result<Target> {
    let (rec, spec) = resolve_saved(ctx, name)?;
    Ok(Target::new(rec.name.clone(), rec.tag, rec.read_only, spec))
}

/// Run `dbn unlock`.
pub fn run(a: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = a.json;
    let t = a.conn.as_deref().map(|n| target(ctx, n)).transpose()?;
    if a.end {
        let mut face = CliFace::new(ctx);
        let octx = face.context();
        let ended = unlock::end(octx.records, Face::Cli, t.as_ref(), "dbn unlock --end").map_err(ops_failure)?;
        if a.json {
            println!("{}", serde_json::json!({"ended": ended}));
        } else if ended.is_empty() {
            println!("No unlock was in force.");
        } else {
            for u in &ended {
                println!(
                    "Ended the unlock of {} (granted through '{}', was until {}).",
                    sanitize(&u.db_key),
                    sanitize(&u.connection),
                    u.until
                );
            }
        }
        return Ok(ExitCode::Ok);
    }
    if let Some(minutes) = a.minutes {
        let Some(t) = t else {
            return Err(Failure::usage("--minutes needs --conn NAME: which connection's database to unlock").into());
        };
        let grants = crate::ops::gate::grants_from_flags(a.confirm.as_deref(), false, true, Some(minutes), false);
        let mut face = CliFace::new(ctx);
        let mut octx = face.context();
        match unlock::grant(&mut octx, &t, minutes, grants).map_err(ops_failure)? {
            Granted::NotReadOnly => {
                println!(
                    "Connection '{}' is not read-only; nothing to unlock.",
                    sanitize(&t.name)
                );
            }
            Granted::Until(u) if a.json => println!("{}", serde_json::json!({"unlocked": u})),
            Granted::Until(u) => println!(
                "Writes on '{}' are unlocked until {} ({} min). End early with `dbn unlock --end --conn {}`.",
                sanitize(&t.name),
                u.until,
                minutes,
                sanitize(&t.name)
            ),
        }
        return Ok(ExitCode::Ok);
    }
    let mut face = CliFace::new(ctx);
    let octx = face.context();
    let mut list = unlock::status(octx.records).map_err(ops_failure)?;
    if let Some(t) = &t {
        let key = t.db_key();
        list.retain(|u| u.db_key == key);
    }
    if a.json {
        println!("{}", serde_json::json!({"unlocks": list}));
    } else if list.is_empty() {
        println!("No unlock is in force: read-only connections refuse writes.");
    } else {
        for u in &list {
            let left = u.seconds_left();
            println!(
                "{}  until {} ({}:{:02} left), granted through '{}' ({})",
                sanitize(&u.db_key),
                u.until,
                left / 60,
                left % 60,
                sanitize(&u.connection),
                sanitize(&u.confirmed_by)
            );
        }
    }
    Ok(ExitCode::Ok)
}
