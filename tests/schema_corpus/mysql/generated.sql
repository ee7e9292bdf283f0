-- case: virtual_generated_added
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int, b int AS (a * 2) VIRTUAL);

-- case: stored_generated_added
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int, b int AS (a * 2) STORED);

-- case: virtual_to_stored
-- a:
CREATE TABLE t (a int, b int AS (a * 2) VIRTUAL, c int);
-- b:
CREATE TABLE t (a int, b int AS (a * 2) STORED, c int);

-- case: stored_to_virtual
-- a:
CREATE TABLE t (a int, b int AS (a * 2) STORED);
-- b:
CREATE TABLE t (a int, b int AS (a * 2) VIRTUAL);

-- case: regular_to_generated
-- a:
CREATE TABLE t (a int, b int, c int);
-- b:
CREATE TABLE t (a int, b int AS (a + 1) VIRTUAL, c int);

-- case: generated_to_regular
-- a:
CREATE TABLE t (a int, b int AS (a + 1) STORED);
-- b:
CREATE TABLE t (a int, b int);

-- case: generated_expression_changed
-- a:
CREATE TABLE t (a int, b int AS (a + 1) VIRTUAL);
-- b:
CREATE TABLE t (a int, b int AS (a + 2) VIRTUAL);

-- case: index_on_generated_column
-- a:
CREATE TABLE t (a varchar(20));
-- b:
CREATE TABLE t (a varchar(20), la varchar(20) AS (lower(a)) VIRTUAL, KEY t_la (la));
