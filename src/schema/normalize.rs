//! Expression normalization for comparison: two renderings of the same
//! expression (extra parentheses, casts on string literals, whitespace,
//! keyword case) compare equal. Used only to decide "changed or not" and
//! for display; migrations always run the server's own text.

use super::introspect::sqlite::scan::tokens;

const TYPE_TAIL: &[&str] = &["varying", "precision", "without", "with", "time", "zone"];
const OPERATOR_CHARS: &str = "<>=!|:~+-*/%&^#@?";

/// A token and whether it touched the previous one in the source text.
struct Tok {
    text: String,
    glued: bool,
}

/// Tokens with multi-character operators (`>=`, `::`, `||`) merged.
fn toks(text: &str) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    let mut prev_end = usize::MAX;
    for (a, e) in tokens(text) {
        let t = &text[a..e];
        let glued = prev_end == a;
        let is_op = |s: &str| !s.is_empty() && s.chars().all(|c| OPERATOR_CHARS.contains(c));
        if glued
            && is_op(t)
            && let Some(last) = out.last_mut()
            && is_op(&last.text)
        {
            last.text.push_str(t);
        } else {
            out.push(Tok {
                text: t.to_string(),
                glued,
            });
        }
        prev_end = e;
    }
    out
}

/// Canonical text of an SQL expression.
pub fn expr(text: &str) -> String {
    let src = toks(text);
    let mut out: Vec<Tok> = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        let t = &src[i].text;
        // 'lit'::type  ->  'lit'
        if t == "::" && out.last().is_some_and(|p| p.text.starts_with('\'')) {
            i += 2;
            while i < src.len() && TYPE_TAIL.contains(&src[i].text.to_ascii_lowercase().as_str()) {
                i += 1;
            }
            if src.get(i).is_some_and(|x| x.text == "(") && src.get(i + 2).is_some_and(|x| x.text == ")") {
                i += 3;
            }
            continue;
        }
        let word = t.chars().all(|c| c.is_ascii_alphabetic() || c == '_');
        let text = if word && is_keyword(t) {
            t.to_ascii_uppercase()
        } else {
            t.clone()
        };
        out.push(Tok {
            text,
            glued: src[i].glued,
        });
        i += 1;
    }
    strip_outer_parens(&mut out);
    // `(x)` around a single token is noise: (100)::numeric, ((a))
    let mut j = 0;
    while j + 2 < out.len() {
        let call = j > 0 && out[j].glued && is_callable(&out[j - 1].text);
        if out[j].text == "(" && out[j + 2].text == ")" && !call {
            let glued = out[j].glued;
            out.remove(j + 2);
            out.remove(j);
            out[j].glued = glued;
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

fn strip_outer_parens(toks: &mut Vec<Tok>) {
    loop {
        if toks.len() < 2 || toks[0].text != "(" || toks[toks.len() - 1].text != ")" {
            return;
        }
        let mut depth = 0;
        for (k, t) in toks.iter().enumerate() {
            if t.text == "(" {
                depth += 1;
            } else if t.text == ")" {
                depth -= 1;
                if depth == 0 && k != toks.len() - 1 {
                    return;
                }
            }
        }
        toks.remove(0);
        toks.pop();
        if let Some(first) = toks.first_mut() {
            first.glued = false;
        }
    }
}

fn join(toks: &[Tok]) -> String {
    let mut s = String::new();
    let mut prev: &str = "";
    for t in toks {
        let x = t.text.as_str();
        let tight = matches!(x, ")" | "," | "." | "]" | "[" | "::" | ";")
            || matches!(prev, "(" | "." | "[" | "::" | "")
            || (x == "(" && t.glued && is_callable(prev));
        if !tight {
            s.push(' ');
        }
        s.push_str(x);
        prev = x;
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
    join(&toks(text))
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
        assert_eq!(expr("a<>b OR c||d != e"), "a <> b OR c || d != e");
        assert_ne!(expr("a > 0"), expr("a > 1"));
        assert_eq!(expr("(a + b) * c"), "(a + b) * c");
        assert_eq!(
            body("SELECT id\n   FROM users WHERE age >= 18;"),
            "SELECT id FROM users WHERE age >= 18;"
        );
        assert_eq!(body("USING btree (lower(email))"), "USING btree (lower(email))");
    }
}
