//! What each bindable action does.

use super::copy::{RowFormat, osc52, row_text, table_of};
use super::cursor;
use super::popup::{Popup, PromptPurpose};
use super::query::{self, Statement};
use super::tree::NodeKind;
use super::{App, Effect, Focus, Level, Running};
use crate::keymap::Action;
use crate::ops::run_statements::{Approved, Piece, RunOptions, generated, split};
use crate::safety::{Verdict, classify};

use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// Most rows one copy takes (a clipboard is not an export).
pub const MAX_COPY_ROWS: usize = 10_000;

/// Which part of the buffer to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunScope {
    /// Statement under the cursor, or the selection when there is one.
    Statement,
    /// The selection only.
    Selection,
    /// Every statement.
    Buffer,
}

impl App {
    /// Perform an action.
    pub fn dispatch(&mut self, a: Action) {
        self.sync_new_rows();
        match a {
            Action::Quit => self.request_quit(),
            Action::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Action::FocusNext => self.cycle_focus(1),
            Action::FocusPrev => self.cycle_focus(-1),
            Action::FocusTree => self.focus = Focus::Tree,
            Action::FocusPanel if self.panel_open() => self.focus = Focus::Panel,
            Action::GrowPanel => self.panel_percent = (self.panel_percent + 5).min(80),
            Action::ShrinkPanel => self.panel_percent = self.panel_percent.saturating_sub(5).max(20),
            Action::ZoomPane => self.zoom = !self.zoom,
            Action::FocusEditor => self.focus = Focus::Editor,
            Action::FocusGrid => self.focus = Focus::Grid,
            Action::RunStatement => self.run(RunScope::Statement),
            Action::RunSelection => self.run(RunScope::Selection),
            Action::RunBuffer => self.run(RunScope::Buffer),
            Action::EndUnlock => self.end_unlock("ended with the end-unlock key in dbn ui"),
            Action::CancelQuery => self.cancel(),
            Action::CommandPalette => self.popup = Some(Popup::palette()),
            Action::History => self.open_history(),
            Action::SavedQueries => self.open_saved(),
            Action::SaveQuery => self.popup = Some(Popup::prompt(PromptPurpose::SaveQuery, "")),
            Action::Connections => self.effects.push(Effect::ListConnections),
            Action::StartScreen => self.request_start_screen(),
            Action::ExportResult => self.start_export_prompt(),
            Action::NewBuffer => self.editor.new_buffer(""),
            Action::CloseBuffer => self.editor.close_buffer(),
            Action::NextBuffer => self.editor.cycle(1),
            Action::PrevBuffer => self.editor.cycle(-1),
            Action::ExternalEditor => self.effects.push(Effect::ExternalEditor),
            Action::Complete => self.open_completion(),
            Action::ReloadSchema => self.reload_schema(),
            Action::OpenSnapshots => {
                if self.snapshots.is_some() {
                    self.focus = Focus::Panel;
                } else if self.make_room_for_panel(true) {
                    self.open_snapshots();
                    if self.snapshots.is_some() {
                        self.focus = Focus::Panel;
                    }
                }
            }
            Action::OpenSyncPreview => {
                if self.sync.is_some() {
                    self.focus = Focus::Panel;
                } else if self.make_room_for_panel(false) {
                    self.open_sync_preview();
                }
            }
            Action::MessageLog => self.open_message_log(),
            Action::ExplainStatement => self.explain_statement(false),
            Action::ExplainAnalyze => self.explain_statement(true),
            Action::Chart => self.open_chart(),
            Action::EditCell => self.edit_cell(),
            Action::AddRow => self.add_row(),
            Action::DeleteRow => self.toggle_delete_row(),
            Action::RevertEdit => self.revert_edit(),
            Action::PreviewEdits => self.preview_edits(),
            Action::CommitEdits => self.commit_edits(),
            Action::DiscardEdits => self.discard_edits(),
            Action::OpenActivity => self.open_activity(),
            _ => self.pane_action(a),
        }
        self.after_move();
    }

