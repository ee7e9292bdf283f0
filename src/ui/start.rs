//! Drawing the start screen: one row per connection, tinted by its colour,
//! with its tag as text (`!PROD!`) so prod stands out without colour too.

use super::text::put;
use super::theme::{Slot, Theme};
use crate::app::App;
use crate::app::start::{StartRow, StartScreen};
use crate::overview;
use crate::sanitize::sanitize;
use crate::store::connections::Tag;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, BorderType, Borders};

const HEADERS: [&str; 10] = [
    "CONNECTION",
    "TAG",
    "ENGINE",
    "STATE",
    "LATENCY",
    "SIZE",
    "TABLES",
    "SESSIONS",
    "BACKUP",
    "LAST WRITE",
];

/// Draw the start screen over the whole area.
pub fn draw(f: &mut Frame, area: Rect, app: &App, s: &StartScreen) {
    let t = &app.theme;
    f.buffer_mut().set_style(area, t.style(Slot::Text));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.style(Slot::BorderFocused))
        .title(ratatui::text::Span::styled(" dbn · connections ", t.style(Slot::Title)));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.width < 10 || inner.height < 4 {
        return;
    }
    let out = f.buffer_mut();
    let cells: Vec<[String; 10]> = s.rows.iter().map(cells).collect();
    let mut widths = HEADERS.map(|h| h.chars().count() as u16);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(c.chars().count() as u16);
        }
    }
    let right = inner.x + inner.width;
    let line = |out: &mut ratatui::buffer::Buffer, y: u16, row: &[String], styles: &[Style]| {
        let mut x = inner.x + 1;
        for (i, cell) in row.iter().enumerate() {
            if x >= right {
                break;
            }
            put(out, x, y, cell, right - x, styles[i.min(styles.len() - 1)]);
            x = x.saturating_add(widths[i] + 2);
        }
    };
    line(out, inner.y, &HEADERS.map(String::from), &[t.style(Slot::Header)]);
    // Rows, then a detail block for the selected one and the key hints.
    let list_room = inner.height.saturating_sub(6).max(1);
    let first = s.selected.saturating_sub(usize::from(list_room) - 1);
    for (n, (row, c)) in s
        .rows
        .iter()
        .zip(&cells)
        .enumerate()
        .skip(first)
        .take(usize::from(list_room))
    {
        let y = inner.y + 1 + (n - first) as u16;
        let selected = n == s.selected;
        let base = if selected {
            t.style(Slot::Selection)
        } else {
            t.style(Slot::Text)
        };
        out.set_style(Rect::new(inner.x, y, inner.width, 1), base);
        let tint = t.connection_tint(row.color.as_deref(), row.tag);
        let mut name = base.add_modifier(Modifier::BOLD);
        if let (Some(c), false) = (tint, selected) {
            name = name.fg(c);
        }
        let state = match &row.live {
            None => t.style(Slot::Muted),
            Some(l) if l.reachable => t.style(Slot::Info),
            Some(_) => t.style(Slot::Error),
        };
        let marker = if selected { "›" } else { " " };
        put(out, inner.x, y, marker, 1, base);
        let styles = [
            name,
            t.style(Theme::tag_slot(row.tag)),
            base,
            if selected { base } else { state },
            base,
        ];
        line(out, y, c, &styles);
    }
    let detail_y = inner.y + 1 + list_room;
    if let Some(row) = s.rows.get(s.selected) {
        for (i, (text, slot)) in details(row).into_iter().take(4).enumerate() {
            put(
                out,
                inner.x + 1,
                detail_y + i as u16,
                &text,
                inner.width.saturating_sub(2),
                t.style(slot),
            );
        }
    }
    let hint = if s.can_close {
        "Enter open · r refresh · Esc back · Ctrl+Q quit"
    } else {
        "Enter open · r refresh · q quit"
    };
    let y = inner.y + inner.height - 1;
    put(
        out,
        inner.x + 1,
        y,
        hint,
        inner.width.saturating_sub(2),
        t.style(Slot::Muted),
    );
}

fn cells(r: &StartRow) -> [String; 10] {
    let dash = || "-".to_string();
    let live = r.live.as_ref();
    [
        sanitize(&r.name).into_owned(),
        tag_text(r.tag).to_string(),
        r.engine.as_str().to_string(),
        match live {
            None => "checking…".into(),
            Some(l) if l.reachable => "ok".into(),
            Some(_) => "UNREACHABLE".into(),
        },
        live.and_then(|l| l.latency_ms)
            .map(|m| format!("{m:.1} ms"))
            .unwrap_or_else(dash),
        live.and_then(|l| l.database_size_bytes)
            .map(overview::size)
            .unwrap_or_else(dash),
        live.and_then(|l| l.tables).map(|n| n.to_string()).unwrap_or_else(dash),
        live.and_then(|l| l.sessions.zip(l.active_sessions))
            .map(|(s, a)| format!("{s} ({a} active)"))
            .unwrap_or_else(dash),
        r.local
            .last_backup
            .as_ref()
            .map(|b| format!("{} ago", overview::age(b.age_secs)))
            .unwrap_or_else(|| "never".into()),
        r.local
            .last_write
            .as_ref()
            .map(|w| format!("{} {} ago", w.action, overview::age(w.age_secs)))
            .unwrap_or_else(dash),
    ]
}

/// The tag as text: prod is `!PROD!`, readable without colour.
pub fn tag_text(tag: Tag) -> &'static str {
    match tag {
        Tag::Prod => " !PROD! ",
        Tag::Stage => " stage ",
        Tag::Dev => " dev ",
    }
}

fn details(r: &StartRow) -> Vec<(String, Slot)> {
    let mut out = vec![(
        format!(
            "{} · {}{}",
            sanitize(&r.target),
            if r.read_only { "read-only" } else { "read-write" },
            r.live
                .as_ref()
                .and_then(|l| l.server_version.as_deref())
                .map(|v| format!(" · {}", sanitize(v)))
                .unwrap_or_default()
        ),
        Slot::Muted,
    )];
    if let Some(e) = r.live.as_ref().and_then(|l| l.error.as_ref()) {
        out.push((format!("✗ [{}] {}", e.code, sanitize(&e.message)), Slot::Error));
    }
    for o in &r.local.overdue_schedules {
        out.push((
            format!("backup schedule {} ({}) overdue since {}", o.id, o.spec, o.due_since),
            Slot::Warning,
        ));
    }
    if let Some(w) = &r.local.last_write {
        out.push((
            format!(
                "last write: {} {} by {} at {}",
                w.action,
                w.outcome,
                w.user.as_deref().map(sanitize).unwrap_or_default(),
                w.at
            ),
            Slot::Muted,
        ));
    }
    out
}
