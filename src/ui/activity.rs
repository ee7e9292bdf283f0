//! The activity view: the root blocker and health on top, the blocking
//! trees, then sessions or top statements, a key line at the bottom.
//! Only the visible slice of the list is built.

use super::popup::centered;
use super::text::{fit, put};
use super::theme::Slot;
use crate::activity::signal::Signal;
use crate::activity::{Health, SessionInfo, Snapshot, format, tree};
use crate::app::App;
use crate::app::activity::{ActivityPanel, Detail, SignalConfirm, Tab};
use crate::sanitize::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Clear};

/// Draw the view over the panes (the status line stays visible).
pub fn draw(f: &mut Frame, area: Rect, app: &App, p: &ActivityPanel) {
    let t = &app.theme;
    let r = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1));
    f.render_widget(Clear, r);
    let version = p
        .snapshot
        .as_ref()
        .filter(|s| !s.server_version.is_empty())
        .map(|s| format!(" · {}", s.server_version))
        .unwrap_or_default();
    let title = sanitize(&format!(" Activity · {}{version} ", app.conn.name)).into_owned();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocused))
        .style(t.style(Slot::Popup))
        .title(title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.height < 3 || inner.width < 10 {
        return;
    }
    let mut y = inner.y;
    let bottom = inner.y + inner.height - 1;
    let w = inner.width;
    let line = |f: &mut Frame, y: u16, text: &str, style: Style| {
        put(f.buffer_mut(), inner.x, y, &sanitize(text), w, style);
    };
    footer(f, inner.x, bottom, w, app, p);
    let Some(snap) = &p.snapshot else {
        let msg = p.error.as_deref().unwrap_or("reading activity…");
        line(
            f,
            y,
            msg,
            t.style(if p.error.is_some() { Slot::Error } else { Slot::Muted }),
        );
        return;
    };
    if !snap.supported {
        for n in &snap.notes {
            line(f, y, n, t.style(Slot::Warning));
            y += 1;
        }
        return;
    }
    line(f, y, &status_line(snap, p), t.style(Slot::Muted));
    y += 1;
    match snap.blocking.first() {
        Some(tr) => line(
            f,
            y,
            &format::root_line(snap, tr),
            t.style(Slot::Error).add_modifier(Modifier::BOLD),
        ),
        None => line(f, y, "no session waits on another", t.style(Slot::Info)),
    }
    y += 1;
    if y < bottom {
        line(f, y, &health(&snap.health), t.style(Slot::Text));
        y += 1;
    }
    let room = usize::from(bottom.saturating_sub(y));
    y += blocking(
        f,
        inner.x,
        y,
        w,
        snap,
        (room / 3).max(3).min(room.saturating_sub(3)),
        app,
    );
    if y + 2 > bottom {
        return;
    }
    tabs(f, inner.x, y, w, snap, p, app);
    y += 1;
    let list = Rect::new(inner.x, y, w, bottom - y);
    match p.tab {
        Tab::Sessions => sessions(f, list, p, snap, app),
        Tab::Statements => statements(f, list, p, snap, app),
    }
    if let Some(d) = &p.detail {
        detail(f, r, d, app);
    }
    if let Some(c) = &p.confirm {
        confirm(f, r, c, app);
    }
}

/// The confirmation of a cancel or terminate: the session and its
/// statement, the rule's question, and what to type or press.
fn confirm(f: &mut Frame, area: Rect, c: &SignalConfirm, app: &App) {
    let t = &app.theme;
    let width = area.width.saturating_sub(4).clamp(10, 100);
    let inner_w = usize::from(width.saturating_sub(2)).max(1);
    let mut lines: Vec<(String, Style)> = Vec::new();
    let text = t.style(Slot::Popup);
    for l in wrap(&c.request.what(), inner_w) {
        lines.push((l, text));
    }
    if let Some(q) = &c.rule {
        lines.push((String::new(), text));
        for l in wrap(q, inner_w) {
            lines.push((l, t.style(Slot::Warning)));
        }
    }
    lines.push((String::new(), text));
    match &c.expect {
        Some(name) => {
            for l in wrap(
                &format!("Type '{name}' and Enter to confirm (audited); Esc cancels."),
                inner_w,
            ) {
                lines.push((l, text));
            }
            lines.push((format!("> {}▏", c.input), t.style(Slot::Selection)));
        }
        None => lines.push(("y / Enter: send (audited) · n / Esc: cancel".into(), text)),
    }
    let height = (lines.len() as u16 + 2).min(area.height.max(3));
    let r = centered(area, width, height);
    f.render_widget(Clear, r);
    let title = match c.request.signal {
        Signal::Cancel => " Cancel statement? ",
        Signal::Terminate => " Terminate session? ",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::Error))
        .style(text)
        .title(title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    for (i, (l, st)) in lines.iter().take(usize::from(inner.height)).enumerate() {
        put(
            f.buffer_mut(),
            inner.x,
            inner.y + i as u16,
            &sanitize(l),
            inner.width,
            *st,
        );
    }
}

