//! Snapshot tests (insta) of the diff rendering and migration scripts,
//! from models built in code (no server needed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dbn::schema::Schema;
use dbn::schema::diff::{DiffOptions, diff};
use dbn::schema::migrate::{MigrateOptions, plan};
use serde_json::json;

fn schema(v: serde_json::Value) -> Schema {
    let mut s: Schema = serde_json::from_value(v).unwrap();
    s.normalize();
    s
}

fn col(name: &str, ty: &str, nullable: bool) -> serde_json::Value {
    json!({"name": name, "data_type": ty, "nullable": nullable})
}

fn pg_pair() -> (Schema, Schema) {
    let source = schema(json!({
        "engine": "postgres",
        "schemas": ["public"],
        "tables": [
            {"schema": "public", "name": "users", "columns": [col("id", "integer", false), col("email", "text", false), col("age", "integer", true)],
             "primary_key": {"name": "users_pkey", "columns": ["id"]},
             "checks": [{"name": "age_pos", "expression": "(age > 0)"}],
             "indexes": [{"name": "users_email", "columns": ["lower(email)"], "unique": true, "method": "btree",
                          "definition": "CREATE UNIQUE INDEX users_email ON public.users USING btree (lower(email))"}]},
            {"schema": "public", "name": "orders", "columns": [col("id", "bigint", false), col("user_id", "integer", true)],
             "primary_key": {"name": "orders_pkey", "columns": ["id"]},
             "foreign_keys": [{"name": "orders_user_fk", "columns": ["user_id"], "ref_schema": "public", "ref_table": "users",
                               "ref_columns": ["id"], "on_update": "NO ACTION", "on_delete": "CASCADE"}]}
        ],
        "views": [{"schema": "public", "name": "adults", "materialized": false, "definition": " SELECT id FROM users WHERE age >= 18;",
                   "depends_on": ["public.users"]}],
        "enums": [{"schema": "public", "name": "mood", "values": ["sad", "ok", "happy"]}]
    }));
    let target = schema(json!({
        "engine": "postgres",
        "schemas": ["public"],
        "tables": [
            {"schema": "public", "name": "users", "columns": [col("id", "integer", false), col("email", "character varying(50)", true)],
             "primary_key": {"name": "users_pkey", "columns": ["id"]},
             "checks": [{"name": "age_pos", "expression": "((age >= 0))"}]},
            {"schema": "public", "name": "legacy", "columns": [col("x", "integer", true)]}
        ],
        "views": [{"schema": "public", "name": "adults", "materialized": false, "definition": " SELECT id FROM users;",
                   "depends_on": ["public.users"]}],
        "enums": [{"schema": "public", "name": "mood", "values": ["sad", "ok"]}]
    }));
    (source, target)
}

#[test]
fn postgres_diff_rendering() {
    let (s, t) = pg_pair();
    let d = diff(&s, &t, DiffOptions::default());
    insta::assert_snapshot!("pg_diff_plain", d.render("source", "target", false));
    let colored = d.render("source", "target", true);
    assert!(colored.contains("\x1b[32m+"), "added lines are green");
    assert!(colored.contains("\x1b[31m-"), "removed lines are red");
    insta::assert_snapshot!("pg_diff_summary", serde_json::to_string_pretty(&d.summary()).unwrap());
}

#[test]
fn postgres_migration_script() {
    let (s, t) = pg_pair();
    let p = plan(&s, &t, MigrateOptions::default()).unwrap();
    insta::assert_snapshot!("pg_migration", p.render("make target match source"));
}

#[test]
fn equal_schemas_render_no_differences() {
    let (s, _) = pg_pair();
    let d = diff(&s, &s.clone(), DiffOptions::default());
    assert!(d.is_empty());
    assert_eq!(d.render("a", "b", true), "No differences: b already matches a.\n");
    let p = plan(&s, &s.clone(), MigrateOptions::default()).unwrap();
    assert!(p.is_empty() && p.steps.is_empty(), "{:?}", p.steps);
    assert!(p.render("x").contains("Nothing to do"));
}

#[test]
fn rename_candidates_are_offered_not_applied() {
    let s = schema(json!({"engine": "sqlite", "schemas": ["main"], "tables": [
        {"schema": "main", "name": "people", "columns": [col("id", "INTEGER", false), col("full_name", "TEXT", true)]}]}));
    let t = schema(json!({"engine": "sqlite", "schemas": ["main"], "tables": [
        {"schema": "main", "name": "persons", "columns": [col("id", "INTEGER", false), col("full_name", "TEXT", true)]}]}));
    let d = diff(
        &s,
        &t,
        DiffOptions {
            detect_renames: true,
            ..DiffOptions::default()
        },
    );
    assert_eq!(d.renames.len(), 1);
    insta::assert_snapshot!("sqlite_rename_candidates", d.render("new", "old", false));
}

#[test]
fn sqlite_rebuild_script() {
    let s = schema(json!({"engine": "sqlite", "schemas": ["main"], "tables": [
        {"schema": "main", "name": "t", "columns": [col("id", "INTEGER", false), col("v", "REAL", false)],
         "primary_key": {"name": "", "columns": ["id"]},
         "indexes": [{"name": "t_v", "columns": ["v"], "unique": false, "definition": "CREATE INDEX t_v ON t (v)"}]}]}));
    let t = schema(json!({"engine": "sqlite", "schemas": ["main"], "tables": [
        {"schema": "main", "name": "t", "columns": [col("id", "INTEGER", false), col("v", "INT", true), col("old", "TEXT", true)],
         "primary_key": {"name": "", "columns": ["id"]}}]}));
    let p = plan(&s, &t, MigrateOptions::default()).unwrap();
    insta::assert_snapshot!("sqlite_rebuild", p.render("rebuild"));
}
