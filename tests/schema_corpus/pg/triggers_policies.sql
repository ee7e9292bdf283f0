-- case: trigger_created
-- a:
CREATE TABLE t (a int, at timestamptz);
-- b:
CREATE TABLE t (a int, at timestamptz);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at = now(); RETURN NEW; END $$;
CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();

-- case: trigger_changed
-- a:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
-- b:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tg BEFORE INSERT OR UPDATE OF a ON t FOR EACH ROW WHEN (NEW.a > 0) EXECUTE FUNCTION f();

-- case: trigger_disabled
-- expect: DISABLE TRIGGER tg
-- forbid: DROP TRIGGER
-- a:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
-- b:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
ALTER TABLE t DISABLE TRIGGER tg;

-- case: trigger_enabled_always_and_replica
-- a:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tg1 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
CREATE TRIGGER tg2 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
ALTER TABLE t DISABLE TRIGGER tg2;
-- b:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tg1 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
CREATE TRIGGER tg2 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
ALTER TABLE t ENABLE ALWAYS TRIGGER tg1;
ALTER TABLE t ENABLE REPLICA TRIGGER tg2;

-- case: trigger_function_recreated_keeps_trigger
-- a:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
ALTER TABLE t DISABLE TRIGGER tg;
COMMENT ON TRIGGER tg ON t IS 'kept';
-- b:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
ALTER TABLE t DISABLE TRIGGER tg;
COMMENT ON TRIGGER tg ON t IS 'kept';

-- case: constraint_trigger
-- a:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
-- b:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE CONSTRAINT TRIGGER ct AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f();

-- case: statement_trigger_with_transition_table
-- a:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
-- b:
CREATE TABLE t (a int);
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER tt AFTER INSERT ON t REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION f();

-- case: policy_created
-- a:
CREATE TABLE docs (owner text, body text);
-- b:
CREATE TABLE docs (owner text, body text);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON docs FOR SELECT TO PUBLIC USING (owner = current_user);

-- case: policy_changed
-- a:
CREATE TABLE docs (owner text, body text);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON docs USING (owner = current_user);
-- b:
CREATE TABLE docs (owner text, body text);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON docs AS RESTRICTIVE FOR UPDATE TO dbn_user USING (owner = current_user) WITH CHECK (body <> '');

-- case: policy_on_column_whose_type_changes
-- a:
CREATE TABLE docs (owner varchar(10), body text);
CREATE POLICY own ON docs USING (owner = current_user);
-- b:
CREATE TABLE docs (owner text, body text);
CREATE POLICY own ON docs USING (owner = current_user);

-- case: policy_using_function
-- a:
CREATE TABLE docs (owner text);
-- b:
CREATE FUNCTION me() RETURNS text LANGUAGE sql STABLE AS $$ SELECT current_user::text $$;
CREATE TABLE docs (owner text);
CREATE POLICY own ON docs USING (owner = me());
COMMENT ON POLICY own ON docs IS 'mine';

-- case: policy_dropped_with_rls_disabled
-- a:
CREATE TABLE docs (owner text);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON docs USING (true);
-- b:
CREATE TABLE docs (owner text);

-- case: trigger_on_view_instead_of
-- a:
CREATE TABLE t (a int);
CREATE VIEW tv AS SELECT a FROM t;
CREATE FUNCTION ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t VALUES (NEW.a); RETURN NEW; END $$;
-- b:
CREATE TABLE t (a int);
CREATE VIEW tv AS SELECT a FROM t;
CREATE FUNCTION ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t VALUES (NEW.a); RETURN NEW; END $$;
CREATE TRIGGER tv_ins INSTEAD OF INSERT ON tv FOR EACH ROW EXECUTE FUNCTION ins();