fn status_line(snap: &Snapshot, p: &ActivityPanel) -> String {
    let mut parts = vec![format!("{} sessions", snap.sessions.len())];
    if let Some(u) = &p.updated {
        parts.push(format!("updated {u}"));
    }
    parts.push(if p.paused() {
        "PAUSED (p resumes)".to_string()
    } else {
        format!("every {}s", crate::activity::REFRESH.as_secs())
    });
    if snap.collector.queries > 0 {
        parts.push(format!(
            "{} queries {}",
            snap.collector.queries,
            format::millis(snap.collector.elapsed_ms)
        ));
    }
    if let Some(e) = &p.error {
        parts.push(format!("refresh failed: {e}"));
    }
    parts.join(" · ")
}

/// Health, short enough for 80 columns.
fn health(h: &Health) -> String {
    let mut parts = Vec::new();
    if let (Some(c), Some(m)) = (h.connections, h.max_connections) {
        parts.push(format!("conns {c}/{m}"));
    }
    if let Some(a) = h.xid_age {
        parts.push(format!("xid age {}", format::count(a as f64)));
    }
    if let Some(n) = h.history_list_length {
        parts.push(format!("undo {}", format::count(n as f64)));
    }
    match &h.longest_transaction {
        Some(l) => parts.push(format!("longest tx {} #{}", format::age(l.age_s), l.id)),
        None => parts.push("no open tx".into()),
    }
    if let Some(r) = h.cache_hit_ratio {
        parts.push(format!("cache {:.1}%", r * 100.0));
    }
    if h.in_recovery == Some(true) {
        parts.push(match h.standby_lag_s {
            Some(l) => format!("standby lag {}", format::age(l)),
            None => "standby".into(),
        });
    }
    if h.replicas.is_empty() {
        parts.push("no replicas".into());
    } else {
        for r in &h.replicas {
            let lag = r.lag_s.map(format::age).unwrap_or_else(|| "?".into());
            parts.push(format!("{} lag {lag}", r.name));
        }
    }
    parts.join(" · ")
}

/// The trees, root first; returns the lines used.
fn blocking(f: &mut Frame, x: u16, y: u16, w: u16, snap: &Snapshot, max: usize, app: &App) -> u16 {
    let t = &app.theme;
    let mut lines: Vec<(String, Style)> = Vec::new();
    let stmt = |id: i64| {
        snap.session(id)
            .and_then(|s| s.query.as_deref())
            .map(|q| format::one_line(q, usize::from(w)))
            .unwrap_or_default()
    };
    for tr in &snap.blocking {
        let who = snap
            .session(tr.root)
            .map(|s| {
                format!(
                    " {}@{}",
                    s.user.as_deref().unwrap_or("?"),
                    s.database.as_deref().unwrap_or("?")
                )
            })
            .unwrap_or_default();
        lines.push((format!("● {}{who}: {}", tr.root, stmt(tr.root)), t.style(Slot::Error)));
        for (depth, n) in tree::flatten(tr) {
            let lock = n.lock.as_ref().map(format::lock).unwrap_or_else(|| "lock".into());
            let waited = snap
                .session(n.id)
                .and_then(|s| s.statement_age_s)
                .map(format::age)
                .unwrap_or_default();
            lines.push((
                format!(
                    "{}└─ {} waits {waited} for {lock}: {}",
                    "   ".repeat(depth - 1),
                    n.id,
                    stmt(n.id)
                ),
                t.style(Slot::Warning),
            ));
        }
    }
    if lines.len() > max && max > 0 {
        let more = lines.len() - (max - 1);
        lines.truncate(max - 1);
        lines.push((
            format!("… {more} more lines (b selects the root blocker)"),
            t.style(Slot::Muted),
        ));
    }
    for (i, (l, st)) in lines.iter().take(max).enumerate() {
        put(f.buffer_mut(), x, y + i as u16, &sanitize(l), w, *st);
    }
    lines.len().min(max) as u16
}

