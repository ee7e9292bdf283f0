//! Catalog queries for Postgres introspection. Each returns one JSON text
//! column per row. System schemas and extension members are excluded.

/// Namespace filter on alias `n`.
macro_rules! user_ns {
    () => {
        "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
         AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'"
    };
}

/// Not a member of an extension: `$class` is the catalog, `$oid` the object.
macro_rules! not_ext {
    ($class:literal, $oid:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '",
            $class,
            "'::regclass AND e.objid = ",
            $oid,
            " AND e.deptype = 'e')"
        )
    };
}

/// User schemas.
pub const SCHEMAS: &str = concat!(
    "SELECT n.nspname FROM pg_namespace n WHERE ",
    user_ns!(),
    " AND ",
    not_ext!("pg_namespace", "n.oid"),
    " ORDER BY 1"
);

/// Comments on user schemas.
pub const SCHEMA_COMMENTS: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'comment', obj_description(n.oid, 'pg_namespace'))::text ",
    "FROM pg_namespace n WHERE obj_description(n.oid, 'pg_namespace') IS NOT NULL AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_namespace", "n.oid")
);

/// Tables: ordinary, partitioned and partitions, with persistence,
/// storage options, replica identity, partition bound and parents.
pub const TABLES: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'name', c.relname, ",
    "'comment', obj_description(c.oid, 'pg_class'), ",
    "'rls', c.relrowsecurity, 'rls_forced', c.relforcerowsecurity, 'partition_by', pg_get_partkeydef(c.oid), ",
    "'unlogged', c.relpersistence = 'u', 'options', c.reloptions, ",
    "'replica_identity', CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING' ",
    "  WHEN 'i' THEN (SELECT 'USING INDEX ' || quote_ident(ic.relname) FROM pg_index ri ",
    "    JOIN pg_class ic ON ic.oid = ri.indexrelid WHERE ri.indrelid = c.oid AND ri.indisreplident LIMIT 1) END, ",
    "'partition_bound', CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END, ",
    "'parents', (SELECT json_agg(json_build_object('schema', pn.nspname, 'name', pc.relname) ORDER BY i.inhseqno) ",
    "  FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace ",
    "  WHERE i.inhrelid = c.oid), 'partition', c.relispartition)::text ",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE c.relkind IN ('r', 'p') AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_class", "c.oid")
);

/// Columns of tables, views and materialized views.
pub const COLUMNS: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'table', c.relname, 'name', a.attname, ",
    "'type', format_type(a.atttypid, a.atttypmod), 'not_null', a.attnotnull, ",
    "'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END, ",
    "'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END, ",
    "'identity', CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END, ",
    "'collation', CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0 ",
    "  THEN CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname) ",
    "  ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END END, ",
    "'comment', col_description(c.oid, a.attnum), 'identity_options', idopts.text, ",
    "'inherited', NOT a.attislocal, ",
    "'storage', CASE WHEN a.attstorage <> t.typstorage THEN CASE a.attstorage WHEN 'p' THEN 'PLAIN' ",
    "  WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' WHEN 'x' THEN 'EXTENDED' END END, ",
    "'compression', CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END, ",
    "'statistics', CASE WHEN a.attstattarget >= 0 THEN a.attstattarget END)::text ",
    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid ",
    "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid ",
    // Identity sequence options, only those that differ from the defaults
    // Postgres picks for the sequence's type and direction.
    "LEFT JOIN LATERAL (SELECT NULLIF(concat_ws(' ', ",
    "  CASE WHEN q.seqstart <> CASE WHEN q.seqincrement > 0 THEN q.seqmin ELSE q.seqmax END ",
    "    THEN 'START WITH ' || q.seqstart END, ",
    "  CASE WHEN q.seqincrement <> 1 THEN 'INCREMENT BY ' || q.seqincrement END, ",
    "  CASE WHEN q.seqmin <> CASE WHEN q.seqincrement > 0 THEN 1 ",
    "    WHEN q.seqtypid = 'int2'::regtype THEN -32768 WHEN q.seqtypid = 'int4'::regtype THEN -2147483648 ",
    "    ELSE -9223372036854775808 END THEN 'MINVALUE ' || q.seqmin END, ",
    "  CASE WHEN q.seqmax <> CASE WHEN q.seqincrement < 0 THEN -1 ",
    "    WHEN q.seqtypid = 'int2'::regtype THEN 32767 WHEN q.seqtypid = 'int4'::regtype THEN 2147483647 ",
    "    ELSE 9223372036854775807 END THEN 'MAXVALUE ' || q.seqmax END, ",
    "  CASE WHEN q.seqcache <> 1 THEN 'CACHE ' || q.seqcache END, ",
    "  CASE WHEN q.seqcycle THEN 'CYCLE' END), '') AS text ",
    "  FROM pg_depend dd JOIN pg_sequence q ON q.seqrelid = dd.objid ",
    "  WHERE a.attidentity <> '' AND dd.classid = 'pg_class'::regclass AND dd.refclassid = 'pg_class'::regclass ",
    "  AND dd.refobjid = c.oid AND dd.refobjsubid = a.attnum AND dd.deptype = 'i' LIMIT 1) idopts ON true ",
    "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum ",
    "LEFT JOIN pg_collation co ON co.oid = a.attcollation ",
    "LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace ",
    "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped AND ",
    user_ns!(),
    " ORDER BY n.nspname, c.relname, a.attnum"
);

