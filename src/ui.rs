//! Drawing. Everything here reads `&App` and writes into the frame's
//! buffer; nothing mutates state. Every rect is clamped to the screen.

mod activity;
mod chart;
mod edit;
mod editor;
mod grid;
mod plan;
mod popup;
mod snapshots;
mod start;
mod status;
mod sync_preview;
pub mod text;
pub use grid::group;
pub mod theme;
mod tree;

use crate::app::grid::GridState;
use crate::app::{App, Dock, Focus};
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
    /// The docked side panel, when one is open.
    pub panel: Option<Rect>,
    /// Status line.
    pub status: Rect,
    /// Too small to draw panes.
    pub too_small: bool,
}

/// Split the screen: tree left, editor over grid right, status at the bottom.
pub fn layout(area: Rect) -> Panes {
    layout_docked(
        area,
        Dock {
            panel: false,
            percent: 45,
            zoom: None,
        },
    )
}

/// Below this width a docked panel goes under the panes instead of beside them.
pub const DOCK_RIGHT_MIN_WIDTH: u16 = 120;

/// The split with a docked side panel (right on wide screens, at the bottom
/// on narrow ones) and an optional zoomed pane that takes the whole screen.
pub fn layout_docked(area: Rect, dock: Dock) -> Panes {
    let too_small = area.width < MIN_WIDTH || area.height < MIN_HEIGHT;
    let status = Rect::new(
        area.x,
        area.y + area.height.saturating_sub(1),
        area.width,
        area.height.min(1),
    );
    let main = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1));
    let hidden = Rect::new(main.x, main.y, 0, 0);
    if let Some(z) = dock.zoom.filter(|z| *z != Focus::Panel || dock.panel) {
        let pick = |f: Focus| if z == f { main } else { hidden };
        return Panes {
            tree: (z == Focus::Tree).then_some(main),
            editor: pick(Focus::Editor),
            grid: pick(Focus::Grid),
            panel: (z == Focus::Panel).then_some(main),
            status,
            too_small,
        };
    }
    let (rest, panel) = if !dock.panel {
        (main, None)
    } else if main.width >= DOCK_RIGHT_MIN_WIDTH {
        let pw = (u32::from(main.width) * u32::from(dock.percent) / 100) as u16;
        let pw = pw.clamp(30, main.width.saturating_sub(50));
        (
            Rect::new(main.x, main.y, main.width - pw, main.height),
            Some(Rect::new(main.x + main.width - pw, main.y, pw, main.height)),
        )
    } else {
        let ph = (u32::from(main.height) * u32::from(dock.percent) / 100) as u16;
        let ph = ph.clamp(
            5.min(main.height),
            main.height.saturating_sub(8).max(5.min(main.height)),
        );
        (
            Rect::new(main.x, main.y, main.width, main.height - ph),
            Some(Rect::new(main.x, main.y + main.height - ph, main.width, ph)),
        )
    };
    let (tree, right) = if rest.width >= 70 {
        let tw = (rest.width / 4).clamp(22, 40);
        (
            Some(Rect::new(rest.x, rest.y, tw, rest.height)),
            Rect::new(rest.x + tw, rest.y, rest.width - tw, rest.height),
        )
    } else {
        (None, rest)
    };
    let eh = ((u32::from(right.height) * 2 / 5) as u16).clamp(3.min(right.height), 20.max(right.height / 3));
    let editor = Rect::new(right.x, right.y, right.width, eh);
    let grid = Rect::new(right.x, right.y + eh, right.width, right.height.saturating_sub(eh));
    Panes {
        tree,
        editor,
        grid,
        panel,
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
    let gutter = grid::gutter_width(g.rows(), g.new_rows);
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

/// Points a chart shows side by side in the grid pane.
pub fn chart_points(r: Rect, view: &crate::app::chart::ChartView, data: &crate::app::chart::data::ChartData) -> usize {
    chart::points(r, view, data)
}

/// Draw the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let t = &app.theme;
    f.buffer_mut().set_style(area, t.style(Slot::Text));
    let panes = layout_docked(area, app.dock());
    if panes.too_small {
        let msg = format!(
            "terminal too small ({}x{}): need {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        );
        text::put(f.buffer_mut(), area.x, area.y, &msg, area.width, t.style(Slot::Warning));
        return;
    }
    if let Some(s) = &app.start_screen {
        start::draw(f, area, app, s);
        return;
    }
    if let Some(r) = panes.tree {
        tree::draw(f, r, app);
    }
    if panes.editor.area() > 0 {
        editor::draw(f, panes.editor, app);
    }
    if panes.grid.area() > 0 {
        match (&app.plan, &app.chart) {
            (Some(p), _) => plan::draw(f, panes.grid, app, p),
            (None, Some(c)) => chart::draw(f, panes.grid, app, c),
            (None, None) => grid::draw(f, panes.grid, app),
        }
    }
    if let Some(e) = &app.edits {
        edit::draw(f, area, panes.grid, app, e);
    }
    status::draw(f, panes.status, app);
    if let Some(r) = panes.panel {
        if let Some(p) = &app.sync {
            sync_preview::draw(f, r, app, p);
        } else if let Some(p) = &app.snapshots {
            snapshots::draw(f, r, app, p);
        }
    }
    if let Some(p) = &app.activity {
        activity::draw(f, area, app, p);
    }
    if let Some(p) = &app.popup {
        popup::draw(f, area, app, p);
    }
}

/// The block of the docked panel: focused like a pane, styled like a panel.
pub(crate) fn panel_block<'a>(app: &App, title: String) -> Block<'a> {
    let t = &app.theme;
    let focused = app.focus == Focus::Panel && app.popup.is_none();
    let (border, btype) = if focused {
        (t.style(Slot::BorderFocused), BorderType::Thick)
    } else {
        (t.style(Slot::Border), BorderType::Plain)
    };
    Block::default()
        .borders(Borders::ALL)
        .border_type(btype)
        .border_style(border)
        .style(t.style(Slot::Popup))
        .title(title)
}

/// A pane block whose border shows focus.
pub(crate) fn pane_block<'a>(app: &App, focus: Focus, title: String) -> Block<'a> {
    let t = &app.theme;
    let focused = app.focus == focus
        && app.popup.is_none()
        && app.snapshots.is_none()
        && app.sync.is_none()
        && app.activity.is_none();
    let (mut border, btype) = if focused {
        (t.style(Slot::BorderFocused), BorderType::Thick)
    } else if app.conn.tag == crate::store::connections::Tag::Prod {
        // Prod shows in the border shape too, which survives NO_COLOR.
        (t.style(Slot::Border), BorderType::Double)
    } else {
        (t.style(Slot::Border), BorderType::Plain)
    };
    if let Some(c) = t.connection_tint(app.conn_color(), app.conn.tag) {
        border = border.fg(c);
    }
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
