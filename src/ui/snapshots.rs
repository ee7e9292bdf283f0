//! The schema snapshots panel: snapshot list, or the coloured per-object
//! diff with a summary on top, or the migration SQL preview.

mod backups;

use super::text::put;
use super::theme::Slot;
use crate::app::App;
use crate::app::snapshots::{Side, SnapshotPanel};
use crate::sanitize::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Clear;

/// Fixed keys of the panel, for the help overlay and the footer.
pub const KEYS: &[(&str, &str)] = &[
    ("j/k ↑/↓", "Move (list) / next, previous object (diff)"),
    ("Enter, Space", "Pick or unpick a side (two picks show the diff)"),
    ("l", "Diff the selected snapshot or connection against live"),
    ("s", "Take a snapshot of the connection now"),
    ("r", "Re-introspect live"),
    ("n/p", "Next / previous object in the diff"),
    ("m", "Toggle the migration SQL preview"),
    ("a", "Apply the migration (typed confirmation)"),
    ("b", "Switch between schema snapshots and database backups"),
    ("l (backups)", "Diff the selected backup against live"),
    (
        "R (backups)",
        "Restore the selected backup: mark tables (Space, *), pick the target connection (c), d adds the tables that reference them, Enter previews, Enter again asks for the target's name",
    ),
    ("Esc, Ctrl+C", "Cancel a running backup diff or restore"),
    ("Esc", "Back to the list / close"),
];

