//! What a chart draws, computed from the result rows in one streaming pass
//! (two when the x values are out of order and too many to draw): column
//! kinds, the default axes, and buckets that keep sum, count, min and max
//! so they can be merged again to fit any width.

use crate::db::{Column, Value};
use chrono::{NaiveDate, NaiveDateTime};

/// Most buckets a scan keeps; drawing merges them further to fit the screen.
pub const MAX_BUCKETS: usize = 1000;
/// Most series drawn at once.
pub const MAX_SERIES: usize = 6;
/// Rows looked at to decide a column's kind.
const KIND_SAMPLE: usize = 200;

/// What a column can be on a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColKind {
    /// Numbers: a y series or a numeric x.
    Number,
    /// Dates and timestamps (also ISO text): a time x.
    Time,
    /// Anything else: labels on x.
    Label,
}

/// The x axis: a column of some kind, or the row number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Row number (1-based).
    Row,
    /// A column and how its values are read.
    Column(usize, ColKind),
}

/// Which columns are drawn against which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Axes {
    /// Horizontal.
    pub x: XAxis,
    /// One series per column.
    pub ys: Vec<usize>,
}

/// The number in a cell, for y values and numeric x.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        Value::Float(f) if f.is_finite() => Some(*f),
        Value::Decimal(d) => d.parse().ok(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// Seconds since 1970 (UTC, or the stated offset) for dates and timestamps.
pub fn time(v: &Value) -> Option<f64> {
    let at = |t: NaiveDateTime| t.and_utc().timestamp_micros() as f64 / 1e6;
    match v {
        Value::Date(d) => d.and_hms_opt(0, 0, 0).map(at),
        Value::Timestamp(t) => Some(at(*t)),
        Value::TimestampTz(t) => Some(t.timestamp_micros() as f64 / 1e6),
        Value::Text(s) => parse_time_text(s).map(at),
        _ => None,
    }
}

/// ISO dates and timestamps held as text (SQLite stores them so).
fn parse_time_text(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if s.len() < 10 || !s.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0);
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.naive_utc())
}

/// Each column's kind from the first rows (NULLs say nothing).
pub fn column_kinds(columns: &[Column], sample: &[Vec<Value>]) -> Vec<ColKind> {
    (0..columns.len())
        .map(|c| {
            let values: Vec<&Value> = sample
                .iter()
                .take(KIND_SAMPLE)
                .filter_map(|r| r.get(c))
                .filter(|v| !v.is_null())
                .collect();
            if values.is_empty() {
                return if crate::db::types::is_numeric_name(&columns[c].type_name) {
                    ColKind::Number
                } else {
                    ColKind::Label
                };
            }
            if values
                .iter()
                .all(|v| number(v).is_some() && !matches!(v, Value::Bool(_)))
            {
                ColKind::Number
            } else if values.iter().all(|v| time(v).is_some()) {
                ColKind::Time
            } else {
                ColKind::Label
            }
        })
        .collect()
}

/// A sensible first chart: a time column, else a label column, else the
/// first of several numbers, else the row number, against the numbers.
pub fn default_axes(kinds: &[ColKind]) -> Option<Axes> {
    let numbers: Vec<usize> = (0..kinds.len()).filter(|c| kinds[*c] == ColKind::Number).collect();
    let x = if let Some(c) = kinds.iter().position(|k| *k == ColKind::Time) {
        XAxis::Column(c, ColKind::Time)
    } else if let Some(c) = kinds.iter().position(|k| *k == ColKind::Label) {
        XAxis::Column(c, ColKind::Label)
    } else if numbers.len() >= 2 {
        XAxis::Column(numbers[0], ColKind::Number)
    } else {
        XAxis::Row
    };
    let ys: Vec<usize> = numbers
        .into_iter()
        .filter(|c| !matches!(x, XAxis::Column(xc, _) if xc == *c))
        .take(MAX_SERIES)
        .collect();
    (!ys.is_empty()).then_some(Axes { x, ys })
}

/// Rows folded into one point: per series sum, count, min and max.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// Row number (0-based) of the first row.
    pub first_row: u64,
    /// Rows in the bucket.
    pub rows: u64,
    /// Smallest and largest x (row number, number or seconds).
    pub x_min: f64,
    /// Largest x.
    pub x_max: f64,
    /// x of the first row, as text.
    pub first_label: String,
    /// x of the last row, as text.
    pub last_label: String,
    /// Per series: sum of the values.
    pub sum: Vec<f64>,
    /// Per series: values that were numbers.
    pub count: Vec<u64>,
    /// Per series: smallest value.
    pub min: Vec<f64>,
    /// Per series: largest value.
    pub max: Vec<f64>,
}

