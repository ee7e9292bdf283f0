//! `dbn status [--json]`: the connection overview.

use super::{Ctx, ExitCode, Failure};
use crate::overview::{self, Entry, Overview, Status};
use crate::sanitize::sanitize;
use crate::store::connections::Tag;
use anyhow::Result;
use std::io::IsTerminal;
use std::time::Duration;

/// Arguments of `dbn status`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Checks every saved connection in parallel, each within --timeout, and shows for each its tag,
whether it is reachable and how fast, server version, database size, table count, sessions,
the last backup and its age, overdue backup schedules and the last audited write.
Exits 3 when a connection is unreachable (its reason is shown), 0 otherwise.

Examples:
  dbn status
  dbn status shop billing --timeout 2
  dbn status --json | jq '.connections[] | select(.reachable | not) | .name'"
)]
pub struct Args {
    /// Only these connections (default: all saved ones).
    pub names: Vec<String>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// Seconds one connection's checks may take.
    #[arg(long, default_value_t = 5, value_name = "SECS")]
    pub timeout: u64,
}

/// Run `dbn status`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let mut records = ctx.store()?.list_connections()?;
    if !args.names.is_empty() {
        for n in &args.names {
            if !records.iter().any(|r| &r.name == n) {
                return Err(
                    Failure::usage(format!("no connection named '{}': see `dbn connect list`", sanitize(n))).into(),
                );
            }
        }
        records.retain(|r| args.names.contains(&r.name));
    }
    if records.is_empty() {
        println!("No connections yet. Add one with `dbn connect add NAME --url URL`, or try `dbn demo`.");
        return Ok(ExitCode::Ok);
    }
    let entries: Vec<Entry> = records
        .into_iter()
        .map(|r| {
            let resolved = super::resolve::resolve_saved(ctx, &r.name).map(|(_, s)| s);
            Entry {
                target: resolved
                    .as_ref()
                    .map(|s| s.display_target())
                    .unwrap_or_else(|_| crate::db::redact_url(&r.url)),
                spec: resolved.map_err(|e| format!("{e:#}")),
                name: r.name,
                tag: r.tag,
                color: r.color,
                read_only: r.read_only,
                engine: r.engine,
            }
        })
        .collect();
    let timeout = Duration::from_secs(args.timeout.max(1));
    let store = ctx.store()?;
    let rt = super::runtime()?;
    let ov = rt.block_on(overview::overview(entries, Some(store), timeout));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&ov)?);
    } else {
        let color = !ctx.no_color && std::io::stdout().is_terminal();
        print!("{}", render(&ov, color));
    }
    Ok(if ov.unreachable() > 0 {
        ExitCode::Connection
    } else {
        ExitCode::Ok
    })
}

/// The overview as a table plus one line per problem. Prod stands out in
/// text (`!PROD!`), not only in colour.
pub fn render(ov: &Overview, color: bool) -> String {
    let header = [
        "CONNECTION",
        "TAG",
        "STATE",
        "LATENCY",
        "SERVER",
        "SIZE",
        "TABLES",
        "SESSIONS",
        "LAST BACKUP",
        "LAST WRITE",
    ];
    let rows: Vec<[String; 10]> = ov.connections.iter().map(row).collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: &[String], tag: Option<Tag>| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths.iter()).enumerate() {
            let pad = format!("{cell:<w$}");
            if i == 1
                && color
                && let Some(t) = tag
            {
                l.push_str(&paint(&pad, t));
            } else {
                l.push_str(&pad);
            }
            if i + 1 < cells.len() {
                l.push_str("  ");
            }
        }
        l.trim_end().to_string()
    };
    out.push_str(&line(&header.map(String::from), None));
    out.push('\n');
    for (r, c) in rows.iter().zip(&ov.connections) {
        out.push_str(&line(r, Some(c.tag)));
        out.push('\n');
    }
    let notes: Vec<String> = ov.connections.iter().flat_map(notes).collect();
    if !notes.is_empty() {
        out.push('\n');
        for n in notes {
            out.push_str(&n);
            out.push('\n');
        }
    }
    out
}

fn row(c: &Status) -> [String; 10] {
    let l = &c.live;
    let dash = || "-".to_string();
    [
        sanitize(&c.name).into_owned(),
        tag_text(c.tag),
        if l.reachable { "ok".into() } else { "UNREACHABLE".into() },
        l.latency_ms.map(|m| format!("{m:.1} ms")).unwrap_or_else(dash),
        l.server_version
            .as_deref()
            .map(|v| sanitize(v).into_owned())
            .unwrap_or_else(dash),
        l.database_size_bytes.map(overview::size).unwrap_or_else(dash),
        l.tables.map(|t| t.to_string()).unwrap_or_else(dash),
        match (l.sessions, l.active_sessions) {
            (Some(s), Some(a)) => format!("{s} ({a} active)"),
            _ => dash(),
        },
        c.local
            .last_backup
            .as_ref()
            .map(|b| format!("{} ago", overview::age(b.age_secs)))
            .unwrap_or_else(|| "never".into()),
        c.local
            .last_write
            .as_ref()
            .map(|w| format!("{} {} ago", w.action, overview::age(w.age_secs)))
            .unwrap_or_else(dash),
    ]
}

/// `!PROD!` is readable without colour and in any font.
pub fn tag_text(tag: Tag) -> String {
    match tag {
        Tag::Prod => "!PROD!".into(),
        other => other.as_str().into(),
    }
}

fn paint(text: &str, tag: Tag) -> String {
    let code = match tag {
        Tag::Prod => "1;97;41",
        Tag::Stage => "30;43",
        Tag::Dev => "36",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn notes(c: &Status) -> Vec<String> {
    let name = sanitize(&c.name);
    let mut out = Vec::new();
    if let Some(e) = &c.live.error {
        let what = if c.live.reachable {
            "facts unavailable"
        } else {
            "unreachable"
        };
        out.push(format!("{name}: {what} [{}]: {}", e.code, sanitize(&e.message)));
    }
    for s in &c.local.overdue_schedules {
        out.push(format!(
            "{name}: backup schedule {} ({}) is overdue since {}; run `dbn backup run-due`",
            s.id, s.spec, s.due_since
        ));
    }
    out
}
