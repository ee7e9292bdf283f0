//! The status line: connection, tag, read-only badge, progress, last message.

use super::text::put;
use super::theme::Slot;
use crate::app::{App, Focus, Level};
use crate::keymap::{Action, Context};
use crate::sanitize::sanitize;
use crate::store::connections::Tag;
use ratatui::Frame;
use ratatui::layout::Rect;

/// Draw the status line.
pub fn draw(f: &mut Frame, r: Rect, app: &App) {
    let t = &app.theme;
    let out = f.buffer_mut();
    out.set_style(r, t.style(Slot::Status));
    let right_edge = r.x + r.width;
    let mut x = r.x;
    let tag_slot = super::theme::Theme::tag_slot(app.conn.tag);
    // The connection's colour tints its name; prod also reads "!PROD!".
    let mut name_style = t.style(Slot::Status).add_modifier(ratatui::style::Modifier::BOLD);
    if let Some(c) = t.connection_tint(app.conn_color(), app.conn.tag) {
        name_style = name_style.bg(c).fg(ratatui::style::Color::White);
        if c == ratatui::style::Color::White
            || c == ratatui::style::Color::Gray
            || c == ratatui::style::Color::LightYellow
        {
            name_style = name_style.fg(ratatui::style::Color::Black);
        }
    }
    x = put(
        out,
        x,
        r.y,
        &format!(" {} ", sanitize(&app.conn.name)),
        right_edge - x,
        name_style,
    );
    let tag_text = match app.conn.tag {
        Tag::Prod => " !PROD! ".to_string(),
        other => format!(" {} ", other.as_str().to_uppercase()),
    };
    x = put(out, x, r.y, &tag_text, right_edge.saturating_sub(x), t.style(tag_slot));
    // Never `RO` while writes would pass: an unlock in force shows instead, in the prod colour.
    let (badge, slot) = match app.unlock_badge() {
        Some(text) => (format!(" {text} "), Slot::TagProd),
        None if app.conn.read_only => (" RO ".to_string(), Slot::BadgeRo),
        None => (" RW ".to_string(), Slot::BadgeRw),
    };
    x = put(out, x, r.y, &badge, right_edge.saturating_sub(x), t.style(slot));
    if let Some(since) = app.transaction_open() {
        // An open transaction holds locks and snapshots: show it, and for how long.
        let tx = format!(" TX {} ", crate::app::fmt_elapsed_short(since.elapsed()));
        x = put(out, x, r.y, &tx, right_edge.saturating_sub(x), t.style(Slot::TagProd));
    }
    x = put(out, x, r.y, " ", right_edge.saturating_sub(x), t.style(Slot::Status));
    let ctx = match app.focus {
        Focus::Tree => Context::Tree,
        Focus::Editor => Context::Editor,
        Focus::Grid => Context::Grid,
        Focus::Panel => Context::Global,
    };
    let hint = hints(app, ctx, usize::from(r.width / 3));
    let hint_w = hint.chars().count() as u16;
    let msg_room = right_edge.saturating_sub(x).saturating_sub(hint_w);
    let (msg, slot) = message(app);
    put(
        out,
        x,
        r.y,
        &msg,
        msg_room,
        t.style(Slot::Status).patch(fg_only(t.style(slot))),
    );
    if right_edge >= r.x + hint_w && right_edge.saturating_sub(hint_w) >= x {
        put(out, right_edge - hint_w, r.y, &hint, hint_w, t.style(Slot::Status));
    }
}

/// Key hints for the focused pane, from the active keymap, as many as fit in `room`.
fn hints(app: &App, ctx: Context, room: usize) -> String {
    let wanted: &[(Action, &str)] = match ctx {
        Context::Editor => &[
            (Action::RunStatement, "run"),
            (Action::RunBuffer, "run all"),
            (Action::Complete, "complete"),
        ],
        Context::Grid => &[
            (Action::CopyCell, "copy"),
            (Action::InspectCell, "inspect"),
            (Action::ToggleMark, "mark"),
            (Action::ExportResult, "export"),
        ],
        Context::Tree => &[
            (Action::Activate, "preview"),
            (Action::Right, "expand"),
            (Action::Filter, "filter"),
        ],
        Context::Global => &[
            (Action::FocusNext, "leave panel"),
            (Action::ZoomPane, "zoom"),
            (Action::GrowPanel, "wider"),
        ],
    };
    let help = app.keymap.key_for(ctx, Action::Help).unwrap_or_else(|| "F1".into());
    let tail = format!("{help} help ");
    let mut out = String::new();
    // Most useful first; stop when the next one would not fit.
    for (a, label) in wanted {
        if let Some(k) = app.keymap.key_for(ctx, *a) {
            let part = format!("{k} {label} · ");
            if part.chars().count() + out.chars().count() + tail.chars().count() + 1 > room {
                break;
            }
            out.push_str(&part);
        }
    }
    out.push_str(&tail);
    format!(" {out}")
}

fn fg_only(s: ratatui::style::Style) -> ratatui::style::Style {
    ratatui::style::Style { bg: None, ..s }
}

fn message(app: &App) -> (String, Slot) {
    let pending = app.keymap.pending();
    if !pending.is_empty() {
        return (format!("{} …", crate::keymap::chord_text(pending)), Slot::Info);
    }
    if let Some(r) = &app.running {
        let verb = if r.cancelling { "cancelling" } else { "running" };
        let el = crate::app::fmt_elapsed(r.started.elapsed());
        return (
            format!("⟳ {verb} {el} · {} rows", super::grid::group(r.rows as usize)),
            Slot::Warning,
        );
    }
    if let Some(n) = app.export_rows {
        return (
            format!(
                "⇣ exporting · {} rows written (Ctrl+C cancels)",
                super::grid::group(n as usize)
            ),
            Slot::Info,
        );
    }
    match &app.status {
        Some((Level::Error, m)) => (format!("✗ {m}"), Slot::Error),
        Some((Level::Warn, m)) => (m.clone(), Slot::Warning),
        Some((Level::Info, m)) => (m.clone(), Slot::Info),
        None => (format!("{} · {}", app.conn.spec.engine, app.keymap.preset), Slot::Muted),
    }
}
