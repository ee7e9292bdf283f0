//! The one reading of engine type names: what kind of value a column of a
//! given type holds, per engine. The grid editor, data sync, restore's
//! cross-engine tables, the table writer and charts all ask here, so a type
//! means the same everywhere.
//!
//! Names come as the engines print them: Postgres `format_type` or the
//! driver's short names (`int4`, `timestamp(3) with time zone`, `_text`),
//! MySQL/MariaDB `COLUMN_TYPE` or result metadata (`int(10) unsigned`,
//! `tinyint(1)`, `BIGINT`), SQLite declared types, read with SQLite's own
//! affinity rules after the common names people declare (`DATE`, `BOOLEAN`).

use super::Engine;

/// The kind of value a column type holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeClass {
    /// Booleans (MySQL: `tinyint(1)`, which can still hold other small integers).
    Bool,
    /// Signed whole numbers.
    Int,
    /// Unsigned whole numbers (MySQL `UNSIGNED`).
    UInt,
    /// Double precision.
    Float,
    /// MySQL single-precision `FLOAT`.
    Float32,
    /// Exact decimals.
    Decimal,
    /// Postgres `money` (numeric, but printed with a currency).
    Money,
    /// Character data that sorts by a collation (includes MySQL `ENUM`/`SET`).
    Text,
    /// Binary data.
    Bytes,
    /// JSON documents.
    Json,
    /// Calendar dates.
    Date,
    /// Times of day.
    Time,
    /// Times of day with a zone (Postgres `timetz`).
    TimeTz,
    /// Timestamps without zone (MySQL `DATETIME` and `TIMESTAMP`).
    Timestamp,
    /// Timestamps with zone.
    TimestampTz,
    /// UUIDs.
    Uuid,
    /// Postgres intervals.
    Interval,
    /// Postgres arrays.
    Array,
    /// Anything else (enums, domains, geometry, network types, ...).
    Other,
}

impl TypeClass {
    /// Whether values are numbers (right-aligned, charted).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            TypeClass::Int
                | TypeClass::UInt
                | TypeClass::Float
                | TypeClass::Float32
                | TypeClass::Decimal
                | TypeClass::Money
        )
    }
}

/// The class of `type_name` as `engine` means it.
pub fn classify(engine: Engine, type_name: &str) -> TypeClass {
    let t = type_name.trim().to_ascii_lowercase();
    let head = t.split(['(', ' ']).next().unwrap_or("");
    match engine {
        Engine::Postgres => postgres(&t, head),
        Engine::Mysql => mysql(&t, head),
        Engine::Sqlite => sqlite(&t, head),
    }
}

/// Whether a result column holds numbers when all that is known is its type
/// name (a writer that serves every engine): numeric as any engine reads it.
pub fn is_numeric_name(type_name: &str) -> bool {
    [Engine::Postgres, Engine::Mysql, Engine::Sqlite]
        .into_iter()
        .any(|e| classify(e, type_name).is_numeric())
}

fn postgres(t: &str, head: &str) -> TypeClass {
    use TypeClass as C;
    if t.ends_with("[]") || t.starts_with('_') {
        return C::Array;
    }
    // `without time zone` does not contain this.
    let zoned = t.contains("with time zone");
    match head {
        "bool" | "boolean" => C::Bool,
        "smallint" | "integer" | "bigint" | "int" | "int2" | "int4" | "int8" | "smallserial" | "serial"
        | "bigserial" | "serial2" | "serial4" | "serial8" | "oid" => C::Int,
        "real" | "float4" | "float8" | "double" | "float" => C::Float,
        "numeric" | "decimal" => C::Decimal,
        "money" => C::Money,
        "date" => C::Date,
        "time" if zoned => C::TimeTz,
        "time" => C::Time,
        "timetz" => C::TimeTz,
        "timestamp" if zoned => C::TimestampTz,
        "timestamp" => C::Timestamp,
        "timestamptz" => C::TimestampTz,
        "json" | "jsonb" => C::Json,
        "uuid" => C::Uuid,
        "bytea" => C::Bytes,
        "interval" => C::Interval,
        "text" | "varchar" | "char" | "character" | "bpchar" | "name" | "citext" => C::Text,
        _ => C::Other,
    }
}

