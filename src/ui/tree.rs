//! The schema tree pane.

use super::text::put;
use super::theme::Slot;
use crate::app::tree::NodeKind;
use crate::app::{App, Focus};
use crate::sanitize::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;

/// Draw the tree.
pub fn draw(f: &mut Frame, r: Rect, app: &App) {
    let t = &app.theme;
    let tree = &app.tree;
    let title = format!(" Schema · {} ", sanitize(&tree.root));
    let block = super::pane_block(app, Focus::Tree, title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let out = f.buffer_mut();
    let mut y = inner.y;
    if tree.filtering || !tree.filter.is_empty() {
        let cursor = if tree.filtering { "▏" } else { "" };
        let line = format!("/{}{cursor}", sanitize(&tree.filter));
        put(out, inner.x, y, &line, inner.width, t.style(Slot::Match));
        y += 1;
    }
    let bottom = inner.y + inner.height;
    if tree.nodes.is_empty() {
        let (msg, slot) = if tree.loading {
            ("loading schema…".to_string(), Slot::Muted)
        } else if let Some(e) = &tree.error {
            let key = app
                .keymap
                .key_for(crate::keymap::Context::Tree, crate::keymap::Action::ReloadSchema)
                .unwrap_or_else(|| "r".into());
            (format!("schema unavailable: {e} ({key} retries)"), Slot::Error)
        } else if !tree.filter.is_empty() {
            ("no match".to_string(), Slot::Muted)
        } else {
            ("no tables".to_string(), Slot::Muted)
        };
        // The whole message, wrapped: an error cut at the pane's width tells nothing.
        for line in crate::app::grid::widths::wrap(&msg, usize::from(inner.width)) {
            if y >= bottom {
                break;
            }
            put(out, inner.x, y, &line, inner.width, t.style(slot));
            y += 1;
        }
        return;
    }
    let focused = app.focus == Focus::Tree && app.popup.is_none();
    for (i, n) in tree.nodes.iter().enumerate().skip(tree.top) {
        if y >= bottom {
            break;
        }
        let marker = if !n.expandable {
            " "
        } else if n.expanded {
            "▾"
        } else {
            "▸"
        };
        let indent = "  ".repeat(n.depth);
        let mut x = put(
            out,
            inner.x,
            y,
            &format!("{indent}{marker} "),
            inner.width,
            t.style(Slot::Muted),
        );
        let label_slot = match n.kind {
            NodeKind::Schema | NodeKind::Group => Slot::TreeKind,
            _ if n.label.starts_with("PK ") || n.label.starts_with("FK ") => Slot::KeyMarker,
            _ => Slot::Text,
        };
        let room = (inner.x + inner.width).saturating_sub(x);
        x = put(out, x, y, &n.label, room, t.style(label_slot));
        if !n.detail.is_empty() {
            let room = (inner.x + inner.width).saturating_sub(x);
            put(out, x, y, &format!(" {}", n.detail), room, t.style(Slot::Muted));
        }
        if i == tree.selected {
            let slot = if focused { Slot::Selection } else { Slot::CursorLine };
            out.set_style(Rect::new(inner.x, y, inner.width, 1), t.style(slot));
        }
        y += 1;
    }
}
