-- case: collate_nocase_and_check_added
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE CHECK (length(name) > 0));
-- data:
INSERT INTO t VALUES (1, 'x');

-- case: partial_and_expression_index
-- a:
CREATE TABLE t (a TEXT, b INT);
-- b:
CREATE TABLE t (a TEXT, b INT);
CREATE INDEX t_lower ON t (lower(a));
CREATE UNIQUE INDEX t_b ON t (b) WHERE b IS NOT NULL;

-- case: view_and_trigger_over_rebuilt_table
-- a:
CREATE TABLE t (a INT, b INT);
CREATE TABLE log (x INT);
CREATE VIEW v AS SELECT a FROM t;
CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.a); END;
-- b:
CREATE TABLE t (a INT NOT NULL, b INT);
CREATE TABLE log (x INT);
CREATE VIEW v AS SELECT a FROM t;
CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.a); END;
-- data:
INSERT INTO t VALUES (1, 2);

-- case: fk_added_to_existing_child
-- a:
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT);
-- b:
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT REFERENCES p (id) ON DELETE CASCADE);
-- data:
INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1);

-- case: parent_rebuilt_children_keep_fk
-- a:
CREATE TABLE p (id INTEGER PRIMARY KEY, a INT);
CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT REFERENCES p (id));
-- b:
CREATE TABLE p (id INTEGER PRIMARY KEY, a INT NOT NULL DEFAULT 0);
CREATE TABLE c (id INTEGER PRIMARY KEY, pid INT REFERENCES p (id));
-- data:
INSERT INTO p VALUES (1, 1); INSERT INTO c VALUES (1, 1);

-- case: column_dropped_used_by_index
-- a:
CREATE TABLE t (a INT, b INT, c INT);
CREATE INDEX t_b ON t (b);
-- b:
CREATE TABLE t (a INT, c INT);

-- case: default_changed_and_type_affinity
-- a:
CREATE TABLE t (a INT DEFAULT 1, b VARCHAR(10));
-- b:
CREATE TABLE t (a INT DEFAULT 2, b TEXT);

-- case: view_changed
-- a:
CREATE TABLE t (a INT, b INT);
CREATE VIEW v AS SELECT a FROM t;
-- b:
CREATE TABLE t (a INT, b INT);
CREATE VIEW v AS SELECT a, b FROM t WHERE a > 0;

-- case: unique_constraint_and_composite_pk
-- a:
CREATE TABLE t (a INT, b INT, c INT);
-- b:
CREATE TABLE t (a INT, b INT, c INT UNIQUE, PRIMARY KEY (a, b));
-- data:
INSERT INTO t VALUES (1, 2, 3);
