-- case: inheritance_child_created
-- a:
CREATE TABLE parent (id int, at date);
-- b:
CREATE TABLE parent (id int, at date);
CREATE TABLE child (extra text) INHERITS (parent);

-- case: column_added_to_inheritance_parent
-- a:
CREATE TABLE parent (id int);
CREATE TABLE child (extra text) INHERITS (parent);
-- b:
CREATE TABLE parent (id int, note text);
CREATE TABLE child (extra text) INHERITS (parent);

-- case: inheritance_check_constraint_on_parent
-- a:
CREATE TABLE parent (id int);
CREATE TABLE child () INHERITS (parent);
-- b:
CREATE TABLE parent (id int CHECK (id > 0));
CREATE TABLE child () INHERITS (parent);

-- case: online_index_outside_transaction
-- online
-- expect: CREATE INDEX CONCURRENTLY t_a ON public.t
-- expect: run outside the transaction
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int);
CREATE INDEX t_a ON t (a);

-- case: online_fk_not_valid_then_validate
-- online
-- expect: NOT VALID
-- expect: VALIDATE CONSTRAINT c_p_id_fkey
-- a:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int);
-- b:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int REFERENCES p);
-- data:
INSERT INTO p VALUES (1);
INSERT INTO c VALUES (1);

-- case: online_check_not_valid_then_validate
-- online
-- expect: VALIDATE CONSTRAINT t_a_check
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int CHECK (a > 0));

-- case: online_unique_constraint_via_concurrent_index
-- online
-- expect: CREATE UNIQUE INDEX CONCURRENTLY
-- expect: USING INDEX
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int CONSTRAINT t_a_key UNIQUE);

-- case: online_fk_to_new_unique_constraint
-- online
-- a:
CREATE TABLE p (id int PRIMARY KEY, code text);
CREATE TABLE c (code text);
-- b:
CREATE TABLE p (id int PRIMARY KEY, code text CONSTRAINT p_code UNIQUE);
CREATE TABLE c (code text REFERENCES p (code));

-- case: online_new_table_indexes_stay_in_transaction
-- online
-- forbid: CONCURRENTLY
-- a:
-- b:
CREATE TABLE t (a int);
CREATE INDEX t_a ON t (a);

-- case: rename_table_keeps_data
-- rename: public.old_name=new_name
-- expect: RENAME TO new_name
-- forbid: DROP TABLE
-- a:
CREATE TABLE old_name (id int PRIMARY KEY, v text);
CREATE VIEW ov AS SELECT id FROM old_name;
-- b:
CREATE TABLE new_name (id int PRIMARY KEY, v text);
CREATE VIEW ov AS SELECT id FROM new_name;
-- data:
INSERT INTO old_name VALUES (1, 'kept');

-- case: rename_column_keeps_data
-- rename: public.t.old_col=new_col
-- expect: RENAME COLUMN old_col TO new_col
-- forbid: DROP COLUMN
-- a:
CREATE TABLE t (id int, old_col text);
CREATE INDEX t_old ON t (old_col);
-- b:
CREATE TABLE t (id int, new_col text);
CREATE INDEX t_old ON t (new_col);
-- data:
INSERT INTO t VALUES (1, 'kept');
