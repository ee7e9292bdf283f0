//! `dbn backup schedule ...` and `dbn backup run-due`.

use super::common::fail;
use super::create::create_backup;
use super::verify::remove_backup;
use crate::backup::BackupError;
use crate::backup::schedule::{Cadence, RunLock, parse_day, parse_time};
use crate::cli::{Ctx, ExitCode, Failure};
use anyhow::Result;
use chrono::{DateTime, Local, NaiveDateTime};

/// Label given to scheduled backups; retention only ever removes these.
pub const SCHEDULED_LABEL: &str = "scheduled";

/// Arguments of `dbn backup schedule`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// `dbn backup schedule` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Add a schedule.
    #[command(
        after_help = "Examples:\n  dbn backup schedule add --conn shop --daily 02:30 --keep 7\n  dbn backup schedule add --conn shop --weekly sun 03:00 --keep 4\n\nTimes are local. Run `dbn backup schedule install` to have cron or systemd call `dbn backup run-due`."
    )]
    Add(AddArgs),
    /// List schedules.
    #[command(after_help = "Examples:\n  dbn backup schedule list\n  dbn backup schedule list --json")]
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Remove a schedule by id.
    #[command(after_help = "Example:\n  dbn backup schedule remove 3")]
    Remove {
        /// Schedule id (see `list`).
        id: i64,
    },
    /// Print a crontab line and a systemd timer/service pair that run `run-due`.
    #[command(
        after_help = "Examples:\n  dbn backup schedule install                    # print both, pick one\n  (crontab -l; dbn backup schedule install | grep '^\\*/5') | crontab -"
    )]
    Install,
}

/// Arguments of `dbn backup schedule add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Saved connection to back up.
    #[arg(long, short = 'c')]
    pub conn: String,
    /// Every day at HH:MM (local time).
    #[arg(
        long,
        value_name = "HH:MM",
        conflicts_with = "weekly",
        required_unless_present = "weekly"
    )]
    pub daily: Option<String>,
    /// Every week on DAY at HH:MM (local time), e.g. `--weekly sun 03:00`.
    #[arg(long, num_args = 2, value_names = ["DAY", "HH:MM"])]
    pub weekly: Option<Vec<String>>,
    /// Keep this many scheduled backups of the connection; older ones are removed.
    #[arg(long)]
    pub keep: Option<u32>,
}

/// Arguments of `dbn backup run-due`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Safe to call every few minutes from cron or a systemd timer: a schedule runs at most once per\nfiring time, and a lock file keeps two runs from overlapping (the second exits 0 doing nothing).\n\nExamples:\n  dbn backup run-due\n  */5 * * * * cd /srv/ops && dbn backup run-due --quiet   # crontab"
)]
pub struct RunDueArgs {
    /// Print nothing when nothing is due.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Run `dbn backup schedule ...`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    match args.action {
        Action::Add(a) => add(a, ctx),
        Action::List { json } => list(json, ctx),
        Action::Remove { id } => {
            ctx.store()?.remove_schedule(id)?;
            println!("removed schedule {id}");
            Ok(ExitCode::Ok)
        }
        Action::Install => install(ctx),
    }
}

fn add(a: AddArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    let cadence = match (&a.daily, &a.weekly) {
        (Some(t), _) => Cadence::Daily(parse_time(t).map_err(Failure::usage)?),
        (None, Some(w)) if w.len() == 2 => Cadence::Weekly(
            parse_day(&w[0]).map_err(Failure::usage)?,
            parse_time(&w[1]).map_err(Failure::usage)?,
        ),
        _ => return Err(Failure::usage("give --daily HH:MM or --weekly DAY HH:MM").into()),
    };
    // Fail now, not at 02:30, when the connection does not exist.
    ctx.store()?.connection(&a.conn)?;
    let id = ctx
        .store()?
        .add_schedule(&a.conn, &cadence.spec(), a.keep.map(i64::from))?;
    println!(
        "schedule {id}: back up '{}' {}{}",
        a.conn,
        cadence.spec(),
        a.keep.map(|k| format!(", keeping {k}")).unwrap_or_default()
    );
    println!("make sure something calls `dbn backup run-due` (see `dbn backup schedule install`)");
    Ok(ExitCode::Ok)
}

fn list(json: bool, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = json;
    let all = ctx.store()?.list_schedules()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(ExitCode::Ok);
    }
    if all.is_empty() {
        println!("no schedules: add one with `dbn backup schedule add --conn NAME --daily 02:30`");
        return Ok(ExitCode::Ok);
    }
    println!(
        "{:>4}  {:<16} {:<20} {:>5}  LAST RUN",
        "ID", "CONNECTION", "WHEN", "KEEP"
    );
    for s in all {
        println!(
            "{:>4}  {:<16} {:<20} {:>5}  {}",
            s.id,
            s.connection,
            s.spec,
            s.keep.map(|k| k.to_string()).unwrap_or_else(|| "all".into()),
            s.last_run_at.unwrap_or_else(|| "never".into())
        );
    }
    Ok(ExitCode::Ok)
}

