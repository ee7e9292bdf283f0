//! `dbn activity` as text: the root blocker first, then health, the
//! blocking trees, sessions (longest-running first) and top statements.
//! Every value from the server is sanitized and kept on one line.

use crate::activity::{BlockTree, Health, SessionInfo, Snapshot, TopStatements, format, tree};
use crate::sanitize::sanitize;
use std::fmt::Write as _;

/// How to lay the text out.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Connection name shown in the header.
    pub conn: String,
    /// Characters per line (statements are cut to fit).
    pub width: usize,
    /// ANSI colours (terminal, no NO_COLOR).
    pub color: bool,
    /// Leave out idle sessions that are not in a transaction.
    pub hide_idle: bool,
}

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

fn paint(on: bool, style: &str, text: &str) -> String {
    if on {
        format!("{style}{text}{RESET}")
    } else {
        text.to_string()
    }
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(|s| format::one_line(s, 40)).unwrap_or_default()
}

fn age(v: Option<f64>) -> String {
    v.map(format::age).unwrap_or_default()
}

/// The whole report.
pub fn render(snap: &Snapshot, l: &Layout) -> String {
    let mut out = String::new();
    if !snap.supported {
        for n in &snap.notes {
            let _ = writeln!(out, "{}", sanitize(n));
        }
        return out;
    }
    let _ = writeln!(
        out,
        "{} ({}, {}) at {}: {} sessions; {} catalog queries in {}",
        paint(l.color, BOLD, &sanitize(&l.conn)),
        snap.engine,
        sanitize(&snap.server_version),
        snap.collected_at,
        snap.sessions.len(),
        snap.collector.queries,
        format::millis(snap.collector.elapsed_ms)
    );
    if let Some(t) = snap.blocking.first() {
        let _ = writeln!(out, "{}", paint(l.color, RED, &format::root_line(snap, t)));
    }
    let _ = writeln!(out, "{}", health(&snap.health, l.width));
    if !snap.blocking.is_empty() {
        let n = snap.blocking.len();
        let title = format!(
            "\nBLOCKING ({n} tree{}, most victims first)",
            if n == 1 { "" } else { "s" }
        );
        let _ = writeln!(out, "{}", paint(l.color, BOLD, &title));
        for t in &snap.blocking {
            blocking(&mut out, snap, t, l);
        }
    }
    out.push('\n');
    sessions(&mut out, snap, l);
    out.push('\n');
    top(&mut out, &snap.top, l);
    for n in &snap.notes {
        let _ = writeln!(out, "note: {}", sanitize(n));
    }
    out
}

/// Health figures, wrapped between figures to `width`.
pub fn health(h: &Health, width: usize) -> String {
    let mut parts = Vec::new();
    if let (Some(c), Some(m)) = (h.connections, h.max_connections) {
        let pct = (c * 100).checked_div(m).unwrap_or(0);
        parts.push(format!("connections {c}/{m} ({pct}%)"));
    }
    if let Some(a) = h.xid_age {
        let left = h
            .xid_wraparound_remaining
            .map(|r| format!(", {} to wraparound stop", format::count(r as f64)))
            .unwrap_or_default();
        parts.push(format!("xid age {}{left}", format::count(a as f64)));
    }
    if let Some(n) = h.history_list_length {
        parts.push(format!("history list {}", format::count(n as f64)));
    }
    match &h.longest_transaction {
        Some(t) => parts.push(format!("longest transaction {} (id {})", format::age(t.age_s), t.id)),
        None => parts.push("no open transactions".into()),
    }
    if let Some(r) = h.cache_hit_ratio {
        parts.push(format!("cache hit {:.1}%", r * 100.0));
    }
    if h.in_recovery == Some(true) {
        parts.push(format!(
            "standby{}",
            h.standby_lag_s
                .map(|s| format!(", replay lag {}", format::age(s)))
                .unwrap_or_default()
        ));
    }
    if h.replicas.is_empty() {
        parts.push("replicas: none reported".into());
    } else {
        let reps: Vec<String> = h
            .replicas
            .iter()
            .map(|r| {
                let lag = r.lag_s.map(format::age).unwrap_or_else(|| "lag n/a".into());
                let state = r.state.as_deref().unwrap_or("?");
                format!("{} {state} {lag}", r.name)
            })
            .collect();
        parts.push(format!("replicas: {}", reps.join(", ")));
    }
    let mut text = String::from("health:");
    let mut line_len = text.len();
    for p in parts {
        let p = sanitize(&p).into_owned();
        let n = p.chars().count();
        if line_len > 8 && line_len + 3 + n > width {
            text.push_str("\n       ");
            line_len = 7;
        } else if line_len > 7 {
            text.push_str(" ·");
            line_len += 2;
        }
        text.push(' ');
        text.push_str(&p);
        line_len += 1 + n;
    }
    text
}

