//! What the classifier needs to know about one database's own code: the
//! functions that are not built-ins (they may write, and they can shadow
//! built-in names), and the views that call them (reading such a view runs
//! the function). Read once per session with [`Catalog::load`].

use crate::db::{DbResult, Engine, Session, Value, query_all};
use std::collections::HashSet;

/// Postgres extensions whose functions only compute or read: calling them
/// is not treated as calling user code. (dblink, postgres_fdw, adminpack,
/// lo, tablefunc and PostGIS are not here: they write, run SQL text or
/// change tables.)
const READ_ONLY_EXTENSIONS: &[&str] = &[
    "pg_stat_statements",
    "pg_trgm",
    "citext",
    "hstore",
    "uuid-ossp",
    "pgcrypto",
    "unaccent",
    "fuzzystrmatch",
    "btree_gin",
    "btree_gist",
    "intarray",
    "ltree",
    "cube",
    "earthdistance",
    "isn",
    "seg",
    "pg_buffercache",
    "pgstattuple",
    "pg_visibility",
    "pageinspect",
    "amcheck",
    "pg_walinspect",
    "tsm_system_rows",
    "tsm_system_time",
];

/// One database's functions and views, as far as read-only checks care.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// `schema.name` of every function that is not a built-in.
    qualified: HashSet<String>,
    /// Their bare names.
    names: HashSet<String>,
    /// Views (`schema.name` and bare `name`) whose query calls one of them,
    /// directly or through another view.
    risky_views: HashSet<String>,
}

