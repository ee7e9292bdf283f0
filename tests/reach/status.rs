//! The overview below the faces (`overview::overview`), `dbn status`
//! through the binary, and the TUI start screen drawn into a TestBackend.

use super::common::Sandbox;
use dbn::app::{App, ConnInfo, Options};
use dbn::db::{ConnSpec, Engine};
use dbn::keymap::Keymap;
use dbn::overview::{self, Entry};
use dbn::store::Store;
use dbn::store::audit::AuditEntry;
use dbn::store::backups::BackupRecord;
use dbn::store::connections::Tag;
use dbn::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

fn entry(name: &str, tag: Tag, url: &str) -> Entry {
    let spec = ConnSpec::parse_url(url).unwrap();
    Entry {
        name: name.into(),
        tag,
        color: None,
        read_only: tag == Tag::Prod,
        engine: spec.engine,
        target: spec.display_target(),
        spec: Ok(spec),
    }
}

/// A loopback listener that accepts and never answers: a hung host.
fn hung_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

#[test]
fn overview_checks_in_parallel_and_joins_workspace_facts() {
    let Some(pg) = super::common::pg_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("metadata.db")).unwrap();
    store
        .add_backup(&BackupRecord {
            id: "b1".into(),
            connection: "shop".into(),
            label: None,
            engine: "postgres".into(),
            manifest: "m".into(),
            status: "complete".into(),
            tables: 1,
            rows: 1,
            bytes: 1,
            created_at: "2020-01-01T00:00:00.000Z".into(),
        })
        .unwrap();
    let id = store.add_schedule("shop", "daily 02:30", None).unwrap();
    // Created long ago and never run: a firing time has passed.
    store
        .conn()
        .execute(
            "UPDATE backup_schedules SET created_at = '2020-01-01T00:00:00.000Z' WHERE id = ?1",
            [id],
        )
        .unwrap();
    store
        .append_audit(
            &AuditEntry {
                connection: Some("shop".into()),
                action: "write".into(),
                outcome: "ok".into(),
                at: "2024-05-01T10:00:00.000Z".into(),
                ..Default::default()
            },
            None,
        )
        .unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let entries = vec![
        entry("shop", Tag::Prod, &pg),
        entry(
            "dead",
            Tag::Dev,
            &format!("postgres://x@127.0.0.1:{closed}/x?sslmode=disable"),
        ),
        entry(
            "hung",
            Tag::Dev,
            &format!("postgres://x@127.0.0.1:{}/x?sslmode=disable", hung_port()),
        ),
        Entry {
            spec: Err("cannot read the password of connection 'locked'".into()),
            ..entry("locked", Tag::Stage, "postgres://x@127.0.0.1/x")
        },
    ];
    let rt = super::support::rt();
    let ov = rt.block_on(overview::overview(
        entries,
        Some(&store),
        std::time::Duration::from_secs(2),
    ));
    let by = |n: &str| ov.connections.iter().find(|c| c.name == n).unwrap();
    let shop = by("shop");
    assert!(shop.live.reachable, "{:?}", shop.live.error);
    assert!(shop.live.server_version.as_deref().unwrap().starts_with("PostgreSQL"));
    assert!(shop.live.database_size_bytes.unwrap() > 0);
    assert!(shop.live.tables.is_some() && shop.live.sessions.is_some() && shop.live.latency_ms.is_some());
    assert_eq!(shop.local.last_backup.as_ref().unwrap().id, "b1");
    assert!(shop.local.last_backup.as_ref().unwrap().age_secs > 86_400);
    assert_eq!(shop.local.overdue_schedules.len(), 1);
    assert_eq!(shop.local.last_write.as_ref().unwrap().action, "write");
    assert_eq!(by("dead").live.error.as_ref().unwrap().code, "DB_CONN_REFUSED");
    assert_eq!(by("hung").live.error.as_ref().unwrap().code, "DB_TIMEOUT");
    assert!(by("locked").live.error.as_ref().unwrap().message.contains("password"));
    assert_eq!(ov.unreachable(), 3);
}

