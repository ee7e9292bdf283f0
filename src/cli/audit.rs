//! `dbn audit [--conn NAME] [--since DURATION] [--json]`.

use super::{Ctx, ExitCode, Failure};
use crate::db::{Column, Summary, Value};
use crate::output::{Format, writer};
use crate::store::audit::{AuditEntry, AuditFilter};
use anyhow::Result;
use std::io::Write;

/// Arguments of `dbn audit`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  dbn audit                       # everything, newest first\n  dbn audit --conn prod --since 7d\n  dbn audit --since 30m --json    # a JSON array for scripts"
)]
pub struct Args {
    /// Only entries for this connection.
    #[arg(long, value_name = "NAME")]
    pub conn: Option<String>,
    /// Only entries newer than this: 45s, 30m, 12h, 7d or 2w.
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// At most this many entries (newest first).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Parse `30m`, `12h`, `7d`, `2w`, `45s` into a duration.
pub fn parse_duration(s: &str) -> Option<chrono::Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = s.split_at(split);
    let n: i64 = num.parse().ok()?;
    let secs = match unit.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return None,
    };
    chrono::Duration::try_seconds(n.checked_mul(secs)?)
}

/// List the audit log.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let since = match &args.since {
        None => None,
        Some(s) => {
            let d = parse_duration(s).ok_or_else(|| {
                Failure::usage(format!(
                    "--since '{s}' is not a duration; write a number and a unit, e.g. 30m, 12h or 7d"
                ))
            })?;
            let t = chrono::Utc::now() - d;
            Some(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        }
    };
    let filter = AuditFilter {
        connection: args.conn.clone(),
        since,
        limit: args.limit,
    };
    let entries = ctx.store()?.list_audit(&filter)?;
    let stdout = std::io::stdout();
    let result = if args.json {
        print_json(&entries, &mut stdout.lock())
    } else {
        print_table(&entries, Box::new(stdout.lock()))
    };
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::Ok),
        other => other.map(|_| ExitCode::Ok).map_err(Into::into),
    }
}

fn print_json(entries: &[AuditEntry], out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, entries)?;
    writeln!(out)
}

fn text(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::Text(s.clone()))
}

fn print_table(entries: &[AuditEntry], out: Box<dyn Write + '_>) -> std::io::Result<()> {
    let names = [
        "at",
        "connection",
        "user",
        "host",
        "action",
        "verdict",
        "rows",
        "ms",
        "outcome",
        "confirmed_by",
        "statement",
    ];
    let columns: Vec<Column> = names
        .iter()
        .map(|n| Column {
            name: (*n).to_string(),
            type_name: "text".into(),
        })
        .collect();
    let rows: Vec<Vec<Value>> = entries
        .iter()
        .map(|e| {
            vec![
                Value::Text(e.at.clone()),
                text(&e.connection),
                text(&e.os_user),
                text(&e.host),
                Value::Text(e.action.clone()),
                text(&e.verdict),
                e.rows_affected.map_or(Value::Null, Value::Int),
                e.duration_ms.map_or(Value::Null, Value::Int),
                Value::Text(e.outcome.clone()),
                text(&e.confirmed_by),
                text(&e.statement),
            ]
        })
        .collect();
    // The table writer sanitizes every cell (control characters, escapes).
    let mut w = writer(Format::Table, out);
    w.begin(&columns)?;
    w.rows(&rows)?;
    w.finish(&Summary {
        rows_returned: rows.len() as u64,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), chrono::Duration::try_minutes(30));
        assert_eq!(parse_duration("12h"), chrono::Duration::try_hours(12));
        assert_eq!(parse_duration("7d"), chrono::Duration::try_days(7));
        assert_eq!(parse_duration("45s"), chrono::Duration::try_seconds(45));
        for bad in ["", "7", "d", "7y", "-1d", "99999999999999999999d"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn table_sanitizes_statements() {
        let e = AuditEntry {
            at: "2026-01-01T00:00:00.000Z".into(),
            action: "write".into(),
            outcome: "ok".into(),
            statement: Some("UPDATE t SET a='\x1b[31m'".into()),
            ..Default::default()
        };
        let mut buf = Vec::new();
        print_table(&[e], Box::new(&mut buf)).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert!(s.contains("␛[31m") && !s.contains('\x1b'), "{s}");
    }
}
