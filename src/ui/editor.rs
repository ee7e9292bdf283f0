//! The SQL editor pane: tabs, line numbers, semantic highlighting,
//! selection and our own cursor.

use super::text::put;
use super::theme::Slot;
use crate::app::{App, Focus};
use crate::sanitize::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_width::UnicodeWidthChar;

/// Cells used by line numbers and their separator.
pub fn gutter_width(lines: usize) -> u16 {
    lines.max(1).to_string().len() as u16 + 1
}

/// Draw the editor.
pub fn draw(f: &mut Frame, r: Rect, app: &App) {
    let t = &app.theme;
    let ed = &app.editor;
    let tabs: Vec<String> = ed
        .buffers
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if i == ed.active {
                format!("[{}]", b.name)
            } else {
                b.name.clone()
            }
        })
        .collect();
    let title = format!(" Editor {} ", sanitize(&tabs.join(" ")));
    let block = super::pane_block(app, Focus::Editor, title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let buf = ed.buf();
    let lines = buf.textarea.lines();
    let gutter = gutter_width(lines.len()).min(inner.width);
    let focused = app.focus == Focus::Editor && app.popup.is_none();
    let ratatui_textarea::DataCursor(crow, ccol) = buf.textarea.cursor();
    let sel = buf.textarea.selection_range();
    let text_x = inner.x + gutter;
    let text_w = inner.width - gutter;
    let out = f.buffer_mut();
    if lines.len() == 1 && lines[0].is_empty() && !focused {
        put(
            out,
            text_x,
            inner.y,
            "-- type SQL here; F5 / Ctrl+Enter runs",
            text_w,
            t.style(Slot::Comment),
        );
    }
    for dy in 0..inner.height {
        let row = buf.top + usize::from(dy);
        let y = inner.y + dy;
        let Some(line) = lines.get(row) else { break };
        let num = format!("{:>w$} ", row + 1, w = usize::from(gutter.saturating_sub(1)));
        put(out, inner.x, y, &num, gutter, t.style(Slot::Muted));
        if row == crow && focused {
            out.set_style(Rect::new(text_x, y, text_w, 1), t.style(Slot::CursorLine));
        }
        let spans = buf.spans.get(row);
        let mut x = text_x;
        let end_x = text_x + text_w;
        for (ci, (bi, ch)) in line.char_indices().enumerate() {
            if ci < buf.left {
                continue;
            }
            let shown = if ch.is_control() {
                sanitize(&ch.to_string()).into_owned()
            } else {
                ch.to_string()
            };
            let cw = shown.chars().map(|c| c.width().unwrap_or(0)).sum::<usize>() as u16;
            if cw == 0 {
                continue;
            }
            if x + cw > end_x {
                break;
            }
            let mut style = spans
                .and_then(|s| s.iter().find(|(a, b, _)| *a <= bi && bi < *b))
                .map_or(t.style(Slot::Text), |s| t.style(s.2));
            if in_selection(sel, row, ci) {
                style = style.patch(t.style(Slot::Selection));
            }
            if focused && row == crow && ci == ccol {
                style = style.patch(t.style(Slot::Cursor));
            }
            put(out, x, y, &shown, cw, style);
            x += cw;
        }
        if focused && row == crow && ccol >= line.chars().count() && ccol >= buf.left {
            let cx = x;
            if cx < end_x {
                put(out, cx, y, " ", 1, Style::default().patch(t.style(Slot::Cursor)));
            }
        }
    }
}

fn in_selection(sel: Option<((usize, usize), (usize, usize))>, row: usize, col: usize) -> bool {
    match sel {
        Some((start, end)) => (row, col) >= start && (row, col) < end,
        None => false,
    }
}
