//! `CREATE TABLE` and what follows it, for every engine: partitions and
//! inheritance, persistence and storage options (Postgres), table options
//! and partitioning (MySQL), `WITHOUT ROWID` / `STRICT` (SQLite).

use super::Ddl;
use crate::db::Engine;
use crate::schema::Table;

impl Ddl {
    /// `CREATE TABLE` with columns and constraints; foreign keys inline
    /// only when `with_fks` (SQLite always needs them inline). SQLite tables
    /// are created from their stored text when it is known.
    pub fn create_table(&self, t: &Table, with_fks: bool) -> String {
        if self.engine == Engine::Sqlite
            && !self.canonical
            && let Some(o) = &t.original
        {
            return format!("{};", o.trim().trim_end_matches(';'));
        }
        let single_pk = t
            .primary_key
            .as_ref()
            .filter(|k| self.engine == Engine::Sqlite && k.columns.len() == 1)
            .map(|k| k.columns[0].clone());
        let mut items: Vec<String> = Vec::new();
        for c in &t.columns {
            if c.inherited && self.engine == Engine::Postgres {
                if self.canonical {
                    // Shown so a difference in an inherited column is seen,
                    // but never declared: the parent declares it.
                    items.push(format!("-- inherited: {}", self.column(c, false)));
                }
                continue;
            }
            let mut item = self.column(c, single_pk.as_deref() == Some(c.name.as_str()));
            for k in t.checks.iter().filter(|k| k.column.as_deref() == Some(c.name.as_str())) {
                item.push_str(&format!(" CHECK ({})", self.expr(&k.expression)));
            }
            items.push(item);
        }
        if let Some(pk) = &t.primary_key
            && single_pk.is_none()
        {
            items.push(self.primary_key(pk));
        }
        items.extend(t.uniques.iter().map(|u| self.unique(u)));
        items.extend(
            t.checks
                .iter()
                .filter(|c| !c.not_valid && c.column.is_none())
                .map(|c| self.check(c)),
        );
        items.extend(
            t.exclusions
                .iter()
                .map(|x| format!("{}{}", self.named(&x.name), self.body(&x.expression))),
        );
        if self.engine == Engine::Mysql {
            items.extend(t.indexes.iter().map(|i| self.mysql_index_item(i)));
        }
        if with_fks || self.engine == Engine::Sqlite {
            for f in &t.foreign_keys {
                match (f.not_valid, self.canonical) {
                    (false, _) => items.push(self.foreign_key(&t.schema, f)),
                    (true, true) => items.push(format!("{} NOT VALID", self.foreign_key(&t.schema, f))),
                    (true, false) => {}
                }
            }
        }
        let q = self.qname(&t.schema, &t.name);
        let unlogged = if t.unlogged { "UNLOGGED " } else { "" };
        let mut s = match (&t.partition_of, self.engine) {
            (Some(parent), Engine::Postgres) => {
                let declared: Vec<&String> = items.iter().filter(|i| !i.starts_with("--")).collect();
                let mut s = format!(
                    "CREATE {unlogged}TABLE {q} PARTITION OF {}",
                    self.qname(&parent.schema, &parent.name)
                );
                if !declared.is_empty() || items.len() != declared.len() {
                    s.push_str(&format!(" (\n    {}\n)", items.join(",\n    ")));
                }
                s.push_str(&format!(" {}", t.partition_bound.as_deref().unwrap_or("DEFAULT")));
                s
            }
            _ => format!("CREATE {unlogged}TABLE {q} (\n    {}\n)", items.join(",\n    ")),
        };
        if self.engine == Engine::Postgres {
            if !t.inherits.is_empty() {
                let parents: Vec<String> = t.inherits.iter().map(|p| self.qname(&p.schema, &p.name)).collect();
                s.push_str(&format!(" INHERITS ({})", parents.join(", ")));
            }
            if let Some(p) = &t.partition_by {
                s.push_str(&format!(" PARTITION BY {p}"));
            }
            if !t.options.is_empty() {
                s.push_str(&format!(" WITH ({})", t.options.join(", ")));
            }
        }
        match self.engine {
            Engine::Mysql => s.push_str(&self.mysql_table_options(t)),
            Engine::Sqlite => {
                let mut opts = Vec::new();
                if t.without_rowid {
                    opts.push("WITHOUT ROWID");
                }
                if t.strict {
                    opts.push("STRICT");
                }
                if !opts.is_empty() {
                    s.push(' ');
                    s.push_str(&opts.join(", "));
                }
            }
            Engine::Postgres => {}
        }
        s.push(';');
        s
    }

    /// Statements that follow a Postgres CREATE TABLE: constraints added
    /// `NOT VALID`, column storage and statistics, replica identity, row
    /// level security and comments.
    pub fn table_extras(&self, t: &Table) -> Vec<String> {
        if self.engine != Engine::Postgres {
            return Vec::new();
        }
        let q = self.qname(&t.schema, &t.name);
        let mut out = Vec::new();
        for c in t.checks.iter().filter(|c| c.not_valid) {
            out.push(format!("ALTER TABLE {q} ADD {} NOT VALID;", self.check(c)));
        }
        for c in &t.columns {
            let col = self.ident(&c.name);
            if let Some(st) = &c.storage {
                out.push(format!("ALTER TABLE {q} ALTER COLUMN {col} SET STORAGE {st};"));
            }
            if let Some(n) = c.statistics {
                out.push(format!("ALTER TABLE {q} ALTER COLUMN {col} SET STATISTICS {n};"));
            }
        }
        if let Some(r) = &t.replica_identity {
            out.push(format!("ALTER TABLE {q} REPLICA IDENTITY {r};"));
        }
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

    /// `ALTER TABLE ... ADD` of a foreign key, `NOT VALID` when asked or
    /// when the model says it was never validated.
    pub fn add_foreign_key(&self, t: &Table, fk: &crate::schema::ForeignKey, not_valid: bool) -> String {
        let nv = if (not_valid || fk.not_valid) && self.engine == Engine::Postgres {
            " NOT VALID"
        } else {
            ""
        };
        format!(
            "ALTER TABLE {} ADD {}{nv};",
            self.qname(&t.schema, &t.name),
            self.foreign_key(&t.schema, fk)
        )
    }
}
