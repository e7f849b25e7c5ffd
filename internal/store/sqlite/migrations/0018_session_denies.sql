-- 0018_session_denies: the statements that end a revoked user's open
-- sessions (a Deny on sessions issued before the revocation), one per
-- revoked grant, from the start of its revocation until the statement is
-- removed after the permission set's session duration; and the leases that
-- serialise the writes to one policy across replicas.
CREATE TABLE session_denies (
    grant_id            TEXT NOT NULL PRIMARY KEY,
    request_id          TEXT NOT NULL,
    mechanism           TEXT NOT NULL,
    account_id          TEXT NOT NULL,
    permission_set_arn  TEXT NOT NULL,
    permission_set_name TEXT NOT NULL,
    user_id             TEXT NOT NULL,
    session_duration    INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    revoked_at          INTEGER,
    expires_at          INTEGER,
    in_force_at         INTEGER,
    removed_at          INTEGER,
    fallback            TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX session_denies_live ON session_denies (mechanism, permission_set_arn) WHERE removed_at IS NULL;

CREATE TABLE session_deny_leases (
    target      TEXT NOT NULL PRIMARY KEY,
    holder      TEXT NOT NULL,
    until       INTEGER NOT NULL
) STRICT;
