-- 0004_reconcile: the status of the last run of each periodic task
-- (directory sync, reconciliation), and an index for reconciliation to find
-- open grants and recently closed ones.
CREATE TABLE run_status (
    kind            TEXT NOT NULL PRIMARY KEY,
    started_at      INTEGER,
    ended_at        INTEGER,
    last_success_at INTEGER,
    counts          TEXT NOT NULL, -- JSON object of integers
    error           TEXT NOT NULL
) STRICT;

CREATE INDEX grants_status_revoked ON grants (status, revoked_at);
