//! Reading a `SET`-like statement from its tokens: assignments with their
//! scope, names compared the way the server compares them, and values.

use super::super::lex::{Token, TokenKind};
use crate::db::Engine;

/// Where an assignment applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// This session (the default).
    Session,
    /// The current transaction only (Postgres `SET LOCAL`).
    Local,
    /// The whole server (`GLOBAL`, `PERSIST`, `@@global.`).
    Global,
    /// A MySQL user variable (`@x`).
    User,
}

/// What is assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// One literal or bare word (`off`, `'NO_BACKSLASH_ESCAPES'`, `5s`).
    Literal(String),
    /// `DEFAULT`, `RESET`: the server's default, which dbn does not know.
    Default,
    /// An expression or a list: its value is only known when it runs.
    Expression,
}

/// One `name = value` of a `SET` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assignment {
    /// Where it applies.
    pub scope: Scope,
    /// The setting's name as the server compares it (lower case).
    pub name: String,
    /// The value.
    pub value: Value,
}

/// A `SET`-like statement, read from its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SetStatement {
    /// Ordinary assignments.
    Assign(Vec<Assignment>),
    /// `SET TRANSACTION ...`, `SET SESSION CHARACTERISTICS AS TRANSACTION ...`
    /// (words after `SET`, upper-cased).
    Transaction { session: bool, words: Vec<String> },
    /// `SET ROLE`, `SET SESSION AUTHORIZATION`, `SET DEFAULT ROLE`.
    Role,
    /// `SET PASSWORD ...`.
    Password,
    /// MariaDB `SET STATEMENT a = 1, ... FOR <statement>`: the assignments
    /// and the byte offset where the inner statement starts.
    Statement(Vec<Assignment>, usize),
}

/// Significant tokens of a statement with their text.
pub(super) fn significant<'a>(sql: &'a str, toks: &'a [Token]) -> Vec<(&'a Token, &'a str)> {
    toks.iter()
        .filter(|t| !matches!(t.kind, TokenKind::Space | TokenKind::Comment))
        .map(|t| (t, sql.get(t.span.clone()).unwrap_or("")))
        .collect()
}

/// Read a `SET` statement; `None` when the tokens do not start with SET
/// (or RESET, read as assignments of `Default`).
pub(crate) fn parse(sql: &str, toks: &[Token], engine: Engine) -> Option<SetStatement> {
    let sig = significant(sql, toks);
    let (head, rest) = sig.split_first()?;
    let head = head.1.to_ascii_uppercase();
    if head == "RESET" {
        let name = rest.iter().map(|(t, s)| ident_text(t, s)).collect::<Vec<_>>().join("");
        let name = if name.is_empty() { "all".to_string() } else { name };
        return Some(SetStatement::Assign(vec![Assignment {
            scope: Scope::Session,
            name,
            value: Value::Default,
        }]));
    }
    if head != "SET" {
        return None;
    }
    let words: Vec<String> = rest.iter().map(|(_, s)| s.to_ascii_uppercase()).collect();
    let first = words.first().map(String::as_str).unwrap_or("");
    let second = words.get(1).map(String::as_str).unwrap_or("");
    match (first, second) {
        ("TRANSACTION", _) => {
            return Some(SetStatement::Transaction {
                session: false,
                words: words[1..].to_vec(),
            });
        }
        ("SESSION" | "GLOBAL" | "LOCAL", "TRANSACTION") | ("SESSION", "CHARACTERISTICS") => {
            return Some(SetStatement::Transaction {
                session: first != "LOCAL",
                words: words[2..].to_vec(),
            });
        }
        ("ROLE" | "DEFAULT", _) | ("SESSION", "AUTHORIZATION") | ("LOCAL" | "SESSION", "ROLE") => {
            return Some(SetStatement::Role);
        }
        ("PASSWORD", _) => return Some(SetStatement::Password),
        ("STATEMENT", _) if engine == Engine::Mysql => {
            let for_at = rest
                .iter()
                .position(|(t, s)| t.kind == TokenKind::Word && s.eq_ignore_ascii_case("FOR"))?;
            let inner = rest.get(for_at + 1)?.0.span.start;
            let assigns = assignments(&rest[1..for_at], engine);
            return Some(SetStatement::Statement(assigns, inner));
        }
        _ => {}
    }
    Some(SetStatement::Assign(assignments(rest, engine)))
}

/// The text of an identifier token as the server compares it.
fn ident_text(t: &Token, s: &str) -> String {
    match t.kind {
        TokenKind::QuotedIdent | TokenKind::Str => unquote(s).to_ascii_lowercase(),
        _ => s.to_ascii_lowercase(),
    }
}

/// Remove the quotes of `"x"`, `` `x` ``, `'x'`, `[x]`, undoing doubled quotes.
pub(crate) fn unquote(s: &str) -> String {
    let Some(q) = s.chars().next() else {
        return String::new();
    };
    let close = if q == '[' { ']' } else { q };
    if !matches!(q, '"' | '`' | '\'' | '[') || s.len() < 2 || !s.ends_with(close) {
        return s.to_string();
    }
    let inner = &s[1..s.len() - 1];
    inner.replace(&format!("{close}{close}"), &close.to_string())
}

