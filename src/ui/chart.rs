//! The chart in the grid's place: a legend line, the plot (ratatui's Chart
//! in braille, blocks or dots, lines or bars), the values at the cursor and
//! the keys. Buckets are merged here to fit the width, and the title says
//! how many rows each drawn point stands for.

use super::text::put;
use super::theme::{Slot, Theme};
use crate::app::chart::data::{Bucket, ChartData, ColKind, Grouping, XAxis, fit};
use crate::app::chart::{ChartStyle, ChartView, Dots};
use crate::app::{App, Focus};
use chrono::DateTime;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Bar, BarChart, BarGroup, Chart, Dataset, GraphType};

/// Keys of the chart (`c` in the grid), for the help overlay.
pub const KEYS: &[(&str, &str)] = &[
    ("x", "Next column (or the row number) as the x axis"),
    ("1-9", "Add or remove numeric column N as a series"),
    ("t", "Line / bars"),
    ("m", "Braille / blocks / dots"),
    ("h/l ←/→, Home/End", "Move the cursor (its values show below)"),
    ("r", "Read the rows again"),
    ("Esc, q", "Close the chart"),
];

const SERIES: [Slot; 6] = [
    Slot::Series1,
    Slot::Series2,
    Slot::Series3,
    Slot::Series4,
    Slot::Series5,
    Slot::Series6,
];

/// Rows of the pane above and below the plot: legend; values and keys.
fn chrome(inner_height: u16) -> (u16, u16) {
    match inner_height {
        0..=4 => (0, 0),
        5..=7 => (1, 1),
        _ => (1, 2),
    }
}

/// The plot's rect inside the grid pane `r` (the y labels take part of it).
fn plot_rect(r: Rect) -> Rect {
    let inner = Rect::new(r.x + 1, r.y + 1, r.width.saturating_sub(2), r.height.saturating_sub(2));
    let (top, bottom) = chrome(inner.height);
    Rect::new(
        inner.x,
        inner.y + top,
        inner.width,
        inner.height.saturating_sub(top + bottom),
    )
}

/// Points the plot can show side by side in the grid pane `r`.
pub fn points(r: Rect, view: &ChartView, data: &ChartData) -> usize {
    let width = usize::from(plot_rect(r).width);
    if scrolls(view, data) {
        // A group of one bar per series and a gap.
        return (width / (data.axes.ys.len() + 1)).max(1);
    }
    // About 10 cells go to the y labels.
    let cells = width.saturating_sub(10).max(1);
    let per_cell = if view.dots == Dots::Braille { 2 } else { 1 };
    match view.style {
        ChartStyle::Line => cells * per_cell,
        ChartStyle::Bar => (cells * per_cell / (data.axes.ys.len() + 1)).max(1),
    }
}

/// Label columns drawn as bars scroll through the categories instead of merging them.
fn scrolls(view: &ChartView, data: &ChartData) -> bool {
    view.style == ChartStyle::Bar && matches!(data.axes.x, XAxis::Column(_, ColKind::Label) | XAxis::Row)
}

/// What is drawn: the buckets (merged or a window), where the cursor is among them, and the first bucket index.
fn drawn(r: Rect, view: &ChartView, data: &ChartData) -> (Vec<Bucket>, usize, usize) {
    let cap = points(r, view, data);
    let n = data.buckets.len();
    if scrolls(view, data) && n > cap {
        let start = view.cursor.saturating_sub(cap / 2).min(n - cap);
        let window = data.buckets[start..start + cap].to_vec();
        return (window, view.cursor - start, start);
    }
    let per = n.div_ceil(cap.max(1)).max(1);
    (fit(&data.buckets, cap), view.cursor / per, 0)
}

