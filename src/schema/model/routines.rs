//! Routines and what hangs off tables besides columns: functions,
//! procedures, aggregates, triggers and row-level security policies.

use serde::{Deserialize, Serialize};

/// A function or procedure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Identity arguments (`a integer, b text`).
    pub arguments: String,
    /// Argument types only (`integer, text`): what identifies the routine
    /// (parameter names are not part of it). Empty in old snapshots.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub signature: String,
    /// `function`, `procedure` or `aggregate`.
    pub kind: String,
    /// Complete `CREATE ...` text as the server renders it.
    pub definition: String,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A trigger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    /// Schema of the table.
    pub schema: String,
    /// Table the trigger is on.
    pub table: String,
    /// Trigger name.
    pub name: String,
    /// Complete `CREATE TRIGGER ...` text.
    pub definition: String,
    /// Comment (Postgres `COMMENT ON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Postgres firing state when not the default: `DISABLE`,
    /// `ENABLE REPLICA` or `ENABLE ALWAYS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<String>,
}

/// A row-level security policy (Postgres).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Schema of the table.
    pub schema: String,
    /// Table.
    pub table: String,
    /// Policy name.
    pub name: String,
    /// `PERMISSIVE` or `RESTRICTIVE`.
    pub permissive: String,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE`, `DELETE`.
    pub command: String,
    /// Roles (quoted), `PUBLIC` for everyone.
    pub roles: Vec<String>,
    /// USING expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// WITH CHECK expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    /// Comment (Postgres `COMMENT ON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Function {
    /// What identifies the routine: its argument types (`integer, text`).
    /// Snapshots taken before the types were recorded carry only the
    /// arguments with their names; those names are stripped here.
    pub fn identity(&self) -> String {
        if !self.signature.is_empty() || self.arguments.is_empty() {
            return self.signature.clone();
        }
        split_top(&self.arguments)
            .iter()
            .filter_map(|arg| argument_type(arg))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Split on commas outside parentheses and quotes.
fn split_top(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut cur) = (0i32, false, String::new());
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// The type of one identity argument (`VARIADIC nums integer[]` ->
/// `integer[]`); `OUT` arguments are not part of a function's identity.
fn argument_type(arg: &str) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    let (mut cur, mut quoted) = (String::new(), false);
    for c in arg.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c.is_whitespace() && !quoted {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    match words.first().map(|w| w.to_ascii_uppercase()).as_deref() {
        Some("OUT") => return None,
        Some("IN" | "INOUT" | "VARIADIC") => {
            words.remove(0);
        }
        _ => {}
    }
    // Types that start with these words take several words.
    const MULTIWORD: &[&str] = &[
        "character",
        "double",
        "bit",
        "timestamp",
        "time",
        "interval",
        "national",
    ];
    if words.len() >= 2 && !MULTIWORD.contains(&words[0].to_ascii_lowercase().as_str()) {
        words.remove(0);
    }
    Some(words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::Function;

    #[test]
    fn identity_from_named_arguments() {
        let f = |args: &str| Function {
            arguments: args.into(),
            ..Default::default()
        };
        assert_eq!(f("a integer, b text").identity(), "integer, text");
        assert_eq!(f("integer, character varying").identity(), "integer, character varying");
        assert_eq!(
            f("\"My Arg\" numeric(10,2), VARIADIC rest integer[]").identity(),
            "numeric(10,2), integer[]"
        );
        assert_eq!(
            f("ts timestamp without time zone").identity(),
            "timestamp without time zone"
        );
        let g = Function {
            arguments: "x integer".into(),
            signature: "integer".into(),
            ..Default::default()
        };
        assert_eq!(g.identity(), "integer");
    }
}
