//! A small scanner for the parts of SQLite's stored `CREATE` text that no
//! pragma reports: CHECK constraints, generated columns, collations,
//! AUTOINCREMENT and where a view's query starts.

/// Byte ranges of top-level tokens; quoted identifiers and strings are one token.
pub(crate) fn tokens(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if matches!(c, b'\'' | b'"' | b'`' | b'[') {
            let close = if c == b'[' { b']' } else { c };
            let start = i;
            i += 1;
            while i < b.len() {
                if b[i] == close {
                    if close != b']' && b.get(i + 1) == Some(&close) {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            out.push((start, i));
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80) {
                i += 1;
            }
            out.push((start, i));
        } else {
            out.push((i, i + 1));
            i += 1;
        }
    }
    out
}

/// Split the body of `CREATE TABLE name (...)` into its top-level items.
pub fn table_items(sql: &str) -> Vec<String> {
    let toks = tokens(sql);
    let Some(open) = toks.iter().position(|&(a, _)| &sql[a..a + 1] == "(") else {
        return Vec::new();
    };
    let mut depth = 0;
    let mut items = Vec::new();
    let mut start = toks[open].1;
    for &(a, e) in &toks[open..] {
        match &sql[a..e] {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    items.push(sql[start..a].trim().to_string());
                    break;
                }
            }
            "," if depth == 1 => {
                items.push(sql[start..a].trim().to_string());
                start = e;
            }
            _ => {}
        }
    }
    items.retain(|i| !i.is_empty());
    items
}

