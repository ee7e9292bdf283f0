-- case: schema_created_with_comment
-- a:
-- b:
CREATE SCHEMA sales;
COMMENT ON SCHEMA sales IS 'money';

-- case: schema_dropped
-- a:
CREATE SCHEMA old;
-- b:

-- case: schema_with_objects_dropped
-- a:
CREATE SCHEMA old;
CREATE TABLE old.t (a int);
CREATE VIEW old.v AS SELECT a FROM old.t;
CREATE FUNCTION old.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TYPE old.e AS ENUM ('x');
CREATE SEQUENCE old.s;
-- b:

-- case: extension_created
-- a:
-- b:
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE u (email citext);

-- case: extension_dropped
-- a:
CREATE EXTENSION IF NOT EXISTS hstore;
-- b:

-- case: extension_in_schema
-- a:
CREATE SCHEMA ext;
-- b:
CREATE SCHEMA ext;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA ext;

-- case: sequence_created_with_options
-- a:
-- b:
CREATE SEQUENCE s AS integer INCREMENT BY 5 MINVALUE 10 MAXVALUE 1000 START WITH 20 CACHE 10 CYCLE;
COMMENT ON SEQUENCE s IS 'numbers';

-- case: sequence_changed
-- a:
CREATE SEQUENCE s;
-- b:
CREATE SEQUENCE s INCREMENT BY 2 START WITH 5;

-- case: sequence_owned_by_column
-- a:
CREATE TABLE t (id int);
CREATE SEQUENCE s;
-- b:
CREATE SEQUENCE s;
CREATE TABLE t (id int DEFAULT nextval('s'));
ALTER SEQUENCE s OWNED BY t.id;

-- case: sequence_dropped_with_default_using_it
-- a:
CREATE SEQUENCE s;
CREATE TABLE t (id int DEFAULT nextval('s'));
-- b:
CREATE TABLE t (id int);

-- case: serial_column_added
-- a:
CREATE TABLE t (v text);
-- b:
CREATE TABLE t (v text, id bigserial);

-- case: identity_column_added
-- a:
CREATE TABLE t (v text);
-- b:
CREATE TABLE t (v text, id int GENERATED ALWAYS AS IDENTITY);

-- case: comments_everywhere
-- a:
CREATE TABLE t (a int);
CREATE SEQUENCE s;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TYPE e AS ENUM ('x');
CREATE DOMAIN d AS int;
-- b:
CREATE TABLE t (a int);
CREATE SEQUENCE s;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TYPE e AS ENUM ('x');
CREATE DOMAIN d AS int;
COMMENT ON TABLE t IS 'table';
COMMENT ON COLUMN t.a IS 'column';
COMMENT ON SEQUENCE s IS 'seq';
COMMENT ON FUNCTION f() IS 'func';
COMMENT ON TYPE e IS 'enum';
COMMENT ON DOMAIN d IS 'domain';

-- case: comments_removed
-- a:
CREATE TABLE t (a int);
COMMENT ON TABLE t IS 'table';
COMMENT ON COLUMN t.a IS 'column';
-- b:
CREATE TABLE t (a int);

-- case: comment_with_quotes_and_newlines
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int);
COMMENT ON TABLE t IS 'it''s
two lines';