impl Bucket {
    fn new(first_row: u64, series: usize) -> Bucket {
        Bucket {
            first_row,
            rows: 0,
            x_min: f64::INFINITY,
            x_max: f64::NEG_INFINITY,
            first_label: String::new(),
            last_label: String::new(),
            sum: vec![0.0; series],
            count: vec![0; series],
            min: vec![f64::INFINITY; series],
            max: vec![f64::NEG_INFINITY; series],
        }
    }

    /// Mean of series `s`, when any value was a number.
    pub fn mean(&self, s: usize) -> Option<f64> {
        (self.count[s] > 0).then(|| self.sum[s] / self.count[s] as f64)
    }

    /// The x drawn for this bucket (the middle of its range).
    pub fn x(&self) -> f64 {
        (self.x_min + self.x_max) / 2.0
    }

    /// The bucket's x as text: one value, or `first … last`.
    pub fn label(&self) -> String {
        if self.rows <= 1 || self.first_label == self.last_label {
            self.first_label.clone()
        } else {
            format!("{} … {}", self.first_label, self.last_label)
        }
    }

    fn add(&mut self, x: f64, ys: &[Option<f64>]) {
        self.rows += 1;
        self.x_min = self.x_min.min(x);
        self.x_max = self.x_max.max(x);
        for (s, y) in ys.iter().enumerate() {
            if let Some(y) = y {
                self.sum[s] += y;
                self.count[s] += 1;
                self.min[s] = self.min[s].min(*y);
                self.max[s] = self.max[s].max(*y);
            }
        }
    }

    /// Fold `other` (the next bucket) into this one.
    pub fn merge(&mut self, other: &Bucket) {
        if self.rows == 0 {
            *self = other.clone();
            return;
        }
        self.rows += other.rows;
        self.x_min = self.x_min.min(other.x_min);
        self.x_max = self.x_max.max(other.x_max);
        self.last_label.clone_from(&other.last_label);
        for s in 0..self.sum.len() {
            self.sum[s] += other.sum[s];
            self.count[s] += other.count[s];
            self.min[s] = self.min[s].min(other.min[s]);
            self.max[s] = self.max[s].max(other.max[s]);
        }
    }
}

/// How rows became points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// One point per row.
    None,
    /// Consecutive rows, in result order.
    RowOrder,
    /// Equal ranges of x (the x values were out of order).
    XRange,
}

/// A chart's data.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    /// Axes it was computed for.
    pub axes: Axes,
    /// Points, in x order.
    pub buckets: Vec<Bucket>,
    /// Rows read.
    pub rows: u64,
    /// Rows left out because their x was NULL or not of the x kind.
    pub skipped: u64,
    /// How rows were grouped.
    pub grouping: Grouping,
}

/// Reads rows one by one into buckets of a fixed size. Labels are rendered
/// only for the first and last row of a bucket, so a million rows cost a
/// thousand labels.
pub struct Accumulator {
    axes: Axes,
    per_bucket: u64,
    range: Option<(f64, f64)>,
    buckets: Vec<Bucket>,
    row: u64,
    skipped: u64,
    last_x: f64,
    ordered: bool,
    ys: Vec<Option<f64>>,
    /// Bucket, row number and x cell of the last row added.
    last: Option<(usize, u64, Value)>,
}

impl Accumulator {
    /// Buckets in result order sized so that `expected_rows` fit in [`MAX_BUCKETS`].
    pub fn new(axes: Axes, expected_rows: usize) -> Accumulator {
        let per_bucket = (expected_rows as u64).div_ceil(MAX_BUCKETS as u64).max(1);
        Accumulator {
            axes,
            per_bucket,
            range: None,
            buckets: Vec::new(),
            row: 0,
            skipped: 0,
            last_x: f64::NEG_INFINITY,
            ordered: true,
            ys: Vec::new(),
            last: None,
        }
    }

    /// Buckets over equal ranges of x between `min` and `max`.
    pub fn by_range(axes: Axes, min: f64, max: f64) -> Accumulator {
        let mut a = Accumulator::new(axes, 0);
        a.range = Some((min, max));
        a.buckets = Vec::with_capacity(MAX_BUCKETS);
        a
    }

