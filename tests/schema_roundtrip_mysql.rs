//! MariaDB/MySQL round trips: build source and target, migrate the target,
//! and require an empty diff after re-introspection.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "schema_support.rs"]
mod support;

use dbn::db::Engine;
use support::{Case, roundtrip};

macro_rules! rt {
    ($name:ident, $src:expr, $tgt:expr) => {
        #[tokio::test]
        async fn $name() {
            roundtrip(
                Engine::Mysql,
                Case {
                    source: $src,
                    target: $tgt,
                    ..Case::default()
                },
            )
            .await;
        }
    };
}

const USERS: &str = "CREATE TABLE users (id int PRIMARY KEY, email varchar(100) NOT NULL);";

rt!(create_table_from_empty, USERS, "");
rt!(drop_table, "", USERS);
rt!(
    add_column_in_the_middle,
    "CREATE TABLE users (id int PRIMARY KEY, age int, email varchar(100) NOT NULL);",
    USERS
);
rt!(
    drop_column,
    USERS,
    "CREATE TABLE users (id int PRIMARY KEY, email varchar(100) NOT NULL, age int);"
);
rt!(
    change_type_and_nullability,
    "CREATE TABLE t (id int PRIMARY KEY, v bigint NOT NULL);",
    "CREATE TABLE t (id int PRIMARY KEY, v int);"
);
rt!(
    change_default_and_comment,
    "CREATE TABLE t (a int DEFAULT 5 COMMENT 'five', b varchar(5) DEFAULT 'x');",
    "CREATE TABLE t (a int DEFAULT 4, b varchar(5));"
);
rt!(
    auto_increment,
    "CREATE TABLE t (id bigint AUTO_INCREMENT PRIMARY KEY);",
    "CREATE TABLE t (id bigint PRIMARY KEY);"
);
rt!(
    enum_column_values_added,
    "CREATE TABLE t (m enum('a','b','c') DEFAULT 'a');",
    "CREATE TABLE t (m enum('a','b') DEFAULT 'a');"
);
rt!(
    generated_column,
    "CREATE TABLE t (a int, b int AS (a * 2) VIRTUAL, c int AS (a + 1) STORED);",
    "CREATE TABLE t (a int);"
);
rt!(
    primary_key_change,
    "CREATE TABLE t (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a, b));",
    "CREATE TABLE t (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a));"
);
rt!(
    unique_and_index,
    "CREATE TABLE t (a int, b varchar(50), UNIQUE KEY t_a (a), KEY t_b (b(10)), KEY t_ab (a DESC, b));",
    "CREATE TABLE t (a int, b varchar(50), KEY t_old (b));"
);
rt!(
    check_constraints,
    "CREATE TABLE t (a int, CONSTRAINT a_pos CHECK (a > 0));",
    "CREATE TABLE t (a int, CONSTRAINT a_pos CHECK (a >= 0), CONSTRAINT gone CHECK (a < 5));"
);
rt!(
    foreign_keys_added,
    "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY, a_id int, CONSTRAINT fk_a FOREIGN KEY (a_id) REFERENCES a(id) ON DELETE CASCADE);",
    "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY, a_id int, KEY fk_a (a_id));"
);
rt!(
    foreign_key_cycle,
    "CREATE TABLE a (id int PRIMARY KEY, b_id int); CREATE TABLE b (id int PRIMARY KEY, a_id int, CONSTRAINT fb FOREIGN KEY (a_id) REFERENCES a(id)); ALTER TABLE a ADD CONSTRAINT fa FOREIGN KEY (b_id) REFERENCES b(id);",
    ""
);
rt!(
    drop_tables_in_fk_chain,
    "",
    "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY, a_id int, CONSTRAINT fk1 FOREIGN KEY (a_id) REFERENCES a(id));"
);
rt!(
    view_created_and_changed,
    "CREATE TABLE t (a int); CREATE VIEW v AS SELECT a + 1 AS x FROM t; CREATE VIEW w AS SELECT x FROM v;",
    "CREATE TABLE t (a int); CREATE VIEW v AS SELECT a AS x FROM t;"
);
rt!(
    view_over_column_whose_type_changes,
    "CREATE TABLE t (a bigint); CREATE VIEW v AS SELECT a FROM t;",
    "CREATE TABLE t (a int); CREATE VIEW v AS SELECT a FROM t;"
);
rt!(
    trigger_added_and_changed,
    "CREATE TABLE t (a int); CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.a = NEW.a + 2;",
    "CREATE TABLE t (a int); CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.a = NEW.a + 1;"
);
rt!(
    routines,
    "CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 2; CREATE PROCEDURE p(IN a int) SELECT a;",
    "CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 3; CREATE FUNCTION gone() RETURNS int DETERMINISTIC RETURN 1;"
);
rt!(
    compound_trigger_and_procedure,
    "CREATE TABLE t (a int, b int);\nDELIMITER //\nCREATE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW BEGIN IF NEW.a < 0 THEN SET NEW.a = 0; END IF; SET NEW.b = NEW.a * 2; END//\nCREATE PROCEDURE fill(IN n int) BEGIN DECLARE i int DEFAULT 0; WHILE i < n DO INSERT INTO t VALUES (i, i); SET i = i + 1; END WHILE; END//\nDELIMITER ;\n",
    "CREATE TABLE t (a int, b int);"
);
rt!(
    table_comment,
    "CREATE TABLE t (a int) COMMENT 'hello';",
    "CREATE TABLE t (a int);"
);

#[tokio::test]
async fn data_survives_added_and_modified_columns() {
    roundtrip(
        Engine::Mysql,
        Case {
            source: "CREATE TABLE t (id int PRIMARY KEY, v bigint NOT NULL, note varchar(10) DEFAULT 'n');",
            target: "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);",
            target_data: "INSERT INTO t VALUES (1, 10), (2, 20);",
            check: Some(("SELECT id, v, note FROM t ORDER BY id", "1\t10\tn\n2\t20\tn")),
            ..Case::default()
        },
    )
    .await;
}

#[tokio::test]
async fn chosen_renames_keep_data() {
    roundtrip(
        Engine::Mysql,
        Case {
            source: "CREATE TABLE persons (id int PRIMARY KEY, full_name varchar(20));",
            target: "CREATE TABLE people (id int PRIMARY KEY, name varchar(20));",
            target_data: "INSERT INTO people VALUES (1, 'ann');",
            renames: &["people=persons", "persons.name=full_name"],
            check: Some(("SELECT id, full_name FROM persons", "1\tann")),
            ..Case::default()
        },
    )
    .await;
}

// A routine comment with a quote and a backslash survives the migration
// (MySQL strings treat `\` as an escape).
rt!(
    routine_comment_with_quote_and_backslash,
    r"CREATE PROCEDURE p(IN a int) COMMENT 'it''s C:\\dir' SELECT a;",
    "CREATE PROCEDURE p(IN a int) SELECT a;"
);
