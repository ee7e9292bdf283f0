//! Rewrite a statement so sqlparser, which lexes with the servers' default
//! settings, reads the same structure the server will: under
//! `standard_conforming_strings = off` plain strings become `E'...'`;
//! under `NO_BACKSLASH_ESCAPES` backslashes in strings are doubled; under
//! `ANSI_QUOTES` "..." becomes `` `...` ``; Postgres `U&"..."` identifiers
//! are decoded. String contents and identifier names stay the same.

use crate::db::{Engine, Lexing};
use crate::safety::lex::{Token, TokenKind};
use crate::safety::settings::{unicode_unescape, unquote};

/// The text to hand to sqlparser for a statement read under `lexing`.
pub(super) fn for_parser(text: &str, toks: &[Token], engine: Engine, lexing: &Lexing) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let s = text.get(t.span.clone()).unwrap_or("");
        match (engine, t.kind) {
            (Engine::Postgres, TokenKind::Word)
                if s.eq_ignore_ascii_case("u")
                    && toks.get(i + 1).and_then(|a| text.get(a.span.clone())) == Some("&")
                    && toks.get(i + 2).is_some_and(|q| q.kind == TokenKind::QuotedIdent) =>
            {
                let q = &toks[i + 2];
                let body = unquote(text.get(q.span.clone()).unwrap_or(""));
                match unicode_unescape(&body, '\\') {
                    Some(name) => out.push_str(&crate::db::quote::ident(Engine::Postgres, &name)),
                    // An invalid escape: keep the text, sqlparser will refuse it.
                    None => out.push_str(text.get(t.span.start..q.span.end).unwrap_or("")),
                }
                i += 3;
                continue;
            }
            (Engine::Postgres, TokenKind::Str) if !lexing.standard_strings && s.starts_with('\'') => {
                // A plain (or N'') string is an escape string now.
                // A prefix glued to it (E'', B'', X'', U&'') keeps its meaning.
                let glued = (i > 0 && toks[i - 1].span.end == t.span.start).then(|| &toks[i - 1]);
                match glued {
                    Some(p) if p.kind == TokenKind::Word => {
                        let w = text.get(p.span.clone()).unwrap_or("");
                        if w.eq_ignore_ascii_case("n") {
                            out.truncate(out.len() - w.len());
                            out.push('E');
                        }
                    }
                    Some(p) if text.get(p.span.clone()) == Some("&") => {}
                    _ => out.push('E'),
                }
                out.push_str(s);
            }
            (Engine::Mysql, TokenKind::Str) if lexing.no_backslash_escapes => {
                out.push_str(&s.replace('\\', "\\\\"));
            }
            (Engine::Mysql, TokenKind::QuotedIdent) if lexing.ansi_quotes && s.starts_with('"') => {
                out.push('`');
                out.push_str(&unquote(s).replace('`', "``"));
                out.push('`');
            }
            _ => out.push_str(s),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::lex::tokenize_with;

    fn norm(sql: &str, e: Engine, l: Lexing) -> String {
        for_parser(sql, &tokenize_with(sql, e, &l), e, &l)
    }

    #[test]
    fn rewrites_follow_the_settings() {
        let d = Lexing::default();
        let off = Lexing {
            standard_strings: false,
            ..d
        };
        assert_eq!(norm("SELECT 'a\\', 'b'", Engine::Postgres, off), "SELECT E'a\\', 'b'");
        assert_eq!(norm("SELECT N'x\\'y'", Engine::Postgres, off), "SELECT E'x\\'y'");
        assert_eq!(norm("SELECT 'a\\'", Engine::Postgres, d), "SELECT 'a\\'");
        assert_eq!(norm("SET U&\"a\\0062c\" = 1", Engine::Postgres, d), "SET \"abc\" = 1");
        let nbe = Lexing {
            no_backslash_escapes: true,
            ..d
        };
        assert_eq!(norm("SELECT 'a\\'", Engine::Mysql, nbe), "SELECT 'a\\\\'");
        let ansi = Lexing { ansi_quotes: true, ..d };
        assert_eq!(
            norm("SELECT \"a`b\" FROM t", Engine::Mysql, ansi),
            "SELECT `a``b` FROM t"
        );
    }
}
