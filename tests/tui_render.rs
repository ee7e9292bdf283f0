//! Render tests: each pane and whole screens at 80x24 and 200x60 through
//! ratatui's TestBackend, compared with insta snapshots; absurd sizes never panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dbn::app::results::ResultSet;
use dbn::app::{App, ConnInfo, Focus, Options, Popup};
use dbn::db::{Column, ConnSpec, Engine, Value};
use dbn::keymap::Keymap;
use dbn::schema::{ColumnDef, ForeignKey, KeyConstraint, Schema, Table};
use dbn::store::connections::Tag;
use dbn::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

fn col(name: &str, ty: &str, nullable: bool) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        data_type: ty.into(),
        nullable,
        default: None,
        identity: None,
        generated: None,
        collation: None,
        comment: None,
        ..Default::default()
    }
}

fn schema() -> Schema {
    let mut s = Schema::empty(Engine::Postgres);
    s.schemas = vec!["public".into()];
    s.tables.push(Table {
        schema: "public".into(),
        name: "customers".into(),
        columns: vec![
            col("id", "integer", false),
            col("email", "text", false),
            col("name", "text", true),
        ],
        primary_key: Some(KeyConstraint {
            name: "customers_pkey".into(),
            columns: vec!["id".into()],
            ..Default::default()
        }),
        uniques: vec![],
        foreign_keys: vec![],
        checks: vec![],
        indexes: vec![],
        comment: None,
        ..Default::default()
    });
    s.tables.push(Table {
        schema: "public".into(),
        name: "orders".into(),
        columns: vec![col("id", "integer", false), col("customer_id", "integer", false)],
        primary_key: None,
        uniques: vec![],
        foreign_keys: vec![ForeignKey {
            name: "orders_customer_fk".into(),
            columns: vec!["customer_id".into()],
            ref_schema: "public".into(),
            ref_table: "customers".into(),
            ref_columns: vec!["id".into()],
            on_update: "NO ACTION".into(),
            on_delete: "CASCADE".into(),
            deferrable: None,
            ..Default::default()
        }],
        checks: vec![],
        indexes: vec![],
        comment: None,
        ..Default::default()
    });
    s
}

fn app(w: u16, h: u16) -> App {
    let mut spec = ConnSpec::new(Engine::Postgres);
    spec.database = Some("shop".into());
    let conn = ConnInfo {
        name: "shop-prod".into(),
        tag: Tag::Prod,
        read_only: true,
        spec,
    };
    let opts = Options {
        keymap: Keymap::load("default", &[]).unwrap(),
        theme: Theme::named("basic16").unwrap(),
        preview_limit: 200,
        audit_jsonl: None,
        store: None,
    };
    let (mut app, _rx) = App::new(conn, opts, Rect::new(0, 0, w, h));
    app.tree.set_schema(schema());
    app.tree.expanded.insert("t:public.customers".into());
    app.tree.rebuild();
    app.editor
        .buf_mut()
        .set_text("-- top customers\nSELECT id, email, name\nFROM customers\nWHERE name <> 'x' LIMIT 50;");
    let cols = ["id", "email", "name", "note"]
        .iter()
        .map(|n| Column {
            name: n.to_string(),
            type_name: "text".into(),
        })
        .collect();
    let mut rs = ResultSet::new(cols);
    let rows = (1..=40)
        .map(|i| {
            vec![
                Value::Int(i),
                Value::Text(format!("user{i}@example.com")),
                if i % 3 == 0 {
                    Value::Null
                } else {
                    Value::Text("NULL".into())
                },
                Value::Text(match i {
                    1 => "漢字 wide".into(),
                    2 => "\x1b[31mred\x1b[0m".into(),
                    _ => format!("note {i}"),
                }),
            ]
        })
        .collect();
    rs.push_rows(rows).unwrap();
    app.grid.reset(Some(rs), "SELECT * FROM customers");
    app.after_move();
    app
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| dbn::ui::draw(f, app)).unwrap();
    buffer_text(term.backend().buffer(), Rect::new(0, 0, w, h))
}

