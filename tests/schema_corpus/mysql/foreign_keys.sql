-- case: fk_added
-- a:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int, p_id int);
-- b:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int, p_id int, CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL);

-- case: fk_actions_changed
-- a:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int, CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id));
-- b:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int, CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE ON UPDATE CASCADE);

-- case: fk_dropped_keeps_index
-- a:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int, CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id));
-- b:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int, KEY c_p (p_id));

-- case: several_tables_with_fks_created
-- a:
-- b:
CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE b (id int PRIMARY KEY, a_id int, FOREIGN KEY (a_id) REFERENCES a (id));
CREATE TABLE c (id int PRIMARY KEY, b_id int, a_id int, FOREIGN KEY (b_id) REFERENCES b (id), FOREIGN KEY (a_id) REFERENCES a (id));

-- case: several_tables_with_fks_dropped
-- a:
CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE b (id int PRIMARY KEY, a_id int, FOREIGN KEY (a_id) REFERENCES a (id));
CREATE TABLE c (id int PRIMARY KEY, b_id int, FOREIGN KEY (b_id) REFERENCES b (id));
-- b:

-- case: referenced_column_type_changes
-- a:
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (p_id int, CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id));
-- b:
CREATE TABLE p (id bigint PRIMARY KEY);
CREATE TABLE c (p_id bigint, CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id));

-- case: fk_to_new_table_and_changed_tables
-- a:
CREATE TABLE p (id int PRIMARY KEY, code varchar(10));
CREATE TABLE c (id int, p_code varchar(10));
-- b:
CREATE TABLE p (id int PRIMARY KEY, code varchar(10), UNIQUE KEY p_code (code));
CREATE TABLE g (id int PRIMARY KEY);
CREATE TABLE c (id int, p_code varchar(10), g_id int, CONSTRAINT c_p FOREIGN KEY (p_code) REFERENCES p (code), CONSTRAINT c_g FOREIGN KEY (g_id) REFERENCES g (id));

-- case: self_referencing_fk
-- a:
CREATE TABLE t (id int PRIMARY KEY, parent int);
-- b:
CREATE TABLE t (id int PRIMARY KEY, parent int, CONSTRAINT t_parent FOREIGN KEY (parent) REFERENCES t (id));

-- case: fk_cycle_created
-- a:
-- b:
CREATE TABLE a (id int PRIMARY KEY, b_id int);
CREATE TABLE b (id int PRIMARY KEY, a_id int, FOREIGN KEY (a_id) REFERENCES a (id));
ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b (id);

-- case: fk_cycle_dropped
-- a:
CREATE TABLE a (id int PRIMARY KEY, b_id int);
CREATE TABLE b (id int PRIMARY KEY, a_id int, FOREIGN KEY (a_id) REFERENCES a (id));
ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b (id);
-- b:

-- case: primary_key_change_with_referencing_fk
-- a:
CREATE TABLE p (id int NOT NULL, x int NOT NULL, PRIMARY KEY (id));
CREATE TABLE c (p_id int, CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id));
-- b:
CREATE TABLE p (id int NOT NULL, x int NOT NULL, PRIMARY KEY (id, x));
CREATE TABLE c (p_id int, CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id));