fn blocking(out: &mut String, snap: &Snapshot, t: &BlockTree, l: &Layout) {
    let stmt = |id: i64, used: usize| {
        snap.session(id)
            .and_then(|s| s.query.as_deref())
            .map(|q| format::one_line(q, l.width.saturating_sub(used).max(20)))
            .unwrap_or_default()
    };
    let head = format!("  {}", format::root_line(snap, t).trim_start_matches("ROOT BLOCKER "));
    let used = head.chars().count() + 2;
    let _ = writeln!(out, "{}: {}", paint(l.color, RED, &head), stmt(t.root, used));
    for (depth, n) in tree::flatten(t) {
        let lock = n.lock.as_ref().map(format::lock).unwrap_or_else(|| "lock".into());
        let waited = age(snap.session(n.id).and_then(|s| s.statement_age_s));
        let line = format!("  {}└─ {} waits {waited} for {lock}", "   ".repeat(depth - 1), n.id);
        let used = line.chars().count() + 2;
        let _ = writeln!(out, "{line}: {}", stmt(n.id, used));
    }
}

struct Col {
    title: &'static str,
    cells: Vec<String>,
    optional: bool,
}

fn sessions(out: &mut String, snap: &Snapshot, l: &Layout) {
    let shown: Vec<&SessionInfo> = snap
        .sessions
        .iter()
        .filter(|s| !(l.hide_idle && s.state == "idle"))
        .collect();
    let hidden = snap.sessions.len() - shown.len();
    let _ = writeln!(
        out,
        "{}",
        paint(
            l.color,
            BOLD,
            &format!(
                "SESSIONS ({} shown{}; longest-running first; ! = idle in transaction)",
                shown.len(),
                if hidden > 0 {
                    format!(", {hidden} idle hidden")
                } else {
                    String::new()
                }
            )
        )
    );
    if shown.is_empty() {
        let _ = writeln!(out, "(no other sessions)");
        return;
    }
    let col = |title, optional, f: &dyn Fn(&SessionInfo) -> String| Col {
        title,
        optional,
        cells: shown.iter().map(|s| f(s)).collect(),
    };
    let mut cols = vec![
        col("ID", false, &|s| {
            format!("{}{}", if s.idle_in_transaction { "!" } else { "" }, s.id)
        }),
        col("USER", false, &|s| opt(&s.user)),
        col("DATABASE", true, &|s| opt(&s.database)),
        col("CLIENT", true, &|s| opt(&s.client)),
        col("APPLICATION", true, &|s| opt(&s.application)),
        col("STATE", false, &|s| format::one_line(&s.state, 30)),
        col("XACT", false, &|s| age(s.transaction_age_s)),
        col("STMT", false, &|s| age(s.statement_age_s)),
        col("WAIT", false, &|s| opt(&s.wait)),
    ];
    let w = |c: &Col| {
        c.cells
            .iter()
            .map(|x| x.chars().count())
            .chain([c.title.len()])
            .max()
            .unwrap_or(0)
    };
    // Drop optional columns (application first) until the statement gets 30 characters.
    while cols.iter().map(|c| w(c) + 2).sum::<usize>() + 30 > l.width {
        let Some(i) = cols.iter().rposition(|c| c.optional) else {
            break;
        };
        cols.remove(i);
    }
    let widths: Vec<usize> = cols.iter().map(w).collect();
    let used: usize = widths.iter().map(|x| x + 2).sum();
    let stmt_width = l.width.saturating_sub(used).max(20);
    let mut header = String::new();
    for (c, wd) in cols.iter().zip(&widths) {
        let _ = write!(header, "{:<wd$}  ", c.title);
    }
    header.push_str("STATEMENT");
    let _ = writeln!(out, "{header}");
    for (i, s) in shown.iter().enumerate() {
        let mut line = String::new();
        for (c, wd) in cols.iter().zip(&widths) {
            let cell = &c.cells[i];
            let pad = wd.saturating_sub(cell.chars().count());
            let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
        }
        line.push_str(
            &s.query
                .as_deref()
                .map(|q| format::one_line(q, stmt_width))
                .unwrap_or_default(),
        );
        let styled = if s.idle_in_transaction {
            paint(l.color, YELLOW, &line)
        } else if !s.blocked_by.is_empty() {
            paint(l.color, RED, &line)
        } else {
            line
        };
        let _ = writeln!(out, "{}", styled.trim_end());
    }
}

