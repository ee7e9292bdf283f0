//! The splitter against the server's own rules (issue 11): random soups of
//! statements, each valid under the lexing settings in force where it
//! stands (`standard_conforming_strings`, `sql_mode` NO_BACKSLASH_ESCAPES
//! and ANSI_QUOTES change as the soup goes), are split by dbn and every
//! piece is sent alone to the real server, in order: the server must accept
//! each piece as exactly one statement (Postgres Parse and MariaDB prepare
//! refuse two; SQLite's prepare must leave no tail), and dbn must find as
//! many statements as were joined. A piece cut in the wrong place is a
//! syntax error or two statements on the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::db::{ConnSpec, Engine, Lexing, Session, query_all};
use dbn::safety::split_with;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// A statement valid under `lexing`, and the settings after it.
type Gen = fn(&Lexing, u32) -> (String, Lexing);

fn pg_statements() -> Vec<Gen> {
    vec![
        |l, n| (format!("SELECT {n} AS \"a;{n}\""), *l),
        |l, n| (format!("SELECT 'x;{n}' || $$;$$ || $q$ ' ; $q$"), *l),
        |l, n| (format!("SELECT {n} /* ; /* nested ; */ ; */"), *l),
        |l, n| (format!("SELECT {n} -- ; comment\n"), *l),
        |l, n| (format!("SELECT E'\\\\;\\';{n}'"), *l),
        |l, n| {
            // U&'' is refused while standard_conforming_strings is off.
            if l.standard_strings {
                (format!("SELECT U&'\\0041;{n}'"), *l)
            } else {
                (format!("SELECT '{n}'"), *l)
            }
        },
        |l, n| {
            // Valid under either reading, split differently by each.
            if l.standard_strings {
                (format!("SELECT 'a\\' AS b{n}"), *l)
            } else {
                (format!("SELECT 'a\\';' AS b{n}"), *l)
            }
        },
        |l, _| {
            let next = Lexing {
                standard_strings: !l.standard_strings,
                ..*l
            };
            let v = if next.standard_strings { "on" } else { "off" };
            (format!("SET standard_conforming_strings = {v}"), next)
        },
    ]
}

fn my_statements() -> Vec<Gen> {
    vec![
        |l, n| (format!("SELECT {n} AS `a;{n}`"), *l),
        |l, n| (format!("SELECT {n} /* ; */ # ; comment\n"), *l),
        |l, n| (format!("SELECT {n} -- ; comment\n"), *l),
        |l, n| (format!("SELECT 1 /*!, {n} */"), *l),
        |l, n| {
            if l.no_backslash_escapes {
                (format!("SELECT 'a\\' AS b{n}"), *l)
            } else {
                (format!("SELECT 'a\\';' AS b{n}"), *l)
            }
        },
        |l, n| {
            if l.ansi_quotes {
                (format!("SELECT 1 AS \"x;{n}\""), *l)
            } else if l.no_backslash_escapes {
                (format!("SELECT \";{n}\\\""), *l)
            } else {
                (format!("SELECT \";{n}\\\"\""), *l)
            }
        },
        |l, n| {
            let next = Lexing {
                no_backslash_escapes: n % 2 == 0,
                ansi_quotes: n % 3 == 0,
                ..*l
            };
            let mut modes = Vec::new();
            if next.no_backslash_escapes {
                modes.push("NO_BACKSLASH_ESCAPES");
            }
            if next.ansi_quotes {
                modes.push("ANSI_QUOTES");
            }
            (format!("SET sql_mode = '{}'", modes.join(",")), next)
        },
    ]
}

fn sqlite_statements() -> Vec<Gen> {
    vec![
        |l, n| (format!("SELECT {n} AS [a;{n}]"), *l),
        |l, n| (format!("SELECT {n} AS `b;{n}`, 'c;''{n}' AS \"d;\""), *l),
        |l, n| (format!("SELECT {n} /* ; */ -- ;\n"), *l),
        |l, n| {
            (
                format!("CREATE TEMP TRIGGER IF NOT EXISTS tr{n} AFTER INSERT ON t BEGIN SELECT 1; SELECT ';'; END"),
                *l,
            )
        },
        |l, n| (format!("SELECT CASE WHEN {n} THEN 'x;' ELSE 'y' END"), *l),
    ]
}

/// A soup: `(text, number of statements)`.
fn soup(gens: &[Gen], picks: &[(usize, u32, bool)], start: Lexing) -> (String, usize) {
    let mut l = start;
    let mut text = String::new();
    for (i, n, spaced) in picks {
        let (s, next) = gens[i % gens.len()](&l, *n);
        text.push_str(&s);
        text.push_str(if *spaced { " ;\n" } else { ";" });
        l = next;
    }
    (text, picks.len())
}

fn picks() -> impl Strategy<Value = Vec<(usize, u32, bool)>> {
    proptest::collection::vec((0usize..16, 0u32..1000, any::<bool>()), 1..8)
}

fn check_server(engine: Engine, url: &str, gens: &[Gen], cases: u32) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut spec = ConnSpec::parse_url(url).unwrap();
    spec.read_only = false;
    let session: Box<dyn Session> = rt.block_on(dbn::db::connect(&spec)).unwrap();
    // TestRunner::run takes a Fn.
    let session = std::cell::RefCell::new(session);
    let reset = match engine {
        Engine::Postgres => "SET standard_conforming_strings = on",
        _ => "SET sql_mode = ''",
    };
    let mut runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    runner
        .run(&picks(), |p| {
            let mut session = session.borrow_mut();
            rt.block_on(query_all(session.as_mut(), reset)).unwrap();
            let (text, count) = soup(gens, &p, Lexing::default());
            let pieces = split_with(&text, engine, Lexing::default());
            prop_assert_eq!(pieces.len(), count, "{:?}: {:?}", text, pieces);
            for piece in &pieces {
                let sql = &text[piece.span.clone()];
                let r = rt.block_on(query_all(session.as_mut(), sql));
                prop_assert!(r.is_ok(), "{:?} in {:?}: {:?}", sql, text, r.err());
            }
            Ok(())
        })
        .unwrap();
    rt.block_on(query_all(session.borrow_mut().as_mut(), reset)).unwrap();
}

#[test]
fn postgres_splits_as_the_server_parses() {
    let Some(url) = common::pg_url() else { return };
    check_server(Engine::Postgres, &url, &pg_statements(), 64);
}

#[test]
fn mariadb_splits_as_the_server_parses() {
    let Some(url) = common::mysql_url() else { return };
    check_server(Engine::Mysql, &url, &my_statements(), 64);
}

#[test]
fn sqlite_splits_as_sqlite_prepares() {
    let c = rusqlite::Connection::open_in_memory().unwrap();
    c.execute_batch("CREATE TABLE t (a)").unwrap();
    let gens = sqlite_statements();
    let mut runner = TestRunner::new(Config {
        cases: 200,
        ..Config::default()
    });
    runner
        .run(&picks(), |p| {
            let (text, count) = soup(&gens, &p, Lexing::default());
            let pieces = split_with(&text, Engine::Sqlite, Lexing::default());
            prop_assert_eq!(pieces.len(), count, "{:?}: {:?}", text, pieces);
            for piece in &pieces {
                let sql = &text[piece.span.clone()];
                // rusqlite refuses a tail that holds another statement.
                let r = c.prepare(sql).map(|_| ());
                prop_assert!(r.is_ok(), "{:?} in {:?}: {:?}", sql, text, r.err());
            }
            Ok(())
        })
        .unwrap();
}
