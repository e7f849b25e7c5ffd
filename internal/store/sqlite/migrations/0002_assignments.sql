-- Overlap-safe grants: how each grant came to hold its assignment, the
-- assignments that existed before elevate (never deleted by elevate), and an
-- index to find the grants that share one assignment.
ALTER TABLE grants ADD COLUMN origin TEXT NOT NULL DEFAULT '';

CREATE TABLE standing_assignments (
    account_id         TEXT    NOT NULL,
    permission_set_arn TEXT    NOT NULL,
    user_id            TEXT    NOT NULL,
    recorded_at        INTEGER NOT NULL,
    PRIMARY KEY (account_id, permission_set_arn, user_id)
) STRICT;

CREATE INDEX grants_account_status ON grants (account_id, status);
