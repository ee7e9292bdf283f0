//! Catalog queries that see the database as a whole: the dependency graph
//! from `pg_depend` (as node ids of `schema::deps`) and the objects dbn does
//! not model, counted so every diff can name them.

/// User namespaces as a relation `ns(oid, nspname)`.
macro_rules! ns_cte {
    () => {
        "ns AS (SELECT n.oid, n.nspname FROM pg_namespace n WHERE n.nspname NOT IN ('pg_catalog', \
         'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
         AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%')"
    };
}

/// `pg_depend` edges between modelled objects, as `{"from": id, "to": id}`.
/// Column-level edges name the column (`column:s.t.c`); extension members
/// stand for their extension; a sequence's ownership by a column is left
/// out (the column's default needs the sequence, not the other way round).
pub const DEPENDENCIES: &str = concat!(
    "WITH ",
    ns_cte!(),
    ", extm AS (SELECT d.classid, d.objid, 'extension:' || e.extname AS node FROM pg_depend d ",
    "  JOIN pg_extension e ON e.oid = d.refobjid WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'), ",
    "rel AS (SELECT c.oid, CASE ",
    "  WHEN c.relkind IN ('r', 'p', 'f') THEN 'table:' || n.nspname || '.' || c.relname ",
    "  WHEN c.relkind IN ('v', 'm') THEN 'view:' || n.nspname || '.' || c.relname ",
    "  WHEN c.relkind = 'S' THEN 'sequence:' || n.nspname || '.' || c.relname ",
    "  WHEN c.relkind = 'c' THEN 'type:' || n.nspname || '.' || c.relname ",
    "  WHEN c.relkind IN ('i', 'I') THEN COALESCE((SELECT 'constraint:' || n.nspname || '.' || tc.relname || '.' || k.conname ",
    "    FROM pg_constraint k JOIN pg_class tc ON tc.oid = k.conrelid ",
    "    WHERE k.conindid = c.oid AND k.contype IN ('p', 'u', 'x') LIMIT 1), 'index:' || n.nspname || '.' || c.relname) ",
    "  END AS node FROM pg_class c JOIN ns n ON n.oid = c.relnamespace), ",
    "typ AS (SELECT t.oid, CASE WHEN t.typtype IN ('e', 'd', 'r', 'm') THEN 'type:' || n.nspname || '.' || t.typname ",
    "  WHEN t.typtype = 'c' THEN (SELECT r.node FROM rel r WHERE r.oid = t.typrelid) END AS node ",
    "  FROM pg_type t JOIN ns n ON n.oid = t.typnamespace WHERE t.typcategory <> 'A'), ",
    "nodes AS (",
    "  SELECT 'pg_class'::regclass AS classid, oid AS objid, node FROM rel ",
    "  UNION ALL SELECT 'pg_type'::regclass, oid, node FROM typ ",
    "  UNION ALL SELECT 'pg_type'::regclass, a.oid, t.node FROM pg_type a JOIN typ t ON t.oid = a.typelem ",
    "    WHERE a.typcategory = 'A' ",
    "  UNION ALL SELECT 'pg_proc'::regclass, p.oid, 'function:' || n.nspname || '.' || p.proname || '(' || ",
    "    oidvectortypes(p.proargtypes) || ')' FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace ",
    "  UNION ALL SELECT 'pg_constraint'::regclass, k.oid, CASE WHEN k.conrelid <> 0 ",
    "    THEN 'constraint:' || cn.nspname || '.' || c.relname || '.' || k.conname ",
    "    ELSE 'constraint:' || tn.nspname || '.' || t.typname || '.' || k.conname END ",
    "    FROM pg_constraint k LEFT JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_namespace cn ON cn.oid = c.relnamespace ",
    "    LEFT JOIN pg_type t ON t.oid = k.contypid LEFT JOIN pg_namespace tn ON tn.oid = t.typnamespace ",
    "    WHERE COALESCE(cn.oid, tn.oid) IN (SELECT oid FROM ns) ",
    "  UNION ALL SELECT 'pg_attrdef'::regclass, d.oid, 'default:' || n.nspname || '.' || c.relname || '.' || a.attname ",
    "    FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid JOIN ns n ON n.oid = c.relnamespace ",
    "    JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum ",
    "  UNION ALL SELECT 'pg_rewrite'::regclass, w.oid, r.node FROM pg_rewrite w JOIN rel r ON r.oid = w.ev_class ",
    "    WHERE w.rulename = '_RETURN' ",
    "  UNION ALL SELECT 'pg_trigger'::regclass, g.oid, 'trigger:' || n.nspname || '.' || c.relname || '.' || g.tgname ",
    "    FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN ns n ON n.oid = c.relnamespace ",
    "    WHERE NOT g.tgisinternal ",
    "  UNION ALL SELECT 'pg_policy'::regclass, p.oid, 'policy:' || n.nspname || '.' || c.relname || '.' || p.polname ",
    "    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN ns n ON n.oid = c.relnamespace ",
    "  UNION ALL SELECT 'pg_namespace'::regclass, oid, 'schema:' || nspname FROM ns ",
    "  UNION ALL SELECT 'pg_extension'::regclass, oid, 'extension:' || extname FROM pg_extension), ",
    "resolved AS (SELECT classid, objid, node FROM nodes n WHERE node IS NOT NULL AND NOT EXISTS ",
    "  (SELECT 1 FROM extm x WHERE x.classid = n.classid AND x.objid = n.objid) ",
    "  UNION ALL SELECT classid, objid, node FROM extm) ",
    "SELECT DISTINCT json_build_object('from', ",
    "  CASE WHEN d.objsubid > 0 AND f.node LIKE 'table:%' THEN 'column:' || substr(f.node, 7) || '.' || ",
    "    (SELECT attname FROM pg_attribute WHERE attrelid = d.objid AND attnum = d.objsubid) ELSE f.node END, ",
    "  'to', CASE WHEN d.refobjsubid > 0 AND t.node LIKE 'table:%' THEN 'column:' || substr(t.node, 7) || '.' || ",
    "    (SELECT attname FROM pg_attribute WHERE attrelid = d.refobjid AND attnum = d.refobjsubid) ELSE t.node END)::text ",
    "FROM pg_depend d ",
    "JOIN resolved f ON f.classid = d.classid AND f.objid = d.objid ",
    "JOIN resolved t ON t.classid = d.refclassid AND t.objid = d.refobjid ",
    "WHERE d.deptype IN ('n', 'a') AND NOT (f.node LIKE 'sequence:%' AND d.deptype = 'a') ",
    "AND (f.node <> t.node OR d.objsubid <> d.refobjsubid)"
);

