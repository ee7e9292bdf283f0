//! Property tests: the classifier and the splitter never panic, whatever
//! the input, and split spans are in bounds, ordered and non-overlapping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dbn::db::Engine;
use dbn::safety::{classify, split};
use proptest::prelude::*;

const ENGINES: [Engine; 3] = [Engine::Postgres, Engine::Mysql, Engine::Sqlite];

/// Fragments that stress quoting, comments and statement boundaries.
const TOKENS: &[&str] = &[
    "SELECT",
    "DELETE",
    "FROM",
    "WHERE",
    "UPDATE",
    "SET",
    "DROP",
    "TABLE",
    "WITH",
    "AS",
    "(",
    ")",
    ";",
    ",",
    "'",
    "''",
    "\"",
    "`",
    "[",
    "]",
    "$$",
    "$t$",
    "$1",
    "--",
    "\n",
    "/*",
    "*/",
    "/*!",
    "#",
    "\\",
    "E'",
    "BEGIN",
    "END",
    "CASE",
    "CREATE",
    "TRIGGER",
    "PROCEDURE",
    "IF",
    "READ",
    "WRITE",
    "PRAGMA",
    "query_only",
    "=",
    "1",
    "x",
    "é",
    "漢",
    "\u{1F600}",
    " ",
    "\t",
    "RETURNING",
    "*",
    "INTO",
    "FOR",
    "EXPLAIN",
    "ANALYZE",
    "set_config",
    "nextval",
];

fn check(sql: &str) {
    for e in ENGINES {
        let spans = split(sql, e);
        let mut last_end = 0;
        for s in &spans {
            assert!(s.start < s.end, "empty span {s:?} in {sql:?}");
            assert!(s.start >= last_end, "overlap {s:?} in {sql:?}");
            assert!(s.end <= sql.len(), "out of bounds {s:?} in {sql:?}");
            assert!(sql.get(s.clone()).is_some(), "not on a char boundary {s:?} in {sql:?}");
            last_end = s.end;
        }
        let verdicts = classify(sql, e);
        assert_eq!(verdicts.len(), spans.len(), "classify and split disagree on {sql:?}");
        for (v, s) in verdicts.iter().zip(&spans) {
            assert_eq!(&v.span, s);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(sql in "\\PC{0,200}") {
        check(&sql);
    }

    #[test]
    fn arbitrary_bytes_as_text_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup_never_panics(parts in proptest::collection::vec(proptest::sample::select(TOKENS), 0..60)) {
        check(&parts.join(" "));
        check(&parts.concat());
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let sql = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
    for e in ENGINES {
        let v = classify(&sql, e);
        assert_eq!(v.len(), 1);
        assert!(!v[0].verdict.is_read() || v[0].parsed);
    }
}
