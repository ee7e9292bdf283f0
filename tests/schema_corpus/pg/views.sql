-- case: view_created_over_new_table
-- a:
-- b:
CREATE TABLE t (id int, v text);
CREATE VIEW tv AS SELECT id, v FROM t;

-- case: view_column_added_at_end_is_replaced
-- expect: CREATE OR REPLACE VIEW
-- forbid: DROP VIEW
-- a:
CREATE TABLE t (id int, v text, w int);
CREATE VIEW tv AS SELECT id FROM t;
-- b:
CREATE TABLE t (id int, v text, w int);
CREATE VIEW tv AS SELECT id, v, w FROM t;

-- case: view_column_removed_is_recreated
-- expect: DROP VIEW public.tv
-- a:
CREATE TABLE t (id int, v text);
CREATE VIEW tv AS SELECT id, v FROM t;
-- b:
CREATE TABLE t (id int, v text);
CREATE VIEW tv AS SELECT id FROM t;

-- case: view_type_change_is_recreated
-- a:
CREATE TABLE t (id int, v text);
CREATE VIEW tv AS SELECT id, v FROM t;
-- b:
CREATE TABLE t (id int, v text);
CREATE VIEW tv AS SELECT id::bigint AS id, v FROM t;

-- case: view_over_view_recreated_in_order
-- a:
CREATE TABLE t (id int, v text);
CREATE VIEW v1 AS SELECT id, v FROM t;
CREATE VIEW v2 AS SELECT id FROM v1;
-- b:
CREATE TABLE t (id int, v text);
CREATE VIEW v1 AS SELECT v, id FROM t;
CREATE VIEW v2 AS SELECT id FROM v1;

-- case: view_over_column_whose_type_changes
-- a:
CREATE TABLE t (id int, amount int);
CREATE VIEW totals AS SELECT id, amount FROM t;
CREATE VIEW big AS SELECT id FROM totals WHERE amount > 10;
-- b:
CREATE TABLE t (id int, amount bigint);
CREATE VIEW totals AS SELECT id, amount FROM t;
CREATE VIEW big AS SELECT id FROM totals WHERE amount > 10;

-- case: view_unrelated_column_change_keeps_view
-- forbid: DROP VIEW
-- a:
CREATE TABLE t (id int, amount int, note text);
CREATE VIEW ids AS SELECT id FROM t;
-- b:
CREATE TABLE t (id int, amount bigint, note text);
CREATE VIEW ids AS SELECT id FROM t;

-- case: dropping_column_a_view_used
-- a:
CREATE TABLE t (id int, legacy text);
CREATE VIEW tv AS SELECT id, legacy FROM t;
-- b:
CREATE TABLE t (id int);
CREATE VIEW tv AS SELECT id FROM t;

-- case: view_options_security_barrier_and_check_option
-- a:
CREATE TABLE t (id int, ok bool);
CREATE VIEW tv AS SELECT id, ok FROM t WHERE ok;
-- b:
CREATE TABLE t (id int, ok bool);
CREATE VIEW tv WITH (security_barrier = true) AS SELECT id, ok FROM t WHERE ok WITH CASCADED CHECK OPTION;

-- case: view_security_invoker_removed
-- a:
CREATE TABLE t (id int);
CREATE VIEW tv WITH (security_invoker = true, security_barrier = true) AS SELECT id FROM t;
-- b:
CREATE TABLE t (id int);
CREATE VIEW tv WITH (security_barrier = true) AS SELECT id FROM t;

-- case: view_local_check_option_new
-- a:
CREATE TABLE t (id int);
-- b:
CREATE TABLE t (id int);
CREATE VIEW pos AS SELECT id FROM t WHERE id > 0 WITH LOCAL CHECK OPTION;

-- case: view_comments_and_column_comments
-- a:
CREATE TABLE t (id int, v text);
CREATE VIEW tv AS SELECT id, v FROM t;
-- b:
CREATE TABLE t (id int, v text);
CREATE VIEW tv AS SELECT id, v FROM t;
COMMENT ON VIEW tv IS 'the view';
COMMENT ON COLUMN tv.v IS 'the v';

-- case: recreated_view_keeps_column_comments_and_grants
-- a:
CREATE TABLE t (id int, v text);
CREATE VIEW tv AS SELECT id, v FROM t;
COMMENT ON COLUMN tv.v IS 'the v';
GRANT SELECT, INSERT ON tv TO dbn_user;
-- b:
CREATE TABLE t (id int, v text);
CREATE VIEW tv AS SELECT v, id FROM t;
COMMENT ON COLUMN tv.v IS 'the v';
GRANT SELECT, INSERT ON tv TO dbn_user;

-- case: materialized_view_created_with_index
-- a:
CREATE TABLE t (id int, v text);
-- b:
CREATE TABLE t (id int, v text);
CREATE MATERIALIZED VIEW mv AS SELECT id, count(*) AS n FROM t GROUP BY id;
CREATE UNIQUE INDEX mv_id ON mv (id);
COMMENT ON MATERIALIZED VIEW mv IS 'counts';

-- case: materialized_view_changed_keeps_indexes
-- a:
CREATE TABLE t (id int, v text);
CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
CREATE INDEX mv_id ON mv (id);
-- b:
CREATE TABLE t (id int, v text);
CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM t;
CREATE INDEX mv_id ON mv (id);

-- case: materialized_view_index_added
-- a:
CREATE TABLE t (id int);
CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
-- b:
CREATE TABLE t (id int);
CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
CREATE INDEX mv_id ON mv (id);

-- case: view_over_materialized_view
-- a:
CREATE TABLE t (id int);
CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
CREATE VIEW v AS SELECT id FROM mv;
-- b:
CREATE TABLE t (id int, x int);
CREATE MATERIALIZED VIEW mv AS SELECT id, x FROM t;
CREATE VIEW v AS SELECT id FROM mv;

-- case: table_replaced_by_view
-- a:
CREATE TABLE base (id int, active bool);
CREATE TABLE active_ids (id int);
-- b:
CREATE TABLE base (id int, active bool);
CREATE VIEW active_ids AS SELECT id FROM base WHERE active;

-- case: view_replaced_by_table
-- a:
CREATE TABLE base (id int);
CREATE VIEW snapshot AS SELECT id FROM base;
-- b:
CREATE TABLE base (id int);
CREATE TABLE snapshot (id int);

-- case: view_dropped_with_dependent_view
-- a:
CREATE TABLE t (id int);
CREATE VIEW v1 AS SELECT id FROM t;
CREATE VIEW v2 AS SELECT id FROM v1;
-- b:
CREATE TABLE t (id int);

-- case: view_in_other_schema_over_public
-- a:
CREATE TABLE t (id int);
-- b:
CREATE SCHEMA rpt;
CREATE TABLE t (id int);
CREATE VIEW rpt.t_ids AS SELECT id FROM public.t;

-- case: select_star_view_sees_new_column_only_if_redefined
-- a:
CREATE TABLE t (id int);
CREATE VIEW tv AS SELECT * FROM t;
-- b:
CREATE TABLE t (id int, extra text);
CREATE VIEW tv AS SELECT * FROM t;