    /// Add one row.
    pub fn push(&mut self, row: &[Value]) {
        let n = self.row;
        self.row += 1;
        let Some(x) = self.x_of(row, n) else {
            self.skipped += 1;
            return;
        };
        self.ordered &= x >= self.last_x;
        self.last_x = x;
        self.ys.clear();
        self.ys
            .extend(self.axes.ys.iter().map(|c| row.get(*c).and_then(number)));
        let series = self.ys.len();
        let slot = match self.range {
            Some((min, max)) => {
                let span = (max - min).max(f64::MIN_POSITIVE);
                let i = (((x - min) / span) * MAX_BUCKETS as f64).floor() as usize;
                i.min(MAX_BUCKETS - 1)
            }
            None => (n / self.per_bucket) as usize,
        };
        while self.buckets.len() <= slot {
            self.buckets.push(Bucket::new(n, series));
        }
        if self.last.as_ref().is_some_and(|(s, _, _)| *s != slot) {
            self.close_label();
        }
        let cell = self.x_cell(row);
        let b = &mut self.buckets[slot];
        if b.rows == 0 {
            b.first_label = label(&self.axes.x, n, &cell);
        }
        b.add(x, &self.ys);
        self.last = Some((slot, n, cell));
    }

    /// The last label of the bucket the previous row went to.
    fn close_label(&mut self) {
        if let Some((slot, n, cell)) = self.last.take() {
            self.buckets[slot].last_label = label(&self.axes.x, n, &cell);
        }
    }

    fn x_cell(&self, row: &[Value]) -> Value {
        match self.axes.x {
            XAxis::Row => Value::Null,
            XAxis::Column(c, _) => row.get(c).cloned().unwrap_or(Value::Null),
        }
    }

    fn x_of(&self, row: &[Value], n: u64) -> Option<f64> {
        match self.axes.x {
            XAxis::Row => Some((n + 1) as f64),
            XAxis::Column(c, kind) => {
                let v = row.get(c)?;
                match kind {
                    ColKind::Number => number(v),
                    ColKind::Time => time(v),
                    ColKind::Label if v.is_null() => None,
                    ColKind::Label => Some(n as f64),
                }
            }
        }
    }

    /// True when a second pass by x range is needed: numbers or times out
    /// of order and more rows than buckets.
    pub fn needs_range_pass(&self) -> bool {
        let numeric_x = matches!(self.axes.x, XAxis::Column(_, ColKind::Number | ColKind::Time));
        numeric_x && !self.ordered && self.per_bucket > 1 && self.range.is_none()
    }

    /// The x range seen, for a second pass.
    pub fn x_range(&self) -> (f64, f64) {
        let min = self.buckets.iter().map(|b| b.x_min).fold(f64::INFINITY, f64::min);
        let max = self.buckets.iter().map(|b| b.x_max).fold(f64::NEG_INFINITY, f64::max);
        (min, max)
    }

    /// The chart's data.
    pub fn finish(mut self) -> ChartData {
        self.close_label();
        let grouping = match (self.range, self.per_bucket) {
            (Some(_), _) => Grouping::XRange,
            (None, 1) => Grouping::None,
            (None, _) => Grouping::RowOrder,
        };
        let mut buckets: Vec<Bucket> = self.buckets.into_iter().filter(|b| b.rows > 0).collect();
        let numeric_x = matches!(self.axes.x, XAxis::Column(_, ColKind::Number | ColKind::Time));
        if numeric_x && !self.ordered && grouping == Grouping::None {
            buckets.sort_by(|a, b| a.x_min.total_cmp(&b.x_min));
        }
        if let (Grouping::XRange, XAxis::Column(_, kind)) = (grouping, self.axes.x) {
            // A range bucket reads as its lowest to highest x, not first to last row.
            for b in &mut buckets {
                b.first_label = format_x(kind, b.x_min);
                b.last_label = format_x(kind, b.x_max);
            }
        }
        ChartData {
            axes: self.axes,
            buckets,
            rows: self.row,
            skipped: self.skipped,
            grouping,
        }
    }
}

/// A number or a time (seconds) as text, like the cells show them.
pub fn format_x(kind: ColKind, x: f64) -> String {
    match kind {
        ColKind::Time => match chrono::DateTime::from_timestamp_micros((x * 1e6) as i64) {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => x.to_string(),
        },
        _ if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        _ => format!("{x}"),
    }
}

