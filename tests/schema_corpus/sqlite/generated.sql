-- case: virtual_generated_added_at_end
-- a:
CREATE TABLE t (a INT);
-- b:
CREATE TABLE t (a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL);

-- case: stored_generated_added
-- a:
CREATE TABLE t (a INT);
-- b:
CREATE TABLE t (a INT, b INT GENERATED ALWAYS AS (a * 2) STORED);
-- data:
INSERT INTO t VALUES (1);

-- case: generated_expression_changed
-- a:
CREATE TABLE t (a INT, b INT AS (a + 1));
-- b:
CREATE TABLE t (a INT, b INT AS (a + 2));

-- case: generated_to_plain
-- a:
CREATE TABLE t (a INT, b INT AS (a + 1) STORED);
-- b:
CREATE TABLE t (a INT, b INT);

-- case: plain_to_generated
-- a:
CREATE TABLE t (a INT, b INT);
-- b:
CREATE TABLE t (a INT, b INT AS (a * 10) STORED);

-- case: index_on_generated
-- a:
CREATE TABLE t (a TEXT);
-- b:
CREATE TABLE t (a TEXT, la TEXT AS (lower(a)));
CREATE INDEX t_la ON t (la);
