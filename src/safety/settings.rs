//! `SET` statements read from their tokens, names compared the way the
//! server compares them (quotes removed, `U&"..."` escapes decoded,
//! `@@session.` prefixes understood, case folded), and judged against
//! short per-engine lists: harmless session settings pass on a read-only
//! connection, settings that lift read-only or change how text is lexed
//! never do, and everything else counts as a write.

use super::Verdict;
use super::lex::{Token, TokenKind};
use crate::db::{Engine, Lexing};

/// Session settings a read-only connection may change: they affect only
/// how this session plans, waits, formats or limits, never what it may write.
const PG_HARMLESS: &[&str] = &[
    "search_path",
    "timezone",
    "time zone",
    "statement_timeout",
    "lock_timeout",
    "idle_in_transaction_session_timeout",
    "idle_session_timeout",
    "work_mem",
    "hash_mem_multiplier",
    "maintenance_work_mem",
    "temp_buffers",
    "application_name",
    "client_min_messages",
    "extra_float_digits",
    "bytea_output",
    "intervalstyle",
    "datestyle",
    "lc_messages",
    "lc_monetary",
    "lc_numeric",
    "lc_time",
    "default_statistics_target",
    "random_page_cost",
    "seq_page_cost",
    "cpu_tuple_cost",
    "cpu_index_tuple_cost",
    "cpu_operator_cost",
    "effective_cache_size",
    "effective_io_concurrency",
    "jit",
    "max_parallel_workers_per_gather",
    "parallel_setup_cost",
    "parallel_tuple_cost",
    "geqo",
    "from_collapse_limit",
    "join_collapse_limit",
    "plan_cache_mode",
    "constraint_exclusion",
    "cursor_tuple_fraction",
    "enable_seqscan",
    "enable_indexscan",
    "enable_indexonlyscan",
    "enable_bitmapscan",
    "enable_hashjoin",
    "enable_mergejoin",
    "enable_nestloop",
    "enable_hashagg",
    "enable_sort",
    "enable_incremental_sort",
    "enable_material",
    "enable_memoize",
    "enable_partitionwise_join",
    "enable_partitionwise_aggregate",
    "enable_partition_pruning",
    "enable_parallel_append",
    "enable_parallel_hash",
    "enable_tidscan",
    "enable_gathermerge",
    "row_security",
    "xmloption",
    "gin_fuzzy_search_limit",
    "track_io_timing",
];

/// Settings that could lift read-only (also tracked by name when unparsed).
const PG_READ_ONLY: &[&str] = &[
    "default_transaction_read_only",
    "transaction_read_only",
    "session_characteristics",
];

/// Settings that change how the server lexes SQL text.
const PG_LEXING: &[&str] = &[
    "standard_conforming_strings",
    "backslash_quote",
    "client_encoding",
    "names",
];

const MY_HARMLESS: &[&str] = &[
    "time_zone",
    "max_statement_time",
    "max_execution_time",
    "group_concat_max_len",
    "sql_select_limit",
    "max_join_size",
    "sql_big_selects",
    "sql_safe_updates",
    "net_read_timeout",
    "net_write_timeout",
    "wait_timeout",
    "interactive_timeout",
    "lock_wait_timeout",
    "innodb_lock_wait_timeout",
    "lc_time_names",
    "lc_messages",
    "div_precision_increment",
    "default_week_format",
    "sort_buffer_size",
    "join_buffer_size",
    "read_buffer_size",
    "read_rnd_buffer_size",
    "tmp_table_size",
    "tmp_memory_table_size",
    "max_heap_table_size",
    "max_sort_length",
    "max_length_for_sort_data",
    "optimizer_search_depth",
    "optimizer_prune_level",
    "optimizer_switch",
    "optimizer_use_condition_selectivity",
    "histogram_size",
    "use_stat_tables",
    "eq_range_index_dive_limit",
    "cte_max_recursion_depth",
    "max_recursive_iterations",
    "long_query_time",
    "profiling",
    "profiling_history_size",
    "sql_notes",
    "sql_warnings",
    "sql_quote_show_create",
    "big_tables",
    "transaction_isolation",
    "tx_isolation",
    "show_create_table_verbosity",
    "net_buffer_length",
];

