-- Unlocks belong to a database (engine + host + port + database), not to a
-- connection name. The granting connection's fingerprint (URL, tag,
-- read-only flag) is kept so that editing the connection ends the unlock.
-- Unlocks keyed by name are dropped: they end, which is the safe direction.
DROP TABLE unlocks;
CREATE TABLE unlocks (
    db_key TEXT PRIMARY KEY,
    connection TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    until TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    audit_id INTEGER
);

-- Which face did it (cli, tui, job) and which unlock allowed it.
ALTER TABLE audit_log ADD COLUMN face TEXT;
ALTER TABLE audit_log ADD COLUMN unlock TEXT;

-- An entry is written as intent (outcome 'unknown') before a write is sent
-- and completed after. Only that completion may change a row, and only its
-- outcome, rows, duration and detail: a process killed in between leaves
-- 'unknown' on record. Everything else stays append-only.
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN OLD.outcome IS NOT 'unknown'
  OR NEW.outcome IS 'unknown'
  OR NEW.id IS NOT OLD.id
  OR NEW.at IS NOT OLD.at
  OR NEW.connection IS NOT OLD.connection
  OR NEW.os_user IS NOT OLD.os_user
  OR NEW.host IS NOT OLD.host
  OR NEW.action IS NOT OLD.action
  OR NEW.statement IS NOT OLD.statement
  OR NEW.verdict IS NOT OLD.verdict
  OR NEW.confirmed_by IS NOT OLD.confirmed_by
  OR NEW.face IS NOT OLD.face
  OR NEW.unlock IS NOT OLD.unlock
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
