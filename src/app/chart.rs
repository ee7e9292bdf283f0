//! The current result drawn as a chart in the grid's place. The rows are
//! read in the background through the result's page reader (spilled pages
//! included, one page in memory at a time); the view keeps the buckets,
//! the axes chosen with keys, and a cursor whose values are shown.

pub mod data;

use super::query::JobEvent;
use super::results::PageReader;
use super::{App, Focus, Level};
use crate::db::Column;
use data::{Accumulator, Axes, ChartData, ColKind, XAxis, column_kinds, default_axes};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Line or bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartStyle {
    /// Points joined by lines.
    Line,
    /// A bar per point.
    Bar,
}

/// How points are drawn (braille is finest; blocks and dots for terminals without braille glyphs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dots {
    /// Braille patterns (2x4 dots per cell).
    Braille,
    /// Half blocks.
    Block,
    /// One dot per cell.
    Dot,
}

/// The chart view's state.
pub struct ChartView {
    /// Result columns.
    pub columns: Vec<Column>,
    /// Each column's kind (known once the first page was read).
    pub kinds: Vec<ColKind>,
    /// What is drawn against what.
    pub axes: Option<Axes>,
    /// Line or bars.
    pub style: ChartStyle,
    /// Point glyphs.
    pub dots: Dots,
    /// Selected point: index into the data's buckets.
    pub cursor: usize,
    /// The computed data.
    pub data: Option<ChartData>,
    /// Reading rows: since when, and how to stop.
    pub loading: Option<(Instant, CancellationToken)>,
    /// Why there is no chart.
    pub error: Option<String>,
    /// Rows of the result when the chart was taken, and whether more were coming.
    pub partial: bool,
    /// How long the last scan took.
    pub took: Option<Duration>,
    ticket: u64,
}

/// What the chart task reports.
#[derive(Debug)]
pub enum ChartEvent {
    /// The scan ended.
    Done {
        /// Ticket of the scan.
        ticket: u64,
        /// Kinds, axes and data, or why not.
        result: Result<(Vec<ColKind>, ChartData), ChartError>,
        /// Time spent.
        took: Duration,
    },
}

impl ChartView {
    /// True while rows are read.
    pub fn busy(&self) -> bool {
        self.loading.is_some()
    }
}

impl App {
    /// Draw the current result as a chart in the grid's place.
    pub fn open_chart(&mut self) {
        let Some(rs) = self.grid.result.as_ref() else {
            return self.set_status(Level::Warn, "no result to chart: run a query first");
        };
        if rs.is_empty() {
            return self.set_status(Level::Warn, "the result has no rows to chart");
        }
        let view = ChartView {
            columns: rs.columns.clone(),
            kinds: Vec::new(),
            axes: None,
            style: ChartStyle::Line,
            dots: Dots::Braille,
            cursor: 0,
            data: None,
            loading: None,
            error: None,
            partial: self.running.is_some(),
            took: None,
            ticket: 0,
        };
        self.plan = None;
        self.chart = Some(view);
        self.focus = Focus::Grid;
        self.rescan_chart();
    }

    /// Read the rows again for the current axes (or pick axes when none are chosen).
    fn rescan_chart(&mut self) {
        let Some(rs) = self.grid.result.as_ref() else { return };
        let reader = rs.reader();
        let partial = self.running.is_some();
        self.chart_ticket += 1;
        let ticket = self.chart_ticket;
        let Some(view) = self.chart.as_mut() else { return };
        if let Some((_, token)) = view.loading.take() {
            token.cancel();
        }
        let token = CancellationToken::new();
        view.loading = Some((Instant::now(), token.clone()));
        view.ticket = ticket;
        view.partial = partial;
        view.error = None;
        spawn_chart(
            ticket,
            reader,
            view.columns.clone(),
            view.axes.clone(),
            self.job_tx.clone(),
            token,
        );
    }

