//! Drawing. Everything here reads `&App` and writes into the frame's
//! buffer; nothing mutates state. Every rect is clamped to the screen.

mod activity;
mod editor;
mod grid;
mod plan;
mod popup;
mod snapshots;
mod status;
mod sync_preview;
pub mod text;
pub use grid::group;
pub mod theme;
mod tree;

use crate::app::grid::GridState;
use crate::app::{App, Focus};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, BorderType, Borders};
use theme::Slot;

/// Smallest usable terminal; below it a notice is shown instead of panes.
pub const MIN_WIDTH: u16 = 30;
/// Smallest usable height.
pub const MIN_HEIGHT: u16 = 8;

/// Where each pane goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    /// Schema tree (hidden on narrow terminals).
    pub tree: Option<Rect>,
    /// SQL editor.
    pub editor: Rect,
    /// Result grid.
    pub grid: Rect,
    /// Status line.
    pub status: Rect,
    /// Too small to draw panes.
    pub too_small: bool,
}

/// Split the screen: tree left, editor over grid right, status at the bottom.
/// Side panels (snapshots, diffs, sync previews) will take a column on the right
/// of the grid when their issues land; the split below is the one place to add it.
pub fn layout(area: Rect) -> Panes {
    let too_small = area.width < MIN_WIDTH || area.height < MIN_HEIGHT;
    let status = Rect::new(
        area.x,
        area.y + area.height.saturating_sub(1),
        area.width,
        area.height.min(1),
    );
    let main = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1));
    let (tree, right) = if main.width >= 70 {
        let tw = (main.width / 4).clamp(22, 40);
        (
            Some(Rect::new(main.x, main.y, tw, main.height)),
            Rect::new(main.x + tw, main.y, main.width - tw, main.height),
        )
    } else {
        (None, main)
    };
    let eh = ((u32::from(right.height) * 2 / 5) as u16).clamp(3.min(right.height), 20.max(right.height / 3));
    let editor = Rect::new(right.x, right.y, right.width, eh);
    let grid = Rect::new(right.x, right.y + eh, right.width, right.height.saturating_sub(eh));
    Panes {
        tree,
        editor,
        grid,
        status,
        too_small,
    }
}

/// Text rows and columns visible in the editor pane.
pub fn editor_view(r: Rect, buf: &crate::app::editor::Buffer) -> (usize, usize) {
    let gutter = editor::gutter_width(buf.textarea.lines().len());
    (
        usize::from(r.height.saturating_sub(2)),
        usize::from(r.width.saturating_sub(2 + gutter)),
    )
}

/// Data rows and cell columns visible in the grid pane.
pub fn grid_view(r: Rect, g: &GridState) -> (usize, usize) {
    let gutter = grid::gutter_width(g.rows());
    let (above, below) = grid::chrome_lines(g);
    (
        usize::from(r.height.saturating_sub(3 + above + below)),
        usize::from(r.width.saturating_sub(2 + gutter)),
    )
}

/// Lines the grid uses above its header (tab bar) and below its rows (prompt).
pub fn grid_chrome(g: &GridState) -> (u16, u16) {
    grid::chrome_lines(g)
}

/// Text columns and rows inside the big popups (help, inspector, viewers).
pub fn viewer_size(area: Rect) -> (usize, usize) {
    let r = popup::big_rect(area);
    (
        usize::from(r.width.saturating_sub(2)).max(1),
        usize::from(r.height.saturating_sub(2)),
    )
}

/// Lines of the help overlay.
pub fn help_len(app: &App) -> usize {
    popup::help_lines(app).len()
}

/// Lines `text` takes in a viewer `width` cells wide.
pub fn wrapped_len(text: &str, width: usize) -> usize {
    popup::wrapped_lines(text, width).len()
}
/// Plan tree rows visible in the grid pane.
pub fn plan_rows(r: Rect) -> usize {
    plan::tree_rows(r)
}

/// Draw the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let t = &app.theme;
    f.buffer_mut().set_style(area, t.style(Slot::Text));
    let panes = layout(area);
    if panes.too_small {
        let msg = format!(
            "terminal too small ({}x{}): need {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        text::put(f.buffer_mut(), area.x, area.y, &msg, area.width, t.style(Slot::Warning));
        return;
    }
    if let Some(r) = panes.tree {
        tree::draw(f, r, app);
    }
    editor::draw(f, panes.editor, app);
    match &app.plan {
        Some(p) => plan::draw(f, panes.grid, app, p),
        None => grid::draw(f, panes.grid, app),
    }
    status::draw(f, panes.status, app);
    if let Some(p) = &app.snapshots {
        snapshots::draw(f, area, app, p);
    }
    if let Some(p) = &app.sync {
        sync_preview::draw(f, area, app, p);
    }
    if let Some(p) = &app.activity {
        activity::draw(f, area, app, p);
    }
    if let Some(p) = &app.popup {
        popup::draw(f, area, app, p);
    }
}

/// A pane block whose border shows focus.
pub(crate) fn pane_block<'a>(app: &App, focus: Focus, title: String) -> Block<'a> {
    let t = &app.theme;
    let focused = app.focus == focus
        && app.popup.is_none()
        && app.snapshots.is_none()
        && app.sync.is_none()
        && app.activity.is_none();
    let (border, btype) = if focused {
        (t.style(Slot::BorderFocused), BorderType::Thick)
    } else {
        (t.style(Slot::Border), BorderType::Plain)
    };
    let title_style: Style = if focused {
        t.style(Slot::BorderFocused)
    } else {
        t.style(Slot::Title)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(btype)
        .border_style(border)
        .title(ratatui::text::Span::styled(title, title_style))
}