    fn cycle_focus(&mut self, delta: isize) {
        let mut order = if self.panes().tree.is_some() || (self.zoom && self.focus == Focus::Tree) {
            vec![Focus::Tree, Focus::Editor, Focus::Grid]
        } else {
            vec![Focus::Editor, Focus::Grid]
        };
        if self.panel_open() {
            order.push(Focus::Panel);
        }
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        let n = order.len() as isize;
        self.focus = order[((i + delta).rem_euclid(n)) as usize];
    }

    fn pane_action(&mut self, a: Action) {
        match self.focus {
            Focus::Grid => self.grid_action(a),
            Focus::Tree => self.tree_action(a),
            Focus::Editor => self.editor_action(a),
            Focus::Panel => {}
        }
    }

    fn editor_action(&mut self, a: Action) {
        let b = self.editor.buf_mut();
        let done = match a {
            Action::Undo => {
                b.undo() || {
                    self.set_status(Level::Info, "nothing to undo");
                    false
                }
            }
            Action::Redo => {
                b.redo() || {
                    self.set_status(Level::Info, "nothing to redo");
                    false
                }
            }
            Action::Indent => b.shift_lines(true),
            Action::Dedent => b.shift_lines(false),
            _ => false,
        };
        if done {
            self.status = None;
        }
    }

    fn grid_action(&mut self, a: Action) {
        let page = self.grid_page() as isize;
        let streaming = self.grid.streaming;
        let g = &mut *self.grid;
        match a {
            Action::Up => g.move_row(-1),
            Action::Down => g.move_row(1),
            Action::Left => g.move_col(-1),
            Action::Right => g.move_col(1),
            Action::Top => g.move_row(isize::MIN / 2),
            Action::Bottom => {
                g.move_row(isize::MAX / 2);
                // Pressed while rows still arrive, the user means the end, not the rows so far.
                g.follow_tail = streaming;
            }
            Action::HalfPageDown => g.move_row(page / 2),
            Action::HalfPageUp => g.move_row(-page / 2),
            Action::PageDown => g.move_row(page),
            Action::PageUp => g.move_row(-page),
            Action::LineStart => g.col = 0,
            Action::LineEnd => g.move_col(isize::MAX / 2),
            Action::Activate | Action::InspectCell => self.inspect_cell(),
            Action::CopyCell => self.copy_cell(),
            Action::CopyRowTsv => self.copy_row(RowFormat::Tsv),
            Action::CopyRowCsv => self.copy_row(RowFormat::Csv),
            Action::CopyRowJson => self.copy_row(RowFormat::Json),
            Action::CopyRowInsert => self.copy_row(RowFormat::Insert),
            Action::ToggleMark => {
                g.mark = if g.mark.is_some() { None } else { Some(g.row) };
            }
            Action::Search => self.open_search(),
            Action::SearchNext => self.search_again(super::results::find::Direction::Forward),
            Action::SearchPrev => self.search_again(super::results::find::Direction::Backward),
            Action::Filter => self.open_filter(),
            Action::ClearView => self.clear_view(),
            Action::SortColumn => self.sort_column(),
            Action::NarrowColumn | Action::WidenColumn => self.resize_column(a == Action::WidenColumn),
            Action::FitColumns => g.manual_widths.clear(),
            Action::WrapCell => g.wrap = !g.wrap,
            Action::NextResult => self.grid.cycle_tab(1),
            Action::PrevResult => self.grid.cycle_tab(-1),
            _ => {}
        }
    }

    fn resize_column(&mut self, wider: bool) {
        let avail = crate::ui::grid_view(self.panes().grid, &self.grid).1;
        let col = self.grid.col;
        let Some(&now) = self.grid.widths(avail).get(col) else {
            return;
        };
        let step = (now / 4).clamp(2, 10);
        let w = if wider {
            (now + step).min(super::results::MAX_COL_WIDTH)
        } else {
            now.saturating_sub(step).max(super::grid::widths::MIN_MANUAL)
        };
        self.grid.manual_widths.insert(col, w);
    }