fn buffer_text(buf: &ratatui::buffer::Buffer, r: Rect) -> String {
    let mut out = String::new();
    for y in r.y..r.y + r.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in r.x..r.x + r.width {
            // The cell after a wide character is covered by it.
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn pane(app: &App, w: u16, h: u16, pick: impl Fn(&dbn::ui::Panes) -> Rect) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| dbn::ui::draw(f, app)).unwrap();
    let r = pick(&dbn::ui::layout(Rect::new(0, 0, w, h)));
    buffer_text(term.backend().buffer(), r)
}

#[test]
fn whole_screen_80x24() {
    let a = app(80, 24);
    let s = render(&a, 80, 24);
    assert!(s.contains("shop-prod") && s.contains("PROD") && s.contains("RO"), "{s}");
    insta::assert_snapshot!("screen_80x24", s);
}

#[test]
fn whole_screen_200x60() {
    let mut a = app(200, 60);
    a.focus = Focus::Grid;
    a.after_move();
    let s = render(&a, 200, 60);
    assert!(s.contains("customers") && s.contains("PK id"), "{s}");
    insta::assert_snapshot!("screen_200x60", s);
}

#[test]
fn panes_200x60() {
    let mut a = app(200, 60);
    a.focus = Focus::Tree;
    let tree = pane(&a, 200, 60, |p| p.tree.unwrap());
    insta::assert_snapshot!("pane_tree", tree);
    a.focus = Focus::Editor;
    let editor = pane(&a, 200, 60, |p| p.editor);
    insta::assert_snapshot!("pane_editor", editor);
    a.focus = Focus::Grid;
    let grid = pane(&a, 200, 60, |p| p.grid);
    // NULL and the text 'NULL' look different; escapes are visible; wide text aligned.
    assert!(
        grid.contains('∅') && grid.contains("NULL") && grid.contains("␛[31mred␛[0m"),
        "{grid}"
    );
    insta::assert_snapshot!("pane_grid", grid);
    let status = pane(&a, 200, 60, |p| p.status);
    insta::assert_snapshot!("pane_status", status);
}

#[test]
fn popups_80x24() {
    let mut a = app(80, 24);
    a.popup = Some(Popup::Help { scroll: 0 });
    let help = render(&a, 80, 24);
    assert!(
        help.contains("Run statement under cursor") && help.contains("Ctrl+Enter"),
        "{help}"
    );
    insta::assert_snapshot!("popup_help", help);
    a.popup = Some(Popup::palette());
    insta::assert_snapshot!("popup_palette", render(&a, 80, 24));
    a.focus = Focus::Grid;
    a.grid.col = 3;
    a.dispatch(dbn::keymap::Action::InspectCell);
    let insp = render(&a, 80, 24);
    assert!(insp.contains("漢字 wide"), "{insp}");
    insta::assert_snapshot!("popup_inspector", insp);
}

#[test]
fn grid_columns_stay_aligned_with_wide_characters() {
    let a = app(80, 24);
    let grid = pane(&a, 80, 24, |p| p.grid);
    let lines: Vec<&str> = grid.lines().filter(|l| l.contains("@example.com")).collect();
    use unicode_width::UnicodeWidthStr;
    let first_sep = |l: &str| l.find("│u").map(|i| l[..i].width());
    let seps: Vec<_> = lines.iter().map(|l| first_sep(l)).collect();
    assert!(seps.windows(2).all(|w| w[0] == w[1]), "{grid}");
}

#[test]
fn absurd_sizes_never_panic() {
    for (w, h) in [
        (0, 0),
        (1, 1),
        (2, 1),
        (10, 3),
        (29, 7),
        (30, 8),
        (31, 9),
        (69, 20),
        (70, 20),
        (400, 150),
        (1000, 60),
    ] {
        let mut a = app(w, h);
        for p in [None, Some(Popup::Help { scroll: 3 }), Some(Popup::palette())] {
            a.popup = p;
            a.after_move();
            let s = render(&a, w, h);
            if (w, h) == (10, 3) {
                assert!(s.contains("terminal"), "{s}");
            }
        }
    }
}