const MY_READ_ONLY: &[&str] = &["tx_read_only", "transaction_read_only", "read_only"];

const MY_LEXING: &[&str] = &[
    "sql_mode",
    "character_set_client",
    "character_set_connection",
    "collation_connection",
    "names",
];

/// Settings naming the client character set, and the character sets in
/// which no byte of a multibyte character can be `\`, `'` or `"` (so text
/// is lexed the same): others (SJIS, BIG5, GBK, GB18030, UHC, ...) can hide
/// a quote's escape inside a character.
const CHARSET_SETTINGS: &[&str] = &[
    "names",
    "client_encoding",
    "character_set_client",
    "character_set_connection",
];
const SAFE_CHARSETS: &[&str] = &[
    "utf8",
    "utf8mb3",
    "utf8mb4",
    "unicode",
    "latin1",
    "latin2",
    "latin9",
    "ascii",
    "sql_ascii",
    "binary",
    "default",
    "win1252",
    "iso_8859_1",
    "iso_8859_15",
];

/// `SET NAMES utf8mb4` and the like: a charset that lexes like UTF-8.
fn safe_charset(a: &Assignment) -> bool {
    CHARSET_SETTINGS.contains(&a.name.as_str())
        && match &a.value {
            Value::Literal(v) => {
                let v = v.to_ascii_lowercase().replace('-', "");
                SAFE_CHARSETS
                    .iter()
                    .any(|c| c.replace('-', "") == v || c.replace('_', "") == v)
            }
            Value::Default => true,
            Value::Expression => false,
        }
}

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
fn significant<'a>(sql: &'a str, toks: &'a [Token]) -> Vec<(&'a Token, &'a str)> {
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

/// The verdict of a `SET` statement (assignments judged one by one, worst wins).
pub(crate) fn verdict(set: &SetStatement, engine: Engine) -> (Verdict, String) {
    match set {
        SetStatement::Assign(list) | SetStatement::Statement(list, _) => {
            let mut worst = (Verdict::Setting, "changes a harmless session setting".to_string());
            if list.is_empty() {
                return (Verdict::Write, "SET of an unrecognised form; treated as a write".into());
            }
            for a in list {
                let v = assignment_verdict(a, engine);
                if v.0 > worst.0 {
                    worst = v;
                }
            }
            worst
        }
        SetStatement::Transaction { session, words } => {
            let joined = words.join(" ");
            if joined.contains("READ WRITE") || joined.contains("READ_WRITE") {
                (
                    Verdict::SessionUnlock,
                    "asks for READ WRITE transactions, which would lift read-only".into(),
                )
            } else if *session && words.len() == 2 && joined == "READ ONLY" {
                (Verdict::Setting, "keeps transactions read-only".into())
            } else {
                (Verdict::Transaction, "sets transaction characteristics".into())
            }
        }
        SetStatement::Role => (
            Verdict::Write,
            "changes the role or authorization of the session; not a harmless setting".into(),
        ),
        SetStatement::Password => (Verdict::Ddl, "SET PASSWORD changes a password".into()),
    }
}

fn assignment_verdict(a: &Assignment, engine: Engine) -> (Verdict, String) {
    let name = a.name.as_str();
    let (harmless, read_only, lexing): (&[&str], &[&str], &[&str]) = match engine {
        Engine::Postgres => (PG_HARMLESS, PG_READ_ONLY, PG_LEXING),
        Engine::Mysql => (MY_HARMLESS, MY_READ_ONLY, MY_LEXING),
        Engine::Sqlite => (&[], &[], &[]),
    };
    if a.scope == Scope::User {
        return (Verdict::Setting, "sets a user variable".into());
    }
    if a.scope != Scope::Global && safe_charset(a) {
        return (
            Verdict::Setting,
            format!("sets {name} to a character set that lexes like UTF-8"),
        );
    }
    if read_only.contains(&name) || name == "all" || name.contains("read_only") {
        return (
            Verdict::SessionUnlock,
            format!("changes {name}, which could lift read-only"),
        );
    }
    if lexing.contains(&name) {
        return (
            Verdict::SessionUnlock,
            format!("changes {name}, which changes how the server reads SQL text; refused on read-only connections"),
        );
    }
    if a.scope == Scope::Global {
        return (Verdict::Ddl, format!("changes the server-wide setting {name}"));
    }
    if harmless.contains(&name) {
        return (Verdict::Setting, format!("changes the session setting {name}"));
    }
    (
        Verdict::Write,
        format!("changes {name}, which is not a known harmless session setting; treated as a write"),
    )
}

