//! Overlays drawn over the panes, each in a rect clamped to the screen.

use super::text::{fit, put};
use super::theme::Slot;
use crate::app::palette_matches;
use crate::app::{App, Popup, PromptPurpose, ViewerKind};
use crate::keymap::Context;
use crate::sanitize::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// A centred rect of at most `w` x `h`, never larger than `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

pub(super) fn frame_box(f: &mut Frame, app: &App, r: Rect, title: &str) -> Rect {
    let t = &app.theme;
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.style(Slot::BorderFocused))
        .style(t.style(Slot::Popup))
        .title(format!(" {title} "));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

/// Draw the open popup.
pub fn draw(f: &mut Frame, area: Rect, app: &App, p: &Popup) {
    let t = &app.theme;
    let big = big_rect(area);
    match p {
        Popup::Help { scroll } => {
            let inner = frame_box(f, app, big, "Keys (Esc closes, ↑/↓ scroll)");
            let lines = help_lines(app);
            let kw = lines.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0).min(28);
            for (i, (k, d)) in lines.iter().skip(*scroll).take(usize::from(inner.height)).enumerate() {
                let y = inner.y + i as u16;
                if d.is_empty() {
                    put(f.buffer_mut(), inner.x, y, k, inner.width, t.style(Slot::Title));
                } else {
                    let key = fit(k, kw, false);
                    let x = put(
                        f.buffer_mut(),
                        inner.x + 1,
                        y,
                        &key,
                        inner.width.saturating_sub(1),
                        t.style(Slot::Keyword),
                    );
                    put(
                        f.buffer_mut(),
                        x + 1,
                        y,
                        d,
                        (inner.x + inner.width).saturating_sub(x + 1),
                        t.style(Slot::Popup),
                    );
                }
            }
        }
        Popup::Inspector { title, text, scroll } => {
            let keys = "Esc closes · Home/End";
            text_view(f, app, big, &sanitize(title), keys, text, *scroll);
        }
        Popup::Viewer {
            title,
            text,
            scroll,
            kind,
        } => {
            let keys = match kind {
                ViewerKind::Ddl => "y copy · e open in editor · Esc",
                ViewerKind::Log => "y copy · Home/End · Esc",
            };
            text_view(f, app, big, &sanitize(title), keys, text, *scroll);
        }
        Popup::ConfirmQuit { message } => {
            let r = centered(area, 72, 9);
            let inner = frame_box(f, app, r, "Quit dbn?");
            let para = Paragraph::new(sanitize_lines(message))
                .style(t.style(Slot::Warning))
                .wrap(Wrap { trim: false });
            f.render_widget(para, inner);
        }
        Popup::TypedConfirm {
            message,
            input,
            ask,
            minutes,
            ..
        } => {
            let r = centered(area, 76, 12);
            let inner = frame_box(f, app, r, "Safety confirmation");
            let scope = if *ask == crate::safety::gate::AskKind::Unlock {
                match minutes {
                    Some(m) => format!("\nUnlock scope: {m} minutes (Tab changes)"),
                    None => "\nUnlock scope: this run only (Tab changes)".to_string(),
                }
            } else {
                String::new()
            };
            let body = format!("{}{scope}\n\n> {}▏", sanitize_lines(message), sanitize(input));
            let para = Paragraph::new(body)
                .style(t.style(Slot::Warning))
                .wrap(Wrap { trim: false });
            f.render_widget(para, inner);
        }
        Popup::Palette { input, selected } => {
            let inner = frame_box(f, app, centered(area, 64, 18), "Command palette");
            let items: Vec<String> = palette_matches(input)
                .iter()
                .map(|a| {
                    let key = app.keymap.key_for(Context::Global, *a).unwrap_or_default();
                    format!("{:<36} {key}", a.description())
                })
                .collect();
            list(f, app, inner, Some(input), &items, *selected);
        }
        Popup::History { input, items, selected } => {
            let inner = frame_box(f, app, big, "History (type to search, Enter runs, Alt+Enter loads)");
            let rows: Vec<String> = items
                .iter()
                .map(|h| {
                    let when = h.started_at.get(..19).unwrap_or(&h.started_at).replace('T', " ");
                    format!("{when}  {:<9} {}", h.outcome, sanitize(h.sql.trim()))
                })
                .collect();
            list(f, app, inner, Some(input), &rows, *selected);
        }
        Popup::Saved { items, selected } => {
            let inner = frame_box(f, app, big, "Saved queries (Enter open · r rename · m move · d delete)");
            let rows: Vec<String> = items
                .iter()
                .map(|q| format!("{:<32} {}", sanitize(&q.path()), sanitize(q.sql.trim())))
                .collect();
            if rows.is_empty() {
                put(
                    f.buffer_mut(),
                    inner.x,
                    inner.y,
                    "no saved queries: Ctrl+S saves the buffer",
                    inner.width,
                    t.style(Slot::Muted),
                );
            }
            list(f, app, inner, None, &rows, *selected);
        }
        Popup::Connections { items, selected } => {
            let inner = frame_box(f, app, centered(area, 60, 16), "Connections (Enter switches)");
            let rows: Vec<String> = items
                .iter()
                .map(|c| {
                    let ro = if c.read_only { "RO" } else { "RW" };
                    let tag = if c.tag == crate::store::connections::Tag::Prod {
                        "!PROD!"
                    } else {
                        c.tag.as_str()
                    };
                    format!("{:<24} {:<9} {:<6} {ro}", sanitize(&c.name), c.engine, tag)
                })
                .collect();
            list(f, app, inner, None, &rows, *selected);
            tint_rows(f, app, inner, items, *selected);
        }
        Popup::Prompt { purpose, input } => {
            let title = match purpose {
                PromptPurpose::SaveQuery => "Save query as (folder/name)".to_string(),
                PromptPurpose::Export => "Export result to file (.csv .tsv .json .jsonl .md)".to_string(),
                PromptPurpose::RenameSaved(_) => "Rename saved query".to_string(),
                PromptPurpose::MoveSaved(_) => "Move to folder (empty = top level)".to_string(),
                PromptPurpose::DeleteSaved(_, name) => format!("Type '{}' to delete it", sanitize(name)),
            };
            let inner = frame_box(f, app, centered(area, 64, 3), &title);
            put(
                f.buffer_mut(),
                inner.x,
                inner.y,
                &format!("{}▏", sanitize(input)),
                inner.width,
                t.style(Slot::Popup),
            );
        }
        Popup::Complete { items, selected, .. } => {
            let h = (items.len() as u16 + 2).min(12);
            let inner = frame_box(f, app, centered(area, 40, h), "Complete (Enter/Tab)");
            let rows: Vec<String> = items.iter().map(|s| sanitize(s).into_owned()).collect();
            list(f, app, inner, None, &rows, *selected);
        }
    }
}