    fn tree_action(&mut self, a: Action) {
        let page = self.tree_page();
        let t = &mut self.tree;
        match a {
            Action::Up => t.move_by(-1, page),
            Action::Down => t.move_by(1, page),
            Action::Top => t.move_by(-(t.nodes.len() as isize), page),
            Action::Bottom => t.move_by(t.nodes.len() as isize, page),
            Action::HalfPageDown => t.move_by(page as isize / 2, page),
            Action::HalfPageUp => t.move_by(-(page as isize) / 2, page),
            Action::PageDown => t.move_by(page as isize, page),
            Action::PageUp => t.move_by(-(page as isize), page),
            Action::Left => t.set_expanded(false),
            Action::Right => t.set_expanded(true),
            Action::Filter => t.filtering = true,
            Action::Activate => self.tree_activate(),
            Action::PreviewToEditor => {
                // A new tab: the buffer being edited is never replaced.
                if let Some(sql) = self.preview_sql() {
                    self.editor.new_buffer(&sql);
                    self.editor
                        .buf_mut()
                        .textarea
                        .move_cursor(ratatui_textarea::CursorMove::Bottom);
                    self.editor
                        .buf_mut()
                        .textarea
                        .move_cursor(ratatui_textarea::CursorMove::End);
                    self.focus = Focus::Editor;
                }
            }
            Action::ShowDdl => self.show_ddl(),
            _ => {}
        }
    }

    fn preview_sql(&self) -> Option<String> {
        let NodeKind::Relation { schema, name } = &self.tree.current()?.kind else {
            return None;
        };
        let e = self.engine();
        let q = crate::db::quote::qualified(e, Some(schema.as_str()).filter(|s| !s.is_empty()), name);
        Some(format!("SELECT * FROM {q} LIMIT {}", self.preview_limit))
    }

    fn tree_activate(&mut self) {
        match self.preview_sql() {
            // A dbn-built read: judged like any statement, never confirmed.
            Some(sql) => {
                let pieces = generated(vec![(sql, None)], self.engine());
                self.gate_preview(pieces);
                if let Some(NodeKind::Relation { schema, name }) = self.tree.current().map(|n| n.kind.clone()) {
                    self.grid.preview = Some((schema, name));
                }
            }
            None => {
                let open = self.tree.current().is_some_and(|n| n.expanded);
                self.tree.set_expanded(!open);
            }
        }
    }

    /// Run part of the active buffer, through the safety check.
    pub fn run(&mut self, scope: RunScope) {
        if self.running.is_some() {
            self.set_status(Level::Warn, "a query is already running: cancel it with Ctrl+C first");
            return;
        }
        match self.scoped_statements(scope) {
            Ok(pieces) if pieces.is_empty() => self.set_status(Level::Warn, "nothing to run: type a statement first"),
            Ok(pieces) => self.guarded_run(pieces),
            Err(why) => self.set_status(Level::Warn, why),
        }
    }

