//! The result grid: a tab bar when a run had several statements, a frozen
//! header, row numbers, horizontal scrolling, only the visible slice of rows
//! turned into cells, the cursor row wrapped on demand, and the search or
//! filter prompt on the bottom line.

use super::text::{fit, put};
use super::theme::Slot;
use crate::app::grid::{GridState, PromptKind, ResultTab, ScanKind, widths};
use crate::app::results::{NULL_SYMBOL, display_text};
use crate::app::{App, Focus};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// Cells used by row numbers and the `+n` of staged new rows after them.
pub fn gutter_width(rows: usize, new_rows: usize) -> u16 {
    let numbers = rows.max(1).to_string().len();
    let new = if new_rows > 0 {
        new_rows.to_string().len() + 1
    } else {
        0
    };
    numbers.max(new) as u16 + 1
}

/// Lines above the header (the tab bar) and below the rows (the prompt).
pub fn chrome_lines(g: &GridState) -> (u16, u16) {
    (u16::from(g.has_tab_bar()), u16::from(g.prompt.is_some()))
}

fn title(app: &App, g: &ResultTab) -> String {
    let Some(rs) = &g.result else {
        return format!(" Results{} ", super::edit::title_note(app));
    };
    let more = if g.streaming && app.running.is_some() { "+" } else { "" };
    let noun = if rs.len() == 1 && more.is_empty() {
        "row"
    } else {
        "rows"
    };
    let mut s = format!(" Results · {}{more} {noun}", group(rs.len()));
    if rs.capped {
        s.push_str(" (cap reached)");
    }
    if !rs.is_empty() || g.new_rows > 0 {
        let at = match g.new_row_at_cursor() {
            Some(n) => format!("new row {}", n + 1),
            None => format!("row {}", group(g.row + 1)),
        };
        s.push_str(&format!(" · {at} col {}/{}", g.col + 1, rs.columns.len()));
    }
    let view = g.view_text();
    if !view.is_empty() {
        s.push_str(&format!(" · {view}"));
    }
    if let Some(scan) = &g.scan {
        let what = match scan.kind {
            ScanKind::Search => "searching",
            ScanKind::Filter => "filtering",
            ScanKind::Sort => "sorting",
        };
        let pct = scan.done.0 * 100 / scan.done.1.max(1);
        s.push_str(&format!(" · {what} {pct}%"));
    }
    s.push_str(&super::edit::title_note(app));
    s.push(' ');
    s
}

/// Draw the grid.
pub fn draw(f: &mut Frame, r: Rect, app: &App) {
    let g = &app.grid;
    let block = super::pane_block(app, Focus::Grid, title(app, g));
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let out = f.buffer_mut();
    let (top_lines, bottom_lines) = chrome_lines(g);
    if top_lines > 0 {
        tab_bar(out, Rect::new(inner.x, inner.y, inner.width, 1), app);
    }
    if bottom_lines > 0 && inner.height > top_lines {
        prompt_line(out, Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1), app);
    }
    let body = Rect::new(
        inner.x,
        inner.y + top_lines,
        inner.width,
        inner.height.saturating_sub(top_lines + bottom_lines),
    );
    if body.height == 0 {
        return;
    }
    match &g.result {
        Some(_) => rows(out, body, app),
        None => note(out, body, app),
    }
}

fn note(out: &mut Buffer, inner: Rect, app: &App) {
    let t = &app.theme;
    let g = &app.grid;
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
    let lines: Vec<String> = note
        .lines()
        .flat_map(|l| widths::wrap(&crate::sanitize::sanitize(l), usize::from(inner.width)))
        .collect();
    for (i, line) in lines.iter().take(usize::from(inner.height)).enumerate() {
        put(out, inner.x, inner.y + i as u16, line, inner.width, t.style(slot));
    }
}

fn tab_bar(out: &mut Buffer, r: Rect, app: &App) {
    let t = &app.theme;
    let g = &app.grid;
    let mut x = r.x;
    let right = r.x + r.width;
    let n = g.tabs.len();
    let labels: Vec<String> = g
        .tabs
        .iter()
        .enumerate()
        .map(|(i, tab)| {
            let sql = tab.sql.split_whitespace().collect::<Vec<_>>().join(" ");
            format!("{}:{}", i + 1 + g.dropped, crate::sanitize::sanitize(&sql))
        })
        .collect();
    let width = usize::from(r.width);
    let full: usize = labels.iter().map(|l| l.chars().count() + 3).sum();
    // Everything when it fits; else the active statement gets half and the others share the rest.
    let active_room = if full <= width { width } else { (width / 2).max(12) };
    let others = if full <= width {
        width
    } else {
        (width.saturating_sub(active_room) / n.saturating_sub(1).max(1)).max(6)
    };
    // Start far enough left that the active tab is on screen.
    let first = if full <= width {
        0
    } else {
        g.active.saturating_sub(width.saturating_sub(active_room) / others)
    };
    for (i, label) in labels.iter().enumerate().skip(first) {
        if x >= right {
            break;
        }
        let tab = &g.tabs[i];
        let room = if i == g.active { active_room } else { others };
        let label = fit(label, room.saturating_sub(3), false);
        let style = if i == g.active {
            t.style(Slot::Selection)
        } else if tab
            .note
            .as_deref()
            .is_some_and(|n| n.contains("error") || n.contains("(line"))
        {
            t.style(Slot::Error)
        } else {
            t.style(Slot::Muted)
        };
        x = put(out, x, r.y, &format!(" {} ", label.trim_end()), right - x, style);
        x = put(out, x, r.y, "│", right.saturating_sub(x), t.style(Slot::Border));
    }
}