/// Table constraints declared by the table itself (p, u, f, c, x): those
/// inherited from a parent or cloned onto a partition are the parent's.
pub const CONSTRAINTS: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'table', c.relname, 'name', co.conname, ",
    "'type', co.contype, 'def', pg_get_constraintdef(co.oid), ",
    "'expr', CASE WHEN co.contype = 'c' THEN pg_get_expr(co.conbin, co.conrelid) END, ",
    "'columns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(co.conkey) WITH ORDINALITY k(num, ord) ",
    "  JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num), ",
    "'ref_schema', rn.nspname, 'ref_table', rc.relname, ",
    "'ref_columns', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(co.confkey) WITH ORDINALITY k(num, ord) ",
    "  JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num), ",
    "'on_update', co.confupdtype, 'on_delete', co.confdeltype, ",
    "'deferrable', co.condeferrable, 'deferred', co.condeferred, ",
    "'match_full', co.confmatchtype = 'f', 'not_valid', NOT co.convalidated, 'no_inherit', co.connoinherit, ",
    "'nulls_not_distinct', COALESCE(ix.indnullsnotdistinct, false), ",
    "'include', (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(num, ord) ",
    "  JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num WHERE k.ord > ix.indnkeyatts), ",
    "'with', (SELECT array_to_string(ic.reloptions, ', ') FROM pg_class ic WHERE ic.oid = ix.indexrelid), ",
    "'comment', obj_description(co.oid, 'pg_constraint'))::text ",
    "FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid ",
    "JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "LEFT JOIN pg_index ix ON ix.indexrelid = co.conindid AND co.contype IN ('p', 'u') ",
    "LEFT JOIN pg_class rc ON rc.oid = co.confrelid LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace ",
    "WHERE co.contype IN ('p', 'u', 'f', 'c', 'x') AND c.relkind IN ('r', 'p') AND co.conislocal ",
    "AND co.conparentid = 0 AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_class", "c.oid")
);

/// Indexes that do not back a PK/unique/exclusion constraint, without the
/// partitions' copies of a partitioned table's index.
pub const INDEXES: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'table', c.relname, 'name', i.relname, ",
    "'unique', x.indisunique, 'def', pg_get_indexdef(x.indexrelid), 'method', am.amname, ",
    "'predicate', pg_get_expr(x.indpred, x.indrelid), 'comment', obj_description(x.indexrelid, 'pg_class'), ",
    "'clustered', x.indisclustered, ",
    "'columns', (SELECT json_agg(pg_get_indexdef(x.indexrelid, k, true) ORDER BY k) ",
    "  FROM generate_series(1, x.indnkeyatts) k))::text ",
    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid ",
    "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = i.relam ",
    "WHERE c.relkind IN ('r', 'p', 'm') AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_class", "c.oid"),
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid ",
    "  AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x')) ",
    "AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = x.indexrelid)"
);

