//! The chart view driven headless: results from live SQLite, PostgreSQL and
//! MariaDB drawn as line and bar charts, long results bucketed through the
//! page file, keys that change axes and series, screens at 80x24 and 200x60.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use dbn::app::chart::data::{ColKind, Grouping, XAxis};
use dbn::app::chart::{ChartStyle, ChartView};
use dbn::app::results::ResultSet;
use dbn::app::{App, ConnInfo, Focus, Options, Receivers};
use dbn::db::{Column, ConnSpec, Engine, Value};
use dbn::keymap::Keymap;
use dbn::store::connections::Tag;
use dbn::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::time::Duration;

fn make(spec: ConnSpec, w: u16, h: u16) -> (App, Receivers) {
    let conn = ConnInfo {
        name: "t".into(),
        tag: Tag::Dev,
        read_only: false,
        spec,
    };
    let opts = Options {
        keymap: Keymap::load("default", &[]).unwrap(),
        theme: Theme::named("basic16").unwrap(),
        preview_limit: 200,
        audit_jsonl: None,
        // A statement the classifier cannot prove is a read is audited before it is sent.
        store: Some(dbn::store::Store::open(std::path::Path::new(":memory:")).unwrap()),
    };
    App::new(conn, opts, Rect::new(0, 0, w, h))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

async fn settle(app: &mut App, rx: &mut Receivers, secs: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while app.busy() || app.running.is_some() {
        tokio::select! {
            Some(ev) = rx.db.recv() => app.on_db(ev),
            Some(ev) = rx.jobs.recv() => app.on_job(ev),
            () = tokio::time::sleep_until(deadline) => panic!("still busy after {secs}s: {:?}", app.status),
        }
    }
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| dbn::ui::draw(f, app)).unwrap();
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn chart(app: &App) -> &ChartView {
    let v = app.chart.as_ref().expect("chart open");
    assert!(v.error.is_none(), "{:?}", v.error);
    v
}

fn col(name: &str, ty: &str) -> Column {
    Column {
        name: name.into(),
        type_name: ty.into(),
    }
}

/// A daily series: day, orders (int), revenue (decimal), a region label.
fn series_result(days: i64) -> ResultSet {
    let mut rs = ResultSet::new(vec![
        col("day", "date"),
        col("orders", "int8"),
        col("revenue", "numeric"),
        col("region", "text"),
    ]);
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let rows: Vec<Vec<Value>> = (0..days)
        .map(|d| {
            let orders = 100 + (d * 37) % 50 + d / 10;
            vec![
                Value::Date(start + chrono::Days::new(d as u64)),
                Value::Int(orders),
                Value::Decimal(format!("{}.{:02}", orders * 12, d % 100)),
                Value::Text(["north", "south", "east"][(d % 3) as usize].into()),
            ]
        })
        .collect();
    for chunk in rows.chunks(1000) {
        rs.push_rows(chunk.to_vec()).unwrap();
    }
    rs
}

fn with_result(app: &mut App, rs: ResultSet) {
    app.grid.reset(Some(rs), "select ...");
    app.focus = Focus::Grid;
    app.after_move();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_series_is_a_line_and_keys_change_it() {
    let (mut app, mut rx) = make(ConnSpec::new(Engine::Postgres), 120, 40);
    with_result(&mut app, series_result(90));
    app.on_key(ch('c'));
    settle(&mut app, &mut rx, 20).await;
    let v = chart(&app);
    let d = v.data.as_ref().unwrap();
    assert_eq!(d.axes.x, XAxis::Column(0, ColKind::Time));
    assert_eq!(d.axes.ys, vec![1, 2], "orders and revenue, not the label");
    assert_eq!((d.rows, d.grouping, v.style), (90, Grouping::None, ChartStyle::Line));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("Chart · line · 90 rows"), "{screen}");
    assert!(screen.contains("2026-01-01"), "{screen}");
    assert!(
        screen.contains("day: 2026-01-01 · orders 100 · revenue 1,200"),
        "{screen}"
    );
    // The cursor moves along the points; its values follow.
    app.on_key(ch('l'));
    assert!(render(&app, 120, 40).contains("day: 2026-01-02 · orders 137"));
    app.on_key(key(KeyCode::End));
    assert!(render(&app, 120, 40).contains("day: 2026-03-31"));
    // 2 drops revenue, t makes bars, x moves the x axis to the next column.
    app.on_key(ch('2'));
    settle(&mut app, &mut rx, 20).await;
    assert_eq!(chart(&app).axes.as_ref().unwrap().ys, vec![1]);
    app.on_key(ch('1'));
    assert!(
        app.status.as_ref().unwrap().1.contains("needs one series"),
        "{:?}",
        app.status
    );
    app.on_key(ch('t'));
    assert_eq!(chart(&app).style, ChartStyle::Bar);
    app.on_key(ch('x'));
    settle(&mut app, &mut rx, 20).await;
    let d = chart(&app).data.as_ref().unwrap();
    assert_eq!(d.axes.x, XAxis::Column(1, ColKind::Number));
    assert_eq!(
        d.axes.ys,
        vec![2],
        "the x column left the series; another took its place"
    );
    // Esc gives the grid back; a new query also closes the chart.
    app.on_key(key(KeyCode::Esc));
    assert!(app.chart.is_none());
    assert!(render(&app, 120, 40).contains("Results"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_results_are_bucketed_through_the_page_file_and_say_so() {
    let (mut app, mut rx) = make(ConnSpec::new(Engine::Postgres), 120, 40);
    let mut rs = ResultSet::new(vec![col("i", "int8"), col("v", "float8")]);
    for b in 0..100 {
        let rows = (0..1000)
            .map(|r| {
                let i = b * 1000 + r;
                vec![Value::Int(i), Value::Float((i % 1000) as f64)]
            })
            .collect();
        rs.push_rows(rows).unwrap();
    }
    assert!(rs.spilled_bytes > 0, "most pages are on disk");
    with_result(&mut app, rs);
    app.on_key(ch('c'));
    settle(&mut app, &mut rx, 60).await;
    let v = chart(&app);
    let d = v.data.as_ref().unwrap();
    assert_eq!(d.rows, 100_000);
    assert_eq!((d.grouping, d.buckets.len()), (Grouping::RowOrder, 1000));
    assert_eq!(d.buckets[0].rows, 100);
    assert_eq!(d.buckets.iter().map(|b| b.rows).sum::<u64>(), 100_000);
    // Every bucket of 100 consecutive rows averages 0..99 or 100..199 ...: the mean is exact.
    assert_eq!(d.buckets[0].mean(0), Some(49.5));
    let screen = render(&app, 120, 40);
    assert!(screen.contains("100,000 rows in"), "{screen}");
    assert!(screen.contains("(mean)"), "{screen}");
    assert!(
        screen.contains("min 0, max"),
        "the cursor shows the spread of its bucket: {screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_to_chart_says_why() {
    let (mut app, mut rx) = make(ConnSpec::new(Engine::Postgres), 120, 40);
    app.on_key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::ALT));
    assert!(app.chart.is_none());
    assert!(app.status.as_ref().unwrap().1.contains("run a query first"));
    let mut rs = ResultSet::new(vec![col("name", "text")]);
    rs.push_rows(vec![vec![Value::Text("a".into())]]).unwrap();
    with_result(&mut app, rs);
    app.on_key(ch('c'));
    settle(&mut app, &mut rx, 20).await;
    let v = app.chart.as_ref().unwrap();
    assert!(
        v.error.as_deref().unwrap().contains("no numeric column"),
        "{:?}",
        v.error
    );
}

async fn live(spec: ConnSpec, sql: &str) -> (App, Receivers) {
    let (mut app, mut rx) = make(spec, 120, 40);
    for c in sql.chars() {
        app.on_key(ch(c));
    }
    app.on_key(key(KeyCode::F(5)));
    settle(&mut app, &mut rx, 30).await;
    assert!(app.grid.rows() > 0, "{:?}", app.status);
    app.on_key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::ALT));
    settle(&mut app, &mut rx, 30).await;
    (app, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_results_from_each_engine() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TABLE sales (day TEXT, amount REAL);
             WITH RECURSIVE g(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM g WHERE x < 59)
             INSERT INTO sales SELECT date('2026-01-01', '+' || x || ' days'), x * 1.5 FROM g;",
        )
        .unwrap();
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(path.display().to_string());
    let (app, _rx) = live(spec, "select day, amount from sales order by day").await;
    let d = chart(&app).data.as_ref().unwrap();
    assert_eq!(d.axes.x, XAxis::Column(0, ColKind::Time), "ISO text dates are times");
    assert_eq!(d.rows, 60);

    if let Some(url) = common::pg_url() {
        let spec = ConnSpec::parse_url(&url).unwrap();
        let (app, _rx) = live(
            spec,
            "select g as hour, extract(hour from g)::int * 2 as load, extract(epoch from g)::bigint % 7 as noise from generate_series(timestamptz '2026-01-01', timestamptz '2026-01-08', interval '1 hour') g",
        )
        .await;
        let d = chart(&app).data.as_ref().unwrap();
        assert_eq!(d.axes.x, XAxis::Column(0, ColKind::Time));
        assert_eq!((d.rows, d.axes.ys.len()), (169, 2));
        assert!(render(&app, 120, 40).contains("01-0"), "dates on the axis");
    }
    if let Some(url) = common::mysql_url() {
        let spec = ConnSpec::parse_url(&url).unwrap();
        let (app, _rx) = live(
            spec,
            "select elt(1 + seq % 4, 'DE', 'FR', 'JP', 'US') as country, sum(seq) as total, cast(avg(seq) as decimal(10,2)) as mean from seq_1_to_400 group by 1 order by 1",
        )
        .await;
        let v = chart(&app);
        let d = v.data.as_ref().unwrap();
        assert_eq!(d.axes.x, XAxis::Column(0, ColKind::Label));
        assert_eq!(v.style, ChartStyle::Bar, "labels draw as bars");
        assert_eq!(d.buckets.len(), 4);
        let screen = render(&app, 120, 40);
        assert!(screen.contains("DE") && screen.contains("US"), "{screen}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_screens_80x24_and_200x60() {
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let (mut app, mut rx) = make(ConnSpec::new(Engine::Postgres), w, h);
        with_result(&mut app, series_result(400));
        app.on_key(ch('c'));
        settle(&mut app, &mut rx, 20).await;
        app.on_key(ch('l'));
        insta::assert_snapshot!(format!("chart_line_{w}x{h}"), render(&app, w, h));

        let mut rs = ResultSet::new(vec![
            col("region", "text"),
            col("orders", "int8"),
            col("returns", "int8"),
        ]);
        rs.push_rows(
            ["north", "south", "east", "west", "central"]
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    vec![
                        Value::Text((*r).into()),
                        Value::Int(40 + i as i64 * 17),
                        Value::Int(3 + i as i64),
                    ]
                })
                .collect(),
        )
        .unwrap();
        with_result(&mut app, rs);
        app.on_key(ch('c'));
        settle(&mut app, &mut rx, 20).await;
        insta::assert_snapshot!(format!("chart_bars_{w}x{h}"), render(&app, w, h));
        for (tw, th) in [(30, 8), (1, 1), (300, 100)] {
            let _ = render(&app, tw, th);
        }
    }
}
