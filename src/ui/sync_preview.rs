//! The data sync panel: target and table choice, progress gauge, the
//! per-table summary and the row list with column-level old -> new values.

use super::text::put;
use super::theme::Slot;
use crate::app::sync_preview::{RowRef, Stage, SyncPanel};
use crate::app::{App, Level};
use crate::datasync::DataDiff;
use crate::db::Value;
use crate::sanitize::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Clear, Gauge};

/// Fixed keys of the panel, for the help overlay.
pub const KEYS: &[(&str, &str)] = &[
    (
        "j/k ↑/↓ Enter",
        "Choose target, then tables; Enter on a row shows its columns",
    ),
    ("Space, *", "Mark a table (several at once), mark all"),
    (
        "Esc, Ctrl+C",
        "Cancel the running diff or apply; otherwise back / close",
    ),
    ("w", "Strategy: source wins, target wins, newest by a column"),
    ("d", "Toggle deleting rows only in the target"),
    ("[ ]", "Previous / next compared table"),
    ("a", "Apply the plan of every table after typing the target's name"),
    ("r", "Diff again"),
];

fn cell(v: &Value) -> String {
    sanitize(&v.render()).into_owned()
}

fn key_text(d: &DataDiff, row: &[Value]) -> String {
    d.key
        .iter()
        .filter_map(|k| d.columns.iter().position(|c| c == k).map(|i| (k, i)))
        .map(|(k, i)| format!("{}={}", sanitize(k), row.get(i).map(cell).unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Draw the panel over the panes.
pub fn draw(f: &mut Frame, area: Rect, app: &App, p: &SyncPanel) {
    let t = &app.theme;
    // Docked: the layout gives the panel its own rect.
    let r = area;
    f.render_widget(Clear, r);
    let target = p.target.as_ref().map(|c| c.name.as_str()).unwrap_or("?");
    let title = format!(" Data sync · {} → {} ", sanitize(&app.conn.name), sanitize(target));
    let block = super::panel_block(app, title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let foot_y = inner.y + inner.height - 1;
    let body = Rect::new(inner.x, inner.y, inner.width, inner.height.saturating_sub(1));
    let (foot, style) = match &p.message {
        Some((lvl, m)) => {
            let s = match lvl {
                Level::Info => Slot::Info,
                Level::Warn => Slot::Warning,
                Level::Error => Slot::Error,
            };
            (m.clone(), t.style(s))
        }
        None => {
            let hint = match p.stage {
                Stage::Targets => "Enter choose target connection · Esc close",
                Stage::Tables => "Space mark tables · * all · Enter diff · Esc close",
                Stage::Running => "Esc / Ctrl+C cancel",
                Stage::Result if p.compared() > 1 => {
                    "a apply · w strategy · d delete-missing · [ ] table · Enter row · r diff"
                }
                Stage::Result => "a apply · w strategy · d delete-missing · Enter row detail · r rediff · Esc",
            };
            (hint.to_string(), t.style(Slot::Muted))
        }
    };
    put(f.buffer_mut(), inner.x, foot_y, &foot, inner.width, style);
    match p.stage {
        Stage::Targets => {
            let rows: Vec<String> = p
                .targets
                .iter()
                .map(|c| format!("{:<24} {:<9} {}", sanitize(&c.name), c.engine, c.tag))
                .collect();
            list(
                f,
                app,
                body,
                "Target connection (the current one is the source):",
                &rows,
                p.selected,
            );
        }
        Stage::Tables => {
            let rows: Vec<String> = p
                .tables
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mark = if p.marked.contains(&i) { "[x]" } else { "[ ]" };
                    format!("{mark} {}", sanitize(s))
                })
                .collect();
            let heading = match p.marked.len() {
                0 => "Tables to compare (Space marks several):".to_string(),
                n => format!("Tables to compare: {n} marked"),
            };
            list(f, app, body, &heading, &rows, p.selected);
        }
        Stage::Running => {
            let progress = if p.chosen.len() > 1 {
                format!(
                    "table {}/{} {}: {}",
                    p.at_table + 1,
                    p.chosen.len(),
                    p.chosen.get(p.at_table).map(String::as_str).unwrap_or(""),
                    p.progress
                )
            } else {
                p.progress.clone()
            };
            put(
                f.buffer_mut(),
                body.x,
                body.y,
                &sanitize(&progress),
                body.width,
                t.style(Slot::Warning),
            );
            if body.height > 2 {
                let g = Rect::new(body.x, body.y + 2, body.width, 1);
                let (ratio, label) = match p.applied {
                    Some((done, total)) if total > 0 => {
                        (done as f64 / total as f64, format!("{done}/{total} change(s) applied"))
                    }
                    Some(_) => (0.0, "applying…".to_string()),
                    // The row count is unknown up front: the gauge shows activity and the count.
                    None => (
                        ((p.fetched % 1000) as f64) / 1000.0,
                        format!("{} row(s) read", p.fetched),
                    ),
                };
                let gauge = Gauge::default()
                    .gauge_style(t.style(Slot::Selection))
                    .ratio(ratio.clamp(0.0, 1.0))
                    .label(label);
                f.render_widget(gauge, g);
            }
        }
        Stage::Result => {
            if let Some(d) = p.diff() {
                result(f, app, body, p, d);
            }
        }
    }
}

fn list(f: &mut Frame, app: &App, body: Rect, heading: &str, rows: &[String], selected: usize) {
    let t = &app.theme;
    put(
        f.buffer_mut(),
        body.x,
        body.y,
        heading,
        body.width,
        t.style(Slot::Title),
    );
    let h = usize::from(body.height.saturating_sub(1));
    if h == 0 {
        return;
    }
    if rows.is_empty() {
        put(
            f.buffer_mut(),
            body.x,
            body.y + 1,
            "(none)",
            body.width,
            t.style(Slot::Muted),
        );
        return;
    }
    let top = selected.saturating_sub(h - 1);
    for (i, row) in rows.iter().enumerate().skip(top).take(h) {
        let st = if i == selected {
            t.style(Slot::Selection)
        } else {
            t.style(Slot::Popup)
        };
        put(
            f.buffer_mut(),
            body.x,
            body.y + 1 + (i - top) as u16,
            row,
            body.width,
            st,
        );
    }
}

fn result(f: &mut Frame, app: &App, body: Rect, p: &SyncPanel, d: &DataDiff) {
    let t = &app.theme;
    let r = &d.diff;
    let which = if p.compared() > 1 {
        format!("[{}/{}] ", p.shown + 1, p.compared())
    } else {
        String::new()
    };
    let summary = format!(
        "{which}{}: only in source {} · only in target {} · changed {} · equal {}",
        sanitize(&d.table),
        r.only_in_source.len(),
        r.only_in_target.len(),
        r.changed.len(),
        r.equal,
    );
    put(
        f.buffer_mut(),
        body.x,
        body.y,
        &summary,
        body.width,
        t.style(Slot::Title),
    );
    // The plan under the strategy, as `dbn sync data` prints it (shorter).
    let (plan, slot) = match p.plan() {
        Some(Ok(pl)) => (
            format!(
                "{}{}: insert {}, update {}, delete {}; kept {} changed, {} target-only",
                p.strategy,
                if p.delete_missing { ", delete-missing" } else { "" },
                pl.inserts.len(),
                pl.updates.len(),
                pl.deletes.len(),
                pl.kept.len(),
                pl.target_only_kept
            ),
            Slot::Info,
        ),
        Some(Err(e)) => (format!("{}: {}", p.strategy, sanitize(&e.to_string())), Slot::Error),
        None => (String::new(), Slot::Muted),
    };
    if body.height > 1 {
        put(f.buffer_mut(), body.x, body.y + 1, &plan, body.width, t.style(slot));
    }
    let h = usize::from(body.height.saturating_sub(3));
    if h == 0 {
        return;
    }
    let y0 = body.y + 3;
    if p.detail {
        let lines = detail_lines(app, d, p.rows.get(p.selected).copied());
        for (i, (text, st)) in lines.iter().take(h).enumerate() {
            put(f.buffer_mut(), body.x, y0 + i as u16, text, body.width, *st);
        }
        return;
    }
    if p.rows.is_empty() {
        put(
            f.buffer_mut(),
            body.x,
            y0,
            "no differences: the target has the source's rows",
            body.width,
            t.style(Slot::Info),
        );
        return;
    }
    let top = p.selected.saturating_sub(h - 1);
    for (i, rr) in p.rows.iter().enumerate().skip(top).take(h) {
        let (mark, text, slot) = match *rr {
            RowRef::OnlySource(k) => ("+ only in source", key_text(d, &r.only_in_source[k]), Slot::String),
            RowRef::OnlyTarget(k) => ("- only in target", key_text(d, &r.only_in_target[k]), Slot::Error),
            RowRef::Changed(k) => {
                let c = &r.changed[k];
                let cols: Vec<String> = c
                    .changes
                    .iter()
                    .map(|ch| {
                        format!(
                            "{}: {} -> {}",
                            sanitize(col_name(d, ch.column)),
                            cell(&ch.old),
                            cell(&ch.new)
                        )
                    })
                    .collect();
                let kept = p.kept.get(k).copied().unwrap_or(false);
                (
                    if kept { "= changed, kept " } else { "~ changed       " },
                    format!("{}  {}", key_text(d, &c.source), cols.join("; ")),
                    if kept { Slot::Muted } else { Slot::Warning },
                )
            }
        };
        let st = if i == p.selected {
            t.style(Slot::Selection)
        } else {
            t.style(slot)
        };
        put(
            f.buffer_mut(),
            body.x,
            y0 + (i - top) as u16,
            &format!("{mark}  {text}"),
            body.width,
            st,
        );
    }
}

fn col_name(d: &DataDiff, i: usize) -> &str {
    d.columns.get(i).map(String::as_str).unwrap_or("?")
}

fn detail_lines(app: &App, d: &DataDiff, rr: Option<RowRef>) -> Vec<(String, Style)> {
    let t = &app.theme;
    let r = &d.diff;
    let mut out = Vec::new();
    let row = |out: &mut Vec<(String, Style)>, row: &[Value], slot: Slot| {
        for (i, v) in row.iter().enumerate() {
            out.push((format!("{:<24} {}", sanitize(col_name(d, i)), cell(v)), t.style(slot)));
        }
    };
    match rr {
        Some(RowRef::OnlySource(k)) => {
            out.push(("only in the source (inserted by a sync):".into(), t.style(Slot::Title)));
            row(&mut out, &r.only_in_source[k], Slot::String);
        }
        Some(RowRef::OnlyTarget(k)) => {
            out.push(("only in the target:".into(), t.style(Slot::Title)));
            row(&mut out, &r.only_in_target[k], Slot::Error);
        }
        Some(RowRef::Changed(k)) => {
            let c = &r.changed[k];
            out.push(("changed (target value -> source value):".into(), t.style(Slot::Title)));
            for (i, v) in c.source.iter().enumerate() {
                match c.changes.iter().find(|ch| ch.column == i) {
                    Some(ch) => out.push((
                        format!(
                            "{:<24} {} -> {}",
                            sanitize(col_name(d, i)),
                            cell(&ch.old),
                            cell(&ch.new)
                        ),
                        t.style(Slot::Warning),
                    )),
                    None => out.push((
                        format!("{:<24} {}", sanitize(col_name(d, i)), cell(v)),
                        t.style(Slot::Muted),
                    )),
                }
            }
        }
        None => {}
    }
    out
}