/// Views and materialized views.
pub const VIEWS: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'name', c.relname, 'materialized', c.relkind = 'm', ",
    "'definition', pg_get_viewdef(c.oid), 'comment', obj_description(c.oid, 'pg_class'), ",
    "'options', c.reloptions, ",
    "'depends_on', (SELECT json_agg(DISTINCT dn.nspname || '.' || d.relname) FROM pg_rewrite r ",
    "  JOIN pg_depend dep ON dep.objid = r.oid AND dep.classid = 'pg_rewrite'::regclass ",
    "  JOIN pg_class d ON d.oid = dep.refobjid AND dep.refclassid = 'pg_class'::regclass ",
    "  JOIN pg_namespace dn ON dn.oid = d.relnamespace ",
    "  WHERE r.ev_class = c.oid AND d.oid <> c.oid))::text ",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE c.relkind IN ('v', 'm') AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_class", "c.oid")
);

/// Sequences, without the implicit ones behind identity columns.
pub const SEQUENCES: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'name', c.relname, ",
    "'data_type', format_type(s.seqtypid, NULL), 'start', s.seqstart, 'increment', s.seqincrement, ",
    "'min_value', s.seqmin, 'max_value', s.seqmax, 'cycle', s.seqcycle, 'cache', s.seqcache, ",
    "'comment', obj_description(c.oid, 'pg_class'), ",
    "'owned_by', (SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.relname) || '.' || quote_ident(a.attname) ",
    "  FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid ",
    "  JOIN pg_namespace tn ON tn.oid = t.relnamespace ",
    "  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid ",
    "  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid ",
    "  AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' LIMIT 1))::text ",
    "FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE ",
    user_ns!(),
    " AND ",
    not_ext!("pg_class", "c.oid"),
    " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass ",
    "  AND d.objid = c.oid AND d.deptype = 'i')"
);

/// Enum types.
pub const ENUMS: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'name', t.typname, ",
    "'values', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), ",
    "'comment', obj_description(t.oid, 'pg_type'))::text ",
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'e' AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_type", "t.oid")
);

/// Domains with their checks.
pub const DOMAINS: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'name', t.typname, ",
    "'data_type', format_type(t.typbasetype, t.typtypmod), 'not_null', t.typnotnull, ",
    "'default', t.typdefault, ",
    "'collation', CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN quote_ident(co.collname) END, ",
    "'checks', (SELECT json_agg(json_build_object('name', k.conname, 'expression', pg_get_constraintdef(k.oid)) ",
    "  ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'), ",
    "'comment', obj_description(t.oid, 'pg_type'))::text ",
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type bt ON bt.oid = t.typbasetype ",
    "LEFT JOIN pg_collation co ON co.oid = t.typcollation ",
    "WHERE t.typtype = 'd' AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_type", "t.oid")
);

/// Stand-alone composite types.
pub const COMPOSITES: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'name', t.typname, ",
    "'attributes', (SELECT json_agg(json_build_object('name', a.attname, ",
    "  'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum) ",
    "  FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), ",
    "'comment', obj_description(t.oid, 'pg_type'))::text ",
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid ",
    "WHERE t.typtype = 'c' AND c.relkind = 'c' AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_type", "t.oid")
);