    /// The chart task reported.
    pub(super) fn on_chart(&mut self, ev: ChartEvent) {
        let ChartEvent::Done { ticket, result, took } = ev;
        let Some(view) = self.chart.as_mut() else { return };
        if ticket != view.ticket {
            return;
        }
        view.loading = None;
        view.took = Some(took);
        match result {
            Ok((kinds, data)) => {
                view.kinds = kinds;
                view.style = match data.axes.x {
                    XAxis::Column(_, ColKind::Label) if view.axes.is_none() => ChartStyle::Bar,
                    _ => view.style,
                };
                view.axes = Some(data.axes.clone());
                view.cursor = view.cursor.min(data.buckets.len().saturating_sub(1));
                view.data = Some(data);
            }
            Err(e) => {
                view.data = None;
                view.error = Some(crate::sanitize::sanitize(&e.to_string()).into_owned());
            }
        }
    }

    /// True while the chart reads rows.
    pub fn chart_busy(&self) -> bool {
        self.chart.as_ref().is_some_and(ChartView::busy)
    }

    /// Keys of the chart view; false when the key is not one of them.
    pub(super) fn chart_key(&mut self, key: KeyEvent) -> bool {
        if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
            return false;
        }
        let step = self.chart_step();
        let Some(view) = self.chart.as_mut() else { return false };
        let last = view.data.as_ref().map_or(0, |d| d.buckets.len().saturating_sub(1));
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => {
                if let Some((_, token)) = view.loading.take() {
                    token.cancel();
                }
                self.chart = None;
            }
            KeyCode::Left | KeyCode::Char('h') => view.cursor = view.cursor.saturating_sub(step),
            KeyCode::Right | KeyCode::Char('l') => view.cursor = (view.cursor + step).min(last),
            KeyCode::Home | KeyCode::Char('g') => view.cursor = 0,
            KeyCode::End | KeyCode::Char('G') => view.cursor = last,
            KeyCode::Char('t') => {
                view.style = match view.style {
                    ChartStyle::Line => ChartStyle::Bar,
                    ChartStyle::Bar => ChartStyle::Line,
                }
            }
            KeyCode::Char('m') => {
                view.dots = match view.dots {
                    Dots::Braille => Dots::Block,
                    Dots::Block => Dots::Dot,
                    Dots::Dot => Dots::Braille,
                }
            }
            KeyCode::Char('x') => {
                if let Some(axes) = next_x(view) {
                    view.axes = Some(axes);
                    view.cursor = 0;
                    self.rescan_chart();
                }
            }
            KeyCode::Char(c @ '1'..='9') => {
                let k = c as usize - '1' as usize;
                match toggle_series(view, k) {
                    Ok(axes) => {
                        view.axes = Some(axes);
                        self.rescan_chart();
                    }
                    Err(why) => self.set_status(Level::Warn, why.to_string()),
                }
            }
            KeyCode::Char('r') => self.rescan_chart(),
            _ => return false,
        }
        true
    }

    /// Buckets per drawn point, so one key press moves one point on screen.
    fn chart_step(&self) -> usize {
        let Some(view) = self.chart.as_ref() else { return 1 };
        let Some(d) = view.data.as_ref() else { return 1 };
        let drawn = crate::ui::chart_points(self.panes().grid, view, d);
        d.buckets.len().div_ceil(drawn.max(1)).max(1)
    }
}

/// The numeric columns, in order: the series keys 1-9 toggle.
pub fn numeric_columns(kinds: &[ColKind]) -> Vec<usize> {
    (0..kinds.len()).filter(|c| kinds[*c] == ColKind::Number).collect()
}

/// The next choice of x: every column in turn, then the row number.
fn next_x(view: &ChartView) -> Option<Axes> {
    let axes = view.axes.clone()?;
    let n = view.kinds.len();
    let start = match axes.x {
        XAxis::Row => 0,
        XAxis::Column(c, _) => c + 1,
    };
    let x = if start >= n {
        XAxis::Row
    } else {
        XAxis::Column(start, view.kinds[start])
    };
    let mut ys: Vec<usize> = axes
        .ys
        .into_iter()
        .filter(|c| !matches!(x, XAxis::Column(xc, _) if xc == *c))
        .collect();
    if ys.is_empty() {
        ys = numeric_columns(&view.kinds)
            .into_iter()
            .filter(|c| !matches!(x, XAxis::Column(xc, _) if xc == *c))
            .take(1)
            .collect();
    }
    (!ys.is_empty()).then_some(Axes { x, ys })
}

