//! Introspection of a known schema on each engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "schema_support.rs"]
mod support;

use dbn::db::Engine;
use support::Db;

const PG_SCHEMA: &str = r#"
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN app.posint AS integer NOT NULL CHECK (VALUE > 0);
CREATE TYPE app.pair AS (a int, b text);
CREATE SEQUENCE app.counter START 10 INCREMENT 5;
CREATE TABLE app.users (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    mood app.mood DEFAULT 'ok',
    score int DEFAULT 0 CHECK (score >= 0),
    name varchar(20) COLLATE "C",
    full_name text GENERATED ALWAYS AS (email || '!') STORED
);
COMMENT ON TABLE app.users IS 'people';
CREATE TABLE app.orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id int REFERENCES app.users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    total numeric(10,2)
);
CREATE INDEX orders_big ON app.orders (total) WHERE total > 100;
CREATE UNIQUE INDEX users_lower_email ON app.users (lower(email));
CREATE INDEX users_name_hash ON app.users USING hash (name);
CREATE VIEW app.big_orders AS SELECT o.id, u.email FROM app.orders o JOIN app.users u ON u.id = o.user_id;
CREATE MATERIALIZED VIEW app.user_count AS SELECT count(*) AS n FROM app.users;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON app.users FOR SELECT USING (email = current_user);
"#;

#[tokio::test]
async fn postgres_known_schema() {
    let Some(db) = Db::fresh(Engine::Postgres, "sch_intro") else {
        return;
    };
    db.run(PG_SCHEMA);
    let s = db.schema().await;
    assert!(s.schemas.contains(&"app".to_string()));
    let users = s.table("app", "users").expect("users");
    let cols: Vec<_> = users
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str()))
        .collect();
    assert_eq!(
        cols,
        [
            ("id", "integer"),
            ("email", "text"),
            ("mood", "app.mood"),
            ("score", "integer"),
            ("name", "character varying(20)"),
            ("full_name", "text")
        ]
    );
    assert!(
        users
            .column("id")
            .unwrap()
            .default
            .as_deref()
            .unwrap()
            .starts_with("nextval(")
    );
    assert!(!users.column("email").unwrap().nullable);
    assert_eq!(users.column("name").unwrap().collation.as_deref(), Some("\"C\""));
    assert_eq!(
        users.column("full_name").unwrap().generated.as_deref(),
        Some("(email || '!'::text)")
    );
    assert_eq!(users.primary_key.as_ref().unwrap().columns, ["id"]);
    assert_eq!(users.uniques[0].columns, ["email"]);
    assert_eq!(users.checks[0].expression, "(score >= 0)");
    assert_eq!(users.comment.as_deref(), Some("people"));
    assert_eq!(users.row_security, Some(false));
    let idx: Vec<_> = users
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.unique, i.method.as_deref()))
        .collect();
    assert_eq!(
        idx,
        [
            ("users_lower_email", true, Some("btree")),
            ("users_name_hash", false, Some("hash"))
        ]
    );
    assert_eq!(users.indexes[0].columns, ["lower(email)"]);
    let orders = s.table("app", "orders").unwrap();
    assert_eq!(orders.column("id").unwrap().identity.as_deref(), Some("ALWAYS"));
    let fk = &orders.foreign_keys[0];
    assert_eq!((fk.ref_table.as_str(), fk.on_delete.as_str()), ("users", "CASCADE"));
    assert_eq!(fk.deferrable.as_deref(), Some("DEFERRABLE INITIALLY DEFERRED"));
    assert_eq!(orders.indexes[0].predicate.as_deref(), Some("(total > (100)::numeric)"));
    let views: Vec<_> = s.views.iter().map(|v| (v.name.as_str(), v.materialized)).collect();
    assert_eq!(views, [("big_orders", false), ("user_count", true)]);
    assert_eq!(s.views[0].depends_on, ["app.orders", "app.users"]);
    let seqs: Vec<_> = s
        .sequences
        .iter()
        .map(|q| (q.name.as_str(), q.owned_by.as_deref()))
        .collect();
    assert_eq!(
        seqs,
        [("counter", None), ("users_id_seq", Some("app.users.id"))],
        "identity sequences are not listed"
    );
    assert_eq!(s.enums[0].values, ["sad", "ok", "happy"]);
    assert_eq!(s.domains[0].checks[0].expression, "CHECK ((VALUE > 0))");
    assert_eq!(s.composites[0].attributes.len(), 2);
    assert_eq!(s.functions[0].name, "touch");
    assert_eq!(s.triggers[0].name, "users_touch");
    assert_eq!(s.policies[0].command, "SELECT");
    assert!(
        s.tables
            .iter()
            .all(|t| t.schema != "pg_catalog" && t.schema != "information_schema")
    );
}

