//! The result grid: frozen header, row numbers, horizontal scrolling and
//! only the visible slice of rows turned into cells.

use super::text::{fit, put};
use super::theme::Slot;
use crate::app::results::{NULL_SYMBOL, display_text};
use crate::app::{App, Focus};
use ratatui::Frame;
use ratatui::layout::Rect;

/// Cells used by row numbers.
pub fn gutter_width(rows: usize) -> u16 {
    rows.max(1).to_string().len() as u16 + 1
}

/// Draw the grid.
pub fn draw(f: &mut Frame, r: Rect, app: &App) {
    let t = &app.theme;
    let g = &app.grid;
    let title = match &g.result {
        Some(rs) => {
            let more = if app.running.is_some() { "+" } else { "" };
            format!(
                " Results · {}{more} rows · row {} col {}/{} ",
                group(rs.len()),
                if rs.is_empty() { 0 } else { g.row + 1 },
                g.col + 1,
                rs.columns.len()
            )
        }
        None => " Results ".to_string(),
    };
    let block = super::pane_block(app, Focus::Grid, title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let out = f.buffer_mut();
    let Some(rs) = &g.result else {
        let note = g
            .note
            .as_deref()
            .unwrap_or("no result yet: run a query (F5, Ctrl+Enter or Alt+Enter)");
        let slot = if note.starts_with("running") || note.starts_with("previewing") {
            Slot::Muted
        } else {
            Slot::Info
        };
        let slot = if app.status.as_ref().is_some_and(|s| s.0 == crate::app::Level::Error) && g.note.is_some() {
            Slot::Error
        } else {
            slot
        };
        for (i, line) in wrap(note, usize::from(inner.width))
            .iter()
            .take(usize::from(inner.height))
            .enumerate()
        {
            put(out, inner.x, inner.y + i as u16, line, inner.width, t.style(slot));
        }
        return;
    };
    let gutter = gutter_width(rs.len()).min(inner.width);
    let focused = app.focus == Focus::Grid && app.popup.is_none();
    // Which columns fit from `left`.
    let mut cols = Vec::new();
    let mut x = inner.x + gutter;
    let right = inner.x + inner.width;
    for c in g.left..rs.columns.len() {
        if x >= right {
            break;
        }
        let w = (rs.widths[c] as u16).min(right - x);
        cols.push((c, x, w));
        x = x.saturating_add(w + 1);
    }
    for &(c, cx, w) in &cols {
        let name = fit(&rs.columns[c].name, usize::from(w), false);
        put(out, cx, inner.y, &name, w, t.style(Slot::Header));
        if cx + w < right {
            put(out, cx + w, inner.y, "│", 1, t.style(Slot::Border));
        }
    }
    let height = inner.height.saturating_sub(1);
    for dy in 0..height {
        let i = g.top + usize::from(dy);
        if i >= rs.len() {
            break;
        }
        let y = inner.y + 1 + dy;
        // Row numbers end in a rule so they never read as a data column.
        let num = format!("{:>w$}│", i + 1, w = usize::from(gutter.saturating_sub(1)));
        put(out, inner.x, y, &num, gutter, t.style(Slot::Muted));
        let cursor_row = i == g.row;
        if g.mark.is_some() && g.copy_range().contains(&i) {
            out.set_style(
                Rect::new(inner.x + gutter, y, inner.width - gutter, 1),
                t.style(Slot::Match),
            );
        }
        if cursor_row {
            out.set_style(
                Rect::new(inner.x + gutter, y, inner.width - gutter, 1),
                t.style(Slot::CursorLine),
            );
        }
        let row = rs.row(i);
        for &(c, cx, w) in &cols {
            let (text, mut style) = match row.and_then(|r| r.get(c)) {
                Some(v) if v.is_null() => (NULL_SYMBOL.to_string(), t.style(Slot::Null)),
                Some(v) => {
                    let slot = if rs.numeric[c] { Slot::Number } else { Slot::Text };
                    (display_text(v), t.style(slot))
                }
                None => ("…".to_string(), t.style(Slot::Muted)),
            };
            if cursor_row {
                style = t.style(Slot::CursorLine).patch(style);
            }
            if cursor_row && c == g.col {
                style = style.patch(t.style(if focused { Slot::Selection } else { Slot::CursorLine }));
            }
            let cell = fit(&text, usize::from(w), rs.numeric[c]);
            put(out, cx, y, &cell, w, style);
            if cx + w < right {
                put(out, cx + w, y, "│", 1, t.style(Slot::Border));
            }
        }
    }
}

/// 12345678 -> 12,345,678.
pub fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in text.lines() {
        let line = crate::sanitize::sanitize(line);
        let mut cur = String::new();
        let mut w = 0;
        for c in line.chars() {
            let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if w + cw > width {
                out.push(std::mem::take(&mut cur));
                w = 0;
            }
            cur.push(c);
            w += cw;
        }
        out.push(cur);
    }
    out
}
