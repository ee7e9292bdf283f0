-- case: enum_and_set_values_changed
-- a:
CREATE TABLE t (e enum('a','b'), s set('x','y'));
-- b:
CREATE TABLE t (e enum('a','b','c') NOT NULL DEFAULT 'a', s set('x','y','z'));

-- case: charset_and_collation_of_column_and_table
-- a:
CREATE TABLE t (a varchar(20)) DEFAULT CHARSET=utf8mb4;
-- b:
CREATE TABLE t (a varchar(20) CHARACTER SET latin1 COLLATE latin1_bin) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- case: on_update_current_timestamp
-- a:
CREATE TABLE t (id int, updated timestamp NULL);
-- b:
CREATE TABLE t (id int, updated timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP);

-- case: fulltext_and_prefix_index
-- a:
CREATE TABLE t (id int, body text, title varchar(200)) ENGINE=InnoDB;
-- b:
CREATE TABLE t (id int, body text, title varchar(200), FULLTEXT KEY ft (body), KEY tp (title(20))) ENGINE=InnoDB;

-- case: unsigned_zerofill_and_auto_increment_added
-- a:
CREATE TABLE t (id int NOT NULL, n int);
-- b:
CREATE TABLE t (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, n int(5) unsigned zerofill);

-- case: table_check_constraint_added_and_changed
-- a:
CREATE TABLE t (a int, b int, CONSTRAINT c1 CHECK (a > 0));
-- b:
CREATE TABLE t (a int, b int, CONSTRAINT c1 CHECK (a > 1), CONSTRAINT c2 CHECK (b < a));

-- case: view_algorithm_and_security_changed
-- a:
CREATE TABLE t (a int);
CREATE VIEW v AS SELECT a FROM t;
-- b:
CREATE TABLE t (a int);
CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW v AS SELECT a, a + 1 AS b FROM t;

-- case: index_renamed
-- a:
CREATE TABLE t (a int, KEY old_name (a));
-- b:
CREATE TABLE t (a int, KEY new_name (a));

-- case: composite_primary_key_changed
-- a:
CREATE TABLE t (a int NOT NULL, b int NOT NULL, c int, PRIMARY KEY (a));
-- b:
CREATE TABLE t (a int NOT NULL, b int NOT NULL, c int, PRIMARY KEY (a, b));
-- data:
INSERT INTO t VALUES (1, 1, 1);

-- case: fk_on_delete_changed_and_new_parent
-- a:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int, pid int, CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p (id));
-- b:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE q (id int PRIMARY KEY);
CREATE TABLE c (id int, pid int, qid int, CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL, CONSTRAINT fkq FOREIGN KEY (qid) REFERENCES q (id));

-- case: table_comment_engine_row_format
-- a:
CREATE TABLE t (a int) ENGINE=InnoDB;
-- b:
CREATE TABLE t (a int) ENGINE=InnoDB ROW_FORMAT=COMPRESSED COMMENT='hello ''world''';

-- case: column_comment_and_default_expression
-- a:
CREATE TABLE t (a int, j json);
-- b:
CREATE TABLE t (a int COMMENT 'the a', j json DEFAULT (json_object()), u varchar(36) DEFAULT (uuid()));

-- case: trigger_and_procedure_changed
-- a:
CREATE TABLE t (a int, b int);
CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.b = NEW.a;
CREATE PROCEDURE p() SELECT 1;
-- b:
CREATE TABLE t (a int, b int);
CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.b = NEW.a * 2;
CREATE PROCEDURE p(IN x int) SELECT x;

-- case: decimal_and_double_precision
-- a:
CREATE TABLE t (a decimal(10,2), b float, c double);
-- b:
CREATE TABLE t (a decimal(12,4), b double, c float(10,2));

-- case: nullable_to_not_null_and_back
-- a:
CREATE TABLE t (a int, b int NOT NULL);
-- b:
CREATE TABLE t (a int NOT NULL DEFAULT 0, b int);
-- data:
INSERT INTO t VALUES (5, 1);

-- case: unique_key_added_over_two_columns_and_dropped
-- a:
CREATE TABLE t (a int, b int, UNIQUE KEY ua (a));
-- b:
CREATE TABLE t (a int, b int, UNIQUE KEY uab (a, b));

-- case: view_over_view_both_changed
-- a:
CREATE TABLE t (a int, b int);
CREATE VIEW v1 AS SELECT a FROM t;
CREATE VIEW v2 AS SELECT a FROM v1;
-- b:
CREATE TABLE t (a int, b int);
CREATE VIEW v1 AS SELECT a, b FROM t;
CREATE VIEW v2 AS SELECT a, b FROM v1;

-- case: function_deterministic_and_body
-- a:
CREATE FUNCTION f(x int) RETURNS int RETURN x;
-- b:
CREATE FUNCTION f(x int) RETURNS int DETERMINISTIC COMMENT 'doubles' RETURN x * 2;