impl Catalog {
    /// A catalog from lists (`schema.function`, `schema.view`), for tests
    /// and for engines without a catalog.
    pub fn from_parts<'a>(
        functions: impl IntoIterator<Item = &'a str>,
        views: impl IntoIterator<Item = &'a str>,
    ) -> Catalog {
        let mut c = Catalog::default();
        for f in functions {
            c.add_function(f);
        }
        for v in views {
            c.add_view(v);
        }
        c
    }

    fn add_function(&mut self, qualified: &str) {
        let bare = qualified.rsplit('.').next().unwrap_or(qualified);
        self.names.insert(bare.to_string());
        self.qualified.insert(qualified.to_string());
    }

    fn add_view(&mut self, qualified: &str) {
        let bare = qualified.rsplit('.').next().unwrap_or(qualified);
        self.risky_views.insert(bare.to_string());
        self.risky_views.insert(qualified.to_string());
    }

    /// Whether a call to `name` (qualified by `schema`, if given) may reach
    /// a function that is not a built-in. Unqualified names match in any
    /// schema: whatever the search path, dbn does not bet on it.
    pub fn has_user_function(&self, schema: Option<&str>, name: &str) -> bool {
        match schema {
            Some(s) => self.qualified.contains(&format!("{s}.{name}")),
            None => self.names.contains(name),
        }
    }

    /// Whether reading relation `name` (`schema.name` or bare) runs user code.
    pub fn is_risky_view(&self, name: &str) -> bool {
        self.risky_views.contains(name)
    }

    /// Read the catalog through `session` (a few small queries).
    pub async fn load(session: &mut dyn Session) -> DbResult<Catalog> {
        match session.engine() {
            Engine::Postgres => load_postgres(session).await,
            Engine::Mysql => load_mysql(session).await,
            Engine::Sqlite => Ok(Catalog::default()),
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn load_postgres(session: &mut dyn Session) -> DbResult<Catalog> {
    let allowed = READ_ONLY_EXTENSIONS
        .iter()
        .map(|e| format!("'{e}'"))
        .collect::<Vec<_>>()
        .join(",");
    // Functions that are not built-ins (oid >= FirstNormalObjectId), apart
    // from those of read-only extensions.
    let user = format!(
        "SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.oid >= 16384 AND NOT EXISTS (
           SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
           WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
             AND e.extname IN ({allowed}))"
    );
    let sql = format!(
        "SELECT n.nspname, p.proname FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE p.oid IN ({user})"
    );
    let (_, rows, _) = query_all(session, &sql).await?;
    let mut c = Catalog::default();
    for r in &rows {
        if let [schema, name] = r.as_slice() {
            c.add_function(&format!("{}.{}", text(schema), text(name)));
        }
    }
    // Which views use what: a view's rewrite rule depends on the functions
    // and relations its query uses. Materialized views store rows, so
    // reading one runs nothing.
    let deps = format!(
        "SELECT vn.nspname, v.relname, d.refclassid = 'pg_catalog.pg_proc'::regclass AND d.refobjid IN ({user}),
                rn.nspname, rc.relname
         FROM pg_catalog.pg_depend d
         JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND r.oid = d.objid
         JOIN pg_catalog.pg_class v ON v.oid = r.ev_class AND v.relkind = 'v'
         JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
         LEFT JOIN pg_catalog.pg_class rc ON d.refclassid = 'pg_catalog.pg_class'::regclass AND rc.oid = d.refobjid
         LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
         WHERE d.refclassid = 'pg_catalog.pg_proc'::regclass OR (rc.oid IS NOT NULL AND rc.oid <> v.oid)"
    );
    let (_, rows, _) = query_all(session, &deps).await?;
    let mut edges: Vec<(String, String)> = Vec::new();
    for r in &rows {
        if let [vs, vn, calls, rs, rn] = r.as_slice() {
            let view = format!("{}.{}", text(vs), text(vn));
            if matches!(calls, Value::Bool(true)) {
                c.add_view(&view);
            }
            if !matches!(rn, Value::Null) {
                edges.push((view, format!("{}.{}", text(rs), text(rn))));
            }
        }
    }
    close_over_views(&mut c, &edges);
    Ok(c)
}

/// Views that read risky views are risky too.
fn close_over_views(c: &mut Catalog, edges: &[(String, String)]) {
    loop {
        let before = c.risky_views.len();
        for (view, uses) in edges {
            if c.risky_views.contains(uses) && !c.risky_views.contains(view) {
                c.add_view(view);
            }
        }
        if c.risky_views.len() == before {
            break;
        }
    }
}

async fn load_mysql(session: &mut dyn Session) -> DbResult<Catalog> {
    let mut c = Catalog::default();
    let (_, rows, _) = query_all(
        session,
        "SELECT LOWER(ROUTINE_SCHEMA), LOWER(ROUTINE_NAME) FROM information_schema.ROUTINES WHERE ROUTINE_TYPE = 'FUNCTION'",
    )
    .await?;
    for r in &rows {
        if let [s, n] = r.as_slice() {
            c.add_function(&format!("{}.{}", text(s), text(n)));
        }
    }
    // Loadable functions (UDFs); reading mysql.func needs a privilege the
    // login may not have, and then there is nothing more to learn here.
    if let Ok((_, rows, _)) = query_all(session, "SELECT LOWER(name) FROM mysql.func").await {
        for r in &rows {
            if let Some(n) = r.first() {
                c.add_function(&format!("mysql.{}", text(n)));
            }
        }
    }
    // MariaDB keeps no dependency catalog: a view is risky when its
    // definition calls a user function by name or reads a risky view.
    let (_, rows, _) = query_all(
        session,
        "SELECT LOWER(TABLE_SCHEMA), LOWER(TABLE_NAME), VIEW_DEFINITION FROM information_schema.VIEWS",
    )
    .await?;
    let mut edges = Vec::new();
    for r in &rows {
        if let [s, n, def] = r.as_slice() {
            let view = format!("{}.{}", text(s), text(n));
            let words = definition_names(&text(def));
            if words.iter().any(|(w, call)| *call && c.names.contains(w)) {
                c.add_view(&view);
            }
            for (w, _) in &words {
                edges.push((view.clone(), w.clone()));
            }
        }
    }
    // Edges name relations loosely (bare or qualified): match either.
    let loose: Vec<(String, String)> = edges
        .iter()
        .flat_map(|(v, u)| {
            let bare = u.rsplit('.').next().unwrap_or(u).to_string();
            [(v.clone(), u.clone()), (v.clone(), bare)]
        })
        .collect();
    close_over_views(&mut c, &loose);
    Ok(c)
}

/// Identifiers in a view definition (lower case, `schema.name` joined),
/// each with whether it is followed by `(` (a call).
fn definition_names(def: &str) -> Vec<(String, bool)> {
    use crate::safety::lex::{TokenKind, tokenize};
    let toks: Vec<_> = tokenize(def, Engine::Mysql)
        .into_iter()
        .filter(|t| !matches!(t.kind, TokenKind::Space | TokenKind::Comment))
        .collect();
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if !matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent) {
            i += 1;
            continue;
        }
        let mut name = crate::safety::settings::unquote(def.get(t.span.clone()).unwrap_or("")).to_lowercase();
        while toks.get(i + 1).is_some_and(|p| def.get(p.span.clone()) == Some("."))
            && toks
                .get(i + 2)
                .is_some_and(|n| matches!(n.kind, TokenKind::Word | TokenKind::QuotedIdent))
        {
            let next = &toks[i + 2];
            name.push('.');
            name.push_str(&crate::safety::settings::unquote(def.get(next.span.clone()).unwrap_or("")).to_lowercase());
            i += 2;
        }
        let call = toks.get(i + 1).is_some_and(|p| def.get(p.span.clone()) == Some("("));
        let bare = name.rsplit('.').next().unwrap_or(&name).to_string();
        out.push((bare.clone(), call));
        if bare != name {
            out.push((name, call));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_over_risky_views_are_risky() {
        let mut c = Catalog::from_parts(["public.f"], ["public.v1"]);
        close_over_views(
            &mut c,
            &[
                ("public.v2".into(), "public.v1".into()),
                ("public.v3".into(), "public.t".into()),
            ],
        );
        assert!(c.is_risky_view("v2") && c.is_risky_view("public.v2"));
        assert!(!c.is_risky_view("v3"));
        assert!(c.has_user_function(None, "f") && c.has_user_function(Some("public"), "f"));
        assert!(!c.has_user_function(Some("pg_catalog"), "f"));
    }

    #[test]
    fn mariadb_view_definitions_name_their_calls() {
        let names = definition_names("select `db`.`ins_fn`(1) AS `x`, lower(`t`.`a`) from `db`.`t`");
        assert!(names.contains(&("ins_fn".into(), true)));
        assert!(names.contains(&("db.ins_fn".into(), true)));
        assert!(names.contains(&("lower".into(), true)));
        assert!(names.contains(&("db.t".into(), false)));
    }
}