/// `WITHOUT ROWID` and `STRICT` after the closing parenthesis of a
/// `CREATE TABLE`.
pub fn table_options(sql: &str) -> (bool, bool) {
    let toks = tokens(sql);
    let mut depth = 0;
    let mut close = None;
    for (k, &(a, e)) in toks.iter().enumerate() {
        match &sql[a..e] {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    close = Some(k);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(close) = close else { return (false, false) };
    let words: Vec<String> = toks[close + 1..]
        .iter()
        .map(|&(a, e)| sql[a..e].to_ascii_uppercase())
        .collect();
    let without_rowid = words.windows(2).any(|w| w[0] == "WITHOUT" && w[1] == "ROWID");
    (without_rowid, words.iter().any(|w| w == "STRICT"))
}

/// Unquote an identifier token.
pub fn unquote(t: &str) -> String {
    let b = t.as_bytes();
    if b.len() >= 2 && matches!(b[0], b'"' | b'`' | b'\'') && b[b.len() - 1] == b[0] {
        let q = &t[..1];
        return t[1..t.len() - 1].replace(&format!("{q}{q}"), q);
    }
    if b.len() >= 2 && b[0] == b'[' && b[b.len() - 1] == b']' {
        return t[1..t.len() - 1].to_string();
    }
    t.to_string()
}

/// What the scanner found in one item of a CREATE TABLE body.
#[derive(Debug, Default, PartialEq)]
pub struct ItemInfo {
    /// Column name, for column definitions.
    pub column: Option<String>,
    /// CHECK constraints: (name, expression inside the parentheses).
    pub checks: Vec<(String, String)>,
    /// Generated column: (expression, STORED|VIRTUAL).
    pub generated: Option<(String, String)>,
    /// COLLATE name.
    pub collation: Option<String>,
    /// AUTOINCREMENT keyword present.
    pub autoincrement: bool,
}

fn word(sql: &str, t: (usize, usize)) -> String {
    sql[t.0..t.1].to_ascii_uppercase()
}

/// Scan one CREATE TABLE item.
pub fn scan_item(item: &str) -> ItemInfo {
    let toks = tokens(item);
    let mut info = ItemInfo::default();
    let Some(&first) = toks.first() else { return info };
    let first_word = word(item, first);
    let is_constraint = matches!(
        first_word.as_str(),
        "CONSTRAINT" | "CHECK" | "PRIMARY" | "UNIQUE" | "FOREIGN"
    );
    if !is_constraint {
        info.column = Some(unquote(&item[first.0..first.1]));
    }
    let mut pending_name = String::new();
    let mut i = usize::from(!is_constraint);
    while i < toks.len() {
        let w = word(item, toks[i]);
        match w.as_str() {
            "CONSTRAINT" if i + 1 < toks.len() => {
                pending_name = unquote(&item[toks[i + 1].0..toks[i + 1].1]);
                i += 2;
                continue;
            }
            "CHECK" | "AS" => {
                if let Some((expr, next)) = paren_after(item, &toks, i + 1) {
                    if w == "CHECK" {
                        info.checks.push((std::mem::take(&mut pending_name), expr));
                    } else {
                        let kind = toks
                            .get(next)
                            .map(|&t| word(item, t))
                            .filter(|k| k == "STORED" || k == "VIRTUAL")
                            .unwrap_or_else(|| "VIRTUAL".to_string());
                        info.generated = Some((expr, kind));
                    }
                    i = next;
                    continue;
                }
            }
            "COLLATE" if i + 1 < toks.len() => {
                info.collation = Some(unquote(&item[toks[i + 1].0..toks[i + 1].1]));
            }
            "AUTOINCREMENT" => info.autoincrement = true,
            _ => {}
        }
        i += 1;
    }
    info
}

/// The text inside the parentheses that start at token `at`, and the index
/// of the token after the closing parenthesis.
fn paren_after(s: &str, toks: &[(usize, usize)], at: usize) -> Option<(String, usize)> {
    let &(a, _) = toks.get(at)?;
    if &s[a..a + 1] != "(" {
        return None;
    }
    let mut depth = 0;
    for (k, &(x, y)) in toks.iter().enumerate().skip(at) {
        match &s[x..y] {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    return Some((s[a + 1..x].trim().to_string(), k + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// The query of a `CREATE VIEW name [(cols)] AS query` statement.
pub fn view_query(sql: &str) -> String {
    let toks = tokens(sql);
    let mut seen_view = false;
    for &(a, e) in &toks {
        let w = sql[a..e].to_ascii_uppercase();
        if w == "VIEW" {
            seen_view = true;
        } else if seen_view && w == "AS" {
            return sql[e..].trim().to_string();
        }
    }
    sql.to_string()
}

/// Collapse runs of whitespace outside quotes to one space.
pub fn squash(sql: &str) -> String {
    let toks = tokens(sql);
    let mut out = String::new();
    let mut prev_end: Option<usize> = None;
    let mut prev = "";
    for &(a, e) in &toks {
        let t = &sql[a..e];
        if let Some(p) = prev_end {
            let tight = matches!(t, ")" | "," | ".") || matches!(prev, "(" | ".") || (t == "(" && p == a);
            if !tight {
                out.push(' ');
            }
        }
        out.push_str(t);
        prev = t;
        prev_end = Some(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_scans_items() {
        let sql = "CREATE TABLE \"t\" (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT COLLATE NOCASE CHECK (length(a) > 0), \
                   b INT GENERATED ALWAYS AS (id * 2) STORED, CONSTRAINT pos CHECK (b >= 0), UNIQUE (a, b))";
        let items = table_items(sql);
        assert_eq!(items.len(), 5);
        let id = scan_item(&items[0]);
        assert!(id.autoincrement);
        let a = scan_item(&items[1]);
        assert_eq!(a.collation.as_deref(), Some("NOCASE"));
        assert_eq!(a.checks, vec![(String::new(), "length(a) > 0".to_string())]);
        let b = scan_item(&items[2]);
        assert_eq!(b.generated, Some(("id * 2".into(), "STORED".into())));
        let c = scan_item(&items[3]);
        assert_eq!(c.column, None);
        assert_eq!(c.checks, vec![("pos".to_string(), "b >= 0".to_string())]);
    }

    #[test]
    fn view_query_and_squash() {
        assert_eq!(view_query("CREATE VIEW \"as\" AS SELECT 1"), "SELECT 1");
        assert_eq!(squash("CREATE  INDEX i\n ON t ( a ,b )"), "CREATE INDEX i ON t (a, b)");
        assert_eq!(
            squash("CREATE INDEX i ON t(lower( a),b)"),
            "CREATE INDEX i ON t(lower(a), b)"
        );
    }
}