#[tokio::test]
async fn postgres_comments_and_sequence_options() {
    let Some(db) = Db::fresh(Engine::Postgres, "sch_intro_c") else {
        return;
    };
    db.run(
        "CREATE SCHEMA app; COMMENT ON SCHEMA app IS 'the app'; \
         CREATE SEQUENCE app.s CACHE 20; COMMENT ON SEQUENCE app.s IS 'ids'; \
         CREATE TABLE app.p (id int CONSTRAINT p_pk PRIMARY KEY); \
         CREATE TABLE app.t (id int GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 5 CACHE 10 CYCLE), \
           pid int CONSTRAINT t_fk REFERENCES app.p, v int CONSTRAINT t_v CHECK (v > 0)); \
         CREATE TABLE app.d (id int GENERATED ALWAYS AS IDENTITY); \
         COMMENT ON CONSTRAINT p_pk ON app.p IS 'pk'; COMMENT ON CONSTRAINT t_fk ON app.t IS 'fk'; \
         COMMENT ON CONSTRAINT t_v ON app.t IS 'positive'; \
         CREATE INDEX t_v_i ON app.t (v); COMMENT ON INDEX app.t_v_i IS 'by v'; \
         CREATE FUNCTION app.tf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'; \
         CREATE TRIGGER tr BEFORE INSERT ON app.t FOR EACH ROW EXECUTE FUNCTION app.tf(); \
         COMMENT ON TRIGGER tr ON app.t IS 'noop'; \
         CREATE POLICY pol ON app.t USING (v > 0); COMMENT ON POLICY pol ON app.t IS 'pos';",
    );
    let s = db.schema().await;
    assert_eq!(s.schema_comments.get("app").map(String::as_str), Some("the app"));
    let seq = s.sequences.iter().find(|q| q.name == "s").expect("sequence s");
    assert_eq!((seq.cache, seq.comment.as_deref()), (20, Some("ids")));
    let p = s.table("app", "p").unwrap();
    assert_eq!(p.primary_key.as_ref().unwrap().comment.as_deref(), Some("pk"));
    let t = s.table("app", "t").unwrap();
    assert_eq!(t.foreign_keys[0].comment.as_deref(), Some("fk"));
    assert_eq!(t.checks[0].comment.as_deref(), Some("positive"));
    assert_eq!(t.indexes[0].comment.as_deref(), Some("by v"));
    assert_eq!(
        t.column("id").unwrap().identity_options.as_deref(),
        Some("START WITH 100 INCREMENT BY 5 CACHE 10 CYCLE")
    );
    let d = s.table("app", "d").unwrap();
    assert_eq!(
        d.column("id").unwrap().identity_options,
        None,
        "defaults are not options"
    );
    assert_eq!(s.triggers[0].comment.as_deref(), Some("noop"));
    assert_eq!(s.policies[0].comment.as_deref(), Some("pos"));
}

/// A range type's constructor functions belong to the type: listing them as
/// functions made a migration create `floatrange(float8, float8)` returning
/// a type that does not exist yet. The type itself is named as unmodelled.
#[tokio::test]
async fn postgres_range_type_is_unmodelled_and_its_constructors_are_not_functions() {
    let Some(db) = Db::fresh(Engine::Postgres, "sch_intro_r") else {
        return;
    };
    db.run(
        "CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi); \
         CREATE FUNCTION plain(a float8) RETURNS float8 LANGUAGE sql AS 'SELECT a';",
    );
    let s = db.schema().await;
    let names: Vec<&str> = s.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["plain"], "constructors are part of the range type");
    assert!(
        s.unmodelled
            .iter()
            .any(|u| u.kind == "range types" && u.name.ends_with("floatrange")),
        "{:?}",
        s.unmodelled
    );
}