/// Objects dbn does not model, as `{"kind", "name", "definition"}`: rules,
/// event triggers, publications, foreign tables and servers, statistics
/// objects, collations, operators and their classes, casts, text search
/// objects, range and base types, languages, default privileges.
pub const UNMODELLED: &str = concat!(
    "WITH ",
    ns_cte!(),
    ", ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e') ",
    "SELECT json_build_object('kind', kind, 'name', name, 'definition', def)::text FROM (",
    "SELECT 'rules' AS kind, r.rulename || ' on ' || n.nspname || '.' || c.relname AS name, pg_get_ruledef(r.oid) AS def ",
    "  FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN ns n ON n.oid = c.relnamespace ",
    "  WHERE r.rulename <> '_RETURN' ",
    "UNION ALL SELECT 'event triggers', e.evtname, e.evtevent || ' ' || e.evtfoid::regproc || ' ' || e.evtenabled::text ",
    "  || COALESCE(' ' || array_to_string(e.evttags, ','), '') FROM pg_event_trigger e ",
    "  WHERE ('pg_event_trigger'::regclass, e.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'publications', p.pubname, p.puballtables || ' ' || p.pubinsert || p.pubupdate || p.pubdelete ",
    "  || p.pubtruncate FROM pg_publication p ",
    "UNION ALL SELECT 'foreign tables', n.nspname || '.' || c.relname, NULL FROM pg_class c ",
    "  JOIN ns n ON n.oid = c.relnamespace WHERE c.relkind = 'f' ",
    "  AND ('pg_class'::regclass, c.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'foreign servers', s.srvname, array_to_string(s.srvoptions, ',') FROM pg_foreign_server s ",
    "  WHERE ('pg_foreign_server'::regclass, s.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'foreign-data wrappers', w.fdwname, NULL FROM pg_foreign_data_wrapper w ",
    "  WHERE ('pg_foreign_data_wrapper'::regclass, w.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'statistics objects', n.nspname || '.' || s.stxname, pg_get_statisticsobjdef(s.oid) ",
    "  FROM pg_statistic_ext s JOIN ns n ON n.oid = s.stxnamespace ",
    "UNION ALL SELECT 'collations', n.nspname || '.' || c.collname, c.collprovider::text || ' ' || ",
    "  COALESCE(c.collcollate, '') || ' ' || COALESCE(c.colliculocale, '') FROM pg_collation c JOIN ns n ON n.oid = c.collnamespace ",
    "  WHERE ('pg_collation'::regclass, c.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'operators', o.oid::regoperator::text, o.oprcode::regproc::text FROM pg_operator o ",
    "  JOIN ns n ON n.oid = o.oprnamespace WHERE ('pg_operator'::regclass, o.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'operator classes', n.nspname || '.' || c.opcname, NULL FROM pg_opclass c ",
    "  JOIN ns n ON n.oid = c.opcnamespace WHERE ('pg_opclass'::regclass, c.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'operator families', n.nspname || '.' || f.opfname, NULL FROM pg_opfamily f ",
    "  JOIN ns n ON n.oid = f.opfnamespace WHERE ('pg_opfamily'::regclass, f.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'casts', format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL), ",
    "  c.castfunc::regprocedure::text || ' ' || c.castcontext::text || c.castmethod::text FROM pg_cast c ",
    "  WHERE c.oid >= 16384 AND ('pg_cast'::regclass, c.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'text search configurations', n.nspname || '.' || c.cfgname, NULL FROM pg_ts_config c ",
    "  JOIN ns n ON n.oid = c.cfgnamespace WHERE ('pg_ts_config'::regclass, c.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'text search dictionaries', n.nspname || '.' || d.dictname, ",
    "  array_to_string(ARRAY[d.dictinitoption], '') FROM pg_ts_dict d ",
    "  JOIN ns n ON n.oid = d.dictnamespace WHERE ('pg_ts_dict'::regclass, d.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT CASE WHEN t.typtype = 'r' THEN 'range types' ELSE 'base types' END, n.nspname || '.' || t.typname, NULL ",
    "  FROM pg_type t JOIN ns n ON n.oid = t.typnamespace WHERE t.typtype IN ('r', 'b') AND t.typcategory <> 'A' ",
    "  AND ('pg_type'::regclass, t.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'languages', l.lanname, NULL FROM pg_language l WHERE l.oid >= 16384 ",
    "  AND ('pg_language'::regclass, l.oid) NOT IN (SELECT * FROM ext) ",
    "UNION ALL SELECT 'default privileges', pg_get_userbyid(d.defaclrole) || COALESCE(' in ' || n.nspname, '') ",
    "  || ' on ' || d.defaclobjtype::text, array_to_string(d.defaclacl, ',') FROM pg_default_acl d ",
    "  LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace ",
    "UNION ALL SELECT 'tables in other tablespaces', n.nspname || '.' || c.relname, t.spcname FROM pg_class c ",
    "  JOIN ns n ON n.oid = c.relnamespace JOIN pg_tablespace t ON t.oid = c.reltablespace ",
    "  WHERE c.relkind IN ('r', 'p', 'm', 'i') AND c.reltablespace <> 0 ",
    ") x"
);
