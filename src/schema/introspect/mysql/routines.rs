//! Triggers and stored routines. Their text comes from `SHOW CREATE`
//! (the statement as written, without the definer), so re-creating one
//! gives the server's own text back; information_schema is the fallback
//! when `SHOW CREATE` is refused.

use super::queries::{PARAMETERS, ROUTINES, TRIGGERS};
use super::strip_db;
use crate::db::{DbResult, Session, Value, query_all};
use crate::schema::introspect::json_rows;
use crate::schema::{Function, Trigger};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct TriggerRow {
    name: String,
    table: String,
    timing: String,
    event: String,
    statement: String,
}

#[derive(Deserialize)]
struct RoutineRow {
    name: String,
    kind: String,
    returns: Option<String>,
    body: Option<String>,
    deterministic: Option<String>,
    access: Option<String>,
    security: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct ParamRow {
    routine: String,
    kind: String,
    mode: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    data_type: String,
}

fn q(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Column `col` of the first row of a `SHOW CREATE ...`, if it ran.
async fn show_create(session: &mut dyn Session, sql: &str, col: usize) -> Option<String> {
    let (_, rows, _) = query_all(session, sql).await.ok()?;
    match rows.into_iter().next()?.into_iter().nth(col)? {
        Value::Text(s) => Some(s),
        Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        _ => None,
    }
}

/// `CREATE DEFINER=`u`@`h` TRIGGER` -> `CREATE TRIGGER`.
pub(crate) fn strip_definer(text: &str) -> String {
    let Some(p) = text.find("DEFINER=") else {
        return text.to_string();
    };
    let rest = &text[p + "DEFINER=".len()..];
    // `user`@`host`, either part possibly quoted with backticks or quotes.
    let mut end = 0;
    let mut quote: Option<char> = None;
    for (i, c) in rest.char_indices() {
        match quote {
            Some(qc) if c == qc => quote = None,
            Some(_) => {}
            None if c == '`' || c == '\'' || c == '"' => quote = Some(c),
            None if c.is_whitespace() => {
                end = i;
                break;
            }
            None => {}
        }
        end = i + c.len_utf8();
    }
    format!("{}{}", &text[..p], rest[end..].trim_start())
}

/// Triggers of the database, in firing order.
pub(super) async fn read_triggers(session: &mut dyn Session, db: &str) -> DbResult<Vec<Trigger>> {
    let rows = json_rows::<TriggerRow>(session, TRIGGERS).await?;
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        let original = show_create(session, &format!("SHOW CREATE TRIGGER {}", q(&t.name)), 2).await;
        let definition = match original {
            Some(text) => strip_db(&strip_definer(&text), db),
            None => format!(
                "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW {}",
                q(&t.name),
                t.timing,
                t.event,
                q(&t.table),
                strip_db(&t.statement, db)
            ),
        };
        out.push(Trigger {
            schema: db.to_string(),
            definition,
            table: t.table,
            name: t.name,
            ..Default::default()
        });
    }
    Ok(out)
}

/// Stored functions and procedures.
pub(super) async fn read_routines(session: &mut dyn Session, db: &str) -> DbResult<Vec<Function>> {
    let mut params: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for p in json_rows::<ParamRow>(session, PARAMETERS).await? {
        let name = p.name.unwrap_or_default();
        let text = match p.mode.as_deref() {
            Some(m) if p.kind.eq_ignore_ascii_case("procedure") => format!("{m} {} {}", q(&name), p.data_type),
            _ => format!("{} {}", q(&name), p.data_type),
        };
        params
            .entry((p.routine, p.kind.to_ascii_uppercase()))
            .or_default()
            .push(text);
    }
    let mut out = Vec::new();
    for r in json_rows::<RoutineRow>(session, ROUTINES).await? {
        let kind = r.kind.to_ascii_uppercase();
        let args = params
            .remove(&(r.name.clone(), kind.clone()))
            .unwrap_or_default()
            .join(", ");
        let shown = show_create(session, &format!("SHOW CREATE {kind} {}", q(&r.name)), 2).await;
        let definition = match shown {
            Some(text) => strip_db(&strip_definer(&text), db),
            None => {
                let mut def = format!("CREATE {kind} {}({args})", q(&r.name));
                if kind == "FUNCTION" {
                    def.push_str(&format!(" RETURNS {}", r.returns.clone().unwrap_or_default()));
                }
                if r.deterministic.as_deref() == Some("YES") {
                    def.push_str(" DETERMINISTIC");
                }
                if let Some(a) = r.access.clone().filter(|a| a != "CONTAINS SQL") {
                    def.push_str(&format!(" {a}"));
                }
                if r.security.as_deref() == Some("INVOKER") {
                    def.push_str(" SQL SECURITY INVOKER");
                }
                if let Some(c) = r.comment.as_ref().filter(|c| !c.is_empty()) {
                    def.push_str(&format!(
                        " COMMENT {}",
                        crate::db::quote::string(crate::db::Engine::Mysql, c)
                    ));
                }
                def.push('\n');
                def.push_str(&strip_db(&r.body.clone().unwrap_or_default(), db));
                def
            }
        };
        out.push(Function {
            schema: db.to_string(),
            name: r.name,
            arguments: args,
            kind: kind.to_ascii_lowercase(),
            definition,
            ..Default::default()
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::strip_definer;

    #[test]
    fn definer_is_removed() {
        assert_eq!(
            strip_definer("CREATE DEFINER=`root`@`localhost` TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1"),
            "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1"
        );
        assert_eq!(
            strip_definer("CREATE DEFINER=`a b`@`%` FUNCTION `f`() RETURNS int RETURN 1"),
            "CREATE FUNCTION `f`() RETURNS int RETURN 1"
        );
        assert_eq!(strip_definer("CREATE TRIGGER t"), "CREATE TRIGGER t");
    }
}
