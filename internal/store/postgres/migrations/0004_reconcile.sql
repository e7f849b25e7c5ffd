-- 0004_reconcile (as the SQLite engine's 0004_reconcile.sql): the status of
-- the last run of each periodic task (directory sync, reconciliation), and an
-- index for reconciliation to find open grants and recently closed ones.
CREATE TABLE run_status (
    kind            text COLLATE "C" NOT NULL PRIMARY KEY,
    started_at      timestamptz,
    ended_at        timestamptz,
    last_success_at timestamptz,
    counts          jsonb NOT NULL,
    error           text NOT NULL
);

CREATE INDEX grants_status_revoked ON grants (status, revoked_at);
