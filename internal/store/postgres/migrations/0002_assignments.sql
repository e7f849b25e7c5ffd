-- 0002_assignments: overlap-safe grants (as the SQLite engine's
-- 0002_assignments.sql): how each grant came to hold its assignment, the
-- assignments that existed before elevate (never deleted by elevate), and an
-- index to find the grants that share one assignment.
ALTER TABLE grants ADD COLUMN origin text COLLATE "C" NOT NULL DEFAULT '';

CREATE TABLE standing_assignments (
    account_id         text COLLATE "C" NOT NULL,
    permission_set_arn text COLLATE "C" NOT NULL,
    user_id            text COLLATE "C" NOT NULL,
    recorded_at        timestamptz NOT NULL,
    PRIMARY KEY (account_id, permission_set_arn, user_id)
);

CREATE INDEX grants_account_status ON grants (account_id, status);
