//! Staged changes to one table and the exact statements they become. Rows
//! are named by their key values (so staging survives sorting, filtering
//! and re-running the query); every statement must change exactly one row:
//! an UPDATE checks the edited columns' original values in its WHERE, so a
//! row someone else changed meanwhile matches nothing and is a conflict.

use super::source::EditTarget;
use super::value::{ColumnType, same};
use crate::db::quote::{ident, literal, string};
use crate::db::{Engine, Value};

/// One cell's new value.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Table column.
    pub column: usize,
    /// What it held when it was read.
    pub original: Value,
    /// What it will hold.
    pub value: Value,
}

/// Edits of one existing row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowEdit {
    /// The row's key values (target key order).
    pub key: Vec<Value>,
    /// Changed cells.
    pub changes: Vec<Change>,
}

/// A row to insert: the columns set; the others get their defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewRow {
    /// (table column, value).
    pub values: Vec<(usize, Value)>,
}

/// What a statement does, and to which staged row.
#[derive(Debug, Clone, PartialEq)]
pub enum StagedKind {
    /// Deletes the row with this key.
    Delete(Vec<Value>),
    /// Updates the row with this key.
    Update(Vec<Value>),
    /// Inserts new row number `n`.
    Insert(usize),
}

/// One statement of a commit.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedStatement {
    /// The SQL sent, values as literals.
    pub sql: String,
    /// What it does.
    pub kind: StagedKind,
}

/// Everything staged on one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Staged {
    /// The table.
    pub target: EditTarget,
    /// Edited rows, in the order first edited.
    pub updates: Vec<RowEdit>,
    /// New rows.
    pub inserts: Vec<NewRow>,
    /// Keys of rows to delete.
    pub deletes: Vec<Vec<Value>>,
}

impl Staged {
    /// Nothing staged yet, on `target`.
    pub fn new(target: EditTarget) -> Staged {
        Staged {
            target,
            updates: Vec::new(),
            inserts: Vec::new(),
            deletes: Vec::new(),
        }
    }

