//! Clipboard text for cells and rows, and the OSC 52 sequence that puts it
//! on the user's clipboard even over SSH.

use crate::db::{Column, Engine, Value, quote};
use crate::output::{Format, value_to_json, writer};
use base64::Engine as _;

/// How a row is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFormat {
    /// Header line plus the row, tab separated.
    Tsv,
    /// Header line plus the row, RFC 4180.
    Csv,
    /// One JSON object.
    Json,
    /// One INSERT statement.
    Insert,
}

/// A cell's plain text (NULL copies as an empty string).
pub fn cell_text(v: &Value) -> String {
    v.render()
}

/// A row in the chosen format.
pub fn row_text(fmt: RowFormat, columns: &[Column], row: &[Value], engine: Engine, table: &str) -> String {
    match fmt {
        RowFormat::Tsv => via_writer(Format::Tsv, columns, row),
        RowFormat::Csv => via_writer(Format::Csv, columns, row),
        RowFormat::Json => {
            let mut m = serde_json::Map::new();
            for (c, v) in columns.iter().zip(row) {
                m.insert(c.name.clone(), value_to_json(v));
            }
            serde_json::to_string(&serde_json::Value::Object(m)).unwrap_or_default()
        }
        RowFormat::Insert => {
            let cols: Vec<String> = columns.iter().map(|c| quote::ident(engine, &c.name)).collect();
            let vals: Vec<String> = row.iter().map(|v| quote::literal(engine, v)).collect();
            format!(
                "INSERT INTO {table} ({}) VALUES ({});",
                cols.join(", "),
                vals.join(", ")
            )
        }
    }
}

fn via_writer(format: Format, columns: &[Column], row: &[Value]) -> String {
    let mut buf: Vec<u8> = Vec::new();
    {
        let mut w = writer(format, Box::new(&mut buf));
        let ok = w.begin(columns).is_ok() && w.rows(&[row.to_vec()]).is_ok();
        if ok {
            let _ = w.finish(&crate::db::Summary::default());
        }
    }
    String::from_utf8_lossy(&buf).trim_end_matches(['\n', '\r']).to_string()
}

/// The table a simple `SELECT ... FROM t` reads, for INSERT copies.
pub fn table_of(sql: &str) -> Option<String> {
    let lower = sql.to_ascii_lowercase();
    let mut words = lower.split_whitespace().zip(sql.split_whitespace());
    words.find(|(l, _)| *l == "from")?;
    let (_, name) = words.next()?;
    let name = name.trim_end_matches([';', ')', ',']);
    (!name.is_empty() && !name.starts_with('(')).then(|| name.to_string())
}

/// The OSC 52 escape sequence that sets the clipboard to `text`.
pub fn osc52(text: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Vec<Column> {
        ["id", "name"]
            .iter()
            .map(|n| Column {
                name: n.to_string(),
                type_name: "text".into(),
            })
            .collect()
    }

    #[test]
    fn row_formats() {
        let row = vec![Value::Int(1), Value::Text("O'Hara, \"x\"".into())];
        let tsv = row_text(RowFormat::Tsv, &cols(), &row, Engine::Postgres, "t");
        assert_eq!(tsv, "id\tname\n1\tO'Hara, \"x\"");
        let csv = row_text(RowFormat::Csv, &cols(), &row, Engine::Postgres, "t");
        assert!(csv.ends_with("1,\"O'Hara, \"\"x\"\"\""), "{csv}");
        let json = row_text(RowFormat::Json, &cols(), &row, Engine::Postgres, "t");
        assert_eq!(json, r#"{"id":1,"name":"O'Hara, \"x\""}"#);
        let ins = row_text(
            RowFormat::Insert,
            &cols(),
            &[Value::Int(1), Value::Null],
            Engine::Postgres,
            "users",
        );
        assert!(ins.starts_with("INSERT INTO users (") && ins.contains("NULL"), "{ins}");
        assert_eq!(
            table_of("select * from public.users limit 5"),
            Some("public.users".into())
        );
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
