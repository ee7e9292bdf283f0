//! User text that becomes part of SQL dbn builds (`--where`, `--key`,
//! `--columns`, `--table`, saved job definitions, jobs imported from a
//! bundle): parsed as the one kind of thing it must be and rendered by dbn,
//! never pasted. A condition is one boolean expression with no statement
//! separators, comments or executable comments, nothing that writes (its
//! functions and subqueries are judged by the classifier), and its string
//! literals rendered by [`crate::db::quote`]; names are identifiers.

use super::classify::{Context, Verdict, classify_in, dialect};
use super::lex::{TokenKind, tokenize};
use crate::db::{Engine, quote};
use sqlparser::ast::{Expr, Ident, ObjectNamePart, Value, VisitMut, VisitorMut};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;
use std::ops::ControlFlow;

/// Why user text was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {text:?} was refused: {why}")]
pub struct UserTextError {
    /// Which option or field (`--where`, `--table`, ...).
    pub what: &'static str,
    /// The text as given (for the message).
    pub text: String,
    /// Why, and what to write instead.
    pub why: String,
}

impl crate::error::Coded for UserTextError {
    fn code(&self) -> &'static str {
        "USAGE"
    }

    fn exit(&self) -> crate::error::ExitStatus {
        crate::error::ExitStatus::Usage
    }
}

fn refuse(what: &'static str, text: &str, why: impl Into<String>) -> UserTextError {
    UserTextError {
        what,
        text: crate::sanitize::sanitize(text).into_owned(),
        why: why.into(),
    }
}