fn tabs(f: &mut Frame, x: u16, y: u16, w: u16, snap: &Snapshot, p: &ActivityPanel, app: &App) {
    let t = &app.theme;
    let shown = p.sessions().len();
    let hidden = snap.sessions.len() - shown;
    let s_label = if hidden > 0 {
        format!(" Sessions ({shown}, {hidden} idle hidden) ")
    } else {
        format!(" Sessions ({shown}) ")
    };
    let source = snap.top.source.as_deref().unwrap_or("off");
    let q_label = format!(" Top statements ({source}) ");
    let (on, off) = (t.style(Slot::Selection), t.style(Slot::Muted));
    let (a, b) = if p.tab == Tab::Sessions { (on, off) } else { (off, on) };
    let nx = put(f.buffer_mut(), x, y, &s_label, w, a);
    let used = nx.saturating_sub(x);
    put(f.buffer_mut(), nx + 1, y, &q_label, w.saturating_sub(used + 1), b);
}

/// Which columns fit: (title, width, cell).
type Cell = fn(&SessionInfo) -> String;

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn age(v: Option<f64>) -> String {
    v.map(format::age).unwrap_or_default()
}

fn session_columns(width: u16) -> Vec<(&'static str, usize, Cell)> {
    let mut cols: Vec<(&'static str, usize, Cell)> = vec![
        ("ID", 8, |s| {
            format!("{}{}", if s.idle_in_transaction { "!" } else { "" }, s.id)
        }),
        ("USER", 10, |s| opt(&s.user)),
    ];
    if width >= 120 {
        cols.push(("DATABASE", 12, |s| opt(&s.database)));
        cols.push(("CLIENT", 21, |s| opt(&s.client)));
    }
    if width >= 160 {
        cols.push(("APPLICATION", 14, |s| opt(&s.application)));
    }
    if width >= 100 {
        cols.push(("STATE", 19, |s| s.state.clone()));
    } else {
        cols.push(("STATE", 11, |s| s.state.replace("idle in transaction", "idle in tx")));
    }
    cols.push(("XACT", 6, |s| age(s.transaction_age_s)));
    cols.push(("STMT", 6, |s| age(s.statement_age_s)));
    if width >= 90 {
        cols.push(("WAIT", 18, |s| opt(&s.wait)));
    }
    cols
}

fn sessions(f: &mut Frame, r: Rect, p: &ActivityPanel, snap: &Snapshot, app: &App) {
    let t = &app.theme;
    let cols = session_columns(r.width);
    let fixed: usize = cols.iter().map(|c| c.1 + 1).sum();
    let stmt_w = usize::from(r.width).saturating_sub(fixed);
    let mut header = String::new();
    for (title, w, _) in &cols {
        header.push_str(&fit(title, *w, false));
        header.push(' ');
    }
    header.push_str("STATEMENT");
    put(f.buffer_mut(), r.x, r.y, &header, r.width, t.style(Slot::Header));
    let rows = usize::from(r.height.saturating_sub(1));
    let list = p.sessions();
    if list.is_empty() {
        put(
            f.buffer_mut(),
            r.x,
            r.y + 1,
            "no other sessions",
            r.width,
            t.style(Slot::Muted),
        );
        return;
    }
    let top = scroll_top(p.selected, rows, list.len());
    let roots: Vec<i64> = snap.blocking.iter().map(|b| b.root).collect();
    for (i, s) in list.iter().enumerate().skip(top).take(rows) {
        let mut text = String::new();
        for (_, w, cell) in &cols {
            text.push_str(&fit(&sanitize(&cell(s)), *w, false));
            text.push(' ');
        }
        text.push_str(
            &s.query
                .as_deref()
                .map(|q| format::one_line(q, stmt_w))
                .unwrap_or_default(),
        );
        let style = if i == p.selected {
            t.style(Slot::Selection)
        } else if roots.contains(&s.id) {
            t.style(Slot::Error).add_modifier(Modifier::BOLD)
        } else if !s.blocked_by.is_empty() {
            t.style(Slot::Error)
        } else if s.idle_in_transaction {
            t.style(Slot::Warning)
        } else if s.state == "idle" {
            t.style(Slot::Muted)
        } else {
            t.style(Slot::Text)
        };
        let y = r.y + 1 + (i - top) as u16;
        put(
            f.buffer_mut(),
            r.x,
            y,
            &fit(&text, usize::from(r.width), false),
            r.width,
            style,
        );
    }
}

