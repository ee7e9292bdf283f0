-- case: table_from_empty
-- a:
-- b:
CREATE TABLE t (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL, created datetime DEFAULT CURRENT_TIMESTAMP, note text) COMMENT 'things';

-- case: table_dropped
-- a:
CREATE TABLE t (id int);
CREATE TABLE keep (id int);
-- b:
CREATE TABLE keep (id int);

-- case: column_added_in_middle
-- expect: AFTER `a`
-- a:
CREATE TABLE t (a int, c int);
-- b:
CREATE TABLE t (a int, b int, c int);

-- case: column_added_first
-- expect: FIRST
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (z int, a int);

-- case: columns_swapped
-- a:
CREATE TABLE t (id int, a int, b int);
-- b:
CREATE TABLE t (id int, b int, a int);
-- data:
INSERT INTO t VALUES (1, 2, 3);

-- case: column_moved_and_changed
-- a:
CREATE TABLE t (a int, b varchar(10), c int, d int);
-- b:
CREATE TABLE t (d bigint, a int, c int, b varchar(20) NOT NULL DEFAULT '');

-- case: column_dropped
-- a:
CREATE TABLE t (a int, b int, c int);
-- b:
CREATE TABLE t (a int, c int);

-- case: defaults_literal_expression_and_on_update
-- a:
CREATE TABLE t (a int, b varchar(10), c datetime, d char(36));
-- b:
CREATE TABLE t (a int DEFAULT 5, b varchar(10) DEFAULT 'x', c datetime DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, d char(36) DEFAULT (uuid()));

-- case: default_expression_changed
-- a:
CREATE TABLE t (a int DEFAULT (1 + 1), b int);
-- b:
CREATE TABLE t (a int DEFAULT (2 * 3), b int DEFAULT (a + 1));

-- case: auto_increment_added
-- a:
CREATE TABLE t (id int NOT NULL, v text, PRIMARY KEY (id));
-- b:
CREATE TABLE t (id int NOT NULL AUTO_INCREMENT, v text, PRIMARY KEY (id));

-- case: invisible_column
-- a:
CREATE TABLE t (a int, b int);
-- b:
CREATE TABLE t (a int, b int INVISIBLE, c int INVISIBLE DEFAULT 3);

-- case: column_comments
-- a:
CREATE TABLE t (a int COMMENT 'old', b int);
-- b:
CREATE TABLE t (a int COMMENT 'new', b int COMMENT 'it''s b');

-- case: column_charset_and_collation
-- a:
CREATE TABLE t (a varchar(10), b varchar(10)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
-- b:
CREATE TABLE t (a varchar(10) COLLATE utf8mb4_bin, b varchar(10) CHARACTER SET latin1) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- case: table_collation_converted
-- expect: DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
-- a:
CREATE TABLE t (a varchar(10), b text) DEFAULT CHARSET=latin1;
-- b:
CREATE TABLE t (a varchar(10), b text) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- case: table_comment_and_row_format
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int) ROW_FORMAT=COMPACT COMMENT='the t';

-- case: row_format_removed
-- a:
CREATE TABLE t (a int) ROW_FORMAT=REDUNDANT;
-- b:
CREATE TABLE t (a int);

-- case: engine_changed
-- a:
CREATE TABLE t (a int) ENGINE=InnoDB;
-- b:
CREATE TABLE t (a int) ENGINE=Aria;

-- case: numeric_and_enum_and_set_types
-- a:
CREATE TABLE t (a decimal(10,2), e enum('x','y'), s set('a','b'));
-- b:
CREATE TABLE t (a decimal(12,4) unsigned, e enum('x','y','z'), s set('a','b','c') NOT NULL DEFAULT 'a,b');

-- case: json_column
-- a:
CREATE TABLE t (id int);
-- b:
CREATE TABLE t (id int, doc json);

-- case: not_null_added_with_data
-- a:
CREATE TABLE t (a int);
-- b:
CREATE TABLE t (a int NOT NULL DEFAULT 0);
-- data:
INSERT INTO t VALUES (1);

-- case: quoted_identifiers
-- a:
CREATE TABLE `order` (`select` int, `from` int);
-- b:
CREATE TABLE `order` (`select` bigint, `from` int, `weird name` varchar(5), `back``tick` int);

-- case: same_table_written_differently
-- same
-- a:
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, name VARCHAR(10) DEFAULT 'x');
-- b:
create table t (
  `id` int(11) not null,
  `name` varchar(10) default 'x',
  primary key (`id`)
);
