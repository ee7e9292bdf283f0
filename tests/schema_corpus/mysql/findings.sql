-- case: nullable_column_touches_no_foreign_key
-- expect: ADD COLUMN `nickname` varchar(40) NULL AFTER `email`
-- forbid: DROP FOREIGN KEY
-- forbid: ADD CONSTRAINT
-- a:
CREATE TABLE customers (id int PRIMARY KEY, email varchar(100) NOT NULL UNIQUE);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, FOREIGN KEY (customer_id) REFERENCES customers (id));
CREATE TABLE invoices (id int PRIMARY KEY, customer_id int, FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE);
CREATE TABLE tickets (id int PRIMARY KEY, customer_id int, email varchar(100), FOREIGN KEY (customer_id) REFERENCES customers (id), FOREIGN KEY (email) REFERENCES customers (email));
CREATE TABLE notes (id int PRIMARY KEY, customer_id int, order_id int, FOREIGN KEY (customer_id) REFERENCES customers (id), FOREIGN KEY (order_id) REFERENCES orders (id));
CREATE TABLE carts (id int PRIMARY KEY, customer_id int, FOREIGN KEY (customer_id) REFERENCES customers (id) ON UPDATE CASCADE);
CREATE TABLE refunds (id int PRIMARY KEY, invoice_id int, FOREIGN KEY (invoice_id) REFERENCES invoices (id));
-- b:
CREATE TABLE customers (id int PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, nickname varchar(40));
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, FOREIGN KEY (customer_id) REFERENCES customers (id));
CREATE TABLE invoices (id int PRIMARY KEY, customer_id int, FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE);
CREATE TABLE tickets (id int PRIMARY KEY, customer_id int, email varchar(100), FOREIGN KEY (customer_id) REFERENCES customers (id), FOREIGN KEY (email) REFERENCES customers (email));
CREATE TABLE notes (id int PRIMARY KEY, customer_id int, order_id int, FOREIGN KEY (customer_id) REFERENCES customers (id), FOREIGN KEY (order_id) REFERENCES orders (id));
CREATE TABLE carts (id int PRIMARY KEY, customer_id int, FOREIGN KEY (customer_id) REFERENCES customers (id) ON UPDATE CASCADE);
CREATE TABLE refunds (id int PRIMARY KEY, invoice_id int, FOREIGN KEY (invoice_id) REFERENCES invoices (id));

-- case: varchar_widening_is_instant
-- forbid: ALGORITHM=COPY
-- a:
CREATE TABLE t (id int PRIMARY KEY, code varchar(20));
-- b:
CREATE TABLE t (id int PRIMARY KEY, code varchar(32));

-- case: type_change_copies_the_table
-- expect: ALGORITHM=COPY
-- a:
CREATE TABLE t (id int PRIMARY KEY, n int);
-- b:
CREATE TABLE t (id int PRIMARY KEY, n bigint);

-- case: renamed_column_kept_by_choice
-- rename: t.old_name=new_name
-- expect: RENAME COLUMN `old_name` TO `new_name`
-- forbid: DROP COLUMN
-- a:
CREATE TABLE t (id int PRIMARY KEY, old_name varchar(20));
-- b:
CREATE TABLE t (id int PRIMARY KEY, new_name varchar(20));
-- data:
INSERT INTO t VALUES (1, 'kept');

-- case: renamed_table_kept_by_choice
-- rename: old_t=new_t
-- forbid: DROP TABLE
-- a:
CREATE TABLE old_t (id int PRIMARY KEY);
-- b:
CREATE TABLE new_t (id int PRIMARY KEY);
