//! DDL text for every object of the model, per engine. The same code
//! renders the canonical form shown in diffs (expressions normalized) and
//! the executable form used by migrations (the server's own text).

mod types;

use super::normalize;
use super::{CheckConstraint, ColumnDef, ForeignKey, Index, KeyConstraint, Table, View};
use crate::db::Engine;

/// A DDL renderer for one engine.
#[derive(Debug, Clone, Copy)]
pub struct Ddl {
    /// Target engine.
    pub engine: Engine,
    /// Normalize expressions (for comparison and display) instead of
    /// keeping the server's text (for execution).
    pub canonical: bool,
}

const PG_RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "lateral",
    "leading",
    "limit",
    "localtime",
    "localtimestamp",
    "not",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "placing",
    "primary",
    "references",
    "returning",
    "select",
    "session_user",
    "some",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "when",
    "where",
    "window",
    "with",
    "authorization",
    "binary",
    "collation",
    "concurrently",
    "cross",
    "full",
    "ilike",
    "inner",
    "is",
    "isnull",
    "join",
    "left",
    "like",
    "natural",
    "notnull",
    "outer",
    "overlaps",
    "right",
    "similar",
    "tablesample",
    "verbose",
    "freeze",
];

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
            return format!("`{}`", name.replace('`', "``"));
        }
        let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !PG_RESERVED.contains(&name);
        if plain {
            name.to_string()
        } else {
            format!("\"{}\"", name.replace('"', "\"\""))
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

    fn list(&self, cols: &[String]) -> String {
        cols.iter().map(|c| self.ident(c)).collect::<Vec<_>>().join(", ")
    }

    /// A string literal.
    pub fn literal(&self, s: &str) -> String {
        match self.engine {
            Engine::Mysql => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''")),
            _ => format!("'{}'", s.replace('\'', "''")),
        }
    }

    fn mysql_default(&self, d: &str) -> String {
        let (value, on_update) = match d.to_ascii_lowercase().find(" on update ") {
            Some(p) => (&d[..p], Some(&d[p..])),
            None => (d, None),
        };
        let v = value.trim();
        let bare = v.starts_with('\'')
            || v.eq_ignore_ascii_case("null")
            || v.parse::<f64>().is_ok()
            || (v.ends_with("()") && v[..v.len() - 2].chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            || v.starts_with("b'")
            || v.starts_with("0x");
        let v = if bare { v.to_string() } else { format!("({v})") };
        format!("{v}{}", on_update.unwrap_or(""))
    }

    /// One column definition (without a trailing comma).
    pub fn column(&self, c: &ColumnDef, inline_pk: bool) -> String {
        let mut s = format!("{} {}", self.ident(&c.name), c.data_type);
        if let Some(coll) = &c.collation {
            s.push_str(&format!(" COLLATE {coll}"));
        }
        match self.engine {
            Engine::Postgres => {
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
            }
            Engine::Mysql => {
                if let Some(g) = &c.generated {
                    s.push_str(&format!(" GENERATED ALWAYS AS {g}"));
                } else {
                    s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
                    if let Some(d) = &c.default {
                        s.push_str(&format!(" DEFAULT {}", self.mysql_default(d)));
                    }
                    if c.identity.is_some() {
                        s.push_str(" AUTO_INCREMENT");
                    }
                }
                if let Some(k) = &c.comment {
                    s.push_str(&format!(" COMMENT {}", self.literal(k)));
                }
            }
            Engine::Sqlite => {
                if inline_pk {
                    s.push_str(" PRIMARY KEY");
                    if c.identity.is_some() {
                        s.push_str(" AUTOINCREMENT");
                    }
                }
                if !c.nullable && !inline_pk {
                    s.push_str(" NOT NULL");
                }
                if let Some(g) = &c.generated {
                    s.push_str(&format!(" GENERATED ALWAYS AS {g}"));
                } else if let Some(d) = &c.default {
                    s.push_str(&format!(" DEFAULT {d}"));
                }
            }
        }
        s
    }

    fn named(&self, name: &str) -> String {
        if name.is_empty() {
            String::new()
        } else {
            format!("CONSTRAINT {} ", self.ident(name))
        }
    }

    /// `PRIMARY KEY (...)` clause.
    pub fn primary_key(&self, k: &KeyConstraint) -> String {
        let name = if self.engine == Engine::Postgres {
            self.named(&k.name)
        } else {
            String::new()
        };
        format!("{name}PRIMARY KEY ({})", self.list(&k.columns))
    }

    /// `UNIQUE (...)` clause.
    pub fn unique(&self, k: &KeyConstraint) -> String {
        match self.engine {
            Engine::Mysql => format!("UNIQUE KEY {} ({})", self.ident(&k.name), self.list(&k.columns)),
            _ => format!("{}UNIQUE ({})", self.named(&k.name), self.list(&k.columns)),
        }
    }

    /// `CHECK (...)` clause.
    pub fn check(&self, c: &CheckConstraint) -> String {
        format!("{}CHECK ({})", self.named(&c.name), self.expr(&c.expression))
    }

    /// `FOREIGN KEY ...` clause.
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
        if fk.on_update != "NO ACTION" {
            s.push_str(&format!(" ON UPDATE {}", fk.on_update));
        }
        if fk.on_delete != "NO ACTION" {
            s.push_str(&format!(" ON DELETE {}", fk.on_delete));
        }
        if let Some(d) = &fk.deferrable {
            s.push_str(&format!(" {d}"));
        }
        s
    }

    /// `CREATE TABLE` with columns and constraints; foreign keys inline
    /// only when `with_fks` (SQLite always needs them inline).
    pub fn create_table(&self, t: &Table, with_fks: bool) -> String {
        let single_pk = t
            .primary_key
            .as_ref()
            .filter(|k| self.engine == Engine::Sqlite && k.columns.len() == 1)
            .map(|k| k.columns[0].clone());
        let mut items: Vec<String> = t
            .columns
            .iter()
            .map(|c| self.column(c, single_pk.as_deref() == Some(c.name.as_str())))
            .collect();
        if let Some(pk) = &t.primary_key
            && single_pk.is_none()
        {
            items.push(self.primary_key(pk));
        }
        items.extend(t.uniques.iter().map(|u| self.unique(u)));
        items.extend(t.checks.iter().map(|c| self.check(c)));
        items.extend(
            t.exclusions
                .iter()
                .map(|x| format!("{}{}", self.named(&x.name), x.expression)),
        );
        if self.engine == Engine::Mysql {
            items.extend(t.indexes.iter().map(|i| self.mysql_index_item(i)));
        }
        if with_fks || self.engine == Engine::Sqlite {
            items.extend(t.foreign_keys.iter().map(|f| self.foreign_key(&t.schema, f)));
        }
        let mut s = format!(
            "CREATE TABLE {} (\n    {}\n)",
            self.qname(&t.schema, &t.name),
            items.join(",\n    ")
        );
        if self.engine == Engine::Postgres
            && let Some(p) = &t.partition_by
        {
            s.push_str(&format!(" PARTITION BY {p}"));
        }
        if self.engine == Engine::Mysql
            && let Some(c) = &t.comment
        {
            s.push_str(&format!(" COMMENT={}", self.literal(c)));
        }
        s.push(';');
        s
    }

    /// Statements that follow a Postgres CREATE TABLE: RLS and comments.
    pub fn table_extras(&self, t: &Table) -> Vec<String> {
        if self.engine != Engine::Postgres {
            return Vec::new();
        }
        let q = self.qname(&t.schema, &t.name);
        let mut out = Vec::new();
        if let Some(forced) = t.row_security {
            out.push(format!("ALTER TABLE {q} ENABLE ROW LEVEL SECURITY;"));
            if forced {
                out.push(format!("ALTER TABLE {q} FORCE ROW LEVEL SECURITY;"));
            }
        }
        if let Some(c) = &t.comment {
            out.push(format!("COMMENT ON TABLE {q} IS {};", self.literal(c)));
        }
        let keys = t.primary_key.iter().chain(&t.uniques).map(|k| (&k.name, &k.comment));
        let checks = t.checks.iter().chain(&t.exclusions).map(|k| (&k.name, &k.comment));
        for (name, comment) in keys.chain(checks) {
            if let Some(c) = comment {
                out.push(self.comment_on("CONSTRAINT", &format!("{} ON {q}", self.ident(name)), Some(c)));
            }
        }
        for col in &t.columns {
            if let Some(c) = &col.comment {
                out.push(format!(
                    "COMMENT ON COLUMN {q}.{} IS {};",
                    self.ident(&col.name),
                    self.literal(c)
                ));
            }
        }
        out
    }

    fn mysql_index_item(&self, i: &Index) -> String {
        let kind = if i.unique { "UNIQUE KEY" } else { "KEY" };
        let cols: Vec<String> = i.columns.iter().map(|c| self.mysql_part(c)).collect();
        let using = match i.method.as_deref() {
            Some("fulltext") => return format!("FULLTEXT KEY {} ({})", self.ident(&i.name), cols.join(", ")),
            Some("spatial") => return format!("SPATIAL KEY {} ({})", self.ident(&i.name), cols.join(", ")),
            Some("hash") => " USING HASH",
            _ => "",
        };
        format!("{kind} {} ({}){using}", self.ident(&i.name), cols.join(", "))
    }

    /// `col(10) DESC` -> `` `col`(10) DESC ``.
    fn mysql_part(&self, part: &str) -> String {
        let (body, desc) = match part.strip_suffix(" DESC") {
            Some(b) => (b, " DESC"),
            None => (part, ""),
        };
        match body.find('(') {
            Some(p) if body.ends_with(')') => format!("{}{}{desc}", self.ident(&body[..p]), &body[p..]),
            _ => format!("{}{desc}", self.ident(body)),
        }
    }

    /// `CREATE INDEX` for one index of a table.
    pub fn create_index(&self, t: &Table, i: &Index, concurrently: bool) -> String {
        if let Some(def) = &i.definition {
            let def = if self.canonical {
                normalize::body(def)
            } else {
                def.clone()
            };
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

    /// `CREATE [MATERIALIZED] VIEW`.
    pub fn create_view(&self, v: &View) -> String {
        let body = if self.canonical {
            normalize::body(&v.definition)
        } else {
            v.definition.clone()
        };
        let body = body.trim().trim_end_matches(';').to_string();
        let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
        format!("CREATE {kind} {} AS\n{body};", self.qname(&v.schema, &v.name))
    }

    /// `CREATE INDEX` statements of a materialized view.
    pub fn view_indexes(&self, v: &View) -> Vec<String> {
        v.indexes
            .iter()
            .filter_map(|i| i.definition.as_ref())
            .map(|def| {
                if self.canonical {
                    format!("{};", normalize::body(def))
                } else {
                    format!("{def};")
                }
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
