-- case: range_partition_added
-- expect: ADD PARTITION
-- a:
CREATE TABLE m (id int, y int) PARTITION BY RANGE (y) (PARTITION p2023 VALUES LESS THAN (2024));
-- b:
CREATE TABLE m (id int, y int) PARTITION BY RANGE (y) (PARTITION p2023 VALUES LESS THAN (2024), PARTITION p2024 VALUES LESS THAN (2025));

-- case: range_partition_dropped
-- expect: DROP PARTITION
-- a:
CREATE TABLE m (id int, y int) PARTITION BY RANGE (y) (PARTITION p2023 VALUES LESS THAN (2024), PARTITION p2024 VALUES LESS THAN (2025));
-- b:
CREATE TABLE m (id int, y int) PARTITION BY RANGE (y) (PARTITION p2024 VALUES LESS THAN (2025));

-- case: range_partitions_reorganized
-- a:
CREATE TABLE m (id int, y int) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (2020), PARTITION pmax VALUES LESS THAN MAXVALUE);
-- b:
CREATE TABLE m (id int, y int) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (2020), PARTITION p1 VALUES LESS THAN (2022), PARTITION pmax VALUES LESS THAN MAXVALUE);
-- data:
INSERT INTO m VALUES (1, 2019), (2, 2021), (3, 2030);

-- case: list_partitions_changed
-- a:
CREATE TABLE l (id int, r int) PARTITION BY LIST (r) (PARTITION pa VALUES IN (1, 2));
-- b:
CREATE TABLE l (id int, r int) PARTITION BY LIST (r) (PARTITION pa VALUES IN (1, 2), PARTITION pb VALUES IN (3));

-- case: list_columns_partitions
-- a:
CREATE TABLE l (id int, c varchar(5));
-- b:
CREATE TABLE l (id int, c varchar(5)) PARTITION BY LIST COLUMNS (c) (PARTITION pa VALUES IN ('a', 'b'), PARTITION pc VALUES IN ('c'));

-- case: hash_partitions_count_changed
-- a:
CREATE TABLE h (id int) PARTITION BY HASH (id) PARTITIONS 2;
-- b:
CREATE TABLE h (id int) PARTITION BY HASH (id) PARTITIONS 4;

-- case: key_partitioning_added
-- a:
CREATE TABLE k (id int PRIMARY KEY);
-- b:
CREATE TABLE k (id int PRIMARY KEY) PARTITION BY KEY (id) PARTITIONS 3;

-- case: partitioning_removed
-- expect: REMOVE PARTITIONING
-- a:
CREATE TABLE m (id int, y int) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE);
-- b:
CREATE TABLE m (id int, y int);

-- case: partition_comment
-- a:
CREATE TABLE m (id int, y int) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (10));
-- b:
CREATE TABLE m (id int, y int) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (10) COMMENT 'low');

-- case: partitioned_table_created
-- a:
-- b:
CREATE TABLE m (id int, at date) PARTITION BY RANGE COLUMNS (at) (PARTITION p1 VALUES LESS THAN ('2024-01-01'), PARTITION p2 VALUES LESS THAN (MAXVALUE));

-- case: column_added_to_partitioned_table
-- a:
CREATE TABLE m (id int, y int) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (10));
-- b:
CREATE TABLE m (id int, y int, note varchar(10)) PARTITION BY RANGE (y) (PARTITION p0 VALUES LESS THAN (10));
