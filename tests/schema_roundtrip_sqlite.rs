//! SQLite round trips, including the table-rebuild procedure.
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
                Engine::Sqlite,
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

const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);";

rt!(create_table_from_empty, USERS, "");
rt!(drop_table, "", USERS);
rt!(
    add_column,
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INT DEFAULT 0);",
    USERS
);
rt!(
    drop_column,
    USERS,
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INT);"
);
rt!(
    change_type_and_not_null,
    "CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL NOT NULL DEFAULT 0);",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, v INT);"
);
rt!(
    autoincrement,
    "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
);
rt!(
    composite_primary_key,
    "CREATE TABLE t (a INT, b INT, PRIMARY KEY (a, b));",
    "CREATE TABLE t (a INT PRIMARY KEY, b INT);"
);
rt!(
    unique_and_check,
    "CREATE TABLE t (a INT UNIQUE, b INT, CONSTRAINT b_pos CHECK (b > 0));",
    "CREATE TABLE t (a INT, b INT);"
);
rt!(
    collation_and_generated,
    "CREATE TABLE t (a TEXT COLLATE NOCASE, n INT, d INT GENERATED ALWAYS AS (n * 2) STORED);",
    "CREATE TABLE t (a TEXT, n INT);"
);
rt!(
    foreign_key_added,
    "CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INT REFERENCES a(id) ON DELETE CASCADE);",
    "CREATE TABLE a (id INTEGER PRIMARY KEY); CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INT);"
);
rt!(
    partial_and_expression_indexes,
    "CREATE TABLE t (a INT, b TEXT); CREATE INDEX t_a ON t (a) WHERE a > 10; CREATE UNIQUE INDEX t_b ON t (lower(b));",
    "CREATE TABLE t (a INT, b TEXT); CREATE INDEX t_a ON t (a); CREATE INDEX t_old ON t (b);"
);
rt!(
    view_created_and_changed,
    "CREATE TABLE t (a INT); CREATE VIEW v AS SELECT a + 1 AS x FROM t; CREATE VIEW w AS SELECT x FROM v;",
    "CREATE TABLE t (a INT); CREATE VIEW v AS SELECT a AS x FROM t;"
);
rt!(
    view_over_rebuilt_table,
    "CREATE TABLE t (a INT, b TEXT); CREATE VIEW v AS SELECT a FROM t;",
    "CREATE TABLE t (a INT); CREATE VIEW v AS SELECT a FROM t;"
);
rt!(
    trigger_on_rebuilt_table_is_recreated,
    "CREATE TABLE t (a INT, b INT); CREATE TABLE log (x INT); CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;",
    "CREATE TABLE t (a INT); CREATE TABLE log (x INT); CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;"
);
rt!(
    trigger_changed,
    "CREATE TABLE t (a INT); CREATE TABLE log (x INT); CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a * 2); END;",
    "CREATE TABLE t (a INT); CREATE TABLE log (x INT); CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;"
);
rt!(
    quoted_identifiers,
    r#"CREATE TABLE "Mixed Case" ("Select" INT, "order" TEXT);"#,
    r#"CREATE TABLE "Mixed Case" ("Select" INT);"#
);

#[tokio::test]
async fn rebuild_keeps_rows_and_referencing_tables() {
    roundtrip(
        Engine::Sqlite,
        Case {
            source: "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '?', extra INT);
                     CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);
                     CREATE INDEX p_name ON p (name);",
            target: "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
                     CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INT REFERENCES p(id) ON DELETE CASCADE);
                     CREATE INDEX p_name ON p (name);",
            target_data: "INSERT INTO p VALUES (1, 'a'), (2, 'b'); INSERT INTO c VALUES (10, 1), (20, 2);",
            check: Some((
                "SELECT (SELECT group_concat(id || name) FROM p), (SELECT count(*) FROM c)",
                "1a,2b|2",
            )),
            ..Case::default()
        },
    )
    .await;
}

#[tokio::test]
async fn failing_rebuild_rolls_back() {
    roundtrip(
        Engine::Sqlite,
        Case {
            source: "CREATE TABLE t (a INT NOT NULL);",
            target: "CREATE TABLE t (a INT);",
            target_data: "INSERT INTO t VALUES (NULL);",
            expect_failure: true,
            ..Case::default()
        },
    )
    .await;
}

#[tokio::test]
async fn chosen_renames_keep_data() {
    let script = roundtrip(
        Engine::Sqlite,
        Case {
            source: "CREATE TABLE persons (id INTEGER PRIMARY KEY, full_name TEXT);",
            target: "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);",
            target_data: "INSERT INTO people VALUES (1, 'ann');",
            renames: &["people=persons", "persons.name=full_name"],
            check: Some(("SELECT id, full_name FROM persons", "1|ann")),
            ..Case::default()
        },
    )
    .await;
    if let Some(s) = script {
        assert!(!s.contains("DROP TABLE"), "{s}");
    }
}
