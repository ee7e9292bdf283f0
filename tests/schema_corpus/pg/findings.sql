-- The five findings of issue 14, as the DBA saw them.

-- case: new_partition_is_seen_and_created
-- expect: CREATE TABLE public.events_2025 PARTITION OF public.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
-- a:
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_at ON events (at);
-- b:
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX events_at ON events (at);

-- case: nullable_column_touches_no_foreign_key
-- expect: ALTER TABLE public.customers ADD COLUMN nickname text
-- forbid: DROP CONSTRAINT
-- forbid: ADD CONSTRAINT
-- a:
CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers);
CREATE TABLE invoices (id int PRIMARY KEY, customer_id int REFERENCES customers);
CREATE TABLE tickets (id int PRIMARY KEY, customer_id int REFERENCES customers, email text REFERENCES customers (email));
CREATE TABLE notes (id int PRIMARY KEY, customer_id int REFERENCES customers ON DELETE CASCADE);
CREATE TABLE carts (id int PRIMARY KEY, customer_id int REFERENCES customers DEFERRABLE);
-- b:
CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL UNIQUE, nickname text);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers);
CREATE TABLE invoices (id int PRIMARY KEY, customer_id int REFERENCES customers);
CREATE TABLE tickets (id int PRIMARY KEY, customer_id int REFERENCES customers, email text REFERENCES customers (email));
CREATE TABLE notes (id int PRIMARY KEY, customer_id int REFERENCES customers ON DELETE CASCADE);
CREATE TABLE carts (id int PRIMARY KEY, customer_id int REFERENCES customers DEFERRABLE);

-- case: changed_view_is_replaced_and_keeps_grants
-- expect: CREATE OR REPLACE VIEW public.active
-- forbid: DROP VIEW
-- a:
CREATE TABLE users (id int PRIMARY KEY, email text, active bool, created date);
CREATE VIEW active AS SELECT id, email FROM users WHERE active;
GRANT SELECT ON active TO dbn_user;
-- b:
CREATE TABLE users (id int PRIMARY KEY, email text, active bool, created date);
CREATE VIEW active AS SELECT id, email, created FROM users WHERE active AND created > '2020-01-01';
GRANT SELECT ON active TO dbn_user;

-- case: view_dropped_and_created_gets_its_grants_back
-- expect: GRANT SELECT ON TABLE public.active TO dbn_user
-- a:
CREATE TABLE users (id int PRIMARY KEY, email text, active bool);
CREATE VIEW active AS SELECT id, email FROM users WHERE active;
GRANT SELECT ON active TO dbn_user;
COMMENT ON VIEW active IS 'who is active';
-- b:
CREATE TABLE users (id int PRIMARY KEY, email text, active bool);
CREATE VIEW active AS SELECT email, id FROM users WHERE active;
GRANT SELECT ON active TO dbn_user;
COMMENT ON VIEW active IS 'who is active';

-- case: varchar_widening_and_varchar_to_text_are_metadata_only
-- expect: NOTE metadata only: character varying(20) -> character varying(32)
-- expect: NOTE metadata only: character varying(40) -> text
-- forbid: rewrite
-- a:
CREATE TABLE t (id int PRIMARY KEY, code varchar(20), title varchar(40));
-- b:
CREATE TABLE t (id int PRIMARY KEY, code varchar(32), title text);
-- data:
INSERT INTO t VALUES (1, 'abc', 'hello');