#[test]
fn status_command_json_and_exit_code() {
    let Some(pg) = super::common::pg_url() else { return };
    let s = Sandbox::new();
    let add = |name: &str, url: &str, tag: &str| {
        let out = s
            .cmd()
            .args(["connect", "add", name, "--url", url, "--no-password", "--tag", tag])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    add("shop", &pg, "prod");
    let out = s.cmd().args(["status", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["connections"][0]["reachable"], true);
    assert_eq!(v["connections"][0]["tag"], "prod");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    add(
        "dead",
        &format!("postgres://x@127.0.0.1:{closed}/x?sslmode=disable"),
        "dev",
    );
    let out = s.cmd().args(["status", "--timeout", "2"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("!PROD!") && text.contains("UNREACHABLE"), "{text}");
    assert!(text.contains("dead: unreachable [DB_CONN_REFUSED]"), "{text}");
    let out = s.cmd().args(["status", "nosuch"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn screen(theme: Theme) -> String {
    let mut spec = ConnSpec::new(Engine::Postgres);
    spec.database = Some("x".into());
    let conn = ConnInfo {
        name: "shop".into(),
        tag: Tag::Prod,
        read_only: true,
        spec,
    };
    let opts = Options {
        keymap: Keymap::load("default", &[]).unwrap(),
        theme,
        preview_limit: 100,
        audit_jsonl: None,
        store: None,
    };
    let rt = super::support::rt();
    let _enter = rt.enter();
    let (mut app, mut rx) = App::new(conn, opts, Rect::new(0, 0, 100, 20));
    let entries = vec![
        Entry {
            color: Some("magenta".into()),
            spec: Err("the secret store is locked".into()),
            ..entry("shop", Tag::Prod, "postgres://app@127.0.0.1/shop")
        },
        Entry {
            spec: Err("no route".into()),
            ..entry("stage-db", Tag::Stage, "postgres://app@127.0.0.1/stage")
        },
    ];
    app.show_start_screen(entries);
    // Checks of entries without a spec answer at once.
    for _ in 0..2 {
        let ev =
            rt.block_on(async { tokio::time::timeout(std::time::Duration::from_secs(10), rx.overview.recv()).await });
        app.on_overview(ev.unwrap().unwrap());
    }
    let mut term = Terminal::new(TestBackend::new(100, 20)).unwrap();
    term.draw(|f| dbn::ui::draw(f, &app)).unwrap();
    let buf = term.backend().buffer().clone();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                + "\n"
        })
        .collect()
}

#[test]
fn start_screen_marks_prod_in_text_with_and_without_colour() {
    for theme in [
        Theme::named("basic16").unwrap(),
        Theme::named("dark").unwrap().without_color(),
    ] {
        let s = screen(theme);
        assert!(s.contains("dbn · connections"), "{s}");
        assert!(s.contains("!PROD!") && s.contains("stage-db"), "{s}");
        assert!(
            s.contains("UNREACHABLE") && s.contains("the secret store is locked"),
            "{s}"
        );
        assert!(s.contains("Enter open"), "{s}");
    }
}

#[test]
fn start_screen_opens_nothing_until_a_connection_is_picked() {
    use dbn::app::Effect;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut spec = ConnSpec::new(Engine::Sqlite);
    spec.database = Some(":memory:".into());
    let conn = ConnInfo {
        name: "a".into(),
        tag: Tag::Dev,
        read_only: false,
        spec,
    };
    let opts = Options {
        keymap: Keymap::load("default", &[]).unwrap(),
        theme: Theme::named("basic16").unwrap(),
        preview_limit: 100,
        audit_jsonl: None,
        store: None,
    };
    let rt = super::support::rt();
    let _enter = rt.enter();
    let (mut app, _rx) = App::new(conn, opts, Rect::new(0, 0, 100, 30));
    app.begin_on_start_screen();
    app.start();
    assert_eq!(std::mem::take(&mut app.effects), vec![Effect::LoadOverview]);
    let e = |n: &str| Entry {
        spec: Err("not checked".into()),
        ..entry(n, Tag::Dev, "postgres://x@127.0.0.1/x")
    };
    app.show_start_screen(vec![e("a"), e("b")]);
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    // Esc cannot leave: nothing is open behind the screen.
    app.on_key(key(KeyCode::Esc));
    assert!(app.start_screen.is_some());
    app.on_key(key(KeyCode::Down));
    app.on_key(key(KeyCode::Enter));
    assert!(app.start_screen.is_none());
    assert_eq!(
        std::mem::take(&mut app.effects),
        vec![Effect::SwitchConnection("b".into())]
    );
    // Alt+0 brings it back; now Esc returns to the open connection.
    app.on_key(KeyEvent::new(KeyCode::Char('0'), KeyModifiers::ALT));
    assert_eq!(std::mem::take(&mut app.effects), vec![Effect::LoadOverview]);
    app.show_start_screen(vec![e("a"), e("b")]);
    app.on_key(key(KeyCode::Esc));
    assert!(app.start_screen.is_none());
}
