//! Expression normalization for comparison: two renderings of the same
//! expression (extra parentheses, casts on string literals, whitespace,
//! keyword case) compare equal. Used only to decide "changed or not" and
//! for display; migrations always run the server's own text.

use super::introspect::sqlite::scan::tokens;

const TYPE_TAIL: &[&str] = &["varying", "precision", "without", "with", "time", "zone"];

/// Canonical text of an SQL expression.
pub fn expr(text: &str) -> String {
    let toks: Vec<&str> = tokens(text).into_iter().map(|(a, e)| &text[a..e]).collect();
    let mut out: Vec<String> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        // 'lit'::type  ->  'lit'
        if t == ":" && toks.get(i + 1) == Some(&":") && out.last().is_some_and(|p| p.starts_with('\'')) {
            i += 2;
            if i < toks.len() {
                i += 1;
                while i < toks.len() && TYPE_TAIL.contains(&toks[i].to_ascii_lowercase().as_str()) {
                    i += 1;
                }
                // typmod such as (20)
                if toks.get(i) == Some(&"(") && toks.get(i + 2) == Some(&")") {
                    i += 3;
                }
            }
            continue;
        }
        let word = t.chars().all(|c| c.is_ascii_alphabetic() || c == '_');
        out.push(if word && is_keyword(t) {
            t.to_ascii_uppercase()
        } else {
            t.to_string()
        });
        i += 1;
    }
    strip_outer_parens(&mut out);
    // `(x)` around a single token is noise: (100)::numeric, ((a))
    let mut j = 0;
    while j + 2 < out.len() {
        if out[j] == "(" && out[j + 2] == ")" && !(j > 0 && is_callable(&out[j - 1])) {
            out.remove(j + 2);
            out.remove(j);
            j = j.saturating_sub(1);
        } else {
            j += 1;
        }
    }
    join(&out)
}

fn is_callable(prev: &str) -> bool {
    prev.chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"' || c == '`')
        && !is_keyword(prev)
}

fn is_keyword(w: &str) -> bool {
    const KW: &[&str] = &[
        "and", "or", "not", "null", "is", "in", "like", "ilike", "between", "case", "when", "then", "else", "end",
        "true", "false", "as", "any", "all", "some", "array", "distinct", "from", "where", "select", "exists",
    ];
    KW.contains(&w.to_ascii_lowercase().as_str())
}

fn strip_outer_parens(toks: &mut Vec<String>) {
    loop {
        if toks.len() < 2 || toks[0] != "(" || toks[toks.len() - 1] != ")" {
            return;
        }
        let mut depth = 0;
        for (k, t) in toks.iter().enumerate() {
            if t == "(" {
                depth += 1;
            } else if t == ")" {
                depth -= 1;
                if depth == 0 && k != toks.len() - 1 {
                    return;
                }
            }
        }
        toks.remove(0);
        toks.pop();
    }
}

fn join(toks: &[String]) -> String {
    let mut s = String::new();
    let mut prev: &str = "";
    for t in toks {
        let tight = matches!(t.as_str(), ")" | "," | "." | "]" | "[" | ":")
            || matches!(prev, "(" | "." | "[" | ":" | "")
            || (t == "(" && is_callable(prev));
        if !tight {
            s.push(' ');
        }
        s.push_str(t);
        prev = t;
    }
    s
}

/// Optional expression, normalized.
pub fn opt(text: &Option<String>) -> Option<String> {
    text.as_deref().map(expr)
}

/// Collapse whitespace in a longer body (view query, function) while keeping
/// its tokens, so indentation differences do not count as changes.
pub fn body(text: &str) -> String {
    let toks: Vec<String> = tokens(text).into_iter().map(|(a, e)| text[a..e].to_string()).collect();
    join(&toks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_renderings_match() {
        assert_eq!(expr("((score >= 0))"), expr("score >= 0"));
        assert_eq!(expr("'ok'::text"), expr("'ok'"));
        assert_eq!(expr("'a'::character varying"), "'a'");
        assert_eq!(expr("(total > (100)::numeric)"), "total > 100::numeric");
        assert_eq!(expr("lower( email )"), "lower(email)");
        assert_eq!(expr("a>0 and b<1"), "a > 0 AND b < 1");
        assert_ne!(expr("a > 0"), expr("a > 1"));
        assert_eq!(expr("(a + b) * c"), "(a + b) * c");
    }
}
