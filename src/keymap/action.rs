//! Everything a user can bind. Keymap files, the help overlay and the
//! command palette all read the same names and descriptions.

use serde::{Deserialize, Serialize};

macro_rules! actions {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $desc:literal; )*) => {
        /// A bindable action. Serialized in `snake_case` as written in keymap files.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
        #[serde(rename_all = "snake_case")]
        pub enum Action {
            $( $(#[$doc])* $variant, )*
        }

        impl Action {
            /// Every action, in help order.
            pub const ALL: &'static [Action] = &[ $( Action::$variant, )* ];

            /// The name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $( Action::$variant => $name, )* }
            }

            /// One line for the help overlay and the palette.
            pub fn description(self) -> &'static str {
                match self { $( Action::$variant => $desc, )* }
            }

            /// Look an action up by its keymap name.
            pub fn from_name(name: &str) -> Option<Action> {
                match name { $( $name => Some(Action::$variant), )* _ => None }
            }
        }
    };
}

actions! {
    /// Leave dbn.
    Quit = "quit", "Quit dbn";
    /// Show the key help overlay.
    Help = "help", "Show key bindings";
    /// Focus the next pane (tree, editor, grid).
    FocusNext = "focus_next", "Focus next pane";
    /// Focus the previous pane.
    FocusPrev = "focus_prev", "Focus previous pane";
    /// Focus the schema tree.
    FocusTree = "focus_tree", "Focus schema tree";
    /// Focus the SQL editor.
    FocusEditor = "focus_editor", "Focus SQL editor";
    /// Focus the result grid.
    FocusGrid = "focus_grid", "Focus result grid";
    /// Run the statement under the cursor (or the selection when there is one).
    RunStatement = "run_statement", "Run statement under cursor (or selection)";
    /// Run the selected text.
    RunSelection = "run_selection", "Run selection";
    /// Run every statement of the buffer.
    RunBuffer = "run_buffer", "Run whole buffer";
    /// End the timed write unlock of the current connection's database now.
    EndUnlock = "end_unlock", "End the write unlock (read-only again)";
    /// Cancel the running query on the server.
    CancelQuery = "cancel_query", "Cancel running query";
    /// Open the command palette.
    CommandPalette = "command_palette", "Command palette";
    /// Open the query history.
    History = "history", "Query history";
    /// Open saved queries.
    SavedQueries = "saved_queries", "Saved queries";
    /// Save the current buffer as a named query.
    SaveQuery = "save_query", "Save buffer as query";
    /// Switch to another saved connection.
    Connections = "connections", "Switch connection";
    /// Show the start screen: every connection with its overview.
    StartScreen = "start_screen", "Connection overview (start screen)";
    /// Export the full result to a file.
    ExportResult = "export_result", "Export result to file";
    /// Open a new editor buffer.
    NewBuffer = "new_buffer", "New editor buffer";
    /// Close the current editor buffer.
    CloseBuffer = "close_buffer", "Close editor buffer";
    /// Next editor buffer.
    NextBuffer = "next_buffer", "Next editor buffer";
    /// Previous editor buffer.
    PrevBuffer = "prev_buffer", "Previous editor buffer";
    /// Edit the buffer in $EDITOR.
    ExternalEditor = "external_editor", "Edit buffer in $EDITOR";
    /// Complete the word under the cursor from keywords and the schema.
    Complete = "complete", "Autocomplete";
    /// Reload the schema tree.
    ReloadSchema = "reload_schema", "Reload schema";
    /// Move up.
    Up = "up", "Move up";
    /// Move down.
    Down = "down", "Move down";
    /// Move left (grid: previous column; tree: collapse).
    Left = "left", "Move left / collapse";
    /// Move right (grid: next column; tree: expand).
    Right = "right", "Move right / expand";
    /// Jump to the first row.
    Top = "top", "First row";
    /// Jump to the last row.
    Bottom = "bottom", "Last row";
    /// Half a page down.
    HalfPageDown = "half_page_down", "Half page down";
    /// Half a page up.
    HalfPageUp = "half_page_up", "Half page up";
    /// A page down.
    PageDown = "page_down", "Page down";
    /// A page up.
    PageUp = "page_up", "Page up";
    /// First column.
    LineStart = "line_start", "First column";
    /// Last column.
    LineEnd = "line_end", "Last column";
    /// Open the item: tree node preview/expand, grid cell inspector.
    Activate = "activate", "Open (preview table / inspect cell)";
    /// Show the cell inspector.
    InspectCell = "inspect_cell", "Inspect cell";
    /// Filter the tree by name, or the grid's rows by the cursor column.
    Filter = "filter", "Filter (tree names / grid rows by column)";
    /// Copy the cell through OSC 52.
    CopyCell = "copy_cell", "Copy cell";
    /// Copy the row as TSV.
    CopyRowTsv = "copy_row_tsv", "Copy row as TSV";
    /// Copy the row as CSV.
    CopyRowCsv = "copy_row_csv", "Copy row as CSV";
    /// Copy the row as JSON.
    CopyRowJson = "copy_row_json", "Copy row as JSON";
    /// Copy the row as an INSERT statement.
    CopyRowInsert = "copy_row_insert", "Copy row as INSERT";
    /// Start or clear a row range in the grid; copies then take every marked row.
    ToggleMark = "toggle_mark", "Mark rows (copy takes the range)";
    /// Put the preview query of the selected table into the editor.
    PreviewToEditor = "preview_to_editor", "Put table preview query in editor";
    /// Open the schema snapshots panel (diff, migration preview, apply).
    OpenSnapshots = "open_snapshots", "Schema snapshots: diff, migrate";
    /// Open the data sync panel (diff a table against another connection, apply).
    OpenSyncPreview = "open_sync_preview", "Data sync: diff a table, apply";
    /// Search every row of the result; type to jump to the first match.
    Search = "search", "Search the result (type, Enter keeps it)";
    /// Jump to the next match of the last search.
    SearchNext = "search_next", "Next match";
    /// Jump to the previous match of the last search.
    SearchPrev = "search_prev", "Previous match";
    /// Sort by the cursor column: ascending, descending, then as sent.
    SortColumn = "sort_column", "Sort by column (asc, desc, off)";
    /// Drop the grid's filter and sort.
    ClearView = "clear_view", "Clear filter and sort";
    /// Make the cursor column narrower.
    NarrowColumn = "narrow_column", "Narrow column";
    /// Make the cursor column wider.
    WidenColumn = "widen_column", "Widen column";
    /// Fit every column to the screen and content again.
    FitColumns = "fit_columns", "Fit columns to screen";
    /// Wrap the cursor row's cells over several lines, in place.
    WrapCell = "wrap_cell", "Wrap the cursor row in place";
    /// Show the next statement's result tab.
    NextResult = "next_result", "Next result tab";
    /// Show the previous statement's result tab.
    PrevResult = "prev_result", "Previous result tab";
    /// Undo the last edit in the editor.
    Undo = "undo", "Undo";
    /// Redo an undone edit.
    Redo = "redo", "Redo";
    /// Indent the cursor line or the selected lines.
    Indent = "indent", "Indent line(s)";
    /// Dedent the cursor line or the selected lines.
    Dedent = "dedent", "Dedent line(s)";
    /// Show the full text of every message, error and refusal of the session.
    MessageLog = "message_log", "Message log (full errors)";
    /// Show the DDL of the selected schema object.
    ShowDdl = "show_ddl", "Show DDL of the object";
    /// Focus the docked side panel (snapshots, backups, data sync).
    FocusPanel = "focus_panel", "Focus side panel";
    /// Give the docked panel more of the screen.
    GrowPanel = "grow_panel", "Widen side panel";
    /// Give the docked panel less of the screen.
    ShrinkPanel = "shrink_panel", "Narrow side panel";
    /// Let the focused pane or panel take the whole screen (again to restore).
    ZoomPane = "zoom_pane", "Maximise focused pane / restore";
    /// Show the query plan of the statement under the cursor as a tree (EXPLAIN; runs nothing).
    ExplainStatement = "explain_statement", "Query plan of statement (tree)";
    /// Show the plan with ANALYZE: says what it runs, then runs it through the write rules.
    ExplainAnalyze = "explain_analyze", "Query plan with ANALYZE (runs it)";
    /// Draw the current result as a line or bar chart in the grid's place.
    Chart = "chart", "Chart of the result";
    /// Edit the cursor cell of a result from one table with a key (staged, not sent).
    EditCell = "edit_cell", "Edit cell (staged)";
    /// Stage a new row for the result's table (defaults from the schema).
    AddRow = "add_row", "Add a row below the result (staged)";
    /// Mark or unmark the cursor row for deletion (staged).
    DeleteRow = "delete_row", "Mark row for deletion / remove a new row";
    /// Drop the staged change of the cursor cell or row.
    RevertEdit = "revert_edit", "Revert staged change";
    /// Show the exact SQL the staged edits become.
    PreviewEdits = "preview_edits", "Preview staged edits as SQL";
    /// Run the staged edits in one transaction through the write rules.
    CommitEdits = "commit_edits", "Commit staged edits";
    /// Drop every staged edit (asks first).
    DiscardEdits = "discard_edits", "Discard staged edits";
    /// Open the activity view (sessions, blocking trees, top statements, health).
    OpenActivity = "open_activity", "Activity: sessions, blocking, top statements";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
            let json = serde_json::to_string(a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.name()));
        }
    }
}
