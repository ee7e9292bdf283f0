-- case: partitioned_table_from_empty
-- a:
-- b:
CREATE TABLE m (id int, at date, region text) PARTITION BY RANGE (at);
CREATE TABLE m_2023 PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE m_def PARTITION OF m DEFAULT;
CREATE INDEX m_region ON m (region);
ALTER TABLE m ADD CONSTRAINT m_id_pos CHECK (id > 0);

-- case: partition_removed
-- a:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_2023 PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
-- b:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');

-- case: partition_bound_changed
-- expect: DETACH PARTITION
-- expect: ATTACH PARTITION
-- a:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
-- b:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-07-01');
-- data:
INSERT INTO m VALUES (1, '2023-05-01');

-- case: table_attached_as_partition
-- expect: ATTACH PARTITION
-- a:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE old_rows (id int, at date);
-- b:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE old_rows PARTITION OF m FOR VALUES FROM (MINVALUE) TO ('2020-01-01');

-- case: list_and_hash_partitions
-- a:
CREATE TABLE l (id int, region text) PARTITION BY LIST (region);
CREATE TABLE l_eu PARTITION OF l FOR VALUES IN ('de', 'fr');
-- b:
CREATE TABLE l (id int, region text) PARTITION BY LIST (region);
CREATE TABLE l_eu PARTITION OF l FOR VALUES IN ('de', 'fr');
CREATE TABLE l_us PARTITION OF l FOR VALUES IN ('us');
CREATE TABLE h (id int) PARTITION BY HASH (id);
CREATE TABLE h0 PARTITION OF h FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE h1 PARTITION OF h FOR VALUES WITH (MODULUS 2, REMAINDER 1);

-- case: index_on_partitioned_parent
-- expect: CREATE INDEX m_id ON public.m USING btree (id)
-- forbid: ON ONLY
-- a:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
-- b:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE INDEX m_id ON m (id);

-- case: sub_partitions
-- a:
CREATE TABLE m (id int, at date, region text) PARTITION BY RANGE (at);
-- b:
CREATE TABLE m (id int, at date, region text) PARTITION BY RANGE (at);
CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY LIST (region);
CREATE TABLE m_2024_eu PARTITION OF m_2024 FOR VALUES IN ('eu');

-- case: partitioned_table_with_primary_key_and_fk
-- a:
CREATE TABLE c (id int PRIMARY KEY);
-- b:
CREATE TABLE c (id int PRIMARY KEY);
CREATE TABLE m (id int, at date, c_id int REFERENCES c, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');

-- case: column_added_to_partitioned_table
-- a:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
-- b:
CREATE TABLE m (id int, at date, note text DEFAULT 'x') PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');

-- case: partitioning_changes_recreates_table
-- expect: HAZARD data loss
-- a:
CREATE TABLE m (id int, at date);
-- b:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');

-- case: trigger_on_partitioned_table
-- a:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
-- b:
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER m_tg BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION tg();
