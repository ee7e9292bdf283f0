use super::*;
use crate::safety::Catalog;

fn one(sql: &str, e: Engine) -> StatementVerdict {
    let v = classify(sql, e);
    assert_eq!(v.len(), 1, "{sql}: {v:?}");
    v.into_iter().next().unwrap()
}

#[test]
fn basic_verdicts() {
    let e = Engine::Postgres;
    assert_eq!(one("SELECT 1", e).verdict, Verdict::Read);
    assert_eq!(one("DELETE FROM t", e).verdict, Verdict::UnboundedWrite);
    assert_eq!(one("DELETE FROM t WHERE id = 1", e).verdict, Verdict::Write);
    assert_eq!(one("DELETE FROM t WHERE 1=1", e).verdict, Verdict::UnboundedWrite);
    let d = one("DROP TABLE a, s.b", e);
    assert_eq!(d.verdict, Verdict::Destructive);
    assert_eq!(d.objects, vec!["a", "s.b"]);
    let u = one("FROBNICATE the database", e);
    assert_eq!(u.verdict, Verdict::Write);
    assert!(!u.parsed);
    assert!(u.reason.contains("could not be parsed"), "{}", u.reason);
}

#[test]
fn spans_point_into_the_input() {
    let sql = "  select 1; /* x */ delete from t ;";
    let v = classify(sql, Engine::Sqlite);
    assert_eq!(v.len(), 2);
    assert_eq!(&sql[v[1].span.clone()], "delete from t");
    assert_eq!(v[1].verdict, Verdict::UnboundedWrite);
}

#[test]
fn byte_order_mark_is_not_part_of_the_statement() {
    let sql = "\u{FEFF}SELECT 1;\r\n\u{FEFF}DELETE FROM t WHERE id = 1\r\n";
    let v = classify(sql, Engine::Postgres);
    assert_eq!(v.len(), 2);
    assert_eq!(
        (v[0].verdict, v[0].parsed, v[0].sql.as_str()),
        (Verdict::Read, true, "SELECT 1")
    );
    assert_eq!(v[1].verdict, Verdict::Write);
}

fn verdicts(sql: &str, e: Engine) -> Vec<Verdict> {
    classify(sql, e).into_iter().map(|v| v.verdict).collect()
}

#[test]
fn lexing_settings_are_followed_across_statements() {
    // Issue 11: with standard_conforming_strings off the server reads
    // 'a\', ' as one string, and the rest as statements.
    let sql = "SET standard_conforming_strings = off; SELECT 'a\\', ' ; COMMIT; BEGIN READ WRITE; INSERT INTO log(note) VALUES ($$x$$); COMMIT; --'";
    assert_eq!(
        verdicts(sql, Engine::Postgres),
        [
            Verdict::SessionUnlock,
            Verdict::Read,
            Verdict::Transaction,
            Verdict::SessionUnlock,
            Verdict::Write,
            Verdict::Transaction
        ]
    );
    let sql = "SET standard_conforming_strings = off; SELECT 'a\\', ' ; DELETE FROM t; DROP TABLE x; --'";
    assert_eq!(
        verdicts(sql, Engine::Postgres),
        [
            Verdict::SessionUnlock,
            Verdict::Read,
            Verdict::UnboundedWrite,
            Verdict::Destructive
        ]
    );
    let sql = "SET sql_mode = 'NO_BACKSLASH_ESCAPES'; SELECT 'a\\'; SET SESSION TRANSACTION READ WRITE; UPDATE t SET v = 0x70776e; SELECT 1 #'";
    assert_eq!(
        verdicts(sql, Engine::Mysql),
        [
            Verdict::SessionUnlock,
            Verdict::Read,
            Verdict::SessionUnlock,
            Verdict::UnboundedWrite,
            Verdict::Read
        ]
    );
    // A session that already runs with the setting off is read that way.
    let ctx = Context {
        engine: Engine::Postgres,
        lexing: crate::db::Lexing {
            standard_strings: false,
            ..Default::default()
        },
        catalog: None,
    };
    let v = classify_in("SELECT 'a\\', ' ; DELETE FROM t; --'", &ctx);
    assert_eq!(
        v.iter().map(|v| v.verdict).collect::<Vec<_>>(),
        [Verdict::Read, Verdict::UnboundedWrite]
    );
}

#[test]
fn unknown_lexing_is_judged_under_every_reading() {
    // After a procedure the settings may be anything: the worst reading wins.
    let sql = "CALL p(); SELECT 'a\\', ' ; DELETE FROM t; --'";
    let v = classify(sql, Engine::Postgres);
    assert_eq!(v[1].lexing, None);
    assert!(v[1].verdict >= Verdict::UnboundedWrite, "{v:?}");
    let v = classify("CALL p(); SELECT 'plain'", Engine::Mysql);
    assert_eq!(v[1].verdict, Verdict::Read);
}

