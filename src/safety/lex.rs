//! A small, total SQL lexer: enough to find statement boundaries and
//! keywords without understanding the grammar. It never fails: any byte
//! sequence yields tokens that cover the whole input in order.

use crate::db::{Engine, Lexing};
use std::ops::Range;

/// What a token is, as far as splitting and keyword scanning care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Spaces, tabs, newlines.
    Space,
    /// `-- ...`, `# ...` (MySQL) or `/* ... */`.
    Comment,
    /// A bare word: keyword, identifier or number.
    Word,
    /// A quoted identifier: `"x"`, `` `x` ``, `[x]`.
    QuotedIdent,
    /// A string literal, including dollar-quoted bodies.
    Str,
    /// One punctuation character (`;`, `(`, `,`, ...).
    Punct,
    /// MySQL `/*!NNNNN` opening: the server runs what follows as code.
    ExecCommentStart,
}

/// One token and its byte range in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Kind of token.
    pub kind: TokenKind,
    /// Bytes it covers.
    pub span: Range<usize>,
}

const BOM: &[u8] = "\u{FEFF}".as_bytes();

/// Tokenize `sql` with the quoting rules of `engine` and the server's
/// default lexing settings.
pub fn tokenize(sql: &str, engine: Engine) -> Vec<Token> {
    tokenize_with(sql, engine, &Lexing::default())
}

/// Tokenize `sql` as the server reads it under `lexing`: Postgres with
/// `standard_conforming_strings` off treats a backslash in '...' as an
/// escape; MySQL with `NO_BACKSLASH_ESCAPES` does not, and with
/// `ANSI_QUOTES` "..." is an identifier.
pub fn tokenize_with(sql: &str, engine: Engine, lexing: &Lexing) -> Vec<Token> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Depth of MySQL executable comments, whose `*/` closes them as code.
    let mut exec_depth = 0usize;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let kind = if c.is_ascii_whitespace() || b[i..].starts_with(BOM) {
            // A byte-order mark (files saved by some editors) is not SQL.
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i..].starts_with(BOM)) {
                i += if b[i..].starts_with(BOM) { BOM.len() } else { 1 };
            }
            TokenKind::Space
        } else if (c == b'-' && b.get(i + 1) == Some(&b'-') && dash_comment_ok(b, i, engine))
            || (c == b'#' && engine == Engine::Mysql)
        {
            i = line_end(b, i);
            TokenKind::Comment
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            if let Some(marker) = exec_comment_marker(b, i, engine) {
                i += marker;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                exec_depth += 1;
                TokenKind::ExecCommentStart
            } else {
                i = block_comment_end(b, i, engine == Engine::Postgres);
                TokenKind::Comment
            }
        } else if c == b'*' && b.get(i + 1) == Some(&b'/') && exec_depth > 0 {
            exec_depth -= 1;
            i += 2;
            TokenKind::Comment
        } else if c == b'\'' {
            i = quoted_end(b, i, b'\'', backslash_escapes(b, start, engine, lexing));
            TokenKind::Str
        } else if c == b'"' {
            if engine == Engine::Mysql && !lexing.ansi_quotes {
                i = quoted_end(b, i, b'"', !lexing.no_backslash_escapes);
                TokenKind::Str
            } else {
                i = quoted_end(b, i, b'"', false);
                TokenKind::QuotedIdent
            }
        } else if c == b'`' && engine != Engine::Postgres {
            i = quoted_end(b, i, b'`', false);
            TokenKind::QuotedIdent
        } else if c == b'[' && engine == Engine::Sqlite {
            i = b[i + 1..]
                .iter()
                .position(|&x| x == b']')
                .map(|p| i + p + 2)
                .unwrap_or(b.len());
            TokenKind::QuotedIdent
        } else if c == b'$' && engine == Engine::Postgres && !prev_is_word(b, i) {
            match dollar_tag(b, i) {
                Some(tag_len) => {
                    i = dollar_body_end(b, i, tag_len);
                    TokenKind::Str
                }
                None => {
                    i = word_end(b, i + 1);
                    TokenKind::Word
                }
            }
        } else if is_word_byte(c) {
            i = word_end(b, i);
            TokenKind::Word
        } else {
            // One character (which may be several bytes of UTF-8).
            i += utf8_len(c);
            TokenKind::Punct
        };
        let end = i.min(b.len()).max(start + 1);
        i = end;
        out.push(Token { kind, span: start..end });
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Bytes that make up bare words. Non-ASCII bytes count, so unicode
/// identifiers stay whole.
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_word_byte(b[i]) {
        i += 1;
    }
    i
}

fn prev_is_word(b: &[u8], i: usize) -> bool {
    i > 0 && is_word_byte(b[i - 1])
}

fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&x| x == b'\n')
        .map(|p| i + p)
        .unwrap_or(b.len())
}

/// MySQL needs whitespace (or the end) after `--` for a comment; `1--1` is arithmetic.
fn dash_comment_ok(b: &[u8], i: usize, engine: Engine) -> bool {
    if engine != Engine::Mysql {
        return true;
    }
    match b.get(i + 2) {
        None => true,
        Some(c) => c.is_ascii_whitespace() || c.is_ascii_control(),
    }
}