#[test]
fn completion_uses_keywords_and_the_schema() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut a = app(120, 40);
    a.editor.buf_mut().set_text("sel");
    a.on_key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL));
    assert_eq!(a.editor.buf().text(), "select");
    for c in " * from cu".chars() {
        a.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    a.on_key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL));
    // `cu` matches `customers` and `customer_id`: a list to choose from.
    let Some(Popup::Complete { items, .. }) = &a.popup else {
        panic!("no completion list: {:?}", a.popup)
    };
    assert!(
        items.contains(&"customers".to_string()) && items.contains(&"customer_id".to_string()),
        "{items:?}"
    );
    let pick = items.iter().position(|i| i == "customers").unwrap();
    for _ in 0..pick {
        a.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    }
    a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(a.editor.buf().text(), "select * from customers");
}

#[test]
fn mouse_wheel_scrolls_and_click_focuses() {
    use ratatui::crossterm::event::{Event, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mut a = app(120, 40);
    let panes = dbn::ui::layout(Rect::new(0, 0, 120, 40));
    let ev = |kind, column, row| {
        Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    a.on_term(ev(MouseEventKind::ScrollDown, panes.grid.x + 5, panes.grid.y + 5));
    a.on_term(ev(MouseEventKind::ScrollDown, panes.grid.x + 5, panes.grid.y + 5));
    assert_eq!(a.grid.row, 6);
    a.on_term(ev(
        MouseEventKind::Down(MouseButton::Left),
        panes.grid.x + 5,
        panes.grid.y + 4,
    ));
    assert_eq!(a.focus, Focus::Grid);
    assert_eq!(a.grid.row, a.grid.top + 2);
    let tree = panes.tree.unwrap();
    a.on_term(ev(MouseEventKind::Down(MouseButton::Left), tree.x + 3, tree.y + 3));
    assert_eq!(a.focus, Focus::Tree);
    assert_eq!(a.tree.selected, 2);
}

#[test]
fn tree_filter_expand_and_preview_query() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let press = |a: &mut App, c: KeyCode| a.on_key(KeyEvent::new(c, KeyModifiers::NONE));
    let mut a = app(120, 40);
    a.on_key(KeyEvent::new(KeyCode::Char('1'), KeyModifiers::ALT));
    assert_eq!(a.focus, Focus::Tree);
    for c in "/ord".chars() {
        press(&mut a, KeyCode::Char(c));
    }
    press(&mut a, KeyCode::Enter);
    let labels: Vec<&str> = a.tree.nodes.iter().map(|n| n.label.as_str()).collect();
    assert_eq!(labels, vec!["public", "Tables", "orders"], "{labels:?}");
    // j j to the table, l expands its columns and foreign key, e puts the preview in the editor.
    press(&mut a, KeyCode::Char('j'));
    press(&mut a, KeyCode::Char('j'));
    press(&mut a, KeyCode::Char('l'));
    let s = render(&a, 120, 40);
    assert!(
        s.contains("FK customer_id") && s.contains("FK orders_customer_f"),
        "{s}"
    );
    assert!(a.tree.nodes.iter().any(|n| n.detail.contains("→ public.customers(id)")));
    press(&mut a, KeyCode::Char('e'));
    assert_eq!(a.focus, Focus::Editor);
    assert_eq!(a.editor.buf().text(), "SELECT * FROM \"public\".\"orders\" LIMIT 200");
    // Esc on the filter prompt clears it.
    a.on_key(KeyEvent::new(KeyCode::Char('1'), KeyModifiers::ALT));
    press(&mut a, KeyCode::Char('/'));
    press(&mut a, KeyCode::Esc);
    assert!(a.tree.nodes.iter().any(|n| n.label == "customers"));
}