#[test]
fn executable_comments_are_code_and_never_reads() {
    let my = Engine::Mysql;
    for sql in [
        "SELECT 1 /*!50000 + 1 */",
        "SELECT id /*M! INTO OUTFILE 'f.txt' */ FROM t",
        "SET /*M! @@session.tx_read_only = 0, */ @x = 1",
    ] {
        assert!(!one(sql, my).verdict.is_read(), "{sql}");
    }
    assert_eq!(
        one("SET /*M! GLOBAL max_connect_errors = 104, */ @x = 1", my).verdict,
        Verdict::Ddl
    );
    assert_eq!(
        one("SET /*M! @@session.tx_read_only = 0, */ @x = 1", my).verdict,
        Verdict::SessionUnlock
    );
    // Hidden in a comment, an OR makes a bounded DELETE unbounded.
    assert_eq!(
        one("DELETE FROM t WHERE id = 1 /*M! OR 1=1 */ AND 1", my).verdict,
        Verdict::UnboundedWrite
    );
    // A WHERE the server skips is no bound either.
    assert_eq!(
        one("DELETE FROM t /*!99999 WHERE id = 1 */", my).verdict,
        Verdict::UnboundedWrite
    );
}

#[test]
fn functions_resolve_per_engine_and_catalog() {
    assert_eq!(one("SELECT btrim('x')", Engine::Mysql).verdict, Verdict::Write);
    assert_eq!(one("SELECT btrim('x')", Engine::Postgres).verdict, Verdict::Read);
    assert_eq!(one("SELECT count (*) FROM t", Engine::Mysql).verdict, Verdict::Write);
    assert_eq!(one("SELECT count(*) FROM t", Engine::Mysql).verdict, Verdict::Read);
    let catalog = Catalog::from_parts(["public.lower"], ["public.v"]);
    let ctx = Context {
        catalog: Some(&catalog),
        ..Context::new(Engine::Postgres)
    };
    let j = |sql: &str| classify_in(sql, &ctx).remove(0).verdict;
    assert_eq!(j("SELECT lower(1)"), Verdict::Write);
    assert_eq!(j("SELECT pg_catalog.lower('A')"), Verdict::Read);
    assert_eq!(j("SELECT * FROM v"), Verdict::Write);
    assert_eq!(j("SELECT * FROM public.v JOIN t USING (id)"), Verdict::Write);
    assert_eq!(j("TABLE v"), Verdict::Write);
    assert_eq!(j("SELECT * FROM t"), Verdict::Read);
}

#[test]
fn read_only_allowlist_shapes() {
    let pg = Engine::Postgres;
    for (sql, want) in [
        ("SELECT 1 FOR UPDATE", Verdict::Write),
        (
            "WITH d AS (DELETE FROM t WHERE a = 1 RETURNING *) SELECT * FROM d",
            Verdict::Write,
        ),
        ("SELECT * INTO t2 FROM t", Verdict::Ddl),
        ("COPY t TO '/tmp/x'", Verdict::Write),
        ("COPY t TO STDOUT", Verdict::Read),
        ("CALL p()", Verdict::Write),
        ("DO $$ BEGIN END $$", Verdict::Write),
        ("LOCK TABLE t", Verdict::Write),
        ("NOTIFY ch", Verdict::Write),
        ("EXECUTE s", Verdict::Write),
        ("PREPARE TRANSACTION 'x'", Verdict::Write),
        ("COMMIT PREPARED 'x'", Verdict::Write),
        ("SAVEPOINT a", Verdict::Transaction),
        ("SELECT set_config('search_path', 'x', false)", Verdict::Write),
        ("SELECT pg_sleep(1)", Verdict::Read),
        ("SELECT nextval('s')", Verdict::Write),
        ("EXPLAIN ANALYZE DELETE FROM t WHERE a = 1", Verdict::Write),
        ("EXPLAIN DELETE FROM t", Verdict::Read),
        (
            "SET U&\"default_transaction_read_onl\\0079\" = off",
            Verdict::SessionUnlock,
        ),
    ] {
        assert_eq!(one(sql, pg).verdict, want, "{sql}");
    }
    let my = Engine::Mysql;
    for (sql, want) in [
        ("HANDLER t OPEN", Verdict::Write),
        ("SELECT LOAD_FILE('/etc/passwd')", Verdict::Write),
        ("SELECT GET_LOCK('x', 0)", Verdict::Write),
        ("SELECT BENCHMARK(1000, MD5('x'))", Verdict::Read),
        ("SELECT * FROM t PROCEDURE ANALYSE()", Verdict::Write),
        ("SELECT id FROM t INTO OUTFILE '/tmp/x'", Verdict::Write),
        ("SET STATEMENT max_statement_time = 5 FOR SELECT 1", Verdict::Setting),
        (
            "SET STATEMENT max_statement_time = 5 FOR DELETE FROM t",
            Verdict::UnboundedWrite,
        ),
        ("SET @x = ins_fn()", Verdict::Write),
    ] {
        assert_eq!(one(sql, my).verdict, want, "{sql}");
    }
}
