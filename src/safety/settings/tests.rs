use super::*;
use crate::safety::lex::tokenize;

fn set(sql: &str, e: Engine) -> SetStatement {
    parse(sql, &tokenize(sql, e), e).unwrap()
}

fn v(sql: &str, e: Engine) -> Verdict {
    verdict(&set(sql, e), e).0
}

#[test]
fn names_compare_as_the_server_compares_them() {
    let pg = Engine::Postgres;
    for sql in [
        "SET default_transaction_read_only = off",
        "SET \"default_transaction_read_only\" = off",
        "SET SESSION \"DEFAULT_TRANSACTION_READ_ONLY\" TO 'off'",
        "SET U&\"default_transaction_read_onl\\0079\" = off",
        "SET transaction_read_only TO off",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        "RESET ALL",
        "SET standard_conforming_strings = off",
        "SET client_encoding = 'SJIS'",
        "SET NAMES 'GBK'",
        "SET client_encoding TO SJIS",
    ] {
        assert_eq!(v(sql, pg), Verdict::SessionUnlock, "{sql}");
    }
    let my = Engine::Mysql;
    for sql in [
        "SET @@session.`tx_read_only` = 0",
        "SET @@tx_read_only = 0",
        "SET SESSION transaction_read_only = 0",
        "SET sql_mode = 'NO_BACKSLASH_ESCAPES'",
        "SET @x = 1, sql_mode = ''",
        "SET NAMES gbk",
        "SET CHARACTER SET sjis",
        "SET character_set_client = big5",
        "SET SESSION TRANSACTION READ WRITE",
    ] {
        assert_eq!(v(sql, my), Verdict::SessionUnlock, "{sql}");
    }
    assert_eq!(v("SET GLOBAL max_connect_errors = 104, @x = 1", my), Verdict::Ddl);
    assert_eq!(v("SET @@global.max_connect_errors = 1", my), Verdict::Ddl);
    assert_eq!(v("SET GLOBAL a = 1, sort_buffer_size = 2", my), Verdict::Ddl);
    assert_eq!(v("SET PASSWORD = 'x'", my), Verdict::Ddl);
}

#[test]
fn harmless_settings_pass_and_others_are_writes() {
    let pg = Engine::Postgres;
    for sql in [
        "SET search_path = a, public",
        "SET LOCAL statement_timeout = '5s'",
        "SET TIME ZONE 'UTC'",
        "SET timezone TO DEFAULT",
        "SET work_mem = '64MB'",
        "SET SCHEMA 'x'",
        "RESET search_path",
    ] {
        assert_eq!(v(sql, pg), Verdict::Setting, "{sql}");
    }
    for sql in [
        "SET session_replication_role = replica",
        "SET ROLE admin",
        "SET app.user = 1",
    ] {
        assert_eq!(v(sql, pg), Verdict::Write, "{sql}");
    }
    let my = Engine::Mysql;
    for sql in [
        "SET @x = 1",
        "SET time_zone = '+00:00'",
        "SET SESSION max_statement_time = 5",
        "SET @@session.sql_select_limit = 10, @y = 2",
        "SET NAMES utf8mb4",
        "SET NAMES utf8mb4 COLLATE utf8mb4_bin",
        "SET CHARACTER SET latin1",
        "SET SESSION TRANSACTION READ ONLY",
    ] {
        assert_eq!(v(sql, my), Verdict::Setting, "{sql}");
    }
    assert_eq!(v("SET autocommit = 0", my), Verdict::Write);
    match set("SET STATEMENT max_statement_time = 5 FOR SELECT 1", my) {
        SetStatement::Statement(a, at) => {
            assert_eq!(a[0].name, "max_statement_time");
            assert_eq!(at, 41);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn lexing_changes_are_tracked() {
    let pg = Engine::Postgres;
    let d = Lexing::default();
    let eff = |sql: &str, e: Engine, cur: &Lexing| lexing_effect(sql, &tokenize(sql, e), e, cur);
    assert_eq!(
        eff("SET standard_conforming_strings = off", pg, &d),
        LexEffect::Now(Lexing {
            standard_strings: false,
            ..d
        })
    );
    assert_eq!(
        eff("SET LOCAL standard_conforming_strings = off", pg, &d),
        LexEffect::Unknown
    );
    assert_eq!(eff("RESET ALL", pg, &d), LexEffect::Unknown);
    assert_eq!(
        eff("SELECT set_config('standard_conforming_strings', 'off', false)", pg, &d),
        LexEffect::Unknown
    );
    assert_eq!(eff("SELECT 1", pg, &d), LexEffect::Unchanged);
    assert_eq!(eff("SET search_path = x", pg, &d), LexEffect::Unchanged);
    assert_eq!(eff("DO $$ BEGIN END $$", pg, &d), LexEffect::Unknown);
    let my = Engine::Mysql;
    assert_eq!(
        eff("SET sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'", my, &d),
        LexEffect::Now(Lexing {
            no_backslash_escapes: true,
            ansi_quotes: true,
            ..d
        })
    );
    assert_eq!(
        eff("SET sql_mode = CONCAT(@@sql_mode, ',ANSI')", my, &d),
        LexEffect::Unknown
    );
    assert_eq!(eff("SET GLOBAL sql_mode = 'ANSI'", my, &d), LexEffect::Unchanged);
    assert_eq!(eff("SET NAMES gbk", my, &d), LexEffect::Unknown);
    assert_eq!(eff("SET NAMES utf8mb4", my, &d), LexEffect::Unchanged);
    assert_eq!(eff("CALL p()", my, &d), LexEffect::Unknown);
}
