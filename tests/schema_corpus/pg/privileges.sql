-- case: table_grants_added
-- privileges
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int);
GRANT SELECT, UPDATE ON t TO dbn_user;

-- case: table_grants_revoked
-- privileges
-- a:
CREATE TABLE t (a int);
GRANT ALL ON t TO dbn_user;
-- b:
CREATE TABLE t (a int);
GRANT SELECT ON t TO dbn_user;

-- case: column_grants
-- privileges
-- a:
CREATE TABLE t (a int, b int);
-- b:
CREATE TABLE t (a int, b int);
GRANT SELECT (a), UPDATE (b) ON t TO dbn_user;

-- case: function_execute_revoked_from_public
-- privileges
-- a:
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
-- b:
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION f() TO dbn_user;

-- case: new_function_with_revoked_public
-- privileges
-- a:
-- b:
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC;

-- case: schema_and_sequence_grants
-- privileges
-- a:
CREATE SCHEMA app;
CREATE SEQUENCE app.s;
-- b:
CREATE SCHEMA app;
CREATE SEQUENCE app.s;
GRANT USAGE ON SCHEMA app TO dbn_user;
GRANT USAGE, SELECT ON SEQUENCE app.s TO dbn_user WITH GRANT OPTION;

-- case: type_usage_revoked
-- privileges
-- a:
CREATE TYPE e AS ENUM ('x');
-- b:
CREATE TYPE e AS ENUM ('x');
REVOKE USAGE ON TYPE e FROM PUBLIC;

-- case: recreated_function_keeps_revoked_execute_without_flag
-- a:
CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;
REVOKE EXECUTE ON FUNCTION f(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION f(int) TO dbn_user;
-- b:
CREATE FUNCTION f(b int) RETURNS int LANGUAGE sql AS $$ SELECT b $$;
REVOKE EXECUTE ON FUNCTION f(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION f(int) TO dbn_user;

-- case: recreated_table_gets_grants_back
-- a:
CREATE TABLE t (a int, d date);
GRANT SELECT ON t TO dbn_user;
-- b:
CREATE TABLE t (a int, d date) PARTITION BY RANGE (d);
GRANT SELECT ON t TO dbn_user;

-- case: matview_grants_kept_on_recreate
-- a:
CREATE TABLE t (a int);
CREATE MATERIALIZED VIEW mv AS SELECT a FROM t;
GRANT SELECT ON mv TO dbn_user;
-- b:
CREATE TABLE t (a int);
CREATE MATERIALIZED VIEW mv AS SELECT a, 1 AS one FROM t;
GRANT SELECT ON mv TO dbn_user;