/// Draw the chart view into the grid pane `r`.
pub fn draw(f: &mut Frame, r: Rect, app: &App, view: &ChartView) {
    let t = &app.theme;
    let ready = view.data.as_ref().filter(|_| view.loading.is_none());
    let shown = ready.map(|d| drawn(r, view, d));
    let title = match (ready, &shown) {
        (Some(d), Some((points, _, start))) => title(view, d, points.len(), *start),
        _ => " Chart ".to_string(),
    };
    let block = super::pane_block(app, Focus::Grid, title);
    let inner = block.inner(r);
    f.render_widget(block, r);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let (Some(data), Some((points, cursor, _))) = (ready, shown) else {
        let (msg, slot) = match (&view.loading, &view.error) {
            (Some((started, _)), _) => (
                format!(
                    "reading {} rows… {} (Esc cancels)",
                    super::group(app.grid.rows()),
                    crate::app::fmt_elapsed(started.elapsed())
                ),
                Slot::Muted,
            ),
            (None, Some(e)) => (e.clone(), Slot::Error),
            (None, None) => (String::new(), Slot::Muted),
        };
        put(f.buffer_mut(), inner.x, inner.y, &msg, inner.width, t.style(slot));
        return;
    };
    let (top, bottom) = chrome(inner.height);
    let plot = plot_rect(r);
    if top > 0 {
        legend(f, inner, view, data, t);
    }
    let all_positive = points
        .iter()
        .all(|b| (0..data.axes.ys.len()).all(|s| b.mean(s).is_none_or(|m| m >= 0.0)));
    if plot.height >= 3 && plot.width >= 12 && !points.is_empty() {
        if scrolls(view, data) && all_positive {
            bar_groups(f, plot, data, &points, cursor, t);
        } else {
            plot_chart(f, plot, view, data, &points, cursor, t);
        }
    }
    if bottom > 0 {
        let y = inner.y + inner.height - bottom;
        let values = points.get(cursor).map(|b| at_cursor(view, data, b)).unwrap_or_default();
        put(f.buffer_mut(), inner.x, y, &values, inner.width, t.style(Slot::Info));
        if bottom > 1 {
            let keys = "h/l cursor · x axis · 1-9 series · t line/bar · m dots · r reread · Esc close";
            put(f.buffer_mut(), inner.x, y + 1, keys, inner.width, t.style(Slot::Muted));
        }
    }
}

/// The title says what each drawn point stands for: one row, a bucket of rows (mean), or a window of bars.
fn title(view: &ChartView, d: &ChartData, drawn: usize, start: usize) -> String {
    let style = match view.style {
        ChartStyle::Line => "line",
        ChartStyle::Bar => "bars",
    };
    let rows = super::group(d.rows as usize);
    let n = d.buckets.len();
    let how = if scrolls(view, d) && drawn < n {
        let per = match d.grouping {
            Grouping::None => String::new(),
            _ => format!(", each the mean of {} rows", super::group(d.buckets[0].rows as usize)),
        };
        format!(
            "{rows} rows · bars {}–{} of {}{per}",
            start + 1,
            start + drawn,
            super::group(n)
        )
    } else {
        let merged = n.div_ceil(drawn.max(1)).max(1);
        let first = d.buckets.first().map_or(1, |b| b.rows as usize);
        match d.grouping {
            Grouping::XRange => format!("{rows} rows in {drawn} equal x ranges (mean)"),
            _ if merged * first <= 1 => format!("{rows} rows"),
            _ => format!(
                "{rows} rows in {drawn} points of {} rows (mean)",
                super::group(merged * first)
            ),
        }
    };
    let skipped = if d.skipped > 0 {
        format!(" · {} without x", super::group(d.skipped as usize))
    } else {
        String::new()
    };
    let partial = if view.partial {
        " · rows so far (r re-reads)"
    } else {
        ""
    };
    format!(" Chart · {style} · {how}{skipped}{partial} ")
}

fn series_name(view: &ChartView, c: usize) -> String {
    crate::sanitize::sanitize(&view.columns[c].name).into_owned()
}

fn x_name(view: &ChartView, data: &ChartData) -> String {
    match data.axes.x {
        XAxis::Row => "row".into(),
        XAxis::Column(c, _) => series_name(view, c),
    }
}

/// `x: day · 1 revenue ━ · 2 n ━ · 3 avg`: numbered numeric columns, drawn ones in their colour.
fn legend(f: &mut Frame, inner: Rect, view: &ChartView, data: &ChartData, t: &Theme) {
    let out = f.buffer_mut();
    let right = inner.x + inner.width;
    let mut x = put(
        out,
        inner.x,
        inner.y,
        &format!("x: {} ", x_name(view, data)),
        inner.width,
        t.style(Slot::Header),
    );
    for (k, c) in crate::app::chart::numeric_columns(&view.kinds)
        .into_iter()
        .enumerate()
        .take(9)
    {
        let drawn = data.axes.ys.iter().position(|y| *y == c);
        let style = match drawn {
            Some(s) => t.style(SERIES[s % SERIES.len()]),
            None => t.style(Slot::Muted),
        };
        let mark = if drawn.is_some() { " ━" } else { "" };
        x = put(out, x, inner.y, " · ", right.saturating_sub(x), t.style(Slot::Muted));
        x = put(
            out,
            x,
            inner.y,
            &format!("{} {}{mark}", k + 1, series_name(view, c)),
            right.saturating_sub(x),
            style,
        );
    }
}