/// Why a chart cannot be drawn or changed as asked.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The rows are still being read.
    #[error("the chart is still being read")]
    Reading,
    /// The `n`-th numeric column (1-based) does not exist.
    #[error("there is no numeric column {n}: the result has {has}")]
    NoSuchSeries {
        /// Asked for.
        n: usize,
        /// Numeric columns there are.
        has: usize,
    },
    /// The column is the x axis.
    #[error("'{0}' is on the x axis: press x to move it")]
    OnXAxis(String),
    /// Removing the only series.
    #[error("a chart needs one series: add another before removing this one")]
    LastSeries,
    /// Too many series.
    #[error("at most {} series at once", data::MAX_SERIES)]
    TooManySeries,
    /// No numeric column at all.
    #[error("nothing to chart: the result has no numeric column (numbers, decimals) to draw against the others")]
    NothingToChart,
    /// The spilled rows could not be read back.
    #[error("cannot read the result's page file: {0}")]
    Pages(#[source] std::io::Error),
    /// The scan was cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// Add or remove the `k`-th numeric column as a series.
fn toggle_series(view: &ChartView, k: usize) -> Result<Axes, ChartError> {
    let mut axes = view.axes.clone().ok_or(ChartError::Reading)?;
    let numbers = numeric_columns(&view.kinds);
    let &col = numbers.get(k).ok_or(ChartError::NoSuchSeries {
        n: k + 1,
        has: numbers.len(),
    })?;
    if matches!(axes.x, XAxis::Column(xc, _) if xc == col) {
        return Err(ChartError::OnXAxis(view.columns[col].name.clone()));
    }
    if let Some(pos) = axes.ys.iter().position(|c| *c == col) {
        if axes.ys.len() == 1 {
            return Err(ChartError::LastSeries);
        }
        axes.ys.remove(pos);
    } else if axes.ys.len() >= data::MAX_SERIES {
        return Err(ChartError::TooManySeries);
    } else {
        axes.ys.push(col);
        axes.ys.sort_unstable();
    }
    Ok(axes)
}

/// Scan the rows on a blocking thread: kinds and axes from the first page,
/// then every page once (twice when x is out of order and must be ranged).
fn spawn_chart(
    ticket: u64,
    reader: PageReader,
    columns: Vec<Column>,
    axes: Option<Axes>,
    tx: mpsc::UnboundedSender<JobEvent>,
    token: CancellationToken,
) {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let result = scan(&reader, &columns, axes, &token);
        if token.is_cancelled() {
            return;
        }
        let _ = tx.send(JobEvent::Chart(ChartEvent::Done {
            ticket,
            result,
            took: started.elapsed(),
        }));
    });
}

/// Kinds and chart data from every row the reader covers.
pub fn scan(
    reader: &PageReader,
    columns: &[Column],
    axes: Option<Axes>,
    token: &CancellationToken,
) -> Result<(Vec<ColKind>, ChartData), ChartError> {
    let read = |p: usize| reader.page(p).map_err(ChartError::Pages);
    let first = if reader.page_count() > 0 { read(0)? } else { Vec::new() };
    let kinds = column_kinds(columns, &first);
    let axes = match axes {
        Some(a) => a,
        None => default_axes(&kinds).ok_or(ChartError::NothingToChart)?,
    };
    let pass = |mut acc: Accumulator| -> Result<Accumulator, ChartError> {
        for p in 0..reader.page_count() {
            if token.is_cancelled() {
                return Err(ChartError::Cancelled);
            }
            let page = if p == 0 { first.clone() } else { read(p)? };
            page.iter().for_each(|r| acc.push(r));
        }
        Ok(acc)
    };
    let acc = pass(Accumulator::new(axes.clone(), reader.len()))?;
    let acc = if acc.needs_range_pass() {
        let (min, max) = acc.x_range();
        pass(Accumulator::by_range(axes, min, max))?
    } else {
        acc
    };
    Ok((kinds, acc.finish()))
}
