//! Split an editor buffer into statements without a parser: `;` ends a
//! statement unless it is inside quotes, comments or dollar quotes.

use std::ops::Range;

/// Byte ranges of the non-empty statements in `text` (without the `;`, trimmed).
pub fn statements(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' | b'`' => i = skip_quoted(b, i, b[i]),
            b'-' if b.get(i + 1) == Some(&b'-') => i = skip_to_eol(b, i),
            b'#' => i = skip_to_eol(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => i = skip_block(b, i),
            b'$' => i = skip_dollar(text, i),
            b';' => {
                push_trimmed(text, start..i, &mut out);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    push_trimmed(text, start..b.len(), &mut out);
    out
}

fn push_trimmed(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let s = &text[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead + trail < s.len() && !only_comments(s.trim()) {
        out.push(r.start + lead..r.end - trail);
    }
}

fn only_comments(s: &str) -> bool {
    s.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with("--")
    })
}

fn skip_quoted(b: &[u8], mut i: usize, q: u8) -> usize {
    i += 1;
    while i < b.len() {
        if b[i] == b'\\' && q != b'\'' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    b.len()
}

fn skip_to_eol(b: &[u8], i: usize) -> usize {
    b[i..].iter().position(|c| *c == b'\n').map_or(b.len(), |p| i + p + 1)
}

fn skip_block(b: &[u8], i: usize) -> usize {
    b[i + 2..]
        .windows(2)
        .position(|w| w == b"*/")
        .map_or(b.len(), |p| i + 2 + p + 2)
}

fn skip_dollar(text: &str, i: usize) -> usize {
    let rest = &text[i + 1..];
    let tag_len = rest
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count();
    if rest.as_bytes().get(tag_len) != Some(&b'$') || rest.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return i + 1;
    }
    let tag = &text[i..i + tag_len + 2];
    let body = i + tag.len();
    text[body..].find(tag).map_or(text.len(), |p| body + p + tag.len())
}

/// The statement the cursor (byte offset) is in or right after.
pub fn statement_at(text: &str, cursor: usize) -> Option<Range<usize>> {
    let all = statements(text);
    // A cursor after a statement's `;` on the same stretch still means that statement.
    let mut best = None;
    for r in &all {
        if r.start <= cursor {
            best = Some(r.clone());
        }
    }
    best.or_else(|| all.first().cloned())
}

/// Byte offset of a (row, char column) cursor in lines joined by `\n`.
pub fn byte_offset(lines: &[String], row: usize, col: usize) -> usize {
    let mut off = 0;
    for (i, l) in lines.iter().enumerate() {
        if i == row {
            return off + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
        }
        off += l.len() + 1;
    }
    off.saturating_sub(1)
}

/// (row, char column) of a byte offset in `text`.
pub fn row_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let row = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (row, before[line_start..].chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        statements(s).into_iter().map(|r| &s[r]).collect()
    }

    #[test]
    fn splits_outside_quotes_and_comments() {
        assert_eq!(texts("select 1; select ';' ;"), vec!["select 1", "select ';'"]);
        assert_eq!(
            texts("select 1 -- a;b\n; select 2"),
            vec!["select 1 -- a;b", "select 2"]
        );
        assert_eq!(texts("/* ; */ select 1;;"), vec!["/* ; */ select 1"]);
        assert_eq!(
            texts("create function f() returns int as $b$ select 1; $b$ language sql; select $1"),
            vec![
                "create function f() returns int as $b$ select 1; $b$ language sql",
                "select $1"
            ]
        );
        assert_eq!(texts("select 'it''s;'; -- only a comment"), vec!["select 'it''s;'"]);
    }

    #[test]
    fn picks_statement_under_cursor() {
        let s = "select 1;\nselect 2;\n\nselect 3";
        assert_eq!(&s[statement_at(s, 0).unwrap()], "select 1");
        assert_eq!(&s[statement_at(s, 12).unwrap()], "select 2");
        assert_eq!(&s[statement_at(s, 19).unwrap()], "select 2");
        assert_eq!(&s[statement_at(s, s.len()).unwrap()], "select 3");
        let lines: Vec<String> = s.lines().map(String::from).collect();
        assert_eq!(byte_offset(&lines, 1, 3), 13);
        assert_eq!(row_col(s, 13), (1, 3));
    }
}