fn plot_chart(
    f: &mut Frame,
    plot: Rect,
    view: &ChartView,
    data: &ChartData,
    points: &[Bucket],
    cursor: usize,
    t: &Theme,
) {
    let marker = match view.dots {
        Dots::Braille => Marker::Braille,
        Dots::Block => Marker::HalfBlock,
        Dots::Dot => Marker::Dot,
    };
    let by_index = scrolls(view, data) || matches!(data.axes.x, XAxis::Column(_, ColKind::Label));
    let xs: Vec<f64> = points
        .iter()
        .enumerate()
        .map(|(i, b)| if by_index { i as f64 } else { b.x() })
        .collect();
    let series = data.axes.ys.len();
    let mut lines: Vec<Vec<(f64, f64)>> = vec![Vec::new(); series];
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (i, b) in points.iter().enumerate() {
        for (s, line) in lines.iter_mut().enumerate() {
            if let Some(y) = b.mean(s) {
                let offset = if view.style == ChartStyle::Bar && series > 1 {
                    let step = if by_index {
                        1.0
                    } else {
                        span(&xs) / xs.len().max(1) as f64
                    };
                    step * 0.7 * (s as f64 / series as f64 - 0.35)
                } else {
                    0.0
                };
                line.push((xs[i] + offset, y));
                lo = lo.min(y);
                hi = hi.max(y);
            }
        }
    }
    if view.style == ChartStyle::Bar {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if (hi - lo).abs() < f64::EPSILON {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.05;
    // Padding never takes an all-positive chart below zero.
    let ylo = if lo >= 0.0 { (lo - pad).max(0.0) } else { lo - pad };
    let yhi = hi + pad;
    let (xlo, xhi) = match (xs.first(), xs.last()) {
        (Some(a), Some(b)) if b > a => (
            a - if by_index { 0.5 } else { 0.0 },
            b + if by_index { 0.5 } else { 0.0 },
        ),
        (Some(a), _) => (a - 1.0, a + 1.0),
        _ => (0.0, 1.0),
    };
    let cursor_x = xs.get(cursor).copied().unwrap_or(xlo);
    let cursor_line = [(cursor_x, ylo), (cursor_x, yhi)];
    let mut datasets = vec![
        Dataset::default()
            .marker(marker)
            .graph_type(GraphType::Line)
            .style(t.style(Slot::ChartCursor))
            .data(&cursor_line),
    ];
    let kind = if view.style == ChartStyle::Bar {
        GraphType::Bar
    } else {
        GraphType::Line
    };
    for (s, line) in lines.iter().enumerate() {
        datasets.push(
            Dataset::default()
                .marker(marker)
                .graph_type(kind)
                .style(fg(t, SERIES[s % SERIES.len()]))
                .data(line),
        );
    }
    let x_labels = [0, points.len() / 2, points.len().saturating_sub(1)]
        .iter()
        .map(|i| Span::styled(x_label(data, &points[*i], xs[*i], points.len()), t.style(Slot::Muted)))
        .collect::<Vec<_>>();
    let y_labels = [ylo, (ylo + yhi) / 2.0, yhi]
        .iter()
        .map(|v| Span::styled(compact(*v), t.style(Slot::Muted)))
        .collect::<Vec<_>>();
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([xlo, xhi])
                .labels(x_labels)
                .style(t.style(Slot::Border)),
        )
        .y_axis(
            Axis::default()
                .bounds([ylo, yhi])
                .labels(y_labels)
                .style(t.style(Slot::Border)),
        )
        .hidden_legend_constraints((
            ratatui::layout::Constraint::Length(0),
            ratatui::layout::Constraint::Length(0),
        ));
    f.render_widget(chart, plot);
}

/// Labelled bars, one group per category, the cursor's label highlighted.
fn bar_groups(f: &mut Frame, plot: Rect, data: &ChartData, points: &[Bucket], cursor: usize, t: &Theme) {
    let series = data.axes.ys.len();
    let max = points
        .iter()
        .flat_map(|b| (0..series).filter_map(|s| b.mean(s)))
        .fold(0.0_f64, f64::max);
    // BarChart draws whole numbers: scale so the tallest bar is 10^6.
    let scale = if max > 0.0 { 1e6 / max } else { 1.0 };
    let group_width = usize::from(plot.width) / points.len().max(1);
    let bar_width = (group_width.saturating_sub(1) / series.max(1)).clamp(1, 12) as u16;
    let label_width = usize::from(bar_width) * series;
    let groups: Vec<BarGroup> = points
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let bars: Vec<Bar> = (0..series)
                .map(|s| {
                    let m = b.mean(s).unwrap_or(0.0);
                    Bar::default()
                        .value((m * scale).round() as u64)
                        .text_value(if label_width >= 4 { compact(m) } else { String::new() })
                        .style(fg(t, SERIES[s % SERIES.len()]))
                        .value_style(t.style(Slot::Muted).add_modifier(ratatui::style::Modifier::REVERSED))
                })
                .collect();
            let name = crate::sanitize::sanitize(&b.label()).into_owned();
            let label = super::text::fit(&name, label_width.min(name.chars().count()).max(1), false);
            let style = if i == cursor {
                t.style(Slot::Selection)
            } else {
                t.style(Slot::Muted)
            };
            BarGroup::default()
                .label(ratatui::text::Line::styled(label, style))
                .bars(&bars)
        })
        .collect();
    let chart = BarChart::grouped(groups)
        .bar_width(bar_width)
        .bar_gap(0)
        .group_gap(1)
        .max(1_000_000);
    f.render_widget(chart, plot);
}