/// `text` as drawn in a viewer `width` cells wide: sanitized lines, wrapped.
pub fn wrapped_lines(text: &str, width: usize) -> Vec<String> {
    text.lines()
        .flat_map(|l| crate::app::grid::widths::wrap(&sanitize(l), width))
        .collect()
}

fn text_view(f: &mut Frame, app: &App, r: Rect, title: &str, keys: &str, text: &str, scroll: usize) {
    let t = &app.theme;
    let width = usize::from(r.width.saturating_sub(2)).max(1);
    let lines = wrapped_lines(text, width);
    let height = usize::from(r.height.saturating_sub(2));
    let shown = if lines.len() > height {
        format!(
            " {}-{} of {}",
            scroll + 1,
            (scroll + height).min(lines.len()),
            lines.len()
        )
    } else {
        String::new()
    };
    let inner = frame_box(f, app, r, &format!("{title}{shown} ({keys})"));
    for (i, l) in lines.iter().skip(scroll).take(usize::from(inner.height)).enumerate() {
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

/// The rect of the big popups (help, inspector, viewers) for a screen.
pub fn big_rect(area: Rect) -> Rect {
    centered(
        area,
        area.width.saturating_sub(8).max(20),
        area.height.saturating_sub(4).max(6),
    )
}

fn sanitize_lines(s: &str) -> String {
    s.lines()
        .map(|l| sanitize(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn list(f: &mut Frame, app: &App, inner: Rect, input: Option<&String>, rows: &[String], selected: usize) {
    let t = &app.theme;
    let mut y = inner.y;
    if let Some(input) = input {
        put(
            f.buffer_mut(),
            inner.x,
            y,
            &format!("> {}▏", sanitize(input)),
            inner.width,
            t.style(Slot::Match),
        );
        y += 1;
    }
    let height = usize::from((inner.y + inner.height).saturating_sub(y));
    if height == 0 {
        return;
    }
    let top = selected.saturating_sub(height - 1);
    for (i, row) in rows.iter().enumerate().skip(top).take(height) {
        let style = if i == selected {
            t.style(Slot::Selection)
        } else {
            t.style(Slot::Popup)
        };
        let line = fit(row, usize::from(inner.width), false);
        put(f.buffer_mut(), inner.x, y, &line, inner.width, style);
        y += 1;
    }
}

/// Colour each unselected switcher row's name with its connection's tint.
fn tint_rows(f: &mut Frame, app: &App, inner: Rect, items: &[crate::app::ConnEntry], selected: usize) {
    let height = usize::from(inner.height);
    if height == 0 {
        return;
    }
    let top = selected.saturating_sub(height - 1);
    for (i, c) in items.iter().enumerate().skip(top).take(height) {
        if i == selected {
            continue;
        }
        let color = app.conn_colors.get(&c.name).map(String::as_str);
        if let Some(tint) = app.theme.connection_tint(color, c.tag) {
            let y = inner.y + (i - top) as u16;
            let w = (c.name.chars().count() as u16).min(inner.width).min(24);
            f.buffer_mut().set_style(
                Rect::new(inner.x, y, w, 1),
                ratatui::style::Style::default()
                    .fg(tint)
                    .add_modifier(ratatui::style::Modifier::BOLD),
            );
        }
    }
}

pub(super) fn help_lines(app: &App) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for ctx in Context::ALL {
        let b = app.keymap.bindings(ctx);
        if b.is_empty() {
            continue;
        }
        let title = match ctx {
            Context::Global => "Everywhere",
            Context::Editor => "Editor (other keys type text)",
            Context::Grid => "Result grid",
            Context::Tree => "Schema tree",
        };
        out.push((title.to_string(), String::new()));
        // One line per action, in the documented order, with every key bound to it.
        for a in crate::keymap::Action::ALL {
            let keys: Vec<&str> = b.iter().filter(|(_, x)| x == a).map(|(k, _)| k.as_str()).collect();
            if !keys.is_empty() {
                out.push((keys.join(", "), a.description().to_string()));
            }
        }
    }
    for (title, keys) in [
        ("Staged edits (grid)", super::edit::KEYS),
        ("Chart (c in the grid)", super::chart::KEYS),
        ("Query plan (Alt+Q, Alt+Shift+Q)", super::plan::KEYS),
    ] {
        out.push((title.into(), String::new()));
        for (k, d) in keys {
            out.push(((*k).to_string(), (*d).to_string()));
        }
    }
    out.push(("Schema snapshots panel".into(), String::new()));
    for (k, d) in super::snapshots::KEYS {
        out.push(((*k).to_string(), (*d).to_string()));
    }
    out.push(("Data sync panel".into(), String::new()));
    for (k, d) in super::sync_preview::KEYS {
        out.push(((*k).to_string(), (*d).to_string()));
    }
    out.push(("Activity view".into(), String::new()));
    for (k, d) in crate::app::activity::KEYS {
        out.push(((*k).to_string(), (*d).to_string()));
    }
    out.push(("Popups".into(), String::new()));
    out.push(("Esc".into(), "Close".into()));
    out.push(("Up/Down Enter".into(), "Choose".into()));
    out
}