/// Postgres `U&"..."` body: `\XXXX`, `\+XXXXXX` and `\\` decoded with
/// escape character `esc`. `None` for an invalid escape (the server refuses it).
pub(crate) fn unicode_unescape(body: &str, esc: char) -> Option<String> {
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != esc {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some(&n) if n == esc => {
                chars.next();
                out.push(esc);
            }
            Some('+') => {
                chars.next();
                let hex: String = (0..6).filter_map(|_| chars.next()).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => {
                let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
        }
    }
    Some(out)
}

/// `[scope] name {=|TO|:=} value [, ...]` assignments.
fn assignments(toks: &[(&Token, &str)], engine: Engine) -> Vec<Assignment> {
    let mut out = Vec::new();
    let mut sticky = Scope::Session;
    let mut i = 0;
    let mut depth = 0usize;
    // Split at top-level commas first: each part is one assignment (or,
    // in Postgres, the rest of a value list).
    let mut parts: Vec<&[(&Token, &str)]> = Vec::new();
    let mut start = 0;
    while i < toks.len() {
        match toks[i].1 {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                parts.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&toks[start..]);
    if engine != Engine::Mysql {
        // Postgres: one setting, the commas separate values of a list.
        if let Some(a) = one_assignment(toks, &mut sticky, engine) {
            out.push(a);
        }
        return out;
    }
    for part in parts {
        if let Some(a) = one_assignment(part, &mut sticky, engine) {
            out.push(a);
        }
    }
    out
}

fn one_assignment(toks: &[(&Token, &str)], sticky: &mut Scope, engine: Engine) -> Option<Assignment> {
    let mut i = 0;
    let mut scope = None;
    while let Some((t, s)) = toks.get(i) {
        let up = s.to_ascii_uppercase();
        match up.as_str() {
            "SESSION" | "LOCAL" if t.kind == TokenKind::Word => {
                scope = Some(if up == "LOCAL" && engine == Engine::Postgres {
                    Scope::Local
                } else {
                    Scope::Session
                });
            }
            "GLOBAL" | "PERSIST" | "PERSIST_ONLY" if t.kind == TokenKind::Word => scope = Some(Scope::Global),
            _ => break,
        }
        i += 1;
    }
    if let Some(s) = scope {
        *sticky = s;
    }
    let mut scope = scope.unwrap_or(*sticky);
    // The name: words, quoted identifiers, dots, `@`, `U&"..."`, up to = / TO / :=.
    let mut name = String::new();
    while let Some((t, s)) = toks.get(i) {
        let up = s.to_ascii_uppercase();
        if *s == "=" || (up == "TO" && t.kind == TokenKind::Word && !name.is_empty()) || *s == ":" {
            break;
        }
        if matches!(up.as_str(), "TIME") && name.is_empty() {
            // SET TIME ZONE x
            if toks.get(i + 1).is_some_and(|(_, z)| z.eq_ignore_ascii_case("ZONE")) {
                return Some(Assignment {
                    scope,
                    name: "timezone".into(),
                    value: value_of(&toks[i + 2..]),
                });
            }
        }
        if up == "SCHEMA" && name.is_empty() {
            return Some(Assignment {
                scope,
                name: "search_path".into(),
                value: value_of(&toks[i + 1..]),
            });
        }
        // SET NAMES x [COLLATE y], SET CHARACTER SET x: the charset decides.
        if (up == "NAMES" || up == "CHARACTER") && name.is_empty() {
            let skip = if up == "CHARACTER" { 2 } else { 1 };
            return Some(Assignment {
                scope,
                name: "names".into(),
                value: value_of(toks.get(i + skip..(i + skip + 1).min(toks.len())).unwrap_or(&[])),
            });
        }
        // U&"name" [UESCAPE 'c']
        if up == "U"
            && toks.get(i + 1).is_some_and(|(_, a)| *a == "&")
            && let Some((qt, q)) = toks.get(i + 2)
            && qt.kind == TokenKind::QuotedIdent
        {
            let decoded = unicode_unescape(&unquote(q), '\\').unwrap_or_default();
            name.push_str(&decoded.to_ascii_lowercase());
            i += 3;
            continue;
        }
        name.push_str(&ident_text(t, s));
        i += 1;
    }
    if name.is_empty() {
        return None;
    }
    // MySQL @@global.x / @@session.x / @@local.x / @@x / @x.
    if engine == Engine::Mysql {
        if let Some(rest) = name.strip_prefix("@@") {
            let (sc, bare) = match rest.split_once('.') {
                Some(("global", b)) => (Scope::Global, b.to_string()),
                Some(("session" | "local", b)) => (Scope::Session, b.to_string()),
                _ => (Scope::Session, rest.to_string()),
            };
            scope = sc;
            name = bare;
        } else if name.starts_with('@') {
            scope = Scope::User;
        }
    }
    // Skip the operator: =, TO, :=.
    let mut j = i;
    if toks.get(j).is_some_and(|(_, s)| *s == ":") {
        j += 1;
    }
    if toks
        .get(j)
        .is_some_and(|(_, s)| *s == "=" || s.eq_ignore_ascii_case("TO"))
    {
        j += 1;
    }
    Some(Assignment {
        scope,
        name,
        value: value_of(toks.get(j..).unwrap_or(&[])),
    })
}

fn value_of(toks: &[(&Token, &str)]) -> Value {
    match toks {
        [(_, s)] if s.eq_ignore_ascii_case("DEFAULT") => Value::Default,
        [(t, s)] if matches!(t.kind, TokenKind::Str | TokenKind::Word | TokenKind::QuotedIdent) => {
            Value::Literal(unquote(s))
        }
        [(_, sign), (t, s)] if (*sign == "-" || *sign == "+") && t.kind == TokenKind::Word => {
            Value::Literal(format!("{sign}{s}"))
        }
        _ => Value::Expression,
    }
}