fn fg(t: &Theme, slot: Slot) -> Style {
    let s = t.style(slot);
    Style::default().fg(s.fg.unwrap_or(ratatui::style::Color::Reset))
}

fn span(xs: &[f64]) -> f64 {
    match (xs.first(), xs.last()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => 1.0,
    }
}

/// An x tick: the bucket's first value for labels and rows, a formatted number or time otherwise.
fn x_label(data: &ChartData, b: &Bucket, x: f64, n: usize) -> String {
    let text = match data.axes.x {
        XAxis::Column(_, ColKind::Time) => time_label(x, data),
        XAxis::Column(_, ColKind::Number) => compact(x),
        _ => b.first_label.clone(),
    };
    let max = if n > 1 { 14 } else { 30 };
    super::text::fit(&crate::sanitize::sanitize(&text), max.min(text.chars().count()), false)
}

fn time_label(secs: f64, data: &ChartData) -> String {
    let span = data.buckets.last().map_or(0.0, |b| b.x_max) - data.buckets.first().map_or(0.0, |b| b.x_min);
    let Some(t) = DateTime::from_timestamp(secs as i64, 0) else {
        return compact(secs);
    };
    if span < 2.0 * 86_400.0 {
        t.format("%m-%d %H:%M").to_string()
    } else {
        t.format("%Y-%m-%d").to_string()
    }
}

/// 1234567 -> 1.23M, 0.000123 -> 1.23e-4, 42 -> 42.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    let s = if a >= 1e12 {
        format!("{:.2}T", v / 1e12)
    } else if a >= 1e9 {
        format!("{:.2}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a == 0.0 || a >= 1.0 {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else if a >= 1e-3 {
        format!("{v:.4}").trim_end_matches('0').to_string()
    } else {
        format!("{v:.2e}")
    };
    if s == "-0" { "0".into() } else { s }
}

/// `x 2026-01-03 … 2026-01-05 (3,000 rows) · revenue 1.2k (min 3, max 40) · n 17`.
fn at_cursor(view: &ChartView, data: &ChartData, b: &Bucket) -> String {
    let x = match data.axes.x {
        XAxis::Column(_, ColKind::Time | ColKind::Label) | XAxis::Row => b.label(),
        XAxis::Column(_, ColKind::Number) if b.rows > 1 => format!("{} … {}", compact(b.x_min), compact(b.x_max)),
        XAxis::Column(_, ColKind::Number) => b.first_label.clone(),
    };
    let rows = if b.rows > 1 {
        format!(" ({} rows)", super::group(b.rows as usize))
    } else {
        String::new()
    };
    let mut parts = vec![format!("{}: {x}{rows}", x_name(view, data))];
    for (s, c) in data.axes.ys.iter().enumerate() {
        let name = series_name(view, *c);
        parts.push(match b.mean(s) {
            None => format!("{name} ∅"),
            Some(m) if b.count[s] > 1 => {
                format!("{name} {} (min {}, max {})", exact(m), exact(b.min[s]), exact(b.max[s]))
            }
            Some(m) => format!("{name} {}", exact(m)),
        });
    }
    crate::sanitize::sanitize(&parts.join(" · ")).into_owned()
}

/// A value as read: integers whole, others with up to 4 decimals.
fn exact(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let sign = if v < 0.0 { "-" } else { "" };
        format!("{sign}{}", super::group(v.abs() as usize))
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