#[tokio::test]
async fn mysql_known_schema() {
    let Some(db) = Db::fresh(Engine::Mysql, "sch_intro") else {
        return;
    };
    db.run(
        "CREATE TABLE users (id int AUTO_INCREMENT PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, \
           mood enum('sad','ok') DEFAULT 'ok', score int DEFAULT 0 CHECK (score >= 0), \
           created timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, \
           CONSTRAINT chk_small CHECK (score < 1000)) COMMENT 'people';
         CREATE TABLE orders (id bigint AUTO_INCREMENT PRIMARY KEY, user_id int, total decimal(10,2), note text,
           KEY idx_total (total DESC), KEY idx_note (note(10)),
           CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE);
         CREATE VIEW big AS SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.total > 100;
         CREATE TRIGGER users_bi BEFORE INSERT ON users FOR EACH ROW SET NEW.score = NEW.score + 1;
         CREATE FUNCTION twice(x int) RETURNS int DETERMINISTIC RETURN x * 2;",
    );
    let s = db.schema().await;
    let users = s.tables.iter().find(|t| t.name == "users").unwrap();
    assert_eq!(users.column("id").unwrap().identity.as_deref(), Some("auto_increment"));
    assert_eq!(users.column("mood").unwrap().data_type, "enum('sad','ok')");
    assert_eq!(users.column("mood").unwrap().default.as_deref(), Some("'ok'"));
    assert!(
        users
            .column("created")
            .unwrap()
            .default
            .as_deref()
            .unwrap()
            .contains("on update")
    );
    assert_eq!(users.uniques[0].columns, ["email"]);
    let checks: Vec<_> = users.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(checks, ["chk_small", "score"]);
    assert_eq!(users.comment.as_deref(), Some("people"));
    let orders = s.tables.iter().find(|t| t.name == "orders").unwrap();
    assert_eq!(orders.foreign_keys[0].on_delete, "CASCADE");
    let idx: Vec<_> = orders.indexes.iter().map(|i| i.columns.join(",")).collect();
    assert!(idx.contains(&"total DESC".to_string()), "{idx:?}");
    assert!(idx.contains(&"note(10)".to_string()), "{idx:?}");
    assert_eq!(s.views[0].name, "big");
    assert!(
        !s.views[0].definition.contains(&s.schemas[0]),
        "own database name is stripped"
    );
    assert_eq!(s.triggers[0].name, "users_bi");
    assert!(s.functions[0].definition.contains("RETURN x * 2") || s.functions[0].definition.contains("return x * 2"));
}

#[tokio::test]
async fn sqlite_known_schema() {
    let db = Db::fresh(Engine::Sqlite, "intro").unwrap();
    db.run(
        "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
           score INT DEFAULT 0 CHECK (score >= 0), doubled INT GENERATED ALWAYS AS (score * 2) STORED);
         CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INT REFERENCES users ON DELETE CASCADE, total REAL,
           UNIQUE (user_id, total));
         CREATE INDEX orders_big ON orders (total) WHERE total > 100;
         CREATE INDEX orders_expr ON orders (abs(total));
         CREATE VIEW big AS SELECT o.id, u.email FROM orders o JOIN users u ON u.id = o.user_id;
         CREATE TRIGGER users_ai AFTER INSERT ON users BEGIN UPDATE users SET score = 1 WHERE id = new.id; END;",
    );
    let s = db.schema().await;
    let users = s.table("main", "users").unwrap();
    assert_eq!(users.primary_key.as_ref().unwrap().columns, ["id"]);
    assert_eq!(users.column("id").unwrap().identity.as_deref(), Some("autoincrement"));
    assert_eq!(users.column("email").unwrap().collation.as_deref(), Some("NOCASE"));
    assert_eq!(users.column("score").unwrap().default.as_deref(), Some("0"));
    assert_eq!(
        users.column("doubled").unwrap().generated.as_deref(),
        Some("(score * 2) STORED")
    );
    assert_eq!(users.checks[0].expression, "score >= 0");
    assert_eq!(users.uniques[0].columns, ["email"]);
    let orders = s.table("main", "orders").unwrap();
    let fk = &orders.foreign_keys[0];
    assert_eq!(
        (fk.ref_table.as_str(), fk.ref_columns.clone(), fk.on_delete.as_str()),
        ("users", vec!["id".to_string()], "CASCADE")
    );
    assert_eq!(orders.uniques[0].columns, ["user_id", "total"]);
    let idx: Vec<_> = orders
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.predicate.clone()))
        .collect();
    assert_eq!(
        idx,
        [("orders_big", Some("total > 100".to_string())), ("orders_expr", None)]
    );
    assert_eq!(orders.indexes[1].columns, ["<expression>"]);
    assert_eq!(s.views[0].depends_on, ["main.orders", "main.users"]);
    assert_eq!(s.triggers[0].table, "users");
}
