//! The backups tab of the snapshot history panel: the backup list, or the
//! coloured per-table summary and row detail of a backup diff.

use super::super::text::put;
use super::super::theme::Slot;
use crate::app::App;
use crate::app::snapshots::{BackupTab, LineKind, RestoreSetup};
use crate::sanitize::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

/// The restore progress line, as a text gauge, while one runs or just ran.
pub fn restore_line(b: &BackupTab, width: u16) -> Option<String> {
    let r = b.restore.as_ref()?;
    if !r.running {
        return Some(r.line.clone());
    }
    let pct = (r.ratio() * 100.0).round() as u64;
    let cells = usize::from(width.min(30) / 3);
    let filled = (r.ratio() * cells as f64).round() as usize;
    let bar = format!(
        "{}{}",
        "█".repeat(filled.min(cells)),
        "░".repeat(cells.saturating_sub(filled))
    );
    Some(format!(
        "restore {bar} {pct:>3}% · Esc cancel · table {}/{} · {} rows · {}",
        r.tables.1, r.tables.0, r.rows.1, r.line
    ))
}

/// Footer hint for the tab.
pub fn hint(b: &BackupTab) -> &'static str {
    if let Some(s) = b
        .setup
        .as_ref()
        .filter(|_| !b.restore.as_ref().is_some_and(|r| r.running))
    {
        match &s.preview {
            Some(Ok(_)) => "Enter restore (type the target's name) · Esc change the choice",
            _ if s.loading => "reading the target… · Esc back",
            _ => "Space mark · * all · c target · d dependents · Enter preview · Esc back",
        }
    } else if b.view.is_some() {
        "↑/↓ scroll · PgUp/PgDn page · Esc back"
    } else if b.loading {
        "comparing… · Esc cancel"
    } else {
        "Enter pick two · l vs live · R restore · b schema · Esc close"
    }
}

fn kind_style(app: &App, k: LineKind) -> Style {
    let t = &app.theme;
    match k {
        LineKind::Title => t.style(Slot::Title).add_modifier(Modifier::BOLD),
        LineKind::Plain => t.style(Slot::Popup),
        LineKind::Added => t.style(Slot::String),
        LineKind::Removed => t.style(Slot::Error),
        LineKind::Changed => t.style(Slot::Warning),
        LineKind::Muted => t.style(Slot::Muted),
    }
}

/// Draw the tab into `body`.
pub fn draw(f: &mut Frame, body: Rect, app: &App, b: &BackupTab) {
    let t = &app.theme;
    let h = usize::from(body.height);
    if h == 0 || body.width == 0 {
        return;
    }
    if let Some(s) = b
        .setup
        .as_ref()
        .filter(|_| !b.restore.as_ref().is_some_and(|r| r.running))
    {
        draw_setup(f, body, app, s);
        return;
    }
    if let Some(v) = &b.view {
        put(
            f.buffer_mut(),
            body.x,
            body.y,
            &sanitize(&v.title),
            body.width,
            t.style(Slot::Title),
        );
        for (i, (k, l)) in v.lines.iter().skip(v.scroll).take(h.saturating_sub(1)).enumerate() {
            let y = body.y + 1 + i as u16;
            put(f.buffer_mut(), body.x, y, &sanitize(l), body.width, kind_style(app, *k));
        }
        return;
    }
    if let Some(why) = &b.unavailable {
        put(
            f.buffer_mut(),
            body.x,
            body.y,
            &sanitize(&why.to_string()),
            body.width,
            t.style(Slot::Warning),
        );
        if b.items.is_empty() {
            return;
        }
    }
    let y0 = body.y + u16::from(b.unavailable.is_some());
    let rows = h.saturating_sub(usize::from(b.unavailable.is_some()));
    if rows == 0 {
        return;
    }
    let top = b.selected.saturating_sub(rows.saturating_sub(1));
    for (i, r) in b.items.iter().enumerate().skip(top).take(rows) {
        let mark = match b.picked.iter().position(|s| *s == r.id) {
            Some(0) => "[1]",
            Some(_) => "[2]",
            None => "   ",
        };
        let when = r.created_at.get(..16).unwrap_or(&r.created_at).replace('T', " ");
        let text = format!(
            "{mark} {:<22} {when} {:>9} rows  {}",
            r.id,
            r.rows,
            r.label.as_deref().unwrap_or("-")
        );
        let st = if i == b.selected {
            t.style(Slot::Selection)
        } else {
            t.style(Slot::Popup)
        };
        put(
            f.buffer_mut(),
            body.x,
            y0 + (i - top) as u16,
            &sanitize(&text),
            body.width,
            st,
        );
    }
}

/// The restore choice: target, tables to restore, then the preview.
fn draw_setup(f: &mut Frame, body: Rect, app: &App, s: &RestoreSetup) {
    let t = &app.theme;
    let h = usize::from(body.height);
    let others = if s.targets.len() > 1 {
        format!(" (c: {}/{})", s.target + 1, s.targets.len())
    } else {
        String::new()
    };
    let head = format!(
        "Restore into '{}'{others} · {}/{} tables{} · {}",
        s.target_name(),
        s.marked.len(),
        s.tables.len(),
        if s.with_dependents { " + dependents" } else { "" },
        s.backup,
    );
    put(
        f.buffer_mut(),
        body.x,
        body.y,
        &sanitize(&head),
        body.width,
        t.style(Slot::Title),
    );
    let mut y = body.y + 1;
    let end = body.y + body.height;
    let (lines, style): (Vec<String>, Style) = match &s.preview {
        Some(Ok(p)) => (p.lines.clone(), t.style(Slot::Popup)),
        Some(Err(e)) => (
            vec![sanitize(&format!("cannot preview: {e}")).into_owned()],
            t.style(Slot::Error),
        ),
        None if s.loading && s.tables.is_empty() => (vec!["reading the backup…".into()], t.style(Slot::Warning)),
        None if s.loading => (vec![format!("reading '{}'…", s.target_name())], t.style(Slot::Warning)),
        None => (Vec::new(), t.style(Slot::Popup)),
    };
    // Wrapped: a docked panel is often narrower than the preview's lines.
    let w = usize::from(body.width).max(8);
    for l in &lines {
        let chars: Vec<char> = sanitize(l).chars().collect();
        let mut rest: &[char] = &chars;
        let mut first = true;
        while first || !rest.is_empty() {
            if y >= end {
                return;
            }
            let room = if first { w } else { w - 4 };
            let (part, tail) = rest.split_at(rest.len().min(room));
            let text: String = part.iter().collect();
            let text = if first { text } else { format!("    {text}") };
            put(f.buffer_mut(), body.x, y, &text, body.width, style);
            rest = tail;
            first = false;
            y += 1;
        }
    }
    if matches!(s.preview, Some(Ok(_))) || h < 2 {
        return;
    }
    let rows = usize::from(end.saturating_sub(y));
    if rows == 0 {
        return;
    }
    let top = s.selected.saturating_sub(rows - 1);
    for (i, tb) in s.tables.iter().enumerate().skip(top).take(rows) {
        let mark = if s.marked.contains(&i) { "[x]" } else { "[ ]" };
        let text = format!("{mark} {:<32} {:>12} rows", tb.name, crate::ui::group(tb.rows as usize));
        let st = if i == s.selected {
            t.style(Slot::Selection)
        } else {
            t.style(Slot::Popup)
        };
        put(
            f.buffer_mut(),
            body.x,
            y + (i - top) as u16,
            &sanitize(&text),
            body.width,
            st,
        );
    }
}
