-- case: primary_key_added
-- a:
CREATE TABLE t (id int NOT NULL, v int);
-- b:
CREATE TABLE t (id int NOT NULL, v int, PRIMARY KEY (id));

-- case: primary_key_changed_on_auto_increment
-- a:
CREATE TABLE t (id int NOT NULL AUTO_INCREMENT, k int NOT NULL, PRIMARY KEY (id));
-- b:
CREATE TABLE t (id int NOT NULL, k int NOT NULL, PRIMARY KEY (id, k));

-- case: primary_key_changed_with_comments
-- a:
CREATE TABLE t (id int NOT NULL COMMENT 'the id', k int NOT NULL COMMENT 'the k', PRIMARY KEY (id)) COMMENT='keyed';
-- b:
CREATE TABLE t (id int NOT NULL COMMENT 'the id', k int NOT NULL COMMENT 'the k', PRIMARY KEY (k, id)) COMMENT='keyed';

-- case: primary_key_dropped
-- a:
CREATE TABLE t (id int NOT NULL, PRIMARY KEY (id));
-- b:
CREATE TABLE t (id int NOT NULL);

-- case: unique_added_changed_dropped
-- a:
CREATE TABLE t (a int, b int, c int, UNIQUE KEY ua (a), UNIQUE KEY ub (b));
-- b:
CREATE TABLE t (a int, b int, c int, UNIQUE KEY ua (a, b), UNIQUE KEY uc (c));

-- case: index_with_comment_and_key_block_size
-- a:
CREATE TABLE t (a int, b int) ROW_FORMAT=COMPRESSED;
-- b:
CREATE TABLE t (a int, b int, KEY ka (a) COMMENT 'by a', KEY kb (b) KEY_BLOCK_SIZE=4) ROW_FORMAT=COMPRESSED;

-- case: index_ignored
-- a:
CREATE TABLE t (a int, KEY ka (a));
-- b:
CREATE TABLE t (a int, KEY ka (a) IGNORED);

-- case: index_comment_changed
-- a:
CREATE TABLE t (a int, KEY ka (a) COMMENT 'x');
-- b:
CREATE TABLE t (a int, KEY ka (a) COMMENT 'y');

-- case: prefix_and_descending_index
-- a:
CREATE TABLE t (a varchar(100), b int);
-- b:
CREATE TABLE t (a varchar(100), b int, KEY kab (a(10), b DESC));

-- case: fulltext_index
-- a:
CREATE TABLE t (id int PRIMARY KEY, body text);
-- b:
CREATE TABLE t (id int PRIMARY KEY, body text, FULLTEXT KEY ft (body));

-- case: spatial_column_and_key
-- a:
CREATE TABLE t (id int PRIMARY KEY);
-- b:
CREATE TABLE t (id int PRIMARY KEY, loc point NOT NULL, area polygon, SPATIAL KEY sp (loc));

-- case: hash_unique_key
-- a:
CREATE TABLE t (a text);
-- b:
CREATE TABLE t (a text, UNIQUE KEY ua (a) USING HASH);

-- case: unique_key_with_comment
-- a:
CREATE TABLE t (a int, UNIQUE KEY ua (a));
-- b:
CREATE TABLE t (a int, UNIQUE KEY ua (a) COMMENT 'unique a');

-- case: check_constraints_table_and_column
-- a:
CREATE TABLE t (a int, b int, CONSTRAINT a_pos CHECK (a > 0));
-- b:
CREATE TABLE t (a int CHECK (a < 100), b int, CONSTRAINT a_pos CHECK (a >= 0), CONSTRAINT b_small CHECK (b < 10));

-- case: check_dropped
-- a:
CREATE TABLE t (a int, CONSTRAINT a_pos CHECK (a > 0));
-- b:
CREATE TABLE t (a int);

-- case: index_renamed
-- a:
CREATE TABLE t (a int, KEY old_k (a));
-- b:
CREATE TABLE t (a int, KEY new_k (a));