/// Functions and procedures (aggregates have their own query).
pub const FUNCTIONS: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'name', p.proname, ",
    "'arguments', pg_get_function_identity_arguments(p.oid), 'signature', oidvectortypes(p.proargtypes), ",
    "'kind', CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, ",
    "'definition', pg_get_functiondef(p.oid), 'comment', obj_description(p.oid, 'pg_proc'))::text ",
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace ",
    "WHERE p.prokind IN ('f', 'p') AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_proc", "p.oid"),
    // A range type's constructors are part of the type (internal dependency).
    " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass ",
    "  AND d.objid = p.oid AND d.deptype = 'i')"
);

/// Aggregates, with a `CREATE AGGREGATE` built from `pg_aggregate`.
pub const AGGREGATES: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'name', p.proname, ",
    "'arguments', pg_get_function_identity_arguments(p.oid), 'signature', oidvectortypes(p.proargtypes), ",
    "'kind', 'aggregate', 'comment', obj_description(p.oid, 'pg_proc'), ",
    "'definition', 'CREATE AGGREGATE ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || ",
    "  CASE WHEN p.pronargs = 0 THEN '*' ELSE pg_get_function_arguments(p.oid) END || ') (' || concat_ws(', ', ",
    "  'SFUNC = ' || a.aggtransfn::regproc, 'STYPE = ' || format_type(a.aggtranstype, NULL), ",
    "  CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END, ",
    "  CASE WHEN a.aggfinalfn <> 0 THEN 'FINALFUNC = ' || a.aggfinalfn::regproc END, ",
    "  CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END, ",
    "  CASE WHEN a.aggfinalmodify <> CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END THEN 'FINALFUNC_MODIFY = ' || ",
    "    CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END, ",
    "  CASE WHEN a.aggcombinefn <> 0 THEN 'COMBINEFUNC = ' || a.aggcombinefn::regproc END, ",
    "  CASE WHEN a.aggserialfn <> 0 THEN 'SERIALFUNC = ' || a.aggserialfn::regproc END, ",
    "  CASE WHEN a.aggdeserialfn <> 0 THEN 'DESERIALFUNC = ' || a.aggdeserialfn::regproc END, ",
    "  CASE WHEN a.agginitval IS NOT NULL THEN 'INITCOND = ' || quote_literal(a.agginitval) END, ",
    "  CASE WHEN a.aggmtransfn <> 0 THEN 'MSFUNC = ' || a.aggmtransfn::regproc END, ",
    "  CASE WHEN a.aggminvtransfn <> 0 THEN 'MINVFUNC = ' || a.aggminvtransfn::regproc END, ",
    "  CASE WHEN a.aggmtranstype <> 0 THEN 'MSTYPE = ' || format_type(a.aggmtranstype, NULL) END, ",
    "  CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END, ",
    "  CASE WHEN a.aggmfinalfn <> 0 THEN 'MFINALFUNC = ' || a.aggmfinalfn::regproc END, ",
    "  CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END, ",
    "  CASE WHEN a.aggmtransfn <> 0 AND a.aggmfinalmodify <> CASE WHEN a.aggkind = 'n' THEN 'r' ELSE 'w' END ",
    "    THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ",
    "    ELSE 'READ_WRITE' END END, ",
    "  CASE WHEN a.aggminitval IS NOT NULL THEN 'MINITCOND = ' || quote_literal(a.aggminitval) END, ",
    "  CASE WHEN a.aggsortop <> 0 THEN 'SORTOP = ' || a.aggsortop::regoper END, ",
    "  CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END, ",
    "  CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END) || ');')::text ",
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_aggregate a ON a.aggfnoid = p.oid ",
    "WHERE p.prokind = 'a' AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_proc", "p.oid")
);

/// User triggers, without the copies a partitioned table's trigger makes
/// on its partitions.
pub const TRIGGERS: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'table', c.relname, 'name', t.tgname, ",
    "'definition', pg_get_triggerdef(t.oid), 'comment', obj_description(t.oid, 'pg_trigger'), ",
    "'enabled', CASE t.tgenabled WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA' ",
    "  WHEN 'A' THEN 'ENABLE ALWAYS' END)::text ",
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_class", "c.oid")
);

