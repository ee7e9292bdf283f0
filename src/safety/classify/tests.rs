use super::*;

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
