//! The query plan in the grid's place: one line per visible node, folded
//! with ▸/▾, slow steps and bad estimates marked, the selected node's
//! details and the keys at the bottom.

use super::text::put;
use super::theme::Slot;
use crate::app::plan_view::{PlanStage, PlanView};
use crate::app::{App, Focus};
use crate::plan::{node_marks, node_metrics, node_title, plan_header};
use ratatui::Frame;
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

/// Keys of the plan tree (Alt+Q in the editor or grid), for the help overlay.
pub const KEYS: &[(&str, &str)] = &[
    ("j/k ↑/↓, PgUp/PgDn", "Move between nodes"),
    ("Enter, Space, h/l", "Fold / unfold a node"),
    ("E, C", "Expand all / back to the slowest path"),
    (
        "a",
        "ANALYZE: says what it runs, Enter runs it (a write rolls back, k keeps it)",
    ),
    ("i", "Details of the node"),
    ("y", "Copy the plan as text"),
    ("r", "Run EXPLAIN again"),
    ("Esc, q", "Close the plan"),
];

/// Draw the plan view into the grid pane `r`.
pub fn draw(f: &mut Frame, r: Rect, app: &App, view: &PlanView) {
    let t = &app.theme;
    let title = match &view.stage {
        PlanStage::Ready { plan, .. } => {
            let rb = if view.rolled_back { " · rolled back" } else { "" };
            format!(" Plan · {}{rb} ", plan_header(plan))
        }
        PlanStage::Confirm { .. } => " Plan · ANALYZE runs the statement ".to_string(),
        _ => " Plan ".to_string(),
    };
    let block = super::pane_block(app, Focus::Grid, title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let out = f.buffer_mut();
    let lines = |out: &mut ratatui::buffer::Buffer, text: &[(String, Slot)]| {
        let mut y = inner.y;
        for (line, slot) in text {
            for part in wrap_words(line, usize::from(inner.width)) {
                if y >= inner.y + inner.height {
                    return;
                }
                put(out, inner.x, y, &part, inner.width, t.style(*slot));
                y += 1;
            }
        }
    };
    match &view.stage {
        PlanStage::Confirm { notice, changes_data } => {
            let keys = if *changes_data {
                "Enter: run it in a transaction and roll it back · k: run it and keep the changes · Esc: cancel"
            } else {
                "Enter: run it · Esc: cancel"
            };
            lines(
                out,
                &[
                    (format!("{notice}."), Slot::Warning),
                    (String::new(), Slot::Text),
                    (keys.to_string(), Slot::Info),
                ],
            );
        }
        PlanStage::Loading { started, .. } => {
            let what = if view.request.options.analyze {
                "running ANALYZE"
            } else {
                "planning"
            };
            let msg = format!(
                "{what}… {} (Ctrl+C cancels)",
                crate::app::fmt_elapsed(started.elapsed())
            );
            lines(out, &[(msg, Slot::Muted)]);
        }
        PlanStage::Failed(msg) => {
            lines(
                out,
                &[
                    (msg.clone(), Slot::Error),
                    (String::new(), Slot::Text),
                    ("r: try again · Esc: back to the results".into(), Slot::Muted),
                ],
            );
        }
        PlanStage::Ready { plan, analysis } => {
            let footer = footer_lines(inner.height);
            let rows = inner.height - footer;
            let nodes = plan.root.walk();
            let visible = view.visible();
            let focused = app.focus == Focus::Grid && app.popup.is_none();
            for (row, &i) in visible.iter().enumerate().skip(view.top).take(usize::from(rows)) {
                let y = inner.y + (row - view.top) as u16;
                let n = nodes[i];
                let facts = &analysis.nodes[i];
                let has_kids = !n.children.is_empty();
                let open = view.expanded.get(i).copied().unwrap_or(true);
                let marker = match (has_kids, open) {
                    (false, _) => "  ",
                    (true, true) => "▾ ",
                    (true, false) => "▸ ",
                };
                let selected = row == view.selected;
                let base = if selected {
                    t.style(if focused { Slot::Selection } else { Slot::CursorLine })
                } else {
                    t.style(Slot::Text)
                };
                if selected {
                    out.set_style(Rect::new(inner.x, y, inner.width, 1), base);
                }
                let right = inner.x + inner.width;
                let mut x = inner.x;
                let indent = " ".repeat(facts.depth.min(usize::from(inner.width) / 2) * 2);
                x = put(out, x, y, &format!("{indent}{marker}"), right.saturating_sub(x), base);
                x = put(out, x, y, &node_title(n), right.saturating_sub(x), base);
                for mark in node_marks(facts, analysis.basis) {
                    let slot = if mark.starts_with("rows") {
                        Slot::Error
                    } else {
                        Slot::Warning
                    };
                    x = put(out, x, y, " ", right.saturating_sub(x), base);
                    x = put(
                        out,
                        x,
                        y,
                        &format!("[{mark}]"),
                        right.saturating_sub(x),
                        base.patch(t.style(slot)),
                    );
                }
                let metrics = crate::sanitize::sanitize(&node_metrics(n)).into_owned();
                if !metrics.is_empty() {
                    x = put(out, x, y, "  ", right.saturating_sub(x), base);
                    put(
                        out,
                        x,
                        y,
                        &metrics,
                        right.saturating_sub(x),
                        base.patch(t.style(Slot::Muted)),
                    );
                }
            }
            if footer > 0 {
                let mut y = inner.y + inner.height - footer;
                let selected = view.selected_node();
                if footer == 3 {
                    let metrics = selected.map(|i| node_metrics(nodes[i])).unwrap_or_default();
                    let metrics = crate::sanitize::sanitize(&metrics).into_owned();
                    put(out, inner.x, y, &metrics, inner.width, t.style(Slot::Info));
                    y += 1;
                }
                let detail = selected
                    .map(|i| {
                        let n = nodes[i];
                        let mut parts: Vec<String> = n.details.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                        if let Some(ms) = analysis.nodes[i].self_ms.filter(|_| plan.analyzed) {
                            parts.push(format!("self {}", crate::plan::fmt_ms(ms)));
                        }
                        parts.extend(plan.notes.iter().cloned());
                        crate::sanitize::sanitize(&parts.join(" · ")).into_owned()
                    })
                    .unwrap_or_default();
                put(out, inner.x, y, &detail, inner.width, t.style(Slot::Muted));
                let hints = "Enter fold · E all · C slowest · a ANALYZE · i details · y copy · Esc close";
                let hints = if hints.width() > usize::from(inner.width) {
                    "Enter fold · a ANALYZE · i · y · Esc"
                } else {
                    hints
                };
                put(out, inner.x, y + 1, hints, inner.width, t.style(Slot::Muted));
            }
        }
    }
}

/// Lines under the tree: metrics, details and keys when there is room.
fn footer_lines(inner_height: u16) -> u16 {
    match inner_height {
        0..=5 => 0,
        6..=7 => 2,
        _ => 3,
    }
}

/// Tree rows that fit in the grid pane `r`.
pub fn tree_rows(r: Rect) -> usize {
    let inner = r.height.saturating_sub(2);
    usize::from(inner - footer_lines(inner))
}

/// Wrap at spaces (a word longer than the width is cut).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in crate::sanitize::sanitize(text).split(' ') {
        let w = word.width();
        let used = line.width();
        if used > 0 && used + 1 + w > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.width() > width {
            let cut: String = line.chars().take(width).collect();
            let rest: String = line.chars().skip(cut.chars().count()).collect();
            out.push(cut);
            line = rest;
        }
    }
    out.push(line);
    out
}
