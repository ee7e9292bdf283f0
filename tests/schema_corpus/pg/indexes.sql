-- case: index_added_on_existing_table
-- expect: long lock: blocks writes
-- a:
CREATE TABLE t (a int, b text);
-- b:
CREATE TABLE t (a int, b text);
CREATE INDEX t_a ON t (a);

-- case: index_changed
-- a:
CREATE TABLE t (a int, b text);
CREATE INDEX t_ab ON t (a);
-- b:
CREATE TABLE t (a int, b text);
CREATE INDEX t_ab ON t (a, b DESC NULLS LAST);

-- case: partial_expression_and_method_indexes
-- a:
CREATE TABLE t (a int, b text, j jsonb);
-- b:
CREATE TABLE t (a int, b text, j jsonb);
CREATE INDEX t_lower ON t (lower(b)) WHERE a > 0;
CREATE INDEX t_j ON t USING gin (j jsonb_path_ops);
CREATE INDEX t_hash ON t USING hash (b);
CREATE UNIQUE INDEX t_u ON t (a) INCLUDE (b) WITH (fillfactor = 70);

-- case: index_dropped
-- a:
CREATE TABLE t (a int);
CREATE INDEX t_a ON t (a);
-- b:
CREATE TABLE t (a int);

-- case: index_comment_and_cluster
-- a:
CREATE TABLE t (a int);
CREATE INDEX t_a ON t (a);
-- b:
CREATE TABLE t (a int);
CREATE INDEX t_a ON t (a);
COMMENT ON INDEX t_a IS 'by a';
ALTER TABLE t CLUSTER ON t_a;

-- case: unique_index_nulls_not_distinct
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int);
CREATE UNIQUE INDEX t_a ON t (a) NULLS NOT DISTINCT;

-- case: index_on_column_whose_type_changes_is_not_recreated
-- forbid: DROP INDEX
-- a:
CREATE TABLE t (a int);
CREATE INDEX t_a ON t (a);
-- b:
CREATE TABLE t (a bigint);
CREATE INDEX t_a ON t (a);

-- case: index_renamed_definition_same
-- a:
CREATE TABLE t (a int);
CREATE INDEX old_name ON t (a);
-- b:
CREATE TABLE t (a int);
CREATE INDEX new_name ON t (a);

-- case: brin_index_with_options
-- a:
CREATE TABLE t (at timestamptz);
-- b:
CREATE TABLE t (at timestamptz);
CREATE INDEX t_at ON t USING brin (at) WITH (pages_per_range = 64);