/// An x value as shown: the row number, or the cell's text.
fn label(x: &XAxis, n: u64, cell: &Value) -> String {
    match x {
        XAxis::Row => (n + 1).to_string(),
        XAxis::Column(..) => crate::app::results::display_text(cell),
    }
}

/// Merge neighbouring buckets until at most `n` remain.
pub fn fit(buckets: &[Bucket], n: usize) -> Vec<Bucket> {
    let n = n.max(1);
    if buckets.len() <= n {
        return buckets.to_vec();
    }
    let per = buckets.len().div_ceil(n);
    buckets
        .chunks(per)
        .map(|chunk| {
            let mut b = chunk[0].clone();
            for other in &chunk[1..] {
                b.merge(other);
            }
            b
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: &str) -> Column {
        Column {
            name: name.into(),
            type_name: ty.into(),
        }
    }

    #[test]
    fn kinds_and_default_axes() {
        let cols = [
            col("day", "text"),
            col("n", "int8"),
            col("label", "text"),
            col("avg", "numeric"),
        ];
        let rows = vec![vec![
            Value::Text("2026-01-02".into()),
            Value::Int(3),
            Value::Text("x".into()),
            Value::Decimal("1.50".into()),
        ]];
        let kinds = column_kinds(&cols, &rows);
        assert_eq!(
            kinds,
            vec![ColKind::Time, ColKind::Number, ColKind::Label, ColKind::Number]
        );
        let axes = default_axes(&kinds).unwrap();
        assert_eq!(axes.x, XAxis::Column(0, ColKind::Time));
        assert_eq!(axes.ys, vec![1, 3]);
        assert_eq!(
            default_axes(&[ColKind::Number]).unwrap(),
            Axes {
                x: XAxis::Row,
                ys: vec![0]
            }
        );
        assert!(default_axes(&[ColKind::Label, ColKind::Time]).is_none());
    }

    #[test]
    fn long_results_are_bucketed_in_row_order_and_merge_again() {
        let axes = Axes {
            x: XAxis::Column(0, ColKind::Number),
            ys: vec![1],
        };
        let mut acc = Accumulator::new(axes, 10_000);
        for i in 0..10_000 {
            acc.push(&[Value::Int(i), Value::Float(if i % 2 == 0 { 1.0 } else { 3.0 })]);
        }
        assert!(!acc.needs_range_pass());
        let data = acc.finish();
        assert_eq!(
            (data.rows, data.buckets.len(), data.grouping),
            (10_000, 1000, Grouping::RowOrder)
        );
        assert_eq!(data.buckets[0].rows, 10);
        assert_eq!(data.buckets[0].mean(0), Some(2.0));
        assert_eq!((data.buckets[0].min[0], data.buckets[0].max[0]), (1.0, 3.0));
        let fitted = fit(&data.buckets, 100);
        assert_eq!(fitted.len(), 100);
        assert_eq!(fitted[0].rows, 100);
        assert_eq!(fitted[99].label(), "9900 … 9999");
    }

    #[test]
    fn out_of_order_x_needs_a_range_pass_or_a_sort() {
        let axes = Axes {
            x: XAxis::Column(0, ColKind::Number),
            ys: vec![1],
        };
        let rows: Vec<Vec<Value>> = (0..5000)
            .map(|i| vec![Value::Int((i * 7919) % 5000), Value::Int(1)])
            .collect();
        let mut acc = Accumulator::new(axes.clone(), rows.len());
        rows.iter().for_each(|r| acc.push(r));
        assert!(acc.needs_range_pass());
        let (min, max) = acc.x_range();
        let mut second = Accumulator::by_range(axes.clone(), min, max);
        rows.iter().for_each(|r| second.push(r));
        let data = second.finish();
        assert_eq!(data.grouping, Grouping::XRange);
        assert!(data.buckets.windows(2).all(|w| w[0].x_max <= w[1].x_min));
        assert_eq!(data.buckets.iter().map(|b| b.rows).sum::<u64>(), 5000);
        assert_eq!(data.buckets[0].label(), "0 … 4");

        let mut small = Accumulator::new(axes, 3);
        for x in [3, 1, 2] {
            small.push(&[Value::Int(x), Value::Null]);
        }
        let data = small.finish();
        assert_eq!(
            data.buckets.iter().map(|b| b.x()).collect::<Vec<_>>(),
            vec![1.0, 2.0, 3.0]
        );
        assert_eq!(data.buckets[0].mean(0), None);
    }
}
