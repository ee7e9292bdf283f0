//! The side panels (schema snapshots, backups, data sync) docked beside the
//! editor and grid: keys go to the panel only while it has the focus, and
//! the few layout keys (focus, resize, zoom, quit, help) work from it too.

use super::{App, Focus, Level};
use crate::keymap::{Action, Context, KeyPress};
use ratatui::crossterm::event::KeyEvent;

/// Actions a focused panel leaves to the app: moving away, resizing, zooming.
const PANEL_PASSTHROUGH: &[Action] = &[
    Action::FocusNext,
    Action::FocusPrev,
    Action::FocusTree,
    Action::FocusEditor,
    Action::FocusGrid,
    Action::GrowPanel,
    Action::ShrinkPanel,
    Action::ZoomPane,
    Action::Quit,
    Action::Help,
    Action::MessageLog,
    Action::OpenSnapshots,
    Action::OpenSyncPreview,
];

impl App {
    /// A key while the docked panel has the focus.
    pub(super) fn docked_panel_key(&mut self, key: KeyEvent) {
        let passthrough = KeyPress::from_event(&key)
            .and_then(|k| self.keymap.single(Context::Global, k))
            .filter(|a| PANEL_PASSTHROUGH.contains(a));
        match passthrough {
            Some(a) => self.dispatch(a),
            None if self.sync.is_some() => self.sync_key(key),
            None => self.snapshots_key(key),
        }
        if !self.panel_open() {
            // The panel closed itself (Esc): back to the editor.
            self.zoom = false;
            if self.focus == Focus::Panel {
                self.focus = Focus::Editor;
            }
        }
        self.after_move();
    }

    /// Before opening one panel: close the other one, unless it is busy.
    pub(super) fn make_room_for_panel(&mut self, snapshots: bool) -> bool {
        let other_busy = if snapshots {
            self.sync_busy()
        } else {
            self.snapshots.is_some() && self.panel_busy()
        };
        if other_busy {
            self.set_status(
                Level::Warn,
                "the other panel is still working: wait for it or cancel it (Esc) first",
            );
            return false;
        }
        if snapshots {
            self.sync = None;
        } else {
            self.snapshots = None;
        }
        true
    }
}