fn block_comment_end(b: &[u8], mut i: usize, nested: bool) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            if depth == 0 || nested {
                depth += 1;
            }
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            depth = depth.saturating_sub(1);
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// MySQL `/*!` and MariaDB `/*M!` (the server runs what follows as code):
/// the marker's length at `i`, if one starts there.
fn exec_comment_marker(b: &[u8], i: usize, engine: Engine) -> Option<usize> {
    if engine != Engine::Mysql {
        return None;
    }
    match (b.get(i + 2), b.get(i + 3)) {
        (Some(b'!'), _) => Some(3),
        (Some(b'M'), Some(b'!')) => Some(4),
        _ => None,
    }
}

/// Whether backslash escapes a quote in the literal starting at `start`.
fn backslash_escapes(b: &[u8], start: usize, engine: Engine, lexing: &Lexing) -> bool {
    match engine {
        Engine::Mysql => !lexing.no_backslash_escapes,
        // E'...' strings always; plain ones only with standard_conforming_strings off.
        Engine::Postgres => {
            let prefix = |c: u8| start > 0 && b[start - 1].eq_ignore_ascii_case(&c);
            let word_before = |n: usize| start > n && is_word_byte(b[start - n - 1]);
            if prefix(b'e') && !word_before(1) {
                return true;
            }
            // U&'...' never; plain and N'...' follow the setting.
            let unicode = start > 1 && b[start - 1] == b'&' && b[start - 2].eq_ignore_ascii_case(&b'u');
            !lexing.standard_strings && !unicode
        }
        Engine::Sqlite => false,
    }
}

/// End of a literal opened by `quote` at `i`; a doubled quote is an escaped quote.
fn quoted_end(b: &[u8], mut i: usize, quote: u8, backslash: bool) -> usize {
    i += 1;
    while i < b.len() {
        if backslash && b[i] == b'\\' {
            i += 2;
        } else if b[i] == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// Length of a `$tag$` opener at `i`, if it is one (`$1` is a parameter).
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if j < b.len() && b[j].is_ascii_digit() {
        return None;
    }
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] >= 0x80) {
        j += 1;
    }
    (j < b.len() && b[j] == b'$').then_some(j + 1 - i)
}

fn dollar_body_end(b: &[u8], i: usize, tag_len: usize) -> usize {
    let tag = &b[i..i + tag_len];
    let body = i + tag_len;
    b[body..]
        .windows(tag_len)
        .position(|w| w == tag)
        .map(|p| body + p + tag_len)
        .unwrap_or(b.len())
}

/// The upper-cased words of `tokens` (keywords and identifiers), in order.
pub fn words<'a>(sql: &'a str, tokens: &'a [Token]) -> impl Iterator<Item = (usize, String)> + 'a {
    tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == TokenKind::Word)
        .filter_map(move |(n, t)| sql.get(t.span.clone()).map(|w| (n, w.to_uppercase())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str, e: Engine) -> Vec<(TokenKind, &str)> {
        tokenize(sql, e)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Space)
            .map(|t| (t.kind, &sql[t.span]))
            .collect()
    }

    #[test]
    fn quoting_rules_per_engine() {
        let k = kinds(r"SELECT 'a;''b', E'x\';y', $t$ ; $t$, $1", Engine::Postgres);
        assert_eq!(k[1], (TokenKind::Str, "'a;''b'"));
        assert_eq!(k[3], (TokenKind::Word, "E"));
        assert_eq!(k[4], (TokenKind::Str, r"'x\';y'"));
        assert_eq!(k[6], (TokenKind::Str, "$t$ ; $t$"));
        assert_eq!(k[8], (TokenKind::Word, "$1"));
        let k = kinds(r#"SELECT "a\";b", `c;d` # x; y"#, Engine::Mysql);
        assert_eq!(k[1], (TokenKind::Str, r#""a\";b""#));
        assert_eq!(k[3], (TokenKind::QuotedIdent, "`c;d`"));
        assert_eq!(k[4], (TokenKind::Comment, "# x; y"));
        let k = kinds("/* a /* b */ ; */ x", Engine::Postgres);
        assert_eq!(k.len(), 2);
        let k = kinds("/* a /* b */ ; */ x", Engine::Sqlite);
        assert_eq!(k[1], (TokenKind::Punct, ";"));
    }

    #[test]
    fn covers_input_in_order() {
        for sql in ["é;'", "$$", "$a", "/*", "'", "[x", "--", "\u{1F600}x"] {
            for e in [Engine::Postgres, Engine::Mysql, Engine::Sqlite] {
                let t = tokenize(sql, e);
                let mut at = 0;
                for tok in &t {
                    assert_eq!(tok.span.start, at, "{sql:?} {e:?}");
                    at = tok.span.end;
                }
                assert_eq!(at, sql.len(), "{sql:?} {e:?}");
            }
        }
    }
}