/// Draw the panel over the panes.
pub fn draw(f: &mut Frame, area: Rect, app: &App, p: &SnapshotPanel) {
    let t = &app.theme;
    // Docked: the layout gives the panel its own rect.
    let r = area;
    f.render_widget(Clear, r);
    let what = if p.backups.is_some() {
        "Backups"
    } else {
        "Schema snapshots"
    };
    let title = format!(" {what} · {} ", sanitize(&app.conn.name));
    let block = super::panel_block(app, title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    // Bottom line: progress, message, or key hints.
    let foot_y = inner.y + inner.height - 1;
    let body = Rect::new(inner.x, inner.y, inner.width, inner.height.saturating_sub(1));
    let restoring = p.backups.as_ref().and_then(|b| backups::restore_line(b, inner.width));
    let (foot, style) = if let Some(line) = restoring {
        let running = p
            .backups
            .as_ref()
            .and_then(|b| b.restore.as_ref())
            .is_some_and(|r| r.running);
        (line, t.style(if running { Slot::Warning } else { Slot::Info }))
    } else if let Some(a) = &p.apply {
        let s = if a.running { Slot::Warning } else { Slot::Info };
        (format!("migration: {}", a.line), t.style(s))
    } else if let Some((lvl, m)) = &p.message {
        let s = match lvl {
            crate::app::Level::Info => Slot::Info,
            crate::app::Level::Warn => Slot::Warning,
            crate::app::Level::Error => Slot::Error,
        };
        (m.clone(), t.style(s))
    } else if let Some(b) = &p.backups {
        (backups::hint(b).to_string(), t.style(Slot::Muted))
    } else if p.view.is_some() {
        (
            "n/p object · ↑/↓ scroll · m SQL · a apply · s snapshot · Esc back".into(),
            t.style(Slot::Muted),
        )
    } else {
        (
            "Enter pick two · l vs live · s snapshot · r reload · b backups · Esc close".into(),
            t.style(Slot::Muted),
        )
    };
    put(f.buffer_mut(), inner.x, foot_y, &sanitize(&foot), inner.width, style);
    if let Some(b) = &p.backups {
        backups::draw(f, body, app, b);
        return;
    }
    match &p.view {
        Some(v) if v.show_sql => {
            let text = match &v.plan {
                Ok(_) => v.script.clone(),
                Err(e) => format!("-- no migration: {}", sanitize(&e.to_string())),
            };
            for (i, l) in text.lines().skip(v.scroll).take(usize::from(body.height)).enumerate() {
                let st = if l.trim_start().starts_with("--") {
                    t.style(Slot::Comment)
                } else {
                    t.style(Slot::Popup)
                };
                put(f.buffer_mut(), body.x, body.y + i as u16, &sanitize(l), body.width, st);
            }
        }
        Some(v) => {
            // The summary (everything before the first object) stays pinned on top.
            let head_len = v.starts.first().copied().unwrap_or(v.lines.len());
            let pinned = head_len.min(usize::from(body.height / 2));
            for (i, l) in v.lines.iter().take(pinned).enumerate() {
                let st = line_style(app, l, false);
                put(f.buffer_mut(), body.x, body.y + i as u16, &sanitize(l), body.width, st);
            }
            let rest = Rect::new(
                body.x,
                body.y + pinned as u16,
                body.width,
                body.height.saturating_sub(pinned as u16),
            );
            let first = v.scroll.max(head_len);
            let current = v.starts.get(v.object).copied();
            for (i, l) in v.lines.iter().enumerate().skip(first).take(usize::from(rest.height)) {
                let y = rest.y + (i - first) as u16;
                let header = v.starts.contains(&i);
                let st = if header && current == Some(i) {
                    t.style(Slot::Selection)
                } else {
                    line_style(app, l, header)
                };
                put(f.buffer_mut(), rest.x, y, &sanitize(l), rest.width, st);
            }
        }
        None => draw_list(f, body, app, p),
    }
}

fn line_style(app: &App, l: &str, header: bool) -> Style {
    let t = &app.theme;
    if header {
        return t.style(Slot::Title).add_modifier(Modifier::BOLD);
    }
    if l.starts_with("+++") || l.starts_with("---") || l.starts_with("Schema diff") {
        t.style(Slot::Title)
    } else if l.starts_with('+') {
        t.style(Slot::String)
    } else if l.starts_with('-') {
        t.style(Slot::Error)
    } else if l.starts_with("@@") {
        t.style(Slot::Keyword)
    } else if l.starts_with("  ") && l.contains(" added ") {
        t.style(Slot::Warning)
    } else {
        t.style(Slot::Popup)
    }
}

fn draw_list(f: &mut Frame, body: Rect, app: &App, p: &SnapshotPanel) {
    let t = &app.theme;
    let h = usize::from(body.height);
    if h == 0 {
        return;
    }
    let top = p.selected.saturating_sub(h.saturating_sub(1));
    for i in top..(top + h).min(p.rows()) {
        let y = body.y + (i - top) as u16;
        let Some(side) = p.side_at(i) else { continue };
        let mark = match p.picked.iter().position(|s| *s == side) {
            Some(0) => "[1]",
            Some(_) => "[2]",
            None => "   ",
        };
        let text = match side {
            Side::Live => {
                let state = if p.live_loading {
                    "introspecting…"
                } else if p.live.is_some() {
                    "ready"
                } else {
                    "not loaded"
                };
                format!("{mark} live      {state}")
            }
            Side::Connection(c) => {
                let name = p.connections.get(c).map_or("?", String::as_str);
                let state = if p.remote_loading.contains(name) {
                    "introspecting…"
                } else {
                    match p.remote.get(name) {
                        Some(Ok(_)) => "ready",
                        Some(Err(_)) => "failed",
                        None => "connection (read when compared)",
                    }
                };
                format!("{mark} {name:<24} {state}")
            }
            Side::Snapshot(_) => {
                let Some(s) = p.items.get(i - 1) else { continue };
                let when = s.created_at.get(..19).unwrap_or(&s.created_at).replace('T', " ");
                let labels = if s.labels.is_empty() {
                    "-".to_string()
                } else {
                    s.labels.join(",")
                };
                format!("{mark} #{:<7} {when}  {:>4} tables  {labels}", s.id, s.tables)
            }
        };
        let st = if i == p.selected {
            t.style(Slot::Selection)
        } else {
            t.style(Slot::Popup)
        };
        put(f.buffer_mut(), body.x, y, &sanitize(&text), body.width, st);
    }
    let below = u16::try_from(p.rows()).unwrap_or(u16::MAX);
    if p.items.is_empty() && body.height > below {
        put(
            f.buffer_mut(),
            body.x,
            body.y + below,
            "no snapshots yet: press s to take one",
            body.width,
            t.style(Slot::Muted),
        );
    }
}
