-- Connections: everything but the password, which lives in the secret store.
CREATE TABLE connections (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    engine TEXT NOT NULL CHECK (engine IN ('postgres', 'mysql', 'sqlite')),
    url TEXT NOT NULL,
    tag TEXT NOT NULL DEFAULT 'dev' CHECK (tag IN ('prod', 'stage', 'dev')),
    color TEXT,
    read_only INTEGER NOT NULL DEFAULT 0,
    secret_backend TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE query_history (
    id INTEGER PRIMARY KEY,
    connection TEXT NOT NULL,
    sql TEXT NOT NULL,
    started_at TEXT NOT NULL,
    duration_ms INTEGER,
    rows INTEGER,
    outcome TEXT NOT NULL,
    error TEXT
);
CREATE INDEX query_history_conn ON query_history (connection, id);

CREATE TABLE folders (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES folders (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX folders_name ON folders (coalesce(parent_id, 0), name);

CREATE TABLE saved_queries (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    folder_id INTEGER REFERENCES folders (id) ON DELETE CASCADE,
    connection TEXT,
    sql TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX saved_queries_name ON saved_queries (coalesce(folder_id, 0), name);

CREATE TABLE schema_snapshots (
    id INTEGER PRIMARY KEY,
    connection TEXT NOT NULL,
    hash TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (connection, hash)
);
CREATE TABLE schema_snapshot_labels (
    snapshot_id INTEGER NOT NULL REFERENCES schema_snapshots (id) ON DELETE CASCADE,
    connection TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (connection, label)
);

CREATE TABLE backups (
    id TEXT PRIMARY KEY,
    connection TEXT NOT NULL,
    label TEXT,
    engine TEXT NOT NULL,
    manifest TEXT NOT NULL,
    status TEXT NOT NULL,
    tables INTEGER,
    rows INTEGER,
    bytes INTEGER,
    created_at TEXT NOT NULL
);

CREATE TABLE backup_schedules (
    id INTEGER PRIMARY KEY,
    connection TEXT NOT NULL,
    spec TEXT NOT NULL,
    keep INTEGER,
    last_run_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE sync_jobs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('schema', 'data')),
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY,
    job_name TEXT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'success', 'failed', 'cancelled')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    duration_ms INTEGER,
    counts TEXT,
    error TEXT
);

-- Append-only: the triggers refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    connection TEXT,
    os_user TEXT,
    host TEXT,
    action TEXT NOT NULL,
    statement TEXT,
    verdict TEXT,
    rows_affected INTEGER,
    duration_ms INTEGER,
    outcome TEXT NOT NULL,
    confirmed_by TEXT,
    detail TEXT
);
CREATE INDEX audit_log_conn ON audit_log (connection, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE unlocks (
    connection TEXT PRIMARY KEY,
    until TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