fn install(ctx: &mut Ctx) -> Result<ExitCode> {
    let ws = ctx.workspace()?.root.display().to_string();
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "dbn".into());
    // Cron and systemd timers run without a terminal, a D-Bus session or
    // the user's shell environment: what the secret store needs must come
    // from a file only the user can read.
    let home = std::env::var("HOME").unwrap_or_else(|_| "~".into());
    let env_file = format!("{home}/.config/dbn/run-due.env");
    let backends = secret_backends(ctx)?;
    let repo = super::common::repo_location(ctx)?;
    println!("# crontab (crontab -e): every 5 minutes");
    println!(
        "*/5 * * * * set -a; . '{env_file}'; set +a; exec '{exe}' --workspace '{ws}' backup run-due --quiet >> '{ws}/.dbnexus/logs/run-due.log' 2>&1"
    );
    println!();
    println!("# {env_file} (create it, then: chmod 600 '{env_file}'), holding what a headless run needs:");
    println!("#   DBN_SECRETS_BACKEND=file");
    if backends.iter().any(|b| b == "file") || backends.is_empty() {
        println!("#   DBN_MASTER_PASSWORD=<the passphrase of this workspace's encrypted secret file>");
    }
    if backends.iter().any(|b| b != "file") {
        println!(
            "# The backup key or passwords are in the OS keyring ({}), which cron cannot open: move them to the",
            backends.join(", ")
        );
        println!(
            "# file store (`dbn backup key export` then, with DBN_SECRETS_BACKEND=file, `dbn backup key import`), or add"
        );
        println!("#   DBN_BACKUP_KEY=<the 64 hex characters of the backup key>");
    }
    if repo.as_deref().is_some_and(|r| r.starts_with("s3://")) {
        println!(
            "#   AWS_ACCESS_KEY_ID=... and AWS_SECRET_ACCESS_KEY=... (or store them once with `dbn backup repo login`)"
        );
    }
    println!();
    println!("# ~/.config/systemd/user/dbn-backup.service");
    println!("[Unit]\nDescription=dbn scheduled backups ({ws})\n");
    println!(
        "[Service]\nType=oneshot\nWorkingDirectory={ws}\nEnvironmentFile={env_file}\nExecStart={exe} --workspace {ws} backup run-due --quiet"
    );
    println!();
    println!("# ~/.config/systemd/user/dbn-backup.timer");
    println!("[Unit]\nDescription=Run dbn scheduled backups every 5 minutes\n");
    println!("[Timer]\nOnCalendar=*:0/5\nPersistent=true\n");
    println!("[Install]\nWantedBy=timers.target");
    println!();
    println!("# then: systemctl --user daemon-reload && systemctl --user enable --now dbn-backup.timer");
    Ok(ExitCode::Ok)
}

/// The secret backends holding the backup key and connection passwords.
fn secret_backends(ctx: &mut Ctx) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    if let Some(b) = ctx.store()?.setting(super::common::KEY_SETTING)? {
        out.push(b);
    }
    for c in ctx.store()?.list_connections()? {
        if let Some(b) = c.secret_backend {
            out.push(b);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn local_naive(rfc3339: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&Local).naive_local())
}

/// Run `dbn backup run-due`.
pub fn run_due(args: RunDueArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    // The lock is this host's (cron runs overlapping here), wherever the repository is.
    let _lock = match RunLock::acquire(&ctx.workspace()?.snapshots_dir().join("run-due.lock")) {
        Ok(l) => l,
        Err(BackupError::Locked(pid)) => {
            eprintln!("another `dbn backup run-due` is running (pid {pid}); nothing done");
            return Ok(ExitCode::Ok);
        }
        Err(e) => return Err(fail(e)),
    };
    let now = Local::now().naive_local();
    let mut failed = 0;
    let mut ran = 0;
    for s in ctx.store()?.list_schedules()? {
        let cadence = match Cadence::parse(&s.spec) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("schedule {}: {e}; skipped", s.id);
                failed += 1;
                continue;
            }
        };
        let last = s.last_run_at.as_deref().and_then(local_naive);
        let created = local_naive(&s.created_at).unwrap_or(now);
        if !cadence.is_due(now, last, created) {
            continue;
        }
        ran += 1;
        match create_backup(ctx, &s.connection, &[], Some(SCHEDULED_LABEL.into()), true) {
            Ok(r) => {
                ctx.store()?.mark_schedule_run(s.id, &crate::store::now())?;
                println!(
                    "schedule {}: backup {} of '{}' ({} rows)",
                    s.id,
                    r.manifest.id,
                    s.connection,
                    r.manifest.total_rows()
                );
                if let Some(keep) = s.keep {
                    retention(ctx, &s.connection, keep.max(1) as usize)?;
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("schedule {}: backup of '{}' failed: {e:#}", s.id, s.connection);
            }
        }
    }
    if ran == 0 && !args.quiet {
        println!("nothing due");
    }
    if failed > 0 {
        return Err(Failure::new(
            ExitCode::QueryError,
            "BACKUP_SCHEDULE_FAILED",
            format!("{failed} scheduled backup(s) failed; see above"),
        )
        .into());
    }
    Ok(ExitCode::Ok)
}

fn retention(ctx: &mut Ctx, conn: &str, keep: usize) -> Result<()> {
    let scheduled: Vec<String> = ctx
        .store()?
        .list_backups(Some(conn))?
        .into_iter()
        .filter(|b| b.label.as_deref() == Some(SCHEDULED_LABEL))
        .map(|b| b.id)
        .collect();
    let excess = scheduled.len().saturating_sub(keep);
    for id in scheduled.into_iter().take(excess) {
        let (id, g) = remove_backup(ctx, &id)?;
        println!("retention: removed backup {id} ({} chunks freed)", g.chunks);
    }
    Ok(())
}