/// How a statement changes the lexing settings for the statements after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LexEffect {
    /// No change.
    Unchanged,
    /// The settings are now these.
    Now(Lexing),
    /// They may have changed to values dbn cannot know.
    Unknown,
}

/// The effect of one statement (by its tokens) on `current`.
pub(crate) fn lexing_effect(sql: &str, toks: &[Token], engine: Engine, current: &Lexing) -> LexEffect {
    let words: Vec<String> = significant(sql, toks)
        .iter()
        .map(|(_, s)| s.to_ascii_uppercase())
        .collect();
    let head = words.first().map(String::as_str).unwrap_or("");
    match parse(sql, toks, engine) {
        Some(SetStatement::Assign(list)) => {
            let mut now = *current;
            let mut changed = false;
            for a in list.iter().filter(|a| matches!(a.scope, Scope::Session | Scope::Local)) {
                let lexing_name = match engine {
                    Engine::Postgres => PG_LEXING.contains(&a.name.as_str()) || a.name == "all",
                    Engine::Mysql => MY_LEXING.contains(&a.name.as_str()),
                    Engine::Sqlite => false,
                };
                if !lexing_name || safe_charset(a) {
                    continue;
                }
                match (&a.value, a.name.as_str(), a.scope) {
                    (Value::Literal(v), "standard_conforming_strings", Scope::Session) => {
                        match v.to_ascii_lowercase().as_str() {
                            "on" | "true" | "yes" | "1" => now.standard_strings = true,
                            "off" | "false" | "no" | "0" => now.standard_strings = false,
                            _ => return LexEffect::Unknown,
                        }
                        changed = true;
                    }
                    (Value::Literal(v), "sql_mode", Scope::Session) => {
                        let m = Lexing::from_sql_mode(v);
                        now.no_backslash_escapes = m.no_backslash_escapes;
                        now.ansi_quotes = m.ansi_quotes;
                        changed = true;
                    }
                    // backslash_quote only decides whether \' is an error.
                    (_, "backslash_quote", _) => {}
                    _ => return LexEffect::Unknown,
                }
            }
            if changed {
                LexEffect::Now(now)
            } else {
                LexEffect::Unchanged
            }
        }
        Some(SetStatement::Statement(..) | SetStatement::Transaction { .. } | SetStatement::Role) => {
            LexEffect::Unchanged
        }
        Some(SetStatement::Password) => LexEffect::Unchanged,
        None => match head {
            // Reads by built-ins and plain data changes leave the session's
            // settings alone; code dbn cannot see may not (functions calling
            // set_config, procedures, a ROLLBACK undoing an earlier SET).
            "SELECT" | "WITH" | "VALUES" | "TABLE" | "SHOW" | "EXPLAIN" | "DESCRIBE" | "DESC" | "INSERT" | "UPDATE"
            | "DELETE" | "CREATE" | "ALTER" | "DROP" | "TRUNCATE" | "BEGIN" | "START" | "COMMIT" | "END"
            | "SAVEPOINT" | "RELEASE" | "GRANT" | "REVOKE" | "COMMENT" | "PRAGMA" | "USE" | "LOCK" | "UNLOCK"
                if !words.iter().any(|w| w.contains("SET_CONFIG")) =>
            {
                LexEffect::Unchanged
            }
            _ => LexEffect::Unknown,
        },
    }
}

#[cfg(test)]
mod tests;
