-- case: function_created
-- a:
-- b:
CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;

-- case: function_body_changed_in_place
-- expect: CREATE OR REPLACE FUNCTION public.add
-- forbid: DROP FUNCTION
-- a:
CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT a + b $$;
CREATE VIEW v AS SELECT add(1, 2) AS three;
-- b:
CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT b + a $$;
CREATE VIEW v AS SELECT add(1, 2) AS three;

-- case: function_parameter_renamed_with_dependents
-- expect: DROP FUNCTION public.area(integer, integer)
-- a:
CREATE FUNCTION area(w int, h int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT w * h $$;
CREATE TABLE rect (w int, h int, a int DEFAULT area(1, 1) CHECK (a = area(1, 1) OR a IS NOT NULL));
CREATE VIEW areas AS SELECT area(w, h) FROM rect;
CREATE INDEX rect_area ON rect (area(w, h));
-- b:
CREATE FUNCTION area(width int, height int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT width * height $$;
CREATE TABLE rect (w int, h int, a int DEFAULT area(1, 1) CHECK (a = area(1, 1) OR a IS NOT NULL));
CREATE VIEW areas AS SELECT area(w, h) FROM rect;
CREATE INDEX rect_area ON rect (area(w, h));

-- case: function_return_type_changed
-- a:
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
-- b:
CREATE FUNCTION f() RETURNS bigint LANGUAGE sql AS $$ SELECT 1 $$;

-- case: function_overloads
-- a:
CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;
-- b:
CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;
CREATE FUNCTION f(a text) RETURNS text LANGUAGE sql AS $$ SELECT a $$;

-- case: function_default_removed
-- a:
CREATE FUNCTION f(a int DEFAULT 1) RETURNS int LANGUAGE sql AS $$ SELECT a $$;
-- b:
CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;

-- case: function_returning_table_row_type
-- a:
-- b:
CREATE TABLE users (id int, name text);
CREATE FUNCTION all_users() RETURNS SETOF users LANGUAGE sql STABLE AS $$ SELECT * FROM users $$;

-- case: function_returns_table_clause
-- a:
CREATE TABLE t (id int);
-- b:
CREATE TABLE t (id int);
CREATE FUNCTION ids() RETURNS TABLE (id int) LANGUAGE sql AS $$ SELECT id FROM t $$;

-- case: function_used_by_view_used_by_function
-- a:
CREATE TABLE t (x int);
CREATE FUNCTION dbl(i int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT i * 2 $$;
CREATE VIEW dv AS SELECT dbl(x) AS d FROM t;
CREATE FUNCTION dvs() RETURNS SETOF dv LANGUAGE sql AS $$ SELECT * FROM dv $$;
-- b:
CREATE TABLE t (x int);
CREATE FUNCTION dbl(n int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT n * 2 $$;
CREATE VIEW dv AS SELECT dbl(x) AS d FROM t;
CREATE FUNCTION dvs() RETURNS SETOF dv LANGUAGE sql AS $$ SELECT * FROM dv $$;

-- case: function_chain_created_from_empty
-- a:
-- b:
CREATE TABLE t (x int);
CREATE FUNCTION dbl(i int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT i * 2 $$;
CREATE VIEW dv AS SELECT dbl(x) AS d FROM t;
CREATE FUNCTION dvs() RETURNS SETOF dv LANGUAGE sql AS $$ SELECT * FROM dv $$;
CREATE VIEW dvv AS SELECT * FROM dvs();

-- case: sql_standard_body_function
-- a:
CREATE TABLE t (x int);
-- b:
CREATE TABLE t (x int);
CREATE FUNCTION cnt() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END;

-- case: plpgsql_function_referencing_new_table
-- a:
-- b:
CREATE FUNCTION log_it(m text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit_log (msg) VALUES (m); END $$;
CREATE TABLE audit_log (msg text);

-- case: function_options_changed
-- a:
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
-- b:
CREATE FUNCTION f() RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE SECURITY DEFINER SET search_path = public COST 5 AS $$ SELECT 1 $$;

-- case: function_comment_and_grant
-- a:
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
-- b:
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
COMMENT ON FUNCTION f() IS 'one';

-- case: function_dropped
-- a:
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int);

-- case: procedure_created_and_changed
-- a:
CREATE TABLE t (a int);
CREATE PROCEDURE ins(v int) LANGUAGE sql AS $$ INSERT INTO t VALUES (v) $$;
-- b:
CREATE TABLE t (a int);
CREATE PROCEDURE ins(v int) LANGUAGE sql AS $$ INSERT INTO t VALUES (v + 1) $$;
CREATE PROCEDURE clear() LANGUAGE plpgsql AS $$ BEGIN DELETE FROM t; END $$;

-- case: aggregate_created
-- a:
-- b:
CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');

-- case: aggregate_with_own_functions
-- a:
-- b:
CREATE FUNCTION acc(state int[], v int) RETURNS int[] LANGUAGE sql IMMUTABLE AS $$ SELECT state || v $$;
CREATE FUNCTION fin(state int[]) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(array_length(state, 1), 0) $$;
CREATE AGGREGATE cnt_all(int) (SFUNC = acc, STYPE = int[], FINALFUNC = fin, INITCOND = '{}');

-- case: aggregate_changed
-- a:
CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');
-- b:
CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int, INITCOND = '10');

-- case: aggregate_dropped
-- a:
CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int);
-- b:

-- case: aggregate_used_by_view
-- a:
CREATE TABLE t (v int);
-- b:
CREATE TABLE t (v int);
CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');
CREATE VIEW tv AS SELECT total(v) FROM t;

-- case: trigger_function_dropped_with_its_table
-- a:
CREATE TABLE t (a int, at timestamptz);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at = now(); RETURN NEW; END $$;
CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TABLE keep (a int);
-- b:
CREATE TABLE keep (a int);

-- case: function_signature_type_changed
-- a:
CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;
-- b:
CREATE FUNCTION f(a bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT a $$;
