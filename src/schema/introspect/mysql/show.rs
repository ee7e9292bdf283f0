//! What only `SHOW CREATE TABLE` reports: index options (`KEY_BLOCK_SIZE`,
//! `WITH PARSER`, MariaDB `IGNORED`, MySQL `INVISIBLE`) and the table
//! options the server itself prints (`information_schema.TABLES.CREATE_OPTIONS`
//! also lists engine defaults such as Aria's `transactional=1`).

use crate::db::{DbResult, Session, Value, query_all};
use crate::schema::{Index, Table};
use std::collections::BTreeMap;

/// Read each table's `SHOW CREATE TABLE` and attach index and table options.
pub(super) async fn read_show_create(session: &mut dyn Session, tables: &mut BTreeMap<String, Table>) -> DbResult<()> {
    for t in tables.values_mut() {
        let sql = format!("SHOW CREATE TABLE `{}`", t.name.replace('`', "``"));
        let Ok((_, rows, _)) = query_all(session, &sql).await else {
            continue;
        };
        let Some(text) = rows.into_iter().next().and_then(|r| r.into_iter().nth(1)) else {
            continue;
        };
        let text = match text {
            Value::Text(s) => s,
            Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
            _ => continue,
        };
        for (name, opts) in key_options(&text) {
            apply(t, &name, opts);
        }
        if let Some(opts) = table_options(&text) {
            t.options = opts;
        }
    }
    Ok(())
}

fn apply(t: &mut Table, name: &str, opts: String) {
    if let Some(pos) = t.uniques.iter().position(|u| u.name == name) {
        let u = t.uniques.remove(pos);
        t.indexes.push(Index {
            name: u.name,
            columns: u.columns,
            unique: true,
            ..Default::default()
        });
    }
    if let Some(i) = t.indexes.iter_mut().find(|i| i.name == name) {
        i.invisible = opts
            .split_whitespace()
            .any(|w| w == "IGNORED" || w.contains("INVISIBLE"));
        i.options = Some(opts);
    }
}

/// `(index name, options)` of every key line that has options besides
/// `USING ...` and `COMMENT '...'`.
pub(crate) fn key_options(create: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in create.lines() {
        let l = line.trim().trim_end_matches(',');
        let rest = ["UNIQUE KEY ", "FULLTEXT KEY ", "SPATIAL KEY ", "KEY "]
            .iter()
            .find_map(|p| l.strip_prefix(p));
        let Some(rest) = rest else { continue };
        let Some(name_end) = rest[1..].find('`').map(|p| p + 1) else {
            continue;
        };
        let name = rest[1..name_end].replace("``", "`");
        let after = &rest[name_end + 1..];
        let Some(tail) = after_parts(after) else { continue };
        let opts = strip_known(tail);
        if !opts.is_empty() {
            out.push((name, opts));
        }
    }
    out
}

/// Options on the closing line of `CREATE TABLE`, without those the model
/// keeps elsewhere (engine, charset, collation, comment, counters).
pub(crate) fn table_options(create: &str) -> Option<Vec<String>> {
    let line = create.lines().find(|l| l.starts_with(") "))?;
    let mut out = Vec::new();
    let mut rest = line[2..].trim();
    while !rest.is_empty() {
        // KEY=VALUE, VALUE possibly quoted; `DEFAULT CHARSET=x` is two words.
        let (word, after) = match rest.find(['=', ' ']) {
            Some(p) if rest.as_bytes()[p] == b'=' => {
                let v = &rest[p + 1..];
                let end = if v.starts_with('\'') {
                    let mut i = 1;
                    let b = v.as_bytes();
                    while i < b.len() {
                        if b[i] == b'\'' && b.get(i + 1) != Some(&b'\'') {
                            break;
                        }
                        if b[i] == b'\'' {
                            i += 1;
                        }
                        i += 1;
                    }
                    (i + 1).min(v.len())
                } else {
                    v.find(' ').unwrap_or(v.len())
                };
                (&rest[..p + 1 + end], &v[end..])
            }
            Some(p) => (&rest[..p], &rest[p..]),
            None => (rest, ""),
        };
        let key = word.split('=').next().unwrap_or("").to_ascii_uppercase();
        if word.contains('=')
            && !matches!(
                key.as_str(),
                "ENGINE" | "CHARSET" | "COLLATE" | "COMMENT" | "AUTO_INCREMENT" | "CHARACTER SET"
            )
        {
            out.push(word.to_string());
        }
        rest = after.trim_start();
    }
    Some(out)
}

/// The text after the parenthesized part list.
fn after_parts(s: &str) -> Option<&str> {
    let open = s.find('(')?;
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, c) in s[open..].char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '`' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(&s[open + i + 1..]);
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// Drop `USING BTREE|HASH` and `COMMENT '...'` (reported elsewhere).
fn strip_known(tail: &str) -> String {
    let mut out = String::new();
    let mut rest = tail.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("USING ") {
            rest = r.split_once(' ').map(|(_, x)| x).unwrap_or("").trim_start();
            continue;
        }
        if let Some(r) = rest.strip_prefix("COMMENT '") {
            // Skip to the closing quote ('' and \' escape it).
            let b = r.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            rest = r.get(i + 1..).unwrap_or("").trim_start();
            continue;
        }
        let (word, r) = rest.split_once(' ').unwrap_or((rest, ""));
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        rest = r.trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::key_options;

    #[test]
    fn options_of_the_table_line() {
        let create = "CREATE TABLE `t` (\n  `a` int\n) ENGINE=Aria DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci PAGE_CHECKSUM=1 ROW_FORMAT=PAGE COMMENT='x y'";
        assert_eq!(
            super::table_options(create),
            Some(vec!["PAGE_CHECKSUM=1".to_string(), "ROW_FORMAT=PAGE".to_string()])
        );
    }

    #[test]
    fn options_of_key_lines() {
        let create = "CREATE TABLE `t` (\n  `a` int,\n  PRIMARY KEY (`a`),\n  UNIQUE KEY `u1` (`a`,`b`) USING HASH,\n  KEY `k1` (`a`) KEY_BLOCK_SIZE=8 COMMENT 'it''s',\n  KEY `k2` (`b`) IGNORED,\n  KEY `k3` (`c`(10))\n) ENGINE=InnoDB";
        assert_eq!(
            key_options(create),
            vec![
                ("k1".to_string(), "KEY_BLOCK_SIZE=8".to_string()),
                ("k2".to_string(), "IGNORED".to_string())
            ]
        );
    }
}
