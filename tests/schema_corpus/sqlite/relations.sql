-- case: fk_added_rebuilds_with_rows
-- a:
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT);
-- b:
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id) ON DELETE CASCADE);
-- data:
INSERT INTO p VALUES (1);
INSERT INTO c VALUES (1, 1);

-- case: fk_column_added_at_end
-- a:
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE c (id INTEGER PRIMARY KEY);
-- b:
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id));

-- case: referenced_table_rebuilt
-- a:
CREATE TABLE p (id INTEGER PRIMARY KEY, a TEXT);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id));
-- b:
CREATE TABLE p (id INTEGER PRIMARY KEY, b TEXT, a TEXT);
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id));
-- data:
INSERT INTO p VALUES (1, 'x');
INSERT INTO c VALUES (1, 1);

-- case: tables_with_fks_created_in_any_order
-- a:
-- b:
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id));
CREATE TABLE p (id INTEGER PRIMARY KEY, g_id INT REFERENCES g (id));
CREATE TABLE g (id INTEGER PRIMARY KEY);

-- case: tables_with_fks_dropped
-- a:
CREATE TABLE g (id INTEGER PRIMARY KEY);
CREATE TABLE p (id INTEGER PRIMARY KEY, g_id INT REFERENCES g (id));
CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p (id));
-- b:

-- case: index_added_changed_dropped
-- a:
CREATE TABLE t (a INT, b INT);
CREATE INDEX t_a ON t (a);
CREATE INDEX t_b ON t (b);
-- b:
CREATE TABLE t (a INT, b INT);
CREATE INDEX t_a ON t (a DESC, b);
CREATE UNIQUE INDEX t_ab ON t (a, b) WHERE a > 0;

-- case: expression_index
-- a:
CREATE TABLE t (a TEXT);
-- b:
CREATE TABLE t (a TEXT);
CREATE INDEX t_lower ON t (lower(a));

-- case: view_created_over_tables
-- a:
CREATE TABLE t (a INT);
-- b:
CREATE TABLE t (a INT);
CREATE VIEW tv AS SELECT a FROM t WHERE a > 0;

-- case: view_changed
-- a:
CREATE TABLE t (a INT, b INT);
CREATE VIEW tv AS SELECT a FROM t;
-- b:
CREATE TABLE t (a INT, b INT);
CREATE VIEW tv AS SELECT a, b FROM t;

-- case: views_over_views
-- a:
CREATE TABLE t (a INT);
-- b:
CREATE TABLE t (a INT);
CREATE VIEW v2 AS SELECT a FROM t;
CREATE VIEW v1 AS SELECT a FROM v2;

-- case: view_over_rebuilt_table
-- a:
CREATE TABLE t (a INT, b INT);
CREATE VIEW tv AS SELECT a FROM t;
-- b:
CREATE TABLE t (b INT, a INT NOT NULL DEFAULT 0);
CREATE VIEW tv AS SELECT a FROM t;

-- case: view_with_column_names
-- a:
CREATE TABLE t (a INT);
-- b:
CREATE TABLE t (a INT);
CREATE VIEW tv (x) AS SELECT a FROM t;

-- case: view_dropped
-- a:
CREATE TABLE t (a INT);
CREATE VIEW v1 AS SELECT a FROM t;
CREATE VIEW v2 AS SELECT a FROM v1;
-- b:
CREATE TABLE t (a INT);

-- case: trigger_created
-- a:
CREATE TABLE t (a INT, at TEXT);
-- b:
CREATE TABLE t (a INT, at TEXT);
CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN UPDATE t SET at = datetime('now') WHERE rowid = NEW.rowid; END;

-- case: trigger_changed
-- a:
CREATE TABLE t (a INT);
CREATE TABLE log (m TEXT);
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('x'); END;
-- b:
CREATE TABLE t (a INT);
CREATE TABLE log (m TEXT);
CREATE TRIGGER t_ins AFTER INSERT ON t WHEN NEW.a > 0 BEGIN INSERT INTO log VALUES ('y'); END;

-- case: trigger_kept_across_rebuild
-- a:
CREATE TABLE t (a INT);
CREATE TABLE log (m TEXT);
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('x'); END;
-- b:
CREATE TABLE t (z INT, a INT);
CREATE TABLE log (m TEXT);
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('x'); END;

-- case: instead_of_trigger_on_view
-- a:
CREATE TABLE t (a INT);
CREATE VIEW tv AS SELECT a FROM t;
-- b:
CREATE TABLE t (a INT);
CREATE VIEW tv AS SELECT a FROM t;
CREATE TRIGGER tv_ins INSTEAD OF INSERT ON tv BEGIN INSERT INTO t VALUES (NEW.a); END;

-- case: trigger_dropped_with_table
-- a:
CREATE TABLE t (a INT);
CREATE TABLE log (m TEXT);
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('x'); END;
-- b:
CREATE TABLE log (m TEXT);

-- case: table_renamed_by_choice
-- rename: old_t=new_t
-- forbid: DROP TABLE
-- a:
CREATE TABLE old_t (id INTEGER PRIMARY KEY, v TEXT);
-- b:
CREATE TABLE new_t (id INTEGER PRIMARY KEY, v TEXT);
-- data:
INSERT INTO old_t VALUES (1, 'kept');

-- case: column_renamed_by_choice
-- rename: t.old_c=new_c
-- forbid: RENAME TO
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY, old_c TEXT);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY, new_c TEXT);

-- case: virtual_table_created
-- a:
-- b:
CREATE VIRTUAL TABLE docs USING fts5 (title, body);

-- case: virtual_table_changed
-- a:
CREATE VIRTUAL TABLE docs USING fts5 (title);
-- b:
CREATE VIRTUAL TABLE docs USING fts5 (title, body);

-- case: empty_to_full_app
-- a:
-- b:
CREATE TABLE customers (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE COLLATE NOCASE, created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE, total REAL CHECK (total >= 0), status TEXT NOT NULL DEFAULT 'new') STRICT;
CREATE INDEX orders_customer ON orders (customer_id);
CREATE VIEW open_orders AS SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status <> 'shipped';
CREATE TABLE audit (at TEXT, what TEXT);
CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit VALUES (datetime('now'), 'order ' || NEW.id); END;
