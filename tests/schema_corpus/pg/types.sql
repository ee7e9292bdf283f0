-- case: enum_created_and_used
-- a:
CREATE TABLE t (id int);
-- b:
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t (id int, m mood DEFAULT 'ok');

-- case: enum_value_added_in_middle
-- expect: ADD VALUE IF NOT EXISTS 'meh' AFTER 'sad'
-- a:
CREATE TYPE mood AS ENUM ('sad', 'happy');
-- b:
CREATE TYPE mood AS ENUM ('sad', 'meh', 'happy');

-- case: enum_value_added_and_used_as_default
-- a:
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE t (m mood);
-- b:
CREATE TYPE mood AS ENUM ('sad', 'happy', 'ecstatic');
CREATE TABLE t (m mood DEFAULT 'ecstatic');

-- case: enum_value_removed_with_columns_and_default
-- a:
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t (m mood DEFAULT 'ok', ms mood[]);
-- b:
CREATE TYPE mood AS ENUM ('ok', 'happy');
CREATE TABLE t (m mood DEFAULT 'ok', ms mood[]);
-- data:
INSERT INTO t VALUES ('happy', '{ok}');

-- case: enum_reordered_used_by_view_and_function
-- a:
CREATE TYPE lvl AS ENUM ('low', 'high');
CREATE TABLE t (l lvl);
CREATE VIEW tv AS SELECT l FROM t;
CREATE FUNCTION is_high(x lvl) RETURNS bool LANGUAGE sql AS $$ SELECT x = 'high' $$;
-- b:
CREATE TYPE lvl AS ENUM ('high', 'low');
CREATE TABLE t (l lvl);
CREATE VIEW tv AS SELECT l FROM t;
CREATE FUNCTION is_high(x lvl) RETURNS bool LANGUAGE sql AS $$ SELECT x = 'high' $$;

-- case: column_from_one_enum_to_another
-- a:
CREATE TYPE color AS ENUM ('red', 'green');
CREATE TYPE colour AS ENUM ('red', 'green', 'blue');
CREATE TABLE t (c color DEFAULT 'red');
-- b:
CREATE TYPE color AS ENUM ('red', 'green');
CREATE TYPE colour AS ENUM ('red', 'green', 'blue');
CREATE TABLE t (c colour DEFAULT 'green');
-- data:
INSERT INTO t VALUES ('green');

-- case: text_with_default_to_enum
-- a:
CREATE TABLE t (status text DEFAULT 'new');
-- b:
CREATE TYPE status AS ENUM ('new', 'done');
CREATE TABLE t (status status DEFAULT 'new');
-- data:
INSERT INTO t VALUES ('done');

-- case: enum_to_text
-- a:
CREATE TYPE status AS ENUM ('new', 'done');
CREATE TABLE t (status status DEFAULT 'new');
-- b:
CREATE TABLE t (status text DEFAULT 'new');

-- case: enum_renamed_with_columns
-- a:
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE TABLE t (m mood);
-- b:
CREATE TYPE feeling AS ENUM ('a', 'b');
CREATE TABLE t (m feeling);
-- data:
INSERT INTO t VALUES ('b');

-- case: enum_comment
-- a:
CREATE TYPE mood AS ENUM ('a');
-- b:
CREATE TYPE mood AS ENUM ('a');
COMMENT ON TYPE mood IS 'feelings';

-- case: domain_created_with_check_calling_function
-- a:
-- b:
CREATE FUNCTION is_even(i int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT i % 2 = 0 $$;
CREATE DOMAIN even AS int CHECK (is_even(VALUE));
CREATE TABLE t (e even);

-- case: domain_check_changed
-- a:
CREATE DOMAIN pos AS int CONSTRAINT pos_check CHECK (VALUE > 0);
CREATE TABLE t (p pos);
-- b:
CREATE DOMAIN pos AS int CONSTRAINT pos_check CHECK (VALUE >= 0);
CREATE TABLE t (p pos);

-- case: domain_default_and_not_null
-- a:
CREATE DOMAIN code AS text;
-- b:
CREATE DOMAIN code AS text DEFAULT 'x' NOT NULL;

-- case: domain_base_type_changed_with_columns
-- a:
CREATE DOMAIN money2 AS numeric(10,2);
CREATE TABLE t (m money2);
-- b:
CREATE DOMAIN money2 AS numeric(12,4);
CREATE TABLE t (m money2);
-- data:
INSERT INTO t VALUES (1.5);

-- case: domain_check_function_recreated
-- a:
CREATE FUNCTION ok(i int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT i > 0 $$;
CREATE DOMAIN d AS int CHECK (ok(VALUE));
-- b:
CREATE FUNCTION ok(n int) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT n > 0 $$;
CREATE DOMAIN d AS int CHECK (ok(VALUE));

-- case: composite_type_created_and_used
-- a:
-- b:
CREATE TYPE address AS (street text, city text);
CREATE TABLE p (id int, home address);

-- case: composite_attribute_added_and_retyped
-- a:
CREATE TYPE pair AS (a int, b text);
-- b:
CREATE TYPE pair AS (a bigint, b text, c date);

-- case: composite_attributes_reordered
-- a:
CREATE TYPE pair AS (a int, b text);
-- b:
CREATE TYPE pair AS (b text, a int);

-- case: function_returning_composite
-- a:
-- b:
CREATE TYPE pair AS (a int, b text);
CREATE FUNCTION mk(i int) RETURNS pair LANGUAGE sql AS $$ SELECT i, i::text $$;

-- case: type_in_other_schema_used_cross_schema
-- a:
CREATE SCHEMA types;
-- b:
CREATE SCHEMA types;
CREATE TYPE types.level AS ENUM ('lo', 'hi');
CREATE TABLE public.t (l types.level);
