-- case: view_created
-- a:
CREATE TABLE t (id int, v int);
-- b:
CREATE TABLE t (id int, v int);
CREATE VIEW tv AS SELECT id, v FROM t WHERE v > 0;

-- case: view_replaced_with_other_columns
-- expect: CREATE OR REPLACE
-- a:
CREATE TABLE t (id int, v int, w int);
CREATE VIEW tv AS SELECT id, v FROM t;
-- b:
CREATE TABLE t (id int, v int, w int);
CREATE VIEW tv AS SELECT w, id FROM t;

-- case: view_options
-- a:
CREATE TABLE t (id int);
CREATE VIEW tv AS SELECT id FROM t;
-- b:
CREATE TABLE t (id int);
CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW tv AS SELECT id FROM t WHERE id > 0 WITH CASCADED CHECK OPTION;

-- case: views_over_views
-- a:
CREATE TABLE t (id int);
-- b:
CREATE TABLE t (id int);
CREATE VIEW v2 AS SELECT id FROM t;
CREATE VIEW v1 AS SELECT id FROM v2;
CREATE VIEW v0 AS SELECT v1.id FROM v1 JOIN v2 USING (id);

-- case: view_dropped_with_dependent
-- a:
CREATE TABLE t (id int);
CREATE VIEW v1 AS SELECT id FROM t;
CREATE VIEW v2 AS SELECT id FROM v1;
-- b:
CREATE TABLE t (id int);

-- case: view_over_new_column
-- a:
CREATE TABLE t (id int);
CREATE VIEW tv AS SELECT id FROM t;
-- b:
CREATE TABLE t (id int, n int);
CREATE VIEW tv AS SELECT id, n FROM t;

-- case: view_calling_function
-- a:
CREATE TABLE t (id int);
-- b:
CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 2;
CREATE TABLE t (id int);
CREATE VIEW tv AS SELECT twice(id) AS d FROM t;

-- case: trigger_created
-- a:
CREATE TABLE t (a int, b int);
-- b:
CREATE TABLE t (a int, b int);
CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.b = NEW.a * 2;

-- case: trigger_changed
-- a:
CREATE TABLE t (a int, b int);
CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.b = NEW.a * 2;
-- b:
CREATE TABLE t (a int, b int);
CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.b = NEW.a * 3;

-- case: trigger_with_compound_body
-- a:
CREATE TABLE t (a int, b int);
CREATE TABLE log (msg varchar(50));
-- b:
CREATE TABLE t (a int, b int);
CREATE TABLE log (msg varchar(50));
DELIMITER //
CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW
BEGIN
  IF NEW.a > 10 THEN
    INSERT INTO log VALUES (CONCAT('big ', NEW.a));
  END IF;
END//
DELIMITER ;

-- case: trigger_order_follows
-- a:
CREATE TABLE t (a int, b int);
CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW SET NEW.b = 1;
-- b:
CREATE TABLE t (a int, b int);
CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW SET NEW.b = 1;
CREATE TRIGGER t2 BEFORE INSERT ON t FOR EACH ROW FOLLOWS t1 SET NEW.b = NEW.b + 1;

-- case: trigger_dropped
-- a:
CREATE TABLE t (a int);
CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1;
-- b:
CREATE TABLE t (a int);

-- case: function_created
-- a:
-- b:
CREATE FUNCTION add1(x int) RETURNS int DETERMINISTIC COMMENT 'adds one' RETURN x + 1;

-- case: function_with_body_changed
-- a:
DELIMITER //
CREATE FUNCTION f(x int) RETURNS int DETERMINISTIC
BEGIN
  RETURN x + 1;
END//
DELIMITER ;
-- b:
DELIMITER //
CREATE FUNCTION f(x int) RETURNS int DETERMINISTIC
BEGIN
  DECLARE y int DEFAULT 2;
  RETURN x + y;
END//
DELIMITER ;

-- case: procedure_created_and_changed
-- a:
CREATE TABLE t (a int);
CREATE PROCEDURE p1(IN v int) INSERT INTO t VALUES (v);
-- b:
CREATE TABLE t (a int);
DELIMITER //
CREATE PROCEDURE p1(IN v int, OUT n int) SQL SECURITY INVOKER
BEGIN
  INSERT INTO t VALUES (v);
  SELECT count(*) INTO n FROM t;
END//
DELIMITER ;

-- case: routine_dropped
-- a:
CREATE FUNCTION f() RETURNS int RETURN 1;
CREATE PROCEDURE p() SELECT 1;
-- b:

-- case: function_and_procedure_same_name
-- a:
-- b:
CREATE FUNCTION x() RETURNS int RETURN 1;
CREATE PROCEDURE x() SELECT 1;
