//! DDL text for every object of the model, per engine. The same code
//! renders the canonical form shown in diffs (expressions normalized) and
//! the executable form used by migrations (the server's own text).

mod keywords;
mod mysql;
mod table;
mod types;

use super::normalize;
use super::{CheckConstraint, ColumnDef, ForeignKey, Index, KeyConstraint, Table, View};
use crate::db::Engine;
use keywords::PG_RESERVED;

/// A DDL renderer for one engine.
#[derive(Debug, Clone, Copy)]
pub struct Ddl {
    /// Target engine.
    pub engine: Engine,
    /// Normalize expressions (for comparison and display) instead of
    /// keeping the server's text (for execution).
    pub canonical: bool,
}

impl Ddl {
    /// A renderer producing executable SQL.
    pub fn exec(engine: Engine) -> Ddl {
        Ddl {
            engine,
            canonical: false,
        }
    }

    /// A renderer producing normalized SQL for comparison.
    pub fn canonical(engine: Engine) -> Ddl {
        Ddl {
            engine,
            canonical: true,
        }
    }

    /// Quote an identifier when it needs it (always for MySQL).
    pub fn ident(&self, name: &str) -> String {
        if self.engine == Engine::Mysql {
            return crate::db::quote::ident(self.engine, name);
        }
        let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !PG_RESERVED.contains(&name);
        if plain {
            name.to_string()
        } else {
            crate::db::quote::ident(self.engine, name)
        }
    }

    /// Qualified name: `schema.name` on Postgres, the bare name elsewhere
    /// (MySQL works inside the connection's database, SQLite in `main`).
    pub fn qname(&self, schema: &str, name: &str) -> String {
        match self.engine {
            Engine::Postgres => format!("{}.{}", self.ident(schema), self.ident(name)),
            _ => self.ident(name),
        }
    }

    /// An expression, normalized in canonical mode.
    pub fn expr(&self, e: &str) -> String {
        if self.canonical {
            normalize::expr(e)
        } else {
            e.to_string()
        }
    }

    /// A longer body (view query, index definition), whitespace-normalized
    /// in canonical mode.
    pub fn body(&self, b: &str) -> String {
        if self.canonical {
            normalize::body(b)
        } else {
            b.to_string()
        }
    }

    fn list(&self, cols: &[String]) -> String {
        cols.iter().map(|c| self.ident(c)).collect::<Vec<_>>().join(", ")
    }

    /// A string literal.
    pub fn literal(&self, s: &str) -> String {
        crate::db::quote::string(self.engine, s)
    }

    /// One column definition (without a trailing comma).
    pub fn column(&self, c: &ColumnDef, inline_pk: bool) -> String {
        match self.engine {
            Engine::Mysql => return self.mysql_column(c),
            Engine::Sqlite => return self.sqlite_column(c, inline_pk),
            Engine::Postgres => {}
        }
        let mut s = format!("{} {}", self.ident(&c.name), c.data_type);
        if let Some(m) = &c.compression {
            s.push_str(&format!(" COMPRESSION {m}"));
        }
        if let Some(coll) = &c.collation {
            s.push_str(&format!(" COLLATE {coll}"));
        }
        if let Some(g) = &c.generated {
            s.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", self.expr(g)));
        } else if let Some(id) = &c.identity {
            s.push_str(&format!(" GENERATED {id} AS IDENTITY"));
            if let Some(o) = &c.identity_options {
                s.push_str(&format!(" ({o})"));
            }
        } else if let Some(d) = &c.default {
            s.push_str(&format!(" DEFAULT {}", self.expr(d)));
        }
        if !c.nullable {
            s.push_str(" NOT NULL");
        }
        s
    }

    fn sqlite_column(&self, c: &ColumnDef, inline_pk: bool) -> String {
        let mut s = self.ident(&c.name);
        if !c.data_type.is_empty() {
            s.push(' ');
            s.push_str(&c.data_type);
        }
        if inline_pk {
            s.push_str(" PRIMARY KEY");
            if c.identity.is_some() {
                s.push_str(" AUTOINCREMENT");
            }
        }
        if !c.nullable && !inline_pk {
            s.push_str(" NOT NULL");
        }
        if let Some(coll) = &c.collation {
            s.push_str(&format!(" COLLATE {coll}"));
        }
        if let Some(g) = &c.generated {
            s.push_str(&format!(" GENERATED ALWAYS AS {g}"));
        } else if let Some(d) = &c.default {
            s.push_str(&format!(" DEFAULT {d}"));
        }
        s
    }

    pub(crate) fn named(&self, name: &str) -> String {
        if name.is_empty() {
            String::new()
        } else {
            format!("CONSTRAINT {} ", self.ident(name))
        }
    }

    /// Postgres options of a key constraint's index, after its columns.
    fn key_tail(&self, k: &KeyConstraint) -> String {
        let mut s = String::new();
        if !k.include.is_empty() {
            s.push_str(&format!(" INCLUDE ({})", self.list(&k.include)));
        }
        if let Some(w) = &k.with {
            s.push_str(&format!(" WITH ({w})"));
        }
        if let Some(d) = &k.deferrable {
            s.push_str(&format!(" {d}"));
        }
        s
    }

    /// `PRIMARY KEY (...)` clause.
    pub fn primary_key(&self, k: &KeyConstraint) -> String {
        match self.engine {
            Engine::Postgres => format!(
                "{}PRIMARY KEY ({}){}",
                self.named(&k.name),
                self.list(&k.columns),
                self.key_tail(k)
            ),
            _ => format!("PRIMARY KEY ({})", self.list(&k.columns)),
        }
    }

