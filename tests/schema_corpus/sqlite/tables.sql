-- case: table_from_empty
-- a:
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created TEXT DEFAULT CURRENT_TIMESTAMP);

-- case: table_dropped
-- a:
CREATE TABLE t (a INT);
CREATE TABLE keep (a INT);
-- b:
CREATE TABLE keep (a INT);

-- case: column_added_at_end_without_rebuild
-- expect: ADD COLUMN
-- forbid: RENAME TO
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER DEFAULT 0, c TEXT);
-- data:
INSERT INTO t VALUES (1, 'x');

-- case: column_added_in_middle_rebuilds
-- expect: RENAME TO
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT, c TEXT);
-- data:
INSERT INTO t VALUES (1, 'kept');

-- case: not_null_column_without_default_rebuilds
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 1, m TEXT NOT NULL DEFAULT '');

-- case: column_dropped_without_rebuild
-- expect: DROP COLUMN
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);

-- case: indexed_column_dropped_rebuilds
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);
CREATE INDEX t_b ON t (b);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);

-- case: column_type_changed
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);
-- data:
INSERT INTO t VALUES (1, '5');

-- case: not_null_and_default_changed
-- a:
CREATE TABLE t (a INT, b TEXT DEFAULT 'x');
-- b:
CREATE TABLE t (a INT NOT NULL DEFAULT 0, b TEXT);

-- case: primary_key_changed
-- a:
CREATE TABLE t (a INT, b INT, PRIMARY KEY (a));
-- b:
CREATE TABLE t (a INT, b INT, PRIMARY KEY (a, b));

-- case: without_rowid_added
-- expect: WITHOUT ROWID
-- a:
CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);
-- b:
CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
-- data:
INSERT INTO t VALUES ('a', 'b');

-- case: without_rowid_removed
-- a:
CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
-- b:
CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT);

-- case: strict_table
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT) STRICT;

-- case: strict_and_without_rowid
-- a:
-- b:
CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER) STRICT, WITHOUT ROWID;

-- case: table_name_case_changed
-- a:
CREATE TABLE users (id INTEGER PRIMARY KEY);
-- b:
CREATE TABLE Users (id INTEGER PRIMARY KEY);
-- data:
INSERT INTO users VALUES (1);

-- case: column_name_case_only
-- a:
CREATE TABLE t (ID INTEGER PRIMARY KEY, Name TEXT);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);

-- case: same_table_different_spelling
-- same
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
-- b:
create table "t" ( "id" integer primary key ,  "name" text not null );

-- case: same_names_differing_case
-- same
-- a:
CREATE TABLE Orders (Id INTEGER PRIMARY KEY);
-- b:
CREATE TABLE Orders (Id INTEGER PRIMARY KEY);

-- case: typeless_columns
-- a:
CREATE TABLE t (a, b);
-- b:
CREATE TABLE t (a, b, c);

-- case: collation_and_check
-- a:
CREATE TABLE t (a TEXT, b INT);
-- b:
CREATE TABLE t (a TEXT COLLATE NOCASE, b INT CHECK (b > 0), CONSTRAINT pos CHECK (b < 100));

-- case: check_changed
-- a:
CREATE TABLE t (b INT CHECK (b > 0));
-- b:
CREATE TABLE t (b INT CHECK (b >= 0));

-- case: unique_constraints
-- a:
CREATE TABLE t (a INT, b INT);
-- b:
CREATE TABLE t (a INT UNIQUE, b INT, UNIQUE (a, b));

-- case: autoincrement_added
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);

-- case: autoincrement_counter_kept_on_rebuild
-- a:
CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
-- b:
CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL DEFAULT '');
-- data:
INSERT INTO t (v) VALUES ('a'), ('b');
DELETE FROM t WHERE id = 2;
