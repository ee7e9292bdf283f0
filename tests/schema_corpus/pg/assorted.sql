-- case: enum_value_added_used_by_check_in_same_migration
-- a:
CREATE TYPE st AS ENUM ('a', 'b');
CREATE TABLE t (s st);
-- b:
CREATE TYPE st AS ENUM ('a', 'b', 'c');
CREATE TABLE t (s st CHECK (s <> 'c'));

-- case: view_column_renamed
-- a:
CREATE TABLE t (a int, b int);
CREATE VIEW v AS SELECT a, b FROM t;
-- b:
CREATE TABLE t (a int, b int);
CREATE VIEW v AS SELECT a AS x, b FROM t;

-- case: index_include_and_opclass_and_desc
-- a:
CREATE TABLE t (a text, b int, c int);
-- b:
CREATE TABLE t (a text, b int, c int);
CREATE INDEX t_a ON t (a text_pattern_ops);
CREATE INDEX t_b ON t (b DESC NULLS LAST) INCLUDE (c);
CREATE UNIQUE INDEX t_bc ON t (b, c) WHERE b > 0;

-- case: mixed_case_names_everywhere
-- a:
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Order" ("Id" int PRIMARY KEY, "Total" numeric);
-- b:
CREATE SCHEMA "Sales";
CREATE TABLE "Sales"."Order" ("Id" int PRIMARY KEY, "Total" numeric(12,2) NOT NULL DEFAULT 0, "Note" text);
CREATE INDEX "Order_Total_idx" ON "Sales"."Order" ("Total");
CREATE VIEW "Sales"."BigOrders" AS SELECT "Id" FROM "Sales"."Order" WHERE "Total" > 100;
COMMENT ON COLUMN "Sales"."Order"."Note" IS 'free text';

-- case: column_type_change_with_index_and_view
-- a:
CREATE TABLE t (id int PRIMARY KEY, code varchar(10));
CREATE INDEX t_code ON t (code);
CREATE VIEW v AS SELECT id, code FROM t;
-- b:
CREATE TABLE t (id bigint PRIMARY KEY, code varchar(10));
CREATE INDEX t_code ON t (code);
CREATE VIEW v AS SELECT id, code FROM t;
-- data:
INSERT INTO t VALUES (1, 'x');

-- case: fk_referenced_column_type_change
-- a:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int, pid int REFERENCES p (id));
-- b:
CREATE TABLE p (id bigint PRIMARY KEY);
CREATE TABLE c (id int, pid bigint REFERENCES p (id));
-- data:
INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1);

-- case: function_security_definer_search_path_and_cost
-- a:
CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS $$ SELECT x $$;
-- b:
CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql STABLE SECURITY DEFINER COST 5 SET search_path = public, pg_temp AS $$ SELECT x $$;

-- case: trigger_when_and_update_of
-- a:
CREATE TABLE t (a int, b int);
CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION tf();
-- b:
CREATE TABLE t (a int, b int);
CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tr BEFORE UPDATE OF a ON t FOR EACH ROW WHEN (OLD.a IS DISTINCT FROM NEW.a) EXECUTE FUNCTION tf();

-- case: column_dropped_used_by_index_and_check
-- a:
CREATE TABLE t (a int, b int CHECK (b > a), c int);
CREATE INDEX t_ab ON t (a, b);
-- b:
CREATE TABLE t (a int, c int);

-- case: materialized_view_over_function_and_table_change
-- a:
CREATE TABLE t (a int, b text);
CREATE MATERIALIZED VIEW mv AS SELECT a FROM t;
-- b:
CREATE TABLE t (a bigint, b text);
CREATE MATERIALIZED VIEW mv AS SELECT a FROM t;

-- case: domain_used_by_function_and_table_dropped
-- a:
CREATE DOMAIN pos AS int CHECK (VALUE > 0);
CREATE TABLE t (p pos);
CREATE FUNCTION f(x pos) RETURNS pos LANGUAGE sql AS $$ SELECT x $$;
-- b:
CREATE TABLE t (p int);

-- case: primary_key_columns_changed_with_referencing_fk
-- a:
CREATE TABLE p (a int, b int, PRIMARY KEY (a));
CREATE TABLE c (a int REFERENCES p (a));
-- b:
CREATE TABLE p (a int, b int NOT NULL, PRIMARY KEY (a, b));
CREATE TABLE c (a int, b int, FOREIGN KEY (a, b) REFERENCES p (a, b));

-- case: table_moved_to_other_schema
-- a:
CREATE SCHEMA s2;
CREATE TABLE t (id int);
-- b:
CREATE SCHEMA s2;
CREATE TABLE s2.t (id int);

-- case: check_constraint_renamed
-- a:
CREATE TABLE t (a int CONSTRAINT a_pos CHECK (a > 0));
-- b:
CREATE TABLE t (a int CONSTRAINT a_positive CHECK (a > 0));

-- case: policy_roles_and_permissive
-- a:
CREATE TABLE t (owner text);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON t FOR SELECT USING (owner = current_user);
-- b:
CREATE TABLE t (owner text);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON t AS RESTRICTIVE FOR ALL TO PUBLIC USING (owner = current_user) WITH CHECK (owner = current_user);

-- case: function_overload_added_and_one_dropped
-- a:
CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS $$ SELECT $1 $$;
CREATE FUNCTION f(text) RETURNS text LANGUAGE sql AS $$ SELECT $1 $$;
-- b:
CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS $$ SELECT $1 $$;
CREATE FUNCTION f(int, int) RETURNS int LANGUAGE sql AS $$ SELECT $1 + $2 $$;

-- case: generated_column_added_and_dependency_on_new_column
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int, b int, c int GENERATED ALWAYS AS (a + b) STORED);

-- case: view_with_cte_and_window
-- a:
CREATE TABLE t (g int, v int);
-- b:
CREATE TABLE t (g int, v int);
CREATE VIEW v AS WITH x AS (SELECT g, v FROM t) SELECT g, sum(v) OVER (PARTITION BY g) AS s FROM x;

-- case: composite_type_dropped_with_function
-- a:
CREATE TYPE pair AS (x int, y int);
CREATE FUNCTION mk(a int) RETURNS pair LANGUAGE sql AS $$ SELECT (a, a)::pair $$;
-- b:
CREATE TABLE keep (id int);

-- case: column_default_now_and_timestamp_precision
-- a:
CREATE TABLE t (at timestamp);
-- b:
CREATE TABLE t (at timestamp(3) with time zone DEFAULT now() NOT NULL);