    /// The statements `scope` takes from the active buffer (run, explain),
    /// split by the connection's dialect (the one splitter every face uses).
    pub(super) fn scoped_statements(&self, scope: RunScope) -> Result<Vec<Piece>, &'static str> {
        let text = self.editor.buf().text();
        let engine = self.engine();
        let ta = &self.editor.buf().textarea;
        let selection = ta.selection_range().map(|((r1, c1), (r2, c2))| {
            let lines = ta.lines();
            cursor::byte_offset(lines, r1, c1)..cursor::byte_offset(lines, r2, c2)
        });
        Ok(match (scope, selection) {
            (RunScope::Statement | RunScope::Selection, Some(sel)) if sel.start < sel.end => {
                let mut pieces = split(&text[sel.clone()], engine);
                for p in &mut pieces {
                    p.offset += sel.start;
                    p.verdict.span = p.verdict.span.start + sel.start..p.verdict.span.end + sel.start;
                }
                pieces
            }
            (RunScope::Selection, _) => return Err("nothing is selected: select text first (Shift+arrows)"),
            (RunScope::Buffer, _) => split(&text, engine),
            (RunScope::Statement, _) => {
                let ratatui_textarea::DataCursor(row, col) = ta.cursor();
                let off = cursor::byte_offset(ta.lines(), row, col);
                let all = split(&text, engine);
                cursor::statement_at(&all, off).cloned().into_iter().collect()
            }
        })
    }

    /// Start a run cleared by the rule (see `guard`).
    pub fn start_run(&mut self, plan: Approved, preview: bool) {
        let stmts: Vec<Statement> = plan
            .pieces
            .iter()
            .map(|p| Statement {
                sql: p.sql.clone(),
                offset: p.offset,
            })
            .collect();
        let unlocked = plan.unlocked();
        self.ticket += 1;
        let token = CancellationToken::new();
        let sql = stmts.first().map(|s| s.sql.clone()).unwrap_or_default();
        self.grid.clear_tabs(&sql);
        self.grid.streaming = true;
        self.grid.partial = true;
        self.plan = None;
        self.chart = None;
        self.grid.note = Some(if preview {
            format!("previewing: {sql}")
        } else {
            "running…".into()
        });
        self.running = Some(Running {
            ticket: self.ticket,
            started: Instant::now(),
            started_at: crate::store::now(),
            rows: 0,
            canceller: None,
            token: token.clone(),
            stmts,
            cancelling: false,
            unlocked,
        });
        self.status = None;
        let meta = query::MetaPaths {
            metadata: self.store.as_ref().map(|s| s.path().to_path_buf()),
            jsonl: self.audit_jsonl.clone(),
        };
        let opts = RunOptions {
            history: true,
            ..RunOptions::default()
        };
        query::spawn_run(
            self.ticket,
            plan,
            self.session.clone(),
            meta,
            opts,
            self.db_tx.clone(),
            token,
        );
    }

    /// Cancel the running query locally and on the server.
    pub fn cancel(&mut self) {
        if self.cancel_plan() || self.cancel_commit() {
            return;
        }
        if self.cancel_scan() {
            self.set_status(Level::Warn, "scan cancelled");
            return;
        }
        if let Some(tok) = self.export_token.take() {
            tok.cancel();
            self.set_status(Level::Warn, "export cancelled");
        }
        let Some(r) = self.running.as_mut() else {
            if self.status.is_none() {
                self.set_status(Level::Info, "nothing is running (Ctrl+Q quits)");
            }
            return;
        };
        r.cancelling = true;
        r.token.cancel();
        if let Some(c) = r.canceller.clone() {
            tokio::spawn(async move {
                let _ = c.cancel().await;
            });
        }
        self.set_status(Level::Warn, "cancelling on the server…");
    }

    /// Re-read the schema in the background.
    pub fn reload_schema(&mut self) {
        self.schema_ticket += 1;
        self.tree.loading = true;
        query::spawn_introspect(self.schema_ticket, self.conn.spec.clone(), self.job_tx.clone());
    }

    pub(super) fn schema_ticket(&self) -> u64 {
        self.schema_ticket
    }

    pub(super) fn ticket(&self) -> u64 {
        self.ticket
    }

    fn current_row(&self) -> Option<(&[crate::db::Column], &[crate::db::Value])> {
        let rs = self.grid.result.as_ref()?;
        Some((&rs.columns, rs.row(self.grid.row)?))
    }

    fn inspect_cell(&mut self) {
        if let Some(n) = self.grid.new_row_at_cursor() {
            return self.open_row_form(n);
        }
        let Some((cols, row)) = self.current_row() else { return };
        let Some(v) = row.get(self.grid.col) else { return };
        let title = format!("{} ({})", cols[self.grid.col].name, cols[self.grid.col].type_name);
        let text = match v {
            crate::db::Value::Null => "NULL (no value)".to_string(),
            crate::db::Value::Json(s) | crate::db::Value::Text(s) => serde_json::from_str::<serde_json::Value>(s)
                .ok()
                .filter(|j| j.is_object() || j.is_array())
                .and_then(|j| serde_json::to_string_pretty(&j).ok())
                .unwrap_or_else(|| s.clone()),
            other => other.to_string(),
        };
        let text = crate::sanitize::sanitize_multiline(&text);
        self.popup = Some(Popup::Inspector { title, text, scroll: 0 });
    }

    fn copy_cell(&mut self) {
        let Some((_, row)) = self.current_row() else { return };
        let Some(v) = row.get(self.grid.col) else { return };
        let text = super::copy::cell_text(v);
        self.clipboard(text, "cell");
    }

    fn copy_row(&mut self, fmt: RowFormat) {
        let table = table_of(&self.grid.sql).unwrap_or_else(|| "table_name".into());
        let engine = self.engine();
        let range = self.grid.copy_range();
        let n = range.end() - range.start() + 1;
        if n > MAX_COPY_ROWS {
            self.set_status(
                Level::Warn,
                format!("{n} rows marked; copies stop at {MAX_COPY_ROWS}: export the result instead (Ctrl+E)"),
            );
            return;
        }
        let mut parts: Vec<String> = Vec::with_capacity(n);
        let Some(rs) = self.grid.result.as_mut() else { return };
        for i in range {
            if let Err(e) = rs.ensure(i, i + 1) {
                self.status = Some((Level::Error, format!("cannot read the result page file: {e}")));
                return;
            }
            let Some(row) = rs.row(i) else { continue };
            let text = row_text(fmt, &rs.columns, row, engine, &table);
            // Header lines (TSV/CSV) only once, on top.
            let text = if parts.is_empty() || matches!(fmt, RowFormat::Json | RowFormat::Insert) {
                text
            } else {
                text.split_once('\n').map(|(_, body)| body.to_string()).unwrap_or(text)
            };
            parts.push(text);
        }
        let text = match fmt {
            RowFormat::Json if parts.len() > 1 => format!("[{}]", parts.join(",")),
            _ => parts.join("\n"),
        };
        self.grid.mark = None;
        let what = if n == 1 {
            format!("row as {fmt:?}")
        } else {
            format!("{n} rows as {fmt:?}")
        };
        self.clipboard(text, &what);
    }

    fn clipboard(&mut self, text: String, what: &str) {
        let n = text.chars().count();
        self.effects.push(Effect::Clipboard(osc52(&text)));
        self.set_status(Level::Info, format!("copied {what} ({n} chars) via OSC 52"));
    }

    fn start_export_prompt(&mut self) {
        if self.grid.result.is_none() {
            self.set_status(Level::Warn, "no result to export: run a query first");
            return;
        }
        let ts = chrono::Local::now().format("%Y%m%d-%H%M%S");
        self.popup = Some(Popup::prompt(PromptPurpose::Export, &format!("result-{ts}.csv")));
    }

    /// Export the current result's query to `path` (re-run on its own session, streamed).
    pub fn export_to(&mut self, path: &str) {
        let sql = self.grid.sql.clone();
        let reads_only = classify(&sql, self.engine()).iter().all(|v| v.verdict == Verdict::Read);
        if !reads_only {
            self.set_status(
                Level::Error,
                "export re-runs the query, which is only done for read-only statements; copy rows instead",
            );
            return;
        }
        let path = std::path::PathBuf::from(path);
        let Some(format) = crate::output::Format::from_path(&path) else {
            self.set_status(
                Level::Error,
                format!(
                    "'{}': use a .csv, .tsv, .json, .jsonl, .md or .txt file name",
                    path.display()
                ),
            );
            return;
        };
        let token = CancellationToken::new();
        self.export_token = Some(token.clone());
        self.export_rows = Some(0);
        query::spawn_export(self.conn.spec.clone(), sql, path, format, self.job_tx.clone(), token);
    }

    pub(super) fn export_finished(&mut self) {
        self.export_token = None;
        self.export_rows = None;
    }
}