fn statements(f: &mut Frame, r: Rect, p: &ActivityPanel, snap: &Snapshot, app: &App) {
    let t = &app.theme;
    let top = &snap.top;
    let mut y = r.y;
    if let Some(h) = &top.hint {
        let lines = wrap(h, usize::from(r.width));
        for l in lines.iter().take(usize::from(r.height / 2).max(1)) {
            put(f.buffer_mut(), r.x, y, l, r.width, t.style(Slot::Warning));
            y += 1;
        }
    }
    if top.statements.is_empty() || y >= r.y + r.height {
        return;
    }
    let header = format!(
        "{:>8} {:>8} {:>8} {:>8} {:<12} STATEMENT",
        "CALLS", "TOTAL", "MEAN", "ROWS", "DATABASE"
    );
    put(f.buffer_mut(), r.x, y, &header, r.width, t.style(Slot::Header));
    y += 1;
    let rows = usize::from((r.y + r.height).saturating_sub(y));
    let first = scroll_top(p.selected, rows, top.statements.len());
    for (i, s) in top.statements.iter().enumerate().skip(first).take(rows) {
        let head = format!(
            "{:>8} {:>8} {:>8} {:>8} {} ",
            format::count(s.calls as f64),
            format::millis(s.total_ms),
            format::millis(s.mean_ms),
            format::count(s.rows as f64),
            fit(&sanitize(s.database.as_deref().unwrap_or("")), 12, false)
        );
        let room = usize::from(r.width).saturating_sub(head.chars().count());
        let text = format!("{head}{}", format::one_line(&s.query, room));
        let style = t.style(if i == p.selected { Slot::Selection } else { Slot::Text });
        put(
            f.buffer_mut(),
            r.x,
            y + (i - first) as u16,
            &fit(&text, usize::from(r.width), false),
            r.width,
            style,
        );
    }
}

/// First row shown so that `selected` is visible.
fn scroll_top(selected: usize, rows: usize, len: usize) -> usize {
    if rows == 0 {
        return 0;
    }
    let max_top = len.saturating_sub(rows);
    selected.saturating_sub(rows - 1).min(max_top)
}

fn footer(f: &mut Frame, x: u16, y: u16, w: u16, app: &App, p: &ActivityPanel) {
    let t = &app.theme;
    let (text, style) = match &p.message {
        Some((lvl, m)) => (
            m.clone(),
            t.style(match lvl {
                crate::app::Level::Info => Slot::Info,
                crate::app::Level::Warn => Slot::Warning,
                crate::app::Level::Error => Slot::Error,
            }),
        ),
        None if w >= 140 => (
            "↑/↓ move · Enter full text · Tab sessions/statements · b root blocker · c cancel · t terminate · i idle · r refresh · p pause · F1 keys · Esc close"
                .to_string(),
            t.style(Slot::Muted),
        ),
        None => (
            "Enter text · Tab stmts · b root · c cancel · t term · i idle · p pause · Esc".to_string(),
            t.style(Slot::Muted),
        ),
    };
    put(f.buffer_mut(), x, y, &sanitize(&text), w, style);
}

/// Words on lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in sanitize(text).split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn detail(f: &mut Frame, area: Rect, d: &Detail, app: &App) {
    let t = &app.theme;
    let r = centered(
        area,
        area.width.saturating_sub(6).max(10),
        area.height.saturating_sub(4).max(4),
    );
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocused))
        .style(t.style(Slot::Popup))
        .title(sanitize(&format!(" {} · Esc closes ", d.title)).into_owned());
    let inner = block.inner(r);
    f.render_widget(block, r);
    let width = usize::from(inner.width.max(1));
    let lines: Vec<String> = crate::sanitize::sanitize_multiline(&d.text)
        .lines()
        .flat_map(|l| {
            // Long lines wrap by characters so no statement text is hidden.
            let chars: Vec<char> = l.chars().collect();
            if chars.is_empty() {
                vec![String::new()]
            } else {
                chars.chunks(width).map(|c| c.iter().collect()).collect()
            }
        })
        .collect();
    for (i, l) in lines.iter().skip(d.scroll).take(usize::from(inner.height)).enumerate() {
        put(
            f.buffer_mut(),
            inner.x,
            inner.y + i as u16,
            l,
            inner.width,
            t.style(Slot::Popup),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scroll_keeps_the_selection_visible() {
        assert_eq!(scroll_top(0, 10, 100), 0);
        assert_eq!(scroll_top(9, 10, 100), 0);
        assert_eq!(scroll_top(10, 10, 100), 1);
        assert_eq!(scroll_top(99, 10, 100), 90);
        assert_eq!(scroll_top(3, 0, 100), 0);
    }

    #[test]
    fn wrap_breaks_on_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
    }
}