    /// True when nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.updates.is_empty() && self.inserts.is_empty() && self.deletes.is_empty()
    }

    /// `2 cells in 1 row, 1 new row, 1 deletion`.
    pub fn summary(&self) -> String {
        let cells: usize = self.updates.iter().map(|u| u.changes.len()).sum();
        let mut parts = Vec::new();
        if cells > 0 {
            let rows = self.updates.len();
            parts.push(format!(
                "{cells} cell{} in {rows} row{}",
                if cells == 1 { "" } else { "s" },
                if rows == 1 { "" } else { "s" }
            ));
        }
        if !self.inserts.is_empty() {
            let n = self.inserts.len();
            parts.push(format!("{n} new row{}", if n == 1 { "" } else { "s" }));
        }
        if !self.deletes.is_empty() {
            let n = self.deletes.len();
            parts.push(format!("{n} deletion{}", if n == 1 { "" } else { "s" }));
        }
        parts.join(", ")
    }

    /// Stage `value` for `column` of the row with `key`, which held `original`.
    /// Setting a cell back to its original value unstages it.
    pub fn set(&mut self, key: Vec<Value>, column: usize, original: Value, value: Value) {
        let pos = match self.updates.iter().position(|u| u.key == key) {
            Some(p) => p,
            None => {
                self.updates.push(RowEdit {
                    key: key.clone(),
                    changes: Vec::new(),
                });
                self.updates.len() - 1
            }
        };
        let row = &mut self.updates[pos];
        let original = row
            .changes
            .iter()
            .find(|c| c.column == column)
            .map_or(original, |c| c.original.clone());
        row.changes.retain(|c| c.column != column);
        if !same(&original, &value) {
            row.changes.push(Change {
                column,
                original,
                value,
            });
            row.changes.sort_by_key(|c| c.column);
        }
        if row.changes.is_empty() {
            self.updates.remove(pos);
        }
    }

    /// The staged change of a cell.
    pub fn change(&self, key: &[Value], column: usize) -> Option<&Change> {
        self.updates
            .iter()
            .find(|u| u.key == key)
            .and_then(|u| u.changes.iter().find(|c| c.column == column))
    }

    /// Drop the staged change of a cell; true when there was one.
    pub fn revert_cell(&mut self, key: &[Value], column: usize) -> bool {
        let Some(pos) = self.updates.iter().position(|u| u.key == key) else {
            return false;
        };
        let before = self.updates[pos].changes.len();
        self.updates[pos].changes.retain(|c| c.column != column);
        let changed = self.updates[pos].changes.len() != before;
        if self.updates[pos].changes.is_empty() {
            self.updates.remove(pos);
        }
        changed
    }

    /// Mark or unmark the row with `key` for deletion; true when now marked.
    pub fn toggle_delete(&mut self, key: Vec<Value>) -> bool {
        if let Some(pos) = self.deletes.iter().position(|k| *k == key) {
            self.deletes.remove(pos);
            false
        } else {
            self.deletes.push(key);
            true
        }
    }

    /// The row with `key` is marked for deletion.
    pub fn is_deleted(&self, key: &[Value]) -> bool {
        self.deletes.iter().any(|k| k == key)
    }

    /// What is wrong before anything is sent: new rows missing required values.
    pub fn check(&self) -> Result<(), String> {
        for (n, row) in self.inserts.iter().enumerate() {
            for (i, c) in self.target.columns.iter().enumerate() {
                let set = row.values.iter().find(|(col, _)| *col == i).map(|(_, v)| v);
                if c.required() && set.is_none_or(Value::is_null) {
                    return Err(format!(
                        "new row {}: '{}' is NOT NULL and has no default: give it a value",
                        n + 1,
                        c.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The statements a commit sends, in order: deletions, updates, inserts
    /// (a key freed by a deletion can be reused by an insert).
    pub fn statements(&self) -> Vec<StagedStatement> {
        let t = &self.target;
        let mut out = Vec::new();
        for key in &self.deletes {
            out.push(StagedStatement {
                sql: format!("DELETE FROM {} WHERE {}", t.sql_name(), key_condition(t, key)),
                kind: StagedKind::Delete(key.clone()),
            });
        }
        for row in self.updates.iter().filter(|u| !self.is_deleted(&u.key)) {
            let sets: Vec<String> = row
                .changes
                .iter()
                .map(|c| format!("{} = {}", col_ident(t, c.column), set_literal(t, c.column, &c.value)))
                .collect();
            let mut conds = vec![key_condition(t, &row.key)];
            conds.extend(
                row.changes
                    .iter()
                    .filter(|c| !t.key.contains(&c.column))
                    .map(|c| equals(t, c.column, &c.original)),
            );
            out.push(StagedStatement {
                sql: format!(
                    "UPDATE {} SET {} WHERE {}",
                    t.sql_name(),
                    sets.join(", "),
                    conds.join(" AND ")
                ),
                kind: StagedKind::Update(row.key.clone()),
            });
        }
        for (n, row) in self.inserts.iter().enumerate() {
            let sql = if row.values.is_empty() {
                match t.engine {
                    Engine::Mysql => format!("INSERT INTO {} () VALUES ()", t.sql_name()),
                    Engine::Postgres | Engine::Sqlite => format!("INSERT INTO {} DEFAULT VALUES", t.sql_name()),
                }
            } else {
                let cols: Vec<String> = row.values.iter().map(|(c, _)| col_ident(t, *c)).collect();
                let vals: Vec<String> = row.values.iter().map(|(c, v)| set_literal(t, *c, v)).collect();
                format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    t.sql_name(),
                    cols.join(", "),
                    vals.join(", ")
                )
            };
            out.push(StagedStatement {
                sql,
                kind: StagedKind::Insert(n),
            });
        }
        out
    }
}

fn col_ident(t: &EditTarget, c: usize) -> String {
    ident(t.engine, &t.columns[c].name)
}

fn key_condition(t: &EditTarget, key: &[Value]) -> String {
    t.key
        .iter()
        .zip(key)
        .map(|(c, v)| equals(t, *c, v))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `col = <literal>` that holds exactly when the column still has `v`.
fn equals(t: &EditTarget, c: usize, v: &Value) -> String {
    let col = col_ident(t, c);
    if v.is_null() {
        return format!("{col} IS NULL");
    }
    let ty = t.columns[c].data_type.to_ascii_lowercase();
    match t.engine {
        // Types without an equality operator compare as their text.
        Engine::Postgres
            if matches!(
                ty.as_str(),
                "json" | "xml" | "point" | "line" | "lseg" | "box" | "path" | "polygon" | "circle"
            ) =>
        {
            format!("{col}::text = {}", string(t.engine, &v.to_string()))
        }
        // Single-precision floats equal their value only at single precision.
        Engine::Mysql if t.columns[c].kind == ColumnType::Float32 => {
            format!("{col} = CAST({} AS FLOAT)", literal(t.engine, v))
        }
        _ => format!("{col} = {}", literal(t.engine, v)),
    }
}

/// The literal assigned to a column: JSON as plain text on PostgreSQL, so
/// `json` and `jsonb` columns both take it.
fn set_literal(t: &EditTarget, _c: usize, v: &Value) -> String {
    match (t.engine, v) {
        (Engine::Postgres, Value::Json(s)) => string(t.engine, s),
        _ => literal(t.engine, v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::source::TargetColumn;

    fn target(engine: Engine) -> EditTarget {
        let col = |name: &str, ty: &str, nullable: bool, default: Option<&str>| TargetColumn {
            name: name.into(),
            data_type: ty.into(),
            kind: ColumnType::of(engine, ty),
            nullable,
            default: default.map(str::to_string),
            server_filled: default.is_some_and(|d| d.starts_with("nextval")),
            generated: false,
            filled_when_omitted: false,
        };
        EditTarget {
            engine,
            schema: "shop".into(),
            table: "orders".into(),
            columns: vec![
                col("id", "integer", false, Some("nextval('orders_id_seq'::regclass)")),
                col("note", "text", true, None),
                col("total", "numeric(10,2)", false, None),
                col("meta", "json", true, None),
            ],
            key: vec![0],
            key_name: "orders_pkey".into(),
            mapping: vec![Some(0), Some(1), Some(2), Some(3)],
        }
    }

    #[test]
    fn updates_check_the_original_values_of_edited_columns() {
        let mut s = Staged::new(target(Engine::Postgres));
        s.set(vec![Value::Int(7)], 1, Value::Null, Value::Text("it's new".into()));
        s.set(
            vec![Value::Int(7)],
            2,
            Value::Decimal("10.00".into()),
            Value::Decimal("12.5".into()),
        );
        s.set(
            vec![Value::Int(7)],
            3,
            Value::Json("{\"a\":1}".into()),
            Value::Json("{\"a\":2}".into()),
        );
        let sql = s.statements();
        assert_eq!(
            sql[0].sql,
            "UPDATE \"shop\".\"orders\" SET \"note\" = 'it''s new', \"total\" = 12.5, \"meta\" = '{\"a\":2}' WHERE \"id\" = 7 AND \"note\" IS NULL AND \"total\" = 10.00 AND \"meta\"::text = '{\"a\":1}'"
        );
        assert_eq!(s.summary(), "3 cells in 1 row");
        // Back to the original: no edit left.
        s.set(
            vec![Value::Int(7)],
            2,
            Value::Decimal("12.5".into()),
            Value::Decimal("10.0".into()),
        );
        assert!(s.change(&[Value::Int(7)], 2).is_none());
        assert!(s.revert_cell(&[Value::Int(7)], 1));
        assert!(s.revert_cell(&[Value::Int(7)], 3));
        assert!(s.is_empty());
    }

    #[test]
    fn deletes_first_then_updates_then_inserts() {
        let mut s = Staged::new(target(Engine::Mysql));
        s.set(
            vec![Value::Int(1)],
            1,
            Value::Text("a".into()),
            Value::Text("b\\".into()),
        );
        s.set(vec![Value::Int(2)], 1, Value::Text("a".into()), Value::Text("c".into()));
        assert!(s.toggle_delete(vec![Value::Int(2)]));
        s.inserts.push(NewRow {
            values: vec![(2, Value::Decimal("3.50".into()))],
        });
        s.inserts.push(NewRow::default());
        let sql: Vec<String> = s.statements().into_iter().map(|x| x.sql).collect();
        assert_eq!(
            sql,
            vec![
                "DELETE FROM `shop`.`orders` WHERE `id` = 2",
                "UPDATE `shop`.`orders` SET `note` = 'b\\\\' WHERE `id` = 1 AND `note` = 'a'",
                "INSERT INTO `shop`.`orders` (`total`) VALUES (3.50)",
                "INSERT INTO `shop`.`orders` () VALUES ()",
            ]
        );
        assert_eq!(
            s.check().unwrap_err(),
            "new row 2: 'total' is NOT NULL and has no default: give it a value"
        );
        assert!(!s.toggle_delete(vec![Value::Int(2)]));
    }
}
