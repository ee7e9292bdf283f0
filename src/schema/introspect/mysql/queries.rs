//! information_schema queries for MySQL/MariaDB introspection, each
//! returning one JSON object per row, for the connection's database.

pub(super) const TABLES: &str = "SELECT JSON_OBJECT('name', TABLE_NAME, 'comment', TABLE_COMMENT, \
     'collation', TABLE_COLLATION, 'engine', ENGINE, 'options', CREATE_OPTIONS, 'type', TABLE_TYPE) \
     FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE <> 'VIEW'";

pub(super) const COLUMNS: &str = "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', COLUMN_NAME, 'type', COLUMN_TYPE, \
     'nullable', IS_NULLABLE, 'default', COLUMN_DEFAULT, 'extra', EXTRA, 'generation', GENERATION_EXPRESSION, \
     'collation', COLLATION_NAME, 'comment', COLUMN_COMMENT) \
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION";

pub(super) const STATISTICS: &str = "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', INDEX_NAME, \
     'non_unique', NON_UNIQUE, 'column', COLUMN_NAME, 'sub_part', SUB_PART, 'order', COLLATION, \
     'method', INDEX_TYPE, 'comment', INDEX_COMMENT) \
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
     ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

pub(super) const FOREIGN_KEYS: &str = "SELECT JSON_OBJECT('table', k.TABLE_NAME, 'name', k.CONSTRAINT_NAME, \
     'column', k.COLUMN_NAME, 'ref_schema', k.REFERENCED_TABLE_SCHEMA, 'ref_table', k.REFERENCED_TABLE_NAME, \
     'ref_column', k.REFERENCED_COLUMN_NAME, 'on_update', r.UPDATE_RULE, 'on_delete', r.DELETE_RULE) \
     FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
     ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
     WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
     ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION";

/// MariaDB keeps check names per table, has `TABLE_NAME` and `LEVEL` here.
pub(super) const CHECKS_MARIADB: &str = "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', CONSTRAINT_NAME, \
     'expression', CHECK_CLAUSE, 'level', LEVEL) \
     FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()";

/// MySQL 8 names checks per schema and joins through TABLE_CONSTRAINTS.
pub(super) const CHECKS_MYSQL: &str = "SELECT JSON_OBJECT('table', tc.TABLE_NAME, 'name', tc.CONSTRAINT_NAME, \
     'expression', cc.CHECK_CLAUSE) \
     FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc \
     ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
     WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'";

pub(super) const PARTITIONS: &str = "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', PARTITION_NAME, \
     'method', PARTITION_METHOD, 'expression', PARTITION_EXPRESSION, 'description', PARTITION_DESCRIPTION, \
     'comment', PARTITION_COMMENT, 'sub', SUBPARTITION_NAME) \
     FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL \
     ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION";

/// Views; `ALGORITHM` exists on MariaDB only, see [`VIEWS_MYSQL`].
pub(super) const VIEWS: &str = "SELECT JSON_OBJECT('name', TABLE_NAME, 'definition', VIEW_DEFINITION, \
     'check_option', CHECK_OPTION, 'security', SECURITY_TYPE, 'algorithm', ALGORITHM) \
     FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()";

/// Views on MySQL 8.
pub(super) const VIEWS_MYSQL: &str = "SELECT JSON_OBJECT('name', TABLE_NAME, 'definition', VIEW_DEFINITION, \
     'check_option', CHECK_OPTION, 'security', SECURITY_TYPE) \
     FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()";

pub(super) const TRIGGERS: &str = "SELECT JSON_OBJECT('name', TRIGGER_NAME, 'table', EVENT_OBJECT_TABLE, \
     'timing', ACTION_TIMING, 'event', EVENT_MANIPULATION, 'statement', ACTION_STATEMENT) \
     FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY ACTION_ORDER";

pub(super) const ROUTINES: &str = "SELECT JSON_OBJECT('name', ROUTINE_NAME, 'kind', ROUTINE_TYPE, \
     'returns', DTD_IDENTIFIER, 'body', ROUTINE_DEFINITION, 'deterministic', IS_DETERMINISTIC, \
     'access', SQL_DATA_ACCESS, 'security', SECURITY_TYPE, 'comment', ROUTINE_COMMENT) \
     FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()";

pub(super) const PARAMETERS: &str = "SELECT JSON_OBJECT('routine', SPECIFIC_NAME, 'kind', ROUTINE_TYPE, \
     'mode', PARAMETER_MODE, 'name', PARAMETER_NAME, 'type', DTD_IDENTIFIER) \
     FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 \
     ORDER BY SPECIFIC_NAME, ORDINAL_POSITION";

/// Objects dbn does not model: events.
pub(super) const EVENTS: &str = "SELECT JSON_OBJECT('kind', 'events', 'name', EVENT_NAME, \
     'definition', CONCAT_WS(' ', EVENT_TYPE, EXECUTE_AT, INTERVAL_VALUE, INTERVAL_FIELD, STATUS, EVENT_DEFINITION)) \
     FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()";
