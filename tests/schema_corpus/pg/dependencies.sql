-- case: chain_domain_function_composite_table_view
-- a:
-- b:
CREATE FUNCTION valid_sku(s text) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT length(s) = 8 $$;
CREATE DOMAIN sku AS text CHECK (valid_sku(VALUE));
CREATE TYPE line AS (item sku, qty int);
CREATE TABLE orders (id int PRIMARY KEY, lines line[]);
CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM orders $$;
CREATE VIEW stats AS SELECT order_count() AS n;
CREATE FUNCTION stats_n() RETURNS SETOF stats LANGUAGE sql AS $$ SELECT * FROM stats $$;

-- case: chain_dropped_entirely
-- a:
CREATE FUNCTION valid_sku(s text) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT length(s) = 8 $$;
CREATE DOMAIN sku AS text CHECK (valid_sku(VALUE));
CREATE TYPE line AS (item sku, qty int);
CREATE TABLE orders (id int PRIMARY KEY, lines line[]);
CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM orders $$;
CREATE VIEW stats AS SELECT order_count() AS n;
CREATE FUNCTION stats_n() RETURNS SETOF stats LANGUAGE sql AS $$ SELECT * FROM stats $$;
-- b:

-- case: function_returning_table_type_and_table_changes
-- a:
CREATE TABLE users (id int, name text);
CREATE FUNCTION all_users() RETURNS SETOF users LANGUAGE sql AS $$ SELECT * FROM users $$;
-- b:
CREATE TABLE users (id int, name text, email text);
CREATE FUNCTION all_users() RETURNS SETOF users LANGUAGE sql AS $$ SELECT * FROM users $$;

-- case: view_using_function_whose_result_type_changes
-- a:
CREATE FUNCTION n() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE VIEW v AS SELECT n() AS n;
-- b:
CREATE FUNCTION n() RETURNS bigint LANGUAGE sql AS $$ SELECT 1 $$;
CREATE VIEW v AS SELECT n() AS n;

-- case: default_using_function_recreated
-- a:
CREATE FUNCTION nowish() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT now() $$;
CREATE TABLE t (at timestamptz DEFAULT nowish());
-- b:
CREATE FUNCTION nowish() RETURNS timestamp LANGUAGE sql STABLE AS $$ SELECT now()::timestamp $$;
CREATE TABLE t (at timestamptz DEFAULT nowish());

-- case: generated_column_using_function
-- a:
CREATE TABLE t (a int);
-- b:
CREATE FUNCTION twice(i int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 2 * i $$;
CREATE TABLE t (a int, b int GENERATED ALWAYS AS (twice(a)) STORED);

-- case: cross_schema_chain
-- a:
CREATE SCHEMA a;
CREATE SCHEMA b;
-- b:
CREATE SCHEMA a;
CREATE SCHEMA b;
CREATE TABLE a.t (id int PRIMARY KEY);
CREATE VIEW b.v AS SELECT id FROM a.t;
CREATE TABLE b.c (t_id int REFERENCES a.t);
CREATE FUNCTION a.f() RETURNS SETOF b.v LANGUAGE sql AS $$ SELECT * FROM b.v $$;

-- case: table_renamed_away_view_follows_drop_and_create
-- a:
CREATE TABLE old_t (id int);
CREATE VIEW v AS SELECT id FROM old_t;
-- b:
CREATE TABLE new_t (id int);
CREATE VIEW v AS SELECT id FROM new_t;

-- case: many_tables_fk_chain_created
-- a:
-- b:
CREATE TABLE c3 (id int PRIMARY KEY, c2_id int);
CREATE TABLE c2 (id int PRIMARY KEY, c1_id int);
CREATE TABLE c1 (id int PRIMARY KEY);
ALTER TABLE c3 ADD FOREIGN KEY (c2_id) REFERENCES c2;
ALTER TABLE c2 ADD FOREIGN KEY (c1_id) REFERENCES c1;

-- case: many_tables_fk_chain_dropped
-- a:
CREATE TABLE c1 (id int PRIMARY KEY);
CREATE TABLE c2 (id int PRIMARY KEY, c1_id int REFERENCES c1);
CREATE TABLE c3 (id int PRIMARY KEY, c2_id int REFERENCES c2);
-- b:

-- case: trigger_and_function_replaced_by_new_names
-- a:
CREATE TABLE t (a int);
CREATE FUNCTION f1() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tg1 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f1();
-- b:
CREATE TABLE t (a int);
CREATE FUNCTION f2() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tg2 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f2();

-- case: view_depending_on_two_tables_one_changes
-- a:
CREATE TABLE a (id int, x int);
CREATE TABLE b (id int, y int);
CREATE VIEW ab AS SELECT a.id, a.x, b.y FROM a JOIN b USING (id);
-- b:
CREATE TABLE a (id int, x bigint);
CREATE TABLE b (id int, y int);
CREATE VIEW ab AS SELECT a.id, a.x, b.y FROM a JOIN b USING (id);

-- case: empty_to_full_app
-- a:
-- b:
CREATE SCHEMA app;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TYPE app.status AS ENUM ('new', 'paid', 'shipped');
CREATE DOMAIN app.email AS text CHECK (VALUE LIKE '%@%');
CREATE SEQUENCE app.invoice_no START 1000;
CREATE TABLE app.customers (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email app.email NOT NULL UNIQUE, created timestamptz NOT NULL DEFAULT now());
CREATE TABLE app.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id uuid NOT NULL REFERENCES app.customers ON DELETE CASCADE, status app.status NOT NULL DEFAULT 'new', invoice int DEFAULT nextval('app.invoice_no'), total numeric(12,2) CHECK (total >= 0));
CREATE INDEX orders_customer ON app.orders (customer_id);
CREATE VIEW app.open_orders AS SELECT o.id, c.email FROM app.orders o JOIN app.customers c ON c.id = o.customer_id WHERE o.status <> 'shipped';
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created = now(); RETURN NEW; END $$;
CREATE TRIGGER customers_touch BEFORE UPDATE ON app.customers FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_orders ON app.orders USING (true);
COMMENT ON TABLE app.orders IS 'orders';
GRANT SELECT ON app.open_orders TO dbn_user;
