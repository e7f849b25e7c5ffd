-- 0018_session_denies: the statements that end a revoked user's open
-- sessions (a Deny on sessions issued before the revocation), one per
-- revoked grant, from the start of its revocation until the statement is
-- removed after the permission set's session duration; and the leases that
-- serialise the writes to one policy across replicas.
CREATE TABLE session_denies (
    grant_id            text COLLATE "C" NOT NULL PRIMARY KEY,
    request_id          text COLLATE "C" NOT NULL,
    mechanism           text NOT NULL,
    account_id          text COLLATE "C" NOT NULL,
    permission_set_arn  text COLLATE "C" NOT NULL,
    permission_set_name text NOT NULL,
    user_id             text COLLATE "C" NOT NULL,
    session_duration    bigint NOT NULL,
    created_at          timestamptz NOT NULL,
    revoked_at          timestamptz,
    expires_at          timestamptz,
    in_force_at         timestamptz,
    removed_at          timestamptz,
    fallback            text NOT NULL DEFAULT ''
);
CREATE INDEX session_denies_live ON session_denies (mechanism, permission_set_arn) WHERE removed_at IS NULL;

CREATE TABLE session_deny_leases (
    target      text COLLATE "C" NOT NULL PRIMARY KEY,
    holder      text NOT NULL,
    until       timestamptz NOT NULL
);