/// Row-level security policies.
pub const POLICIES: &str = concat!(
    "SELECT json_build_object('schema', n.nspname, 'table', c.relname, 'name', p.polname, ",
    "'permissive', CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, ",
    "'command', CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' ",
    "  WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, ",
    "'roles', (SELECT json_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END ORDER BY 1) ",
    "  FROM unnest(p.polroles) r), ",
    "'using', pg_get_expr(p.polqual, p.polrelid), 'with_check', pg_get_expr(p.polwithcheck, p.polrelid), ",
    "'comment', obj_description(p.oid, 'pg_policy'))::text ",
    "FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace ",
    "WHERE ",
    user_ns!()
);

/// Extensions other than the always-present plpgsql.
pub const EXTENSIONS: &str = "SELECT json_build_object('name', e.extname, 'schema', n.nspname, \
     'version', e.extversion, 'comment', obj_description(e.oid, 'pg_extension'))::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
     WHERE e.extname <> 'plpgsql'";

/// Privileges held by roles other than the owner on relations (and their
/// columns), sequences, routines, types and schemas. Routines and types
/// with no ACL get the built-in default (EXECUTE/USAGE for PUBLIC), so a
/// revoked default shows as a difference.
pub const PRIVILEGES: &str = concat!(
    "SELECT json_build_object('object_kind', CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, ",
    "'object', quote_ident(n.nspname) || '.' || quote_ident(c.relname), ",
    "'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, ",
    "'privilege', a.privilege_type, 'grantable', a.is_grantable)::text ",
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a ",
    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND a.grantee <> c.relowner AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_class", "c.oid"),
    " UNION ALL ",
    "SELECT json_build_object('object_kind', 'TABLE', ",
    "'object', quote_ident(n.nspname) || '.' || quote_ident(c.relname), ",
    "'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, ",
    "'privilege', a.privilege_type || ' (' || quote_ident(att.attname) || ')', 'grantable', a.is_grantable)::text ",
    "FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace, ",
    "aclexplode(att.attacl) a ",
    "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND att.attnum > 0 AND NOT att.attisdropped AND att.attacl IS NOT NULL ",
    "AND a.grantee <> c.relowner AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_class", "c.oid"),
    " UNION ALL ",
    "SELECT json_build_object('object_kind', CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, ",
    "'object', quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || oidvectortypes(p.proargtypes) || ')', ",
    "'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, ",
    "'privilege', a.privilege_type, 'grantable', a.is_grantable)::text ",
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, ",
    "aclexplode(COALESCE(p.proacl, acldefault('f', p.proowner))) a ",
    "WHERE p.prokind IN ('f', 'p', 'a') AND a.grantee <> p.proowner AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_proc", "p.oid"),
    " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass ",
    "  AND d.objid = p.oid AND d.deptype = 'i')",
    " UNION ALL ",
    "SELECT json_build_object('object_kind', CASE WHEN t.typtype = 'd' THEN 'DOMAIN' ELSE 'TYPE' END, ",
    "'object', quote_ident(n.nspname) || '.' || quote_ident(t.typname), ",
    "'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, ",
    "'privilege', a.privilege_type, 'grantable', a.is_grantable)::text ",
    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace, ",
    "aclexplode(COALESCE(t.typacl, acldefault('T', t.typowner))) a ",
    "WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND ",
    "  (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) AND a.grantee <> t.typowner AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_type", "t.oid"),
    " UNION ALL ",
    "SELECT json_build_object('object_kind', 'SCHEMA', 'object', quote_ident(n.nspname), ",
    "'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, ",
    "'privilege', a.privilege_type, 'grantable', a.is_grantable)::text ",
    "FROM pg_namespace n, aclexplode(COALESCE(n.nspacl, acldefault('n', n.nspowner))) a ",
    "WHERE a.grantee <> n.nspowner AND ",
    user_ns!(),
    " AND ",
    not_ext!("pg_namespace", "n.oid")
);