/// Comments (which could swallow the SQL dbn puts after the condition) and
/// MySQL executable comments are not part of a condition.
fn no_comments(what: &'static str, text: &str, engine: Engine) -> Result<(), UserTextError> {
    for t in tokenize(text, engine) {
        match t.kind {
            TokenKind::Comment | TokenKind::ExecCommentStart => {
                return Err(refuse(what, text, "comments are not allowed in it"));
            }
            TokenKind::Punct if text.get(t.span.clone()) == Some(";") => {
                return Err(refuse(what, text, "it must be one condition, without `;`"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// String literals rendered by dbn's own quoting (dialect-correct whatever
/// escapes the user wrote), through sqlparser's verbatim placeholder.
struct RenderStrings(Engine);

impl VisitorMut for RenderStrings {
    type Break = ();

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if let Expr::Value(v) = e {
            let text = match &v.value {
                Value::SingleQuotedString(s)
                | Value::DoubleQuotedString(s)
                | Value::EscapedStringLiteral(s)
                | Value::UnicodeStringLiteral(s)
                | Value::NationalStringLiteral(s) => Some(s.clone()),
                Value::DollarQuotedString(d) => Some(d.value.clone()),
                _ => None,
            };
            if let Some(s) = text {
                v.value = Value::Placeholder(quote::string(self.0, &s));
            }
        }
        ControlFlow::Continue(())
    }
}

/// A `--where` condition for `engine`: checked and rendered as SQL dbn
/// embeds in parentheses.
pub fn filter(text: &str, engine: Engine) -> Result<String, UserTextError> {
    const WHAT: &str = "--where";
    if text.trim().is_empty() {
        return Err(refuse(WHAT, text, "it is empty"));
    }
    no_comments(WHAT, text, engine)?;
    let d = dialect(engine);
    let parsed = Parser::new(d.as_ref())
        .with_recursion_limit(64)
        .try_with_sql(text)
        .and_then(|mut p| {
            let e = p.parse_expr()?;
            p.expect_token(&Token::EOF)?;
            Ok(e)
        });
    let mut expr = parsed.map_err(|e| refuse(WHAT, text, format!("it is not one SQL condition ({e})")))?;
    let _ = expr.visit(&mut RenderStrings(engine));
    let rendered = expr.to_string();
    // The rendering must read back as itself, and as a pure read.
    let probe = format!("SELECT 1 WHERE ({rendered})");
    let verdicts = classify_in(&probe, &Context::new(engine));
    match verdicts.as_slice() {
        [v] if v.verdict == Verdict::Read && v.parsed && v.sql == probe => Ok(rendered),
        [v] if !v.verdict.is_read() => Err(refuse(
            WHAT,
            text,
            format!("a condition may only read, and this one {}", v.reason),
        )),
        _ => Err(refuse(WHAT, text, "it does not read back as one condition")),
    }
}

fn parser_for<'a>(d: &'a dyn sqlparser::dialect::Dialect, text: &str) -> Result<Parser<'a>, String> {
    Parser::new(d)
        .with_recursion_limit(16)
        .try_with_sql(text)
        .map_err(|e| e.to_string())
}

/// One identifier (`id`, `"Mixed Case"`, `` `a``b` ``): its name, unquoted.
pub fn identifier(text: &str, engine: Engine, what: &'static str) -> Result<String, UserTextError> {
    let d = dialect(engine);
    let parsed: Result<Ident, String> = parser_for(d.as_ref(), text.trim()).and_then(|mut p| {
        let id = p.parse_identifier().map_err(|e| e.to_string())?;
        p.expect_token(&Token::EOF).map_err(|e| e.to_string())?;
        Ok(id)
    });
    parsed
        .map(|id| id.value)
        .map_err(|e| refuse(what, text, format!("it is not a column name ({e})")))
}

/// A table name, `table` or `schema.table`, each part quoted or not:
/// `(schema, table)`, unquoted, for [`crate::db::quote::qualified`].
pub fn table_name(text: &str, engine: Engine) -> Result<(Option<String>, String), UserTextError> {
    const WHAT: &str = "--table";
    let d = dialect(engine);
    let parsed = parser_for(d.as_ref(), text.trim()).and_then(|mut p| {
        let n = p.parse_object_name(false).map_err(|e| e.to_string())?;
        p.expect_token(&Token::EOF).map_err(|e| e.to_string())?;
        Ok(n)
    });
    let name = parsed.map_err(|e| refuse(WHAT, text, format!("it is not a table name ({e})")))?;
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(id) => Ok(id.value.clone()),
            _ => Err(refuse(WHAT, text, "it is not a plain table name")),
        })
        .collect::<Result<_, _>>()?;
    match parts.as_slice() {
        [t] => Ok((None, t.clone())),
        [s, t] => Ok((Some(s.clone()), t.clone())),
        _ => Err(refuse(WHAT, text, "write it as table or schema.table")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_parsed_and_rendered() {
        let pg = Engine::Postgres;
        assert_eq!(filter("ts > '2026-01-01'", pg).unwrap(), "ts > '2026-01-01'");
        assert_eq!(filter("name = 'it''s'", pg).unwrap(), "name = 'it''s'");
        assert_eq!(filter("v = E'a\\\\b'", pg).unwrap(), "v = E'a\\\\b'");
        assert_eq!(filter("v = $$x'y$$", pg).unwrap(), "v = 'x''y'");
        assert_eq!(
            filter("lower(name) IN (SELECT n FROM allow)", pg).unwrap(),
            "lower(name) IN (SELECT n FROM allow)"
        );
        let my = Engine::Mysql;
        // MySQL escapes become dbn's own quoting.
        assert_eq!(
            filter("v = 'a\\\\' OR v = \"b\"", my).unwrap(),
            "v = 'a\\\\' OR v = 'b'"
        );
    }

    #[test]
    fn anything_but_one_reading_condition_is_refused() {
        let pg = Engine::Postgres;
        for evil in [
            "true); COMMIT; BEGIN READ WRITE; UPDATE t SET v = $$pwned$$ WHERE id = 5; COMMIT; SELECT 1 FROM t WHERE (true",
            "true) OR (1=1",
            "id = 1; DROP TABLE t",
            "id = 1 -- ",
            "id = 1 /* x */",
            "id IN (SELECT id FROM t FOR UPDATE)",
            "nextval('s') > 0",
            "my_function(id)",
            "EXISTS (WITH d AS (DELETE FROM t RETURNING 1) SELECT 1 FROM d)",
            "",
        ] {
            assert!(filter(evil, pg).is_err(), "{evil}");
        }
        let my = Engine::Mysql;
        for evil in [
            "1=1); COMMIT; SET SESSION TRANSACTION READ WRITE; UPDATE t SET v = 0x71 WHERE id = 5; COMMIT; SELECT 1 FROM t WHERE (1=1",
            "id = 1 /*!99999 OR 1=1 */",
            "id = 1 # x",
            "btrim(v) = 'x'",
            "id = 1 AND GET_LOCK('x', 1)",
        ] {
            assert!(filter(evil, my).is_err(), "{evil}");
        }
    }

    #[test]
    fn names_are_identifiers() {
        let pg = Engine::Postgres;
        assert_eq!(identifier("\"Mixed Case\"", pg, "--key").unwrap(), "Mixed Case");
        assert_eq!(identifier(" id ", pg, "--key").unwrap(), "id");
        assert!(identifier("id; DROP TABLE t", pg, "--key").is_err());
        assert!(identifier("a b", pg, "--key").is_err());
        assert_eq!(
            table_name("public.\"Orders.2026\"", pg).unwrap(),
            (Some("public".into()), "Orders.2026".into())
        );
        assert_eq!(
            table_name("`shop`.`t`", Engine::Mysql).unwrap(),
            (Some("shop".into()), "t".into())
        );
        assert!(table_name("t; DROP TABLE t", pg).is_err());
        assert!(table_name("a.b.c", pg).is_err());
    }
}
