-- case: primary_key_added
-- a:
CREATE TABLE t (id int NOT NULL, v text);
-- b:
CREATE TABLE t (id int PRIMARY KEY, v text);

-- case: primary_key_changed_with_fk
-- a:
CREATE TABLE p (a int, b int, CONSTRAINT p_pk PRIMARY KEY (a));
CREATE TABLE c (id int, pa int REFERENCES p);
-- b:
CREATE TABLE p (a int, b int NOT NULL, CONSTRAINT p_pk PRIMARY KEY (a, b));
CREATE TABLE c (id int, pa int);

-- case: unique_nulls_not_distinct
-- a:
CREATE TABLE t (a int, b int, CONSTRAINT t_ab UNIQUE (a, b));
-- b:
CREATE TABLE t (a int, b int, CONSTRAINT t_ab UNIQUE NULLS NOT DISTINCT (a, b));

-- case: unique_include_and_fillfactor
-- a:
CREATE TABLE t (a int, b int);
-- b:
CREATE TABLE t (a int, b int, CONSTRAINT t_a UNIQUE (a) INCLUDE (b) WITH (fillfactor = 80));

-- case: deferrable_unique_and_pk
-- a:
CREATE TABLE t (id int PRIMARY KEY, pos int UNIQUE);
-- b:
CREATE TABLE t (id int PRIMARY KEY DEFERRABLE, pos int UNIQUE DEFERRABLE INITIALLY DEFERRED);

-- case: check_added_changed_removed
-- a:
CREATE TABLE t (a int CONSTRAINT a_pos CHECK (a > 0), b int CONSTRAINT b_small CHECK (b < 10));
-- b:
CREATE TABLE t (a int CONSTRAINT a_pos CHECK (a >= 0), b int, c int CONSTRAINT c_even CHECK (c % 2 = 0));

-- case: check_no_inherit
-- a:
CREATE TABLE t (a int CONSTRAINT a_pos CHECK (a > 0));
-- b:
CREATE TABLE t (a int CONSTRAINT a_pos CHECK (a > 0) NO INHERIT);

-- case: check_not_valid_kept
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int);
ALTER TABLE t ADD CONSTRAINT a_pos CHECK (a > 0) NOT VALID;

-- case: exclusion_constraint
-- a:
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE r (room int, during tsrange);
-- b:
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE r (room int, during tsrange, EXCLUDE USING gist (room WITH =, during WITH &&));

-- case: fk_added_between_existing_tables
-- expect: long lock
-- a:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int, p_id int);
-- b:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int, p_id int REFERENCES p ON DELETE SET NULL);

-- case: fk_options_match_full_deferrable
-- a:
CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE c (a int, b int, CONSTRAINT c_fk FOREIGN KEY (a, b) REFERENCES p);
-- b:
CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));
CREATE TABLE c (a int, b int, CONSTRAINT c_fk FOREIGN KEY (a, b) REFERENCES p MATCH FULL DEFERRABLE INITIALLY DEFERRED);

-- case: fk_on_new_unique_constraint
-- a:
CREATE TABLE p (id int PRIMARY KEY, code text);
CREATE TABLE c (id int, code text);
-- b:
CREATE TABLE p (id int PRIMARY KEY, code text CONSTRAINT p_code UNIQUE);
CREATE TABLE c (id int, code text REFERENCES p (code));

-- case: fk_on_new_unique_index
-- a:
CREATE TABLE p (id int PRIMARY KEY, code text);
CREATE TABLE c (id int, code text);
-- b:
CREATE TABLE p (id int PRIMARY KEY, code text);
CREATE UNIQUE INDEX p_code_idx ON p (code);
CREATE TABLE c (id int, code text REFERENCES p (code));

-- case: fk_over_replaced_unique_constraint
-- a:
CREATE TABLE p (id int PRIMARY KEY, code text CONSTRAINT p_code UNIQUE);
CREATE TABLE c (id int, code text REFERENCES p (code));
-- b:
CREATE TABLE p (id int PRIMARY KEY, code text CONSTRAINT p_code UNIQUE WITH (fillfactor = 70));
CREATE TABLE c (id int, code text REFERENCES p (code));

-- case: fk_not_valid_kept
-- a:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int);
-- b:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int);
ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p NOT VALID;

-- case: fk_cycle_between_new_tables
-- a:
-- b:
CREATE TABLE a (id int PRIMARY KEY, b_id int);
CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);
ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b;

-- case: fk_cycle_between_dropped_tables
-- a:
CREATE TABLE a (id int PRIMARY KEY, b_id int);
CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);
ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b;
-- b:

-- case: fk_self_reference
-- a:
CREATE TABLE t (id int PRIMARY KEY, parent int);
-- b:
CREATE TABLE t (id int PRIMARY KEY, parent int REFERENCES t ON DELETE CASCADE);

-- case: fk_across_schemas
-- a:
CREATE SCHEMA s1;
CREATE TABLE s1.p (id int PRIMARY KEY);
-- b:
CREATE SCHEMA s1;
CREATE SCHEMA s2;
CREATE TABLE s1.p (id int PRIMARY KEY);
CREATE TABLE s2.c (p_id int REFERENCES s1.p);

-- case: constraint_comments
-- a:
CREATE TABLE t (id int CONSTRAINT t_pk PRIMARY KEY, a int CONSTRAINT a_pos CHECK (a > 0));
-- b:
CREATE TABLE t (id int CONSTRAINT t_pk PRIMARY KEY, a int CONSTRAINT a_pos CHECK (a > 0));
COMMENT ON CONSTRAINT t_pk ON t IS 'the key';
COMMENT ON CONSTRAINT a_pos ON t IS 'positive';

-- case: fk_comment_on_new_fk
-- a:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int);
-- b:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int CONSTRAINT c_p REFERENCES p);
COMMENT ON CONSTRAINT c_p ON c IS 'to p';

-- case: unique_to_primary_key
-- a:
CREATE TABLE t (id int NOT NULL CONSTRAINT t_id UNIQUE);
-- b:
CREATE TABLE t (id int CONSTRAINT t_pk PRIMARY KEY);

-- case: check_uses_function
-- a:
CREATE TABLE t (a text);
-- b:
CREATE FUNCTION valid_code(c text) RETURNS bool LANGUAGE sql IMMUTABLE AS $$ SELECT c ~ '^[A-Z]+$' $$;
CREATE TABLE t (a text CONSTRAINT a_code CHECK (valid_code(a)));

-- case: dropped_column_in_unique_constraint
-- a:
CREATE TABLE t (a int, b int, CONSTRAINT t_ab UNIQUE (a, b));
-- b:
CREATE TABLE t (a int, CONSTRAINT t_a UNIQUE (a));
