//! Secrets out of every stored text: statements (audit, history), server
//! messages that echo a statement, log lines.
//!
//! A statement is judged on its parse where sqlparser understands it (the
//! password of `CREATE/ALTER ROLE`, the connection string of `dblink*`
//! calls, the key of `pgp_sym_encrypt`/`aes_encrypt`, the argument of
//! `PASSWORD()`), and on its tokens everywhere else (the literal after
//! `PASSWORD`, `IDENTIFIED [WITH plugin] BY|AS`, `MASTER_PASSWORD`, `SECRET`,
//! in `SET PASSWORD`, `CREATE USER`, `CHANGE MASTER TO`, `OPTIONS (password
//! ...)` and text sqlparser cannot parse), then as text (URL credentials,
//! `password=...` in connection strings). Masking is idempotent, so a text
//! redacted by a caller can be redacted again where it is stored.

use super::classify::dialect;
use super::lex::{Token, TokenKind, tokenize};
use crate::db::Engine;
use sqlparser::ast::{
    AlterRoleOperation, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectName, Password, RoleOption,
    Statement, TableFactor, Visit, Visitor,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Location;
use std::ops::{ControlFlow, Range};

/// What replaces a secret.
pub const MASK: &str = "***";

/// Words after which a string literal is a secret.
const SECRET_WORDS: &[&str] = &["PASSWORD", "IDENTIFIED", "SECRET", "PASSWD", "PWD", "MASTER_PASSWORD"];

/// Functions whose arguments at these positions are secrets (`None`: all).
const SECRET_ARGS: &[(&str, Option<usize>)] = &[
    ("dblink_connect", None),
    ("dblink_connect_u", None),
    ("dblink", Some(0)),
    ("dblink_exec", Some(0)),
    ("password", Some(0)),
    ("old_password", Some(0)),
    ("encrypt", Some(0)),
    ("crypt", Some(0)),
    ("aes_encrypt", Some(1)),
    ("aes_decrypt", Some(1)),
    ("des_encrypt", Some(1)),
    ("des_decrypt", Some(1)),
    ("pgp_sym_encrypt", Some(1)),
    ("pgp_sym_decrypt", Some(1)),
    ("pgp_sym_encrypt_bytea", Some(1)),
    ("pgp_sym_decrypt_bytea", Some(1)),
];

/// `sql` with every secret literal replaced by `'***'`.
pub fn statement(sql: &str, engine: Engine) -> String {
    let tokens = tokenize(sql, engine);
    let spans = secret_spans(sql, engine, &tokens);
    let mut out = String::with_capacity(sql.len());
    for t in &tokens {
        let text = sql.get(t.span.clone()).unwrap_or("");
        if t.kind == TokenKind::Str && spans.iter().any(|s| overlaps(s, &t.span)) {
            out.push_str(&masked(text));
        } else {
            out.push_str(text);
        }
    }
    text(&out)
}

/// Like [`statement`] when the engine is not known (stored history of a
/// connection): masks what any engine's rules would call a secret.
pub fn any_engine(sql: &str) -> String {
    [Engine::Postgres, Engine::Mysql, Engine::Sqlite]
        .into_iter()
        .fold(sql.to_string(), |acc, e| statement(&acc, e))
}

/// The secret values in `sql` (literal contents, unquoted), to mask them
/// wherever a server message echoes them.
pub fn secrets(sql: &str, engine: Engine) -> Vec<String> {
    let tokens = tokenize(sql, engine);
    let spans = secret_spans(sql, engine, &tokens);
    let mut out: Vec<String> = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Str && spans.iter().any(|s| overlaps(s, &t.span)))
        .filter_map(|t| sql.get(t.span.clone()).map(unquote))
        .filter(|s| !s.is_empty() && s != MASK)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A server message about `sql` (an error that may echo the statement),
/// with the statement's secrets masked wherever they appear.
pub fn message(msg: &str, sql: &str, engine: Engine) -> String {
    let mut out = msg.to_string();
    for secret in secrets(sql, engine) {
        // Very short secrets are only masked in quotes, so the message stays readable.
        if secret.chars().count() >= 3 {
            out = out.replace(&secret, MASK);
        } else {
            for q in ['\'', '"'] {
                out = out.replace(&format!("{q}{secret}{q}"), &format!("{q}{MASK}{q}"));
            }
        }
    }
    text(&statement(&out, engine))
}

/// Free text (log lines, messages): URL credentials and `password=...`,
/// `PASSWORD '...'`, `IDENTIFIED BY '...'` forms.
pub fn text(s: &str) -> String {
    crate::logging::redact(s)
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn masked(literal: &str) -> String {
    let q = literal.chars().next().unwrap_or('\'');
    match q {
        '$' => format!("$${MASK}$$"),
        '\'' | '"' | '`' => format!("{q}{MASK}{q}"),
        // E'..', N'..', X'..', U&'..': keep the prefix.
        _ => match literal.find('\'') {
            Some(i) => format!("{}'{MASK}'", &literal[..i]),
            None => format!("'{MASK}'"),
        },
    }
}

fn unquote(literal: &str) -> String {
    let body = literal.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '&');
    if let Some(rest) = body.strip_prefix('$') {
        // $tag$body$tag$
        let tag_end = rest.find('$').map(|i| i + 2).unwrap_or(1);
        let tag = &body[..tag_end.min(body.len())];
        return body
            .strip_prefix(tag)
            .and_then(|b| b.strip_suffix(tag))
            .unwrap_or(body)
            .to_string();
    }
    let q = body.chars().next().unwrap_or('\'');
    let inner = body
        .strip_prefix(q)
        .map(|b| b.strip_suffix(q).unwrap_or(b))
        .unwrap_or(body);
    inner.replace(&format!("{q}{q}"), &q.to_string())
}

/// Byte ranges of secret literals: from the parse, and from the tokens.
fn secret_spans(sql: &str, engine: Engine, tokens: &[Token]) -> Vec<Range<usize>> {
    let mut spans = parsed_secret_spans(sql, engine);
    spans.extend(token_secret_spans(sql, tokens));
    spans
}

/// String literals shortly after a secret word (`PASSWORD 'x'`,
/// `IDENTIFIED WITH plugin BY 'x'`, `MASTER_PASSWORD = 'x'`).
fn token_secret_spans(sql: &str, tokens: &[Token]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut since_secret: Option<usize> = None;
    for t in tokens {
        let text = sql.get(t.span.clone()).unwrap_or("");
        match t.kind {
            TokenKind::Space | TokenKind::Comment => continue,
            TokenKind::Word if SECRET_WORDS.contains(&text.to_ascii_uppercase().as_str()) => {
                since_secret = Some(0);
                continue;
            }
            TokenKind::Str if since_secret.is_some_and(|n| n <= 4) => {
                out.push(t.span.clone());
                since_secret = None;
                continue;
            }
            _ => {}
        }
        since_secret = since_secret.map(|n| n + 1);
    }
    out
}

/// Secret literals found on the parsed statements.
fn parsed_secret_spans(sql: &str, engine: Engine) -> Vec<Range<usize>> {
    let d = dialect(engine);
    let Ok(stmts) = Parser::new(d.as_ref())
        .with_recursion_limit(64)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
    else {
        return Vec::new();
    };
    let mut finder = SecretFinder { locations: Vec::new() };
    for s in &stmts {
        let _ = s.visit(&mut finder);
    }
    let starts = line_starts(sql);
    finder
        .locations
        .into_iter()
        .filter_map(|(a, b)| Some(offset(sql, &starts, a)?..offset(sql, &starts, b)?.max(offset(sql, &starts, a)? + 1)))
        .collect()
}

struct SecretFinder {
    locations: Vec<(Location, Location)>,
}

impl SecretFinder {
    fn literal(&mut self, e: &Expr) {
        if let Expr::Value(v) = e {
            self.locations.push((v.span.start, v.span.end));
        }
    }

    fn password(&mut self, p: &Password) {
        if let Password::Password(e) = p {
            self.literal(e);
        }
    }
}

impl Visitor for SecretFinder {
    type Break = ();

    fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
        match s {
            Statement::CreateRole(r) => {
                if let Some(p) = &r.password {
                    self.password(p);
                }
            }
            Statement::AlterRole {
                operation: AlterRoleOperation::WithOptions { options },
                ..
            } => {
                for o in options {
                    if let RoleOption::Password(p) = o {
                        self.password(p);
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = e
            && let FunctionArguments::List(list) = &f.args
        {
            self.call(&f.name, &list.args);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        match t {
            TableFactor::Table {
                name, args: Some(a), ..
            } => self.call(name, &a.args),
            TableFactor::Function { name, args, .. } => self.call(name, args),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

impl SecretFinder {
    /// The secret arguments of a call to one of [`SECRET_ARGS`].
    fn call(&mut self, name: &ObjectName, args: &[FunctionArg]) {
        let name = name
            .0
            .last()
            .map(|p| p.to_string().trim_matches(['"', '`']).to_ascii_lowercase())
            .unwrap_or_default();
        let Some((_, which)) = SECRET_ARGS.iter().find(|(n, _)| *n == name) else {
            return;
        };
        for (i, a) in args.iter().enumerate() {
            let arg = match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(x))
                | FunctionArg::Named {
                    arg: FunctionArgExpr::Expr(x),
                    ..
                } => x,
                _ => continue,
            };
            if which.is_none_or(|w| w == i) {
                self.literal(arg);
            }
        }
    }
}

fn line_starts(sql: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// Byte offset of a 1-based line/column (columns count characters).
fn offset(sql: &str, starts: &[usize], loc: Location) -> Option<usize> {
    let line = usize::try_from(loc.line).ok()?.checked_sub(1)?;
    let col = usize::try_from(loc.column).ok()?.checked_sub(1)?;
    let start = *starts.get(line)?;
    let rest = sql.get(start..)?;
    Some(
        rest.char_indices()
            .nth(col)
            .map(|(i, _)| start + i)
            .unwrap_or(sql.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG: Engine = Engine::Postgres;
    const MY: Engine = Engine::Mysql;

    #[test]
    fn passwords_in_role_and_user_statements() {
        assert_eq!(
            statement("ALTER ROLE app WITH LOGIN PASSWORD 'hunter2'", PG),
            "ALTER ROLE app WITH LOGIN PASSWORD '***'"
        );
        assert_eq!(
            statement("CREATE ROLE a ENCRYPTED PASSWORD\n  'x''y' VALID UNTIL 'infinity'", PG),
            "CREATE ROLE a ENCRYPTED PASSWORD\n  '***' VALID UNTIL 'infinity'"
        );
        assert_eq!(
            statement("CREATE USER 'u'@'%' IDENTIFIED BY 'pw1'", MY),
            "CREATE USER 'u'@'%' IDENTIFIED BY '***'"
        );
        assert_eq!(
            statement("ALTER USER u IDENTIFIED WITH mysql_native_password BY \"pw\"", MY),
            "ALTER USER u IDENTIFIED WITH mysql_native_password BY \"***\""
        );
        assert_eq!(
            statement("SET PASSWORD FOR bob = 'pw'", MY),
            "SET PASSWORD FOR bob = '***'"
        );
        assert_eq!(
            statement("SET PASSWORD = PASSWORD('pw')", MY),
            "SET PASSWORD = PASSWORD('***')"
        );
        assert_eq!(
            statement(
                "CHANGE MASTER TO MASTER_HOST='h', MASTER_USER='r', MASTER_PASSWORD='s3'",
                MY
            ),
            "CHANGE MASTER TO MASTER_HOST='h', MASTER_USER='r', MASTER_PASSWORD='***'"
        );
        assert_eq!(
            statement(
                "CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'a', password 'p')",
                PG
            ),
            "CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'a', password '***')"
        );
    }

    #[test]
    fn secret_arguments_of_functions() {
        assert_eq!(
            statement("SELECT * FROM dblink('host=h dbname=d', 'select 1') AS t(a int)", PG),
            "SELECT * FROM dblink('***', 'select 1') AS t(a int)"
        );
        assert_eq!(
            statement("SELECT dblink_connect('c', 'hostaddr=1.2.3.4 user=u')", PG),
            "SELECT dblink_connect('***', '***')"
        );
        assert_eq!(
            statement("SELECT pgp_sym_encrypt(data, 'k3y') FROM t", PG),
            "SELECT pgp_sym_encrypt(data, '***') FROM t"
        );
        assert_eq!(
            statement("SELECT AES_ENCRYPT(c, 'k') FROM t", MY),
            "SELECT AES_ENCRYPT(c, '***') FROM t"
        );
        // An unparseable statement still loses its password=.
        assert!(!statement("FROB dblink_exec('password=topsecret', 'x')", PG).contains("topsecret"));
    }

    #[test]
    fn other_text_is_kept_and_masking_is_idempotent() {
        for s in [
            "SELECT 'password' AS label",
            "SELECT 1",
            "UPDATE t SET v = 'x' WHERE id = 2",
        ] {
            assert_eq!(statement(s, PG), s);
        }
        let once = statement("ALTER ROLE a PASSWORD 'z' ", PG);
        assert_eq!(statement(&once, PG), once);
        assert_eq!(
            any_engine("ALTER ROLE a PASSWORD $$z$$"),
            "ALTER ROLE a PASSWORD $$***$$"
        );
    }

    #[test]
    fn messages_lose_the_statement_secrets() {
        let sql = "CREATE USER bob IDENTIFIED BY 'hunter2' FROBNICATE";
        assert_eq!(secrets(sql, MY), vec!["hunter2".to_string()]);
        let msg = "You have an error in your SQL syntax near 'hunter2' FROBNICATE' at line 1";
        let m = message(msg, sql, MY);
        assert!(!m.contains("hunter2"), "{m}");
        assert!(m.contains("FROBNICATE"), "{m}");
    }
}
