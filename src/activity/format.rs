//! Text forms every face shares: statement text on one safe line, ages,
//! large counts, and the one-line description of a session used in
//! confirmations and the audit log.

use super::model::{BlockTree, LockInfo, SessionInfo, Snapshot};
use crate::sanitize::sanitize;

/// Statement text on one line: whitespace runs become one space, control
/// characters become visible symbols, cut to `max` characters with `…`.
pub fn one_line(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let clean = sanitize(&joined);
    if clean.chars().count() <= max {
        return clean.into_owned();
    }
    let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `850ms`, `12s`, `5m12s`, `3h04m`, `2d07h`.
pub fn age(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "0s".into();
    }
    if secs < 1.0 {
        return format!("{}ms", (secs * 1000.0).round() as u64);
    }
    let s = secs as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// `950`, `12.3k`, `4.1M`, `2.1B`.
pub fn count(n: f64) -> String {
    let a = n.abs();
    if a >= 1e9 {
        format!("{:.1}B", n / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{}", n.round() as i64)
    }
}

/// Milliseconds as `0.42ms`, `12ms`, `3.4s`, `5m12s`.
pub fn millis(ms: f64) -> String {
    if ms < 1.0 {
        format!("{ms:.2}ms")
    } else if ms < 1000.0 {
        format!("{ms:.0}ms")
    } else if ms < 60_000.0 {
        format!("{:.1}s", ms / 1000.0)
    } else {
        age(ms / 1000.0)
    }
}

/// `ShareLock transactionid on public.t row (0,1)`.
pub fn lock(l: &LockInfo) -> String {
    let mut out = String::new();
    if let Some(m) = &l.mode {
        out.push_str(m);
        out.push(' ');
    }
    out.push_str(&l.lock_type);
    if let Some(o) = &l.object {
        out.push_str(" on ");
        out.push_str(o);
    }
    sanitize(&out).into_owned()
}

/// `session 4711 (alice@shop from 10.0.0.5:5123, idle in transaction for 5m12s): UPDATE orders ...`
/// Names the session and its statement for confirmations and the audit log.
pub fn describe(s: &SessionInfo) -> String {
    let who = match (&s.user, &s.database) {
        (Some(u), Some(d)) => format!("{u}@{d}"),
        (Some(u), None) => u.clone(),
        (None, Some(d)) => format!("@{d}"),
        (None, None) => "unknown user".into(),
    };
    let from = s.client.as_deref().map(|c| format!(" from {c}")).unwrap_or_default();
    let busy = s.busy_age().map(|a| format!(" for {}", age(a))).unwrap_or_default();
    let stmt = s
        .query
        .as_deref()
        .map(|q| one_line(q, 120))
        .filter(|q| !q.is_empty())
        .unwrap_or_else(|| "(no statement)".into());
    sanitize(&format!("session {} ({who}{from}, {}{busy}): {stmt}", s.id, s.state)).into_owned()
}

/// `ROOT BLOCKER 4711 (alice@shop, idle in transaction 5m12s) blocks 2 sessions`
pub fn root_line(snap: &Snapshot, t: &BlockTree) -> String {
    let who = snap
        .session(t.root)
        .map(|s| {
            let user = s.user.as_deref().unwrap_or("?");
            let db = s.database.as_deref().unwrap_or("?");
            format!(
                " ({user}@{db}, {} {})",
                s.state,
                s.busy_age().map(age).unwrap_or_default()
            )
        })
        .unwrap_or_else(|| " (not visible to this user)".into());
    let cycle = if t.cycle { " (deadlock cycle)" } else { "" };
    sanitize(&format!(
        "ROOT BLOCKER {}{who} blocks {} session{}{cycle}",
        t.root,
        t.victims,
        if t.victims == 1 { "" } else { "s" }
    ))
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_is_safe_and_short() {
        assert_eq!(one_line("SELECT *\n  FROM\tt", 80), "SELECT * FROM t");
        assert_eq!(one_line("SELECT '\x1b[31m'", 80), "SELECT '␛[31m'");
        assert_eq!(one_line("abcdefghij", 5), "abcd…");
        assert_eq!(one_line("", 5), "");
    }

    #[test]
    fn ages_and_counts() {
        assert_eq!(age(0.25), "250ms");
        assert_eq!(age(12.9), "12s");
        assert_eq!(age(312.0), "5m12s");
        assert_eq!(age(3.0 * 3600.0 + 240.0), "3h04m");
        assert_eq!(age(2.0 * 86_400.0 + 7.0 * 3600.0), "2d07h");
        assert_eq!(age(f64::NAN), "0s");
        assert_eq!(count(950.0), "950");
        assert_eq!(count(12_345.0), "12.3k");
        assert_eq!(count(2_100_000_000.0), "2.1B");
        assert_eq!(millis(0.421), "0.42ms");
        assert_eq!(millis(3400.0), "3.4s");
    }

    #[test]
    fn describe_names_session_and_statement() {
        let s = SessionInfo {
            id: 42,
            user: Some("alice".into()),
            database: Some("shop".into()),
            state: "idle in transaction".into(),
            transaction_age_s: Some(312.0),
            query: Some("UPDATE t\nSET a = 1".into()),
            ..Default::default()
        };
        assert_eq!(
            describe(&s),
            "session 42 (alice@shop, idle in transaction for 5m12s): UPDATE t SET a = 1"
        );
    }
}