fn top(out: &mut String, t: &TopStatements, l: &Layout) {
    let title = match &t.source {
        Some(s) => format!("TOP STATEMENTS by total time (from {s})"),
        None => "TOP STATEMENTS".into(),
    };
    let _ = writeln!(out, "{}", paint(l.color, BOLD, &title));
    if let Some(h) = &t.hint {
        let _ = writeln!(out, "{}", sanitize(h));
    }
    if t.statements.is_empty() {
        if t.source.is_some() {
            let _ = writeln!(out, "(none recorded yet)");
        }
        return;
    }
    let _ = writeln!(
        out,
        "{:>9}  {:>9}  {:>9}  {:>10}  {:<16}  STATEMENT",
        "CALLS", "TOTAL", "MEAN", "ROWS", "DATABASE"
    );
    for s in &t.statements {
        let head = format!(
            "{:>9}  {:>9}  {:>9}  {:>10}  {:<16}  ",
            format::count(s.calls as f64),
            format::millis(s.total_ms),
            format::millis(s.mean_ms),
            format::count(s.rows as f64),
            format::one_line(s.database.as_deref().unwrap_or(""), 16)
        );
        let room = l.width.saturating_sub(head.chars().count()).max(20);
        let _ = writeln!(out, "{head}{}", format::one_line(&s.query, room));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{LockInfo, LongestTransaction, StatementStat};
    use crate::db::Engine;

    fn sample() -> Snapshot {
        let mut snap = Snapshot::empty(Engine::Postgres);
        snap.server_version = "PostgreSQL 15.8".into();
        snap.collected_at = "2026-12-06T12:00:00.000Z".into();
        let base = |id: i64, state: &str| SessionInfo {
            id,
            user: Some("alice".into()),
            database: Some("shop".into()),
            client: Some("10.0.0.5:5123".into()),
            application: Some("psql".into()),
            state: state.into(),
            ..Default::default()
        };
        snap.sessions = vec![
            SessionInfo {
                idle_in_transaction: true,
                transaction_age_s: Some(312.0),
                statement_age_s: Some(311.0),
                query: Some("UPDATE orders\n SET paid = true WHERE id = 7".into()),
                ..base(4711, "idle in transaction")
            },
            SessionInfo {
                transaction_age_s: Some(181.0),
                statement_age_s: Some(181.0),
                wait: Some("Lock:transactionid".into()),
                blocked_by: vec![4711],
                waiting_for: Some(LockInfo {
                    lock_type: "transactionid".into(),
                    mode: Some("ShareLock".into()),
                    object: Some("transaction 738 (row orders (0,1))".into()),
                }),
                query: Some("UPDATE orders SET paid = false WHERE id = 7".into()),
                ..base(4712, "active")
            },
            SessionInfo {
                statement_age_s: Some(30.0),
                query: Some("SELECT \x1b[31mboom".into()),
                ..base(4800, "idle")
            },
        ];
        snap.blocking = tree::build(&snap.sessions);
        snap.health = Health {
            connections: Some(14),
            max_connections: Some(200),
            xid_age: Some(1200),
            xid_wraparound_remaining: Some(2_144_482_447),
            longest_transaction: Some(LongestTransaction { id: 4711, age_s: 312.0 }),
            cache_hit_ratio: Some(0.998),
            ..Default::default()
        };
        snap.top = TopStatements {
            source: Some("pg_stat_statements".into()),
            hint: None,
            statements: vec![StatementStat {
                query: "SELECT * FROM orders WHERE id = $1".into(),
                database: Some("shop".into()),
                calls: 12_345,
                total_ms: 4321.0,
                mean_ms: 0.35,
                rows: 12_345,
            }],
        };
        snap
    }

    fn layout(width: usize) -> Layout {
        Layout {
            conn: "prod".into(),
            width,
            color: false,
            hide_idle: false,
        }
    }

    #[test]
    fn root_blocker_comes_first_and_nothing_escapes() {
        let text = render(&sample(), &layout(120));
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("prod (postgres, PostgreSQL 15.8)"), "{text}");
        assert_eq!(
            lines[1],
            "ROOT BLOCKER 4711 (alice@shop, idle in transaction 5m12s) blocks 1 session"
        );
        assert!(
            lines[2].starts_with("health: connections 14/200 (7%) · xid age 1200"),
            "{text}"
        );
        assert!(
            text.contains("└─ 4712 waits 3m01s for ShareLock transactionid on transaction 738"),
            "{text}"
        );
        assert!(text.contains("!4711"), "idle in transaction is marked: {text}");
        assert!(text.contains("UPDATE orders SET paid = true WHERE id = 7"), "{text}");
        assert!(!text.contains('\x1b'), "server text is sanitized: {text}");
        assert!(text.contains("SELECT ␛[31mboom"));
        assert!(text.contains("from pg_stat_statements"));
        assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
    }

    #[test]
    fn narrow_terminals_drop_optional_columns_and_hide_idle() {
        let text = render(
            &sample(),
            &Layout {
                hide_idle: true,
                ..layout(80)
            },
        );
        assert!(!text.contains("APPLICATION"), "{text}");
        assert!(!text.contains("4800"), "{text}");
        assert!(text.contains("1 idle hidden"), "{text}");
    }

    #[test]
    fn sqlite_prints_its_note_only() {
        let mut snap = Snapshot::empty(Engine::Sqlite);
        snap.supported = false;
        snap.notes.push(crate::activity::SQLITE_NOTE.into());
        assert_eq!(render(&snap, &layout(80)).trim_end(), crate::activity::SQLITE_NOTE);
    }
}