fn prompt_line(out: &mut Buffer, r: Rect, app: &App) {
    let t = &app.theme;
    let Some(p) = &app.grid.prompt else { return };
    let label = match p.kind {
        PromptKind::Search => "/".to_string(),
        PromptKind::Filter(c) => {
            let name = app
                .grid
                .result
                .as_ref()
                .and_then(|rs| rs.columns.get(c))
                .map_or("?", |c| c.name.as_str());
            format!("filter {name} contains: ")
        }
    };
    let text = format!("{label}{}▏", crate::sanitize::sanitize(&p.input));
    out.set_style(r, t.style(Slot::Match));
    put(out, r.x, r.y, &text, r.width, t.style(Slot::Match));
}

fn rows(out: &mut Buffer, inner: Rect, app: &App) {
    let t = &app.theme;
    let g = &app.grid;
    let Some(rs) = &g.result else { return };
    let staged = super::edit::Overlay::new(app);
    let new_rows = staged.as_ref().map_or(0, super::edit::Overlay::new_rows);
    let gutter = gutter_width(rs.len(), new_rows).min(inner.width);
    let focused = app.focus == Focus::Grid && app.popup.is_none();
    let avail = usize::from(inner.width.saturating_sub(gutter));
    let ws = g.widths(avail);
    // Which columns fit from `left`.
    let mut cols = Vec::new();
    let mut x = inner.x + gutter;
    let right = inner.x + inner.width;
    for c in g.left..rs.columns.len() {
        if x >= right {
            break;
        }
        let w = (ws.get(c).copied().unwrap_or(4) as u16).min(right - x);
        cols.push((c, x, w));
        x = x.saturating_add(w + 1);
    }
    // The gutter's rule runs through the header too.
    let corner = format!("{:>w$}│", "#", w = usize::from(gutter.saturating_sub(1)));
    put(out, inner.x, inner.y, &corner, gutter, t.style(Slot::Muted));
    for &(c, cx, w) in &cols {
        let mut name = rs.columns[c].name.clone();
        if let Some(arrow) = sort_arrow(g, c) {
            name = format!("{name} {arrow}");
        }
        let name = fit(&name, usize::from(w), false);
        put(out, cx, inner.y, &name, w, t.style(Slot::Header));
        if cx + w < right {
            put(out, cx + w, inner.y, "│", 1, t.style(Slot::Border));
        }
    }
    let needle = g.needle.clone().or_else(|| {
        g.prompt
            .as_ref()
            .filter(|p| p.kind == PromptKind::Search && !p.input.is_empty())
            .map(|p| crate::app::results::find::Needle::new(&p.input))
    });
    let bottom = inner.y + inner.height;
    let mut y = inner.y + 1;
    let mut i = g.top;
    while y < bottom && i < rs.len() + new_rows {
        let cursor_row = i == g.row;
        if let Some(o) = staged.as_ref().filter(|_| i >= rs.len()) {
            let at = NewRowAt {
                n: i - rs.len(),
                y,
                inner,
                gutter,
                cursor: cursor_row,
                focused,
                cols: &cols,
            };
            new_row(out, app, o, &at);
            y += 1;
            i += 1;
            continue;
        }
        let row = rs.row(i);
        let marks = staged.as_ref().and_then(|o| o.row(row));
        let texts: Vec<(String, Style, bool)> = cols
            .iter()
            .map(|&(c, _, _)| match row.and_then(|r| r.get(c)) {
                _ if let Some(new) = marks.as_ref().and_then(|m| m.changed.iter().find(|(mc, _)| *mc == c)) => {
                    (new.1.clone(), t.style(Slot::EditChanged), false)
                }
                Some(v) if v.is_null() => (NULL_SYMBOL.to_string(), t.style(Slot::Null), false),
                Some(v) => {
                    let slot = if rs.numeric[c] { Slot::Number } else { Slot::Text };
                    let text = display_text(v);
                    let hit = needle.as_ref().is_some_and(|n| n.matches_str(&text));
                    (text, t.style(slot), hit)
                }
                None => ("…".to_string(), t.style(Slot::Muted), false),
            })
            .collect();
        // The wrapped cursor row takes as many lines as its tallest cell (within the pane).
        let wrapped: Vec<Vec<String>> = texts
            .iter()
            .zip(&cols)
            .map(|((text, _, _), &(_, _, w))| {
                if cursor_row && g.wrap {
                    widths::wrap(text, usize::from(w))
                } else {
                    vec![text.clone()]
                }
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let height = (height as u16).min(bottom - y);
        for line in 0..height {
            let ly = y + line;
            // Row numbers end in a rule so they never read as a data column.
            let num = if line == 0 {
                format!("{:>w$}│", i + 1, w = usize::from(gutter.saturating_sub(1)))
            } else {
                format!("{:>w$}│", "", w = usize::from(gutter.saturating_sub(1)))
            };
            put(out, inner.x, ly, &num, gutter, t.style(Slot::Muted));
            let band = Rect::new(inner.x + gutter, ly, inner.width - gutter, 1);
            if g.mark.is_some() && g.copy_range().contains(&i) {
                out.set_style(band, t.style(Slot::Match));
            }
            if cursor_row {
                out.set_style(band, t.style(Slot::CursorLine));
            }
            if let Some(m) = &marks {
                let slot = if m.failed { Slot::Error } else { Slot::EditDeleted };
                if m.deleted || m.failed {
                    out.set_style(band, t.style(slot));
                }
            }
            for (k, &(c, cx, w)) in cols.iter().enumerate() {
                let (_, base, hit) = &texts[k];
                let mut style = *base;
                if *hit {
                    style = style.patch(t.style(Slot::Match));
                }
                if cursor_row {
                    style = t.style(Slot::CursorLine).patch(style);
                }
                if cursor_row && c == g.col {
                    style = style.patch(t.style(if focused { Slot::Selection } else { Slot::CursorLine }));
                }
                let piece = wrapped[k].get(usize::from(line)).map_or("", String::as_str);
                let cell = fit(piece, usize::from(w), rs.numeric[c] && wrapped[k].len() == 1);
                put(out, cx, ly, &cell, w, style);
                if cx + w < right {
                    put(out, cx + w, ly, "│", 1, t.style(Slot::Border));
                }
            }
        }
        y += height;
        i += 1;
    }
}

/// Where a staged new row is drawn.
struct NewRowAt<'c> {
    /// Index among the staged new rows.
    n: usize,
    y: u16,
    inner: Rect,
    gutter: u16,
    cursor: bool,
    focused: bool,
    /// (result column, x, width) of the columns on screen.
    cols: &'c [(usize, u16, u16)],
}

/// A staged new row after the result's rows: `+n` in the gutter, the values
/// set, and for the others what the server will put there, said as such.
fn new_row(out: &mut Buffer, app: &App, o: &super::edit::Overlay<'_>, at: &NewRowAt<'_>) {
    let t = &app.theme;
    let right = at.inner.x + at.inner.width;
    let gw = usize::from(at.gutter.saturating_sub(1));
    let label = format!("+{}", at.n + 1);
    let label = if label.chars().count() <= gw {
        label
    } else {
        "+".to_string()
    };
    put(
        out,
        at.inner.x,
        at.y,
        &format!("{label:>gw$}│"),
        at.gutter,
        t.style(Slot::EditNew),
    );
    let band = Rect::new(
        at.inner.x + at.gutter,
        at.y,
        at.inner.width.saturating_sub(at.gutter),
        1,
    );
    if at.cursor {
        out.set_style(band, t.style(Slot::CursorLine));
    }
    if o.new_row_failed(at.n) {
        out.set_style(band, t.style(Slot::Error));
    }
    for &(c, cx, w) in at.cols {
        let (text, slot) = o.new_cell(at.n, c);
        let mut style = t.style(slot);
        if at.cursor {
            style = t.style(Slot::CursorLine).patch(style);
        }
        if at.cursor && c == app.grid.col {
            style = style.patch(t.style(if at.focused { Slot::Selection } else { Slot::CursorLine }));
        }
        // Values set line up like the column's own; the defaults read as text.
        let numeric = slot == Slot::EditChanged
            && app
                .grid
                .result
                .as_ref()
                .is_some_and(|rs| rs.numeric.get(c).copied().unwrap_or(false));
        put(out, cx, at.y, &fit(&text, usize::from(w), numeric), w, style);
        if cx + w < right {
            put(out, cx + w, at.y, "│", 1, t.style(Slot::Border));
        }
    }
}

fn sort_arrow(g: &ResultTab, c: usize) -> Option<&'static str> {
    let client = g.view.iter().rev().find_map(|op| match op {
        crate::app::grid::ViewOp::Sort { col, desc } if *col == c => Some(*desc),
        _ => None,
    });
    let server = g.server_sort.filter(|(col, _)| *col == c).map(|(_, d)| d);
    client.or(server).map(|desc| if desc { "▼" } else { "▲" })
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
