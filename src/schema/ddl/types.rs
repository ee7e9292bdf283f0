//! DDL of Postgres objects other than tables, indexes and views.

use super::Ddl;
use crate::schema::{CompositeType, Domain, EnumType, Extension, Policy, Privilege, Sequence, Table};

impl Ddl {
    /// `CREATE SEQUENCE` (ownership is rendered separately, after tables).
    pub fn create_sequence(&self, s: &Sequence) -> String {
        format!(
            "CREATE SEQUENCE {} AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {}{}{};",
            self.qname(&s.schema, &s.name),
            s.data_type,
            s.increment,
            s.min_value,
            s.max_value,
            s.start,
            if s.cache > 1 {
                format!(" CACHE {}", s.cache)
            } else {
                String::new()
            },
            if s.cycle { " CYCLE" } else { "" }
        )
    }

    /// `CREATE TYPE ... AS ENUM`.
    pub fn create_enum(&self, e: &EnumType) -> String {
        let vals: Vec<String> = e.values.iter().map(|v| self.literal(v)).collect();
        format!(
            "CREATE TYPE {} AS ENUM ({});",
            self.qname(&e.schema, &e.name),
            vals.join(", ")
        )
    }

    /// `CREATE DOMAIN`.
    pub fn create_domain(&self, d: &Domain) -> String {
        let q = self.qname(&d.schema, &d.name);
        let mut s = format!("CREATE DOMAIN {q} AS {}", d.data_type);
        if let Some(c) = &d.collation {
            s.push_str(&format!(" COLLATE {c}"));
        }
        if let Some(def) = &d.default {
            s.push_str(&format!(" DEFAULT {}", self.expr(def)));
        }
        if d.not_null {
            s.push_str(" NOT NULL");
        }
        for c in &d.checks {
            s.push_str(&format!(" CONSTRAINT {} {}", self.ident(&c.name), c.expression));
        }
        s.push(';');
        s
    }

    /// `CREATE TYPE ... AS (...)`.
    pub fn create_composite(&self, c: &CompositeType) -> String {
        let attrs: Vec<String> = c
            .attributes
            .iter()
            .map(|a| format!("{} {}", self.ident(&a.name), a.data_type))
            .collect();
        let q = self.qname(&c.schema, &c.name);
        format!("CREATE TYPE {q} AS ({});", attrs.join(", "))
    }

    /// `CREATE POLICY`.
    pub fn create_policy(&self, p: &Policy) -> String {
        let mut s = format!(
            "CREATE POLICY {} ON {} AS {} FOR {} TO {}",
            self.ident(&p.name),
            self.qname(&p.schema, &p.table),
            p.permissive,
            p.command,
            p.roles.join(", ")
        );
        if let Some(u) = &p.using {
            s.push_str(&format!(" USING ({})", self.expr(u)));
        }
        if let Some(w) = &p.with_check {
            s.push_str(&format!(" WITH CHECK ({})", self.expr(w)));
        }
        s.push(';');
        s
    }

    /// `CREATE EXTENSION`.
    pub fn create_extension(&self, e: &Extension) -> String {
        format!(
            "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};",
            self.ident(&e.name),
            self.ident(&e.schema)
        )
    }

    /// `GRANT`.
    pub fn grant(&self, p: &Privilege) -> String {
        format!(
            "GRANT {} ON {} {} TO {}{};",
            p.privilege,
            p.object_kind,
            p.object,
            p.grantee,
            if p.grantable { " WITH GRANT OPTION" } else { "" }
        )
    }

    /// `REVOKE`.
    pub fn revoke(&self, p: &Privilege) -> String {
        format!(
            "REVOKE {} ON {} {} FROM {};",
            p.privilege, p.object_kind, p.object, p.grantee
        )
    }

    /// `COMMENT ON CONSTRAINT` statements for a table's foreign keys, which
    /// are created after every table and so cannot join `table_extras`.
    pub fn fk_comments(&self, t: &Table) -> Vec<String> {
        let q = self.qname(&t.schema, &t.name);
        t.foreign_keys
            .iter()
            .filter_map(|f| {
                let on = format!("{} ON {q}", self.ident(&f.name));
                f.comment
                    .as_deref()
                    .map(|c| self.comment_on("CONSTRAINT", &on, Some(c)))
            })
            .collect()
    }
}
