//! MySQL/MariaDB DDL pieces: column definitions, index items, table
//! options, partitioning and views.

use super::Ddl;
use crate::schema::{ColumnDef, Index, Table, View};

impl Ddl {
    /// A default as MySQL takes it: literals bare, expressions in parentheses.
    pub(super) fn mysql_default(&self, d: &str) -> String {
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
            || v.starts_with("0x")
            || (v.starts_with('(') && v.ends_with(')'));
        let v = if bare { v.to_string() } else { format!("({v})") };
        format!("{v}{}", on_update.unwrap_or(""))
    }

    /// One MySQL column definition.
    pub(super) fn mysql_column(&self, c: &ColumnDef) -> String {
        let mut s = format!("{} {}", self.ident(&c.name), c.data_type);
        if let Some(coll) = &c.collation {
            s.push_str(&format!(" COLLATE {coll}"));
        }
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
        if c.invisible {
            s.push_str(" INVISIBLE");
        }
        if let Some(k) = &c.comment {
            s.push_str(&format!(" COMMENT {}", self.literal(k)));
        }
        s
    }

    /// One index as a `CREATE TABLE` item or `ADD` clause.
    pub(crate) fn mysql_index_item(&self, i: &Index) -> String {
        let cols: Vec<String> = i.columns.iter().map(|c| self.mysql_part(c)).collect();
        let (kind, using) = match i.method.as_deref() {
            Some("fulltext") => ("FULLTEXT KEY", ""),
            Some("spatial") => ("SPATIAL KEY", ""),
            Some("hash") if i.unique => ("UNIQUE KEY", " USING HASH"),
            Some("hash") => ("KEY", " USING HASH"),
            _ if i.unique => ("UNIQUE KEY", ""),
            _ => ("KEY", ""),
        };
        let mut s = format!("{kind} {} ({}){using}", self.ident(&i.name), cols.join(", "));
        if let Some(o) = &i.options {
            s.push(' ');
            s.push_str(o);
        }
        if let Some(c) = &i.comment {
            s.push_str(&format!(" COMMENT {}", self.literal(c)));
        }
        s
    }

    /// `col(10) DESC` -> `` `col`(10) DESC ``; expressions kept as written.
    fn mysql_part(&self, part: &str) -> String {
        let (body, desc) = match part.strip_suffix(" DESC") {
            Some(b) => (b, " DESC"),
            None => (part, ""),
        };
        if body.starts_with('(') {
            return format!("{body}{desc}");
        }
        match body.find('(') {
            Some(p) if body.ends_with(')') => format!("{}{}{desc}", self.ident(&body[..p]), &body[p..]),
            _ => format!("{}{desc}", self.ident(body)),
        }
    }

    /// Table options after `CREATE TABLE (...)`: engine, collation, create
    /// options, comment and partitioning.
    pub(super) fn mysql_table_options(&self, t: &Table) -> String {
        let mut s = String::new();
        if let Some(e) = &t.engine {
            s.push_str(&format!(" ENGINE={e}"));
        }
        if let Some(c) = &t.collation {
            s.push_str(&format!(" COLLATE={c}"));
        }
        for o in &t.options {
            s.push(' ');
            s.push_str(&mysql_option(o));
        }
        if let Some(c) = &t.comment {
            s.push_str(&format!(" COMMENT={}", self.literal(c)));
        }
        if let Some(p) = self.mysql_partitioning(t) {
            s.push('\n');
            s.push_str(&p);
        }
        s
    }

    /// `PARTITION BY ...` clause of a partitioned table.
    pub fn mysql_partitioning(&self, t: &Table) -> Option<String> {
        let by = t.partition_by.as_ref()?;
        if t.partitions.iter().all(|p| p.bound.is_none() && p.comment.is_none()) {
            // HASH / KEY with default partition names.
            let default_names = t.partitions.iter().enumerate().all(|(i, p)| p.name == format!("p{i}"));
            if default_names {
                return Some(format!("PARTITION BY {by} PARTITIONS {}", t.partitions.len()));
            }
        }
        Some(format!(
            "PARTITION BY {by}\n({})",
            self.mysql_partition_list(&t.partitions)
        ))
    }

    /// `PARTITION p VALUES ... [COMMENT ...]` items joined by commas.
    pub fn mysql_partition_list(&self, parts: &[crate::schema::Partition]) -> String {
        parts
            .iter()
            .map(|p| {
                let mut s = format!("PARTITION {}", self.ident(&p.name));
                if let Some(b) = &p.bound {
                    s.push(' ');
                    s.push_str(b);
                }
                if let Some(c) = &p.comment {
                    s.push_str(&format!(" COMMENT = {}", self.literal(c)));
                }
                s
            })
            .collect::<Vec<_>>()
            .join(",\n ")
    }

    /// `CREATE [ALGORITHM=...] [SQL SECURITY ...] VIEW ... [WITH CHECK OPTION]`.
    pub(super) fn mysql_view(&self, v: &View, body: &str) -> String {
        let opt = |key: &str| {
            v.options
                .iter()
                .find_map(|o| o.strip_prefix(&format!("{key}=")).map(str::to_string))
        };
        let mut head = String::from("CREATE");
        if let Some(a) = opt("algorithm").filter(|a| !a.eq_ignore_ascii_case("UNDEFINED")) {
            head.push_str(&format!(" ALGORITHM={a}"));
        }
        if let Some(s) = opt("security").filter(|s| !s.eq_ignore_ascii_case("DEFINER")) {
            head.push_str(&format!(" SQL SECURITY {s}"));
        }
        let check = match opt("check_option").as_deref() {
            Some("CASCADED") => " WITH CASCADED CHECK OPTION",
            Some("LOCAL") => " WITH LOCAL CHECK OPTION",
            _ => "",
        };
        format!("{head} VIEW {} AS\n{body}{check};", self.qname(&v.schema, &v.name))
    }
}

/// `row_format=COMPRESSED` -> `ROW_FORMAT=COMPRESSED`.
fn mysql_option(o: &str) -> String {
    match o.split_once('=') {
        Some((k, v)) => format!("{}={v}", k.trim_matches('`').to_ascii_uppercase()),
        None => o.to_ascii_uppercase(),
    }
}