    /// `UNIQUE (...)` clause.
    pub fn unique(&self, k: &KeyConstraint) -> String {
        match self.engine {
            Engine::Mysql => format!("UNIQUE KEY {} ({})", self.ident(&k.name), self.list(&k.columns)),
            Engine::Postgres => format!(
                "{}UNIQUE{} ({}){}",
                self.named(&k.name),
                if k.nulls_not_distinct {
                    " NULLS NOT DISTINCT"
                } else {
                    ""
                },
                self.list(&k.columns),
                self.key_tail(k)
            ),
            Engine::Sqlite => format!("{}UNIQUE ({})", self.named(&k.name), self.list(&k.columns)),
        }
    }

    /// `CHECK (...)` clause (with `NO INHERIT`; `NOT VALID` is only ever
    /// added by `ALTER TABLE`, see [`Ddl::table_extras`]).
    pub fn check(&self, c: &CheckConstraint) -> String {
        format!(
            "{}CHECK ({}){}",
            self.named(&c.name),
            self.expr(&c.expression),
            if c.no_inherit { " NO INHERIT" } else { "" }
        )
    }

    /// `FOREIGN KEY ...` clause (without `NOT VALID`).
    pub fn foreign_key(&self, from_schema: &str, fk: &ForeignKey) -> String {
        let target = if self.engine == Engine::Postgres || fk.ref_schema == from_schema || fk.ref_schema.is_empty() {
            self.qname(&fk.ref_schema, &fk.ref_table)
        } else {
            format!("{}.{}", self.ident(&fk.ref_schema), self.ident(&fk.ref_table))
        };
        let name = if self.engine == Engine::Sqlite {
            String::new()
        } else {
            self.named(&fk.name)
        };
        let mut s = format!(
            "{name}FOREIGN KEY ({}) REFERENCES {target} ({})",
            self.list(&fk.columns),
            self.list(&fk.ref_columns)
        );
        if fk.match_full {
            s.push_str(" MATCH FULL");
        }
        // Each engine's default action is left unsaid. MariaDB's default is
        // RESTRICT, and spelling it out is not the same: added while
        // FOREIGN_KEY_CHECKS = 0 (as a restore does), an explicit RESTRICT is
        // stored as NO ACTION.
        let default = if self.engine == Engine::Mysql {
            "RESTRICT"
        } else {
            "NO ACTION"
        };
        if fk.on_update != default {
            s.push_str(&format!(" ON UPDATE {}", fk.on_update));
        }
        if fk.on_delete != default {
            s.push_str(&format!(" ON DELETE {}", fk.on_delete));
        }
        if let Some(d) = &fk.deferrable {
            s.push_str(&format!(" {d}"));
        }
        s
    }

    /// `CREATE INDEX` for one index of a table.
    pub fn create_index(&self, t: &Table, i: &Index, concurrently: bool) -> String {
        if let Some(def) = &i.definition {
            let def = self.body(def);
            let def = if concurrently {
                def.replacen(" INDEX ", " INDEX CONCURRENTLY ", 1)
            } else {
                def
            };
            return format!("{def};");
        }
        match self.engine {
            Engine::Mysql => format!(
                "ALTER TABLE {} ADD {};",
                self.qname(&t.schema, &t.name),
                self.mysql_index_item(i)
            ),
            _ => {
                let mut s = format!(
                    "CREATE {}INDEX {} ON {} ({})",
                    if i.unique { "UNIQUE " } else { "" },
                    self.ident(&i.name),
                    self.qname(&t.schema, &t.name),
                    self.list(&i.columns)
                );
                if let Some(p) = &i.predicate {
                    s.push_str(&format!(" WHERE {}", self.expr(p)));
                }
                s.push(';');
                s
            }
        }
    }

    /// `CREATE [MATERIALIZED] VIEW` (SQLite: the stored text when known).
    pub fn create_view(&self, v: &View) -> String {
        if self.engine == Engine::Sqlite
            && !self.canonical
            && let Some(o) = &v.original
        {
            return format!("{};", o.trim().trim_end_matches(';'));
        }
        let body = self.body(&v.definition);
        let body = body.trim().trim_end_matches(';').to_string();
        let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
        match self.engine {
            Engine::Mysql => self.mysql_view(v, &body),
            _ => {
                let with = if v.options.is_empty() {
                    String::new()
                } else {
                    format!(" WITH ({})", v.options.join(", "))
                };
                format!("CREATE {kind} {}{with} AS\n{body};", self.qname(&v.schema, &v.name))
            }
        }
    }

    /// `CREATE INDEX` statements of a materialized view.
    pub fn view_indexes(&self, v: &View) -> Vec<String> {
        v.indexes
            .iter()
            .filter_map(|i| i.definition.as_ref())
            .map(|def| format!("{};", self.body(def)))
            .collect()
    }

    /// `COMMENT ON` statements for a view's columns (Postgres).
    pub fn view_column_comments(&self, v: &View) -> Vec<String> {
        if self.engine != Engine::Postgres {
            return Vec::new();
        }
        let q = self.qname(&v.schema, &v.name);
        v.columns
            .iter()
            .filter_map(|c| {
                let on = format!("{q}.{}", self.ident(&c.name));
                c.comment.as_deref().map(|t| self.comment_on("COLUMN", &on, Some(t)))
            })
            .collect()
    }

    /// `COMMENT ON <what> <name> IS '...'` (Postgres).
    pub fn comment_on(&self, what: &str, name: &str, text: Option<&str>) -> String {
        match text {
            Some(t) => format!("COMMENT ON {what} {name} IS {};", self.literal(t)),
            None => format!("COMMENT ON {what} {name} IS NULL;"),
        }
    }
}