fn mysql(t: &str, head: &str) -> TypeClass {
    use TypeClass as C;
    let unsigned = t.contains("unsigned");
    match head {
        "tinyint" if t.starts_with("tinyint(1)") => C::Bool,
        "bool" | "boolean" => C::Bool,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "year" if unsigned => C::UInt,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "year" => C::Int,
        "decimal" | "numeric" | "dec" | "fixed" => C::Decimal,
        "float" => C::Float32,
        "double" | "real" => C::Float,
        "date" => C::Date,
        "datetime" | "timestamp" => C::Timestamp,
        "time" => C::Time,
        "json" => C::Json,
        "uuid" => C::Uuid,
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => C::Bytes,
        "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum" | "set" => C::Text,
        _ => C::Other,
    }
}

fn sqlite(t: &str, head: &str) -> TypeClass {
    use TypeClass as C;
    match head {
        "bool" | "boolean" => return C::Bool,
        "date" => return C::Date,
        "datetime" | "timestamp" => return C::Timestamp,
        "timestamptz" => return C::TimestampTz,
        "time" => return C::Time,
        "json" | "jsonb" => return C::Json,
        "uuid" => return C::Uuid,
        _ => {}
    }
    // SQLite's affinity rules, in its order (https://sqlite.org/datatype3.html 3.1).
    if t.contains("int") {
        C::Int
    } else if t.contains("char") || t.contains("clob") || t.contains("text") {
        C::Text
    } else if t.contains("blob") {
        C::Bytes
    } else if t.contains("real") || t.contains("floa") || t.contains("doub") {
        C::Float
    } else if t.contains("numeric") || t.contains("decimal") {
        C::Decimal
    } else {
        C::Other
    }
}

#[cfg(test)]
mod tests {
    use super::TypeClass as C;
    use super::*;

    #[test]
    fn postgres_names() {
        let pg = |t| classify(Engine::Postgres, t);
        assert_eq!(pg("int4"), C::Int);
        assert_eq!(pg("character varying(20)"), C::Text);
        assert_eq!(pg("timestamptz"), C::TimestampTz);
        assert_eq!(pg("timestamp(3) with time zone"), C::TimestampTz);
        assert_eq!(pg("timestamp without time zone"), C::Timestamp);
        assert_eq!(pg("time with time zone"), C::TimeTz);
        assert_eq!(pg("double precision"), C::Float);
        assert_eq!(pg("_int4"), C::Array);
        assert_eq!(pg("integer[]"), C::Array);
        assert_eq!(pg("numeric(12,2)"), C::Decimal);
        assert_eq!(pg("jsonb"), C::Json);
        // Neither is a number, although both contain "int".
        assert_eq!(pg("interval"), C::Interval);
        assert_eq!(pg("point"), C::Other);
        assert_eq!(pg("mood"), C::Other);
    }

    #[test]
    fn mysql_names() {
        let my = |t| classify(Engine::Mysql, t);
        assert_eq!(my("TINYINT(1)"), C::Bool);
        assert_eq!(my("tinyint(4)"), C::Int);
        assert_eq!(my("int(10) unsigned"), C::UInt);
        assert_eq!(my("BIGINT UNSIGNED"), C::UInt);
        assert_eq!(my("float"), C::Float32);
        assert_eq!(my("DATETIME(6)"), C::Timestamp);
        assert_eq!(my("enum('a','b')"), C::Text);
        assert_eq!(my("longblob"), C::Bytes);
        assert_eq!(my("bit(1)"), C::Other);
    }

    #[test]
    fn sqlite_declared_types_follow_affinity() {
        let lite = |t| classify(Engine::Sqlite, t);
        assert_eq!(lite("INTEGER"), C::Int);
        assert_eq!(lite("VARCHAR(20)"), C::Text);
        assert_eq!(lite("DATE"), C::Date);
        assert_eq!(lite("DATETIME"), C::Timestamp);
        assert_eq!(lite("BOOLEAN"), C::Bool);
        assert_eq!(lite("BLOB"), C::Bytes);
        assert_eq!(lite("DOUBLE PRECISION"), C::Float);
        assert_eq!(lite("NUMERIC(10,2)"), C::Decimal);
        // Affinity: anything containing INT is an integer.
        assert_eq!(lite("FLOATING POINT"), C::Int);
        assert_eq!(lite(""), C::Other);
    }

    #[test]
    fn numeric_names_for_writers_that_serve_every_engine() {
        for t in [
            "int4",
            "numeric",
            "float8",
            "BIGINT",
            "DECIMAL",
            "DOUBLE",
            "INT UNSIGNED",
            "REAL",
            "money",
        ] {
            assert!(is_numeric_name(t), "{t}");
        }
        for t in ["text", "VARCHAR", "timestamptz", "DATETIME", "bool", "json", "uuid"] {
            assert!(!is_numeric_name(t), "{t}");
        }
    }
}
