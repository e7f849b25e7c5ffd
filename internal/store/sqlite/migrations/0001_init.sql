-- 0001_init: elevate's first schema.
--
-- Times are INTEGER Unix microseconds in UTC; NULL is the zero time.Time.
-- Durations are INTEGER nanoseconds (time.Duration). Booleans are 0 or 1.
-- Case-insensitive lookups compare lower(column) = lower(?), backed by
-- expression indexes (SQLite's lower() folds ASCII only).

CREATE TABLE requests (
    id                  TEXT    NOT NULL PRIMARY KEY,
    requester_id        TEXT    NOT NULL,
    requester_name      TEXT    NOT NULL,
    permission_set_arn  TEXT    NOT NULL,
    permission_set_name TEXT    NOT NULL,
    duration_ns         INTEGER NOT NULL,
    start_at            INTEGER,
    activated_at        INTEGER,
    ends_at             INTEGER,
    expires_at          INTEGER,
    justification       TEXT    NOT NULL,
    ticket              TEXT    NOT NULL,
    status              TEXT    NOT NULL,
    reason              TEXT    NOT NULL,
    rule                TEXT    NOT NULL,
    approvals_required  INTEGER NOT NULL,
    end_requested_at    INTEGER,
    end_requested_by    TEXT    NOT NULL,
    end_comment         TEXT    NOT NULL,
    revocation_failed   INTEGER NOT NULL CHECK (revocation_failed IN (0, 1)),
    created_at          INTEGER,
    updated_at          INTEGER,
    version             INTEGER NOT NULL
) STRICT;

CREATE INDEX requests_created ON requests (created_at DESC, id DESC);
CREATE INDEX requests_status ON requests (status, created_at DESC);
CREATE INDEX requests_requester ON requests (requester_id, created_at DESC);

-- Approvers keep their order through position.
CREATE TABLE request_approvers (
    request_id TEXT    NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    user_id    TEXT    NOT NULL,
    PRIMARY KEY (request_id, position)
) STRICT, WITHOUT ROWID;

CREATE INDEX request_approvers_user ON request_approvers (user_id, request_id);

CREATE TABLE approvals (
    request_id TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    verdict    TEXT NOT NULL,
    comment    TEXT NOT NULL,
    at         INTEGER,
    UNIQUE (request_id, user_id)
) STRICT;

-- Grants keep the order of the request's accounts through position.
CREATE TABLE grants (
    id                TEXT    NOT NULL PRIMARY KEY,
    request_id        TEXT    NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    account_id        TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    create_request_id TEXT    NOT NULL,
    delete_request_id TEXT    NOT NULL,
    error             TEXT    NOT NULL,
    activated_at      INTEGER,
    revoked_at        INTEGER,
    UNIQUE (request_id, position)
) STRICT;

-- The decision log. seq orders it; AUTOINCREMENT never reuses a number.
-- request_id and grant_id are '' when the event concerns none.
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER,
    type          TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    grant_id      TEXT NOT NULL,
    actor_user_id TEXT NOT NULL,
    actor_name    TEXT NOT NULL,
    actor_email   TEXT NOT NULL,
    actor_via     TEXT NOT NULL,
    details       TEXT NOT NULL -- JSON object of strings
) STRICT;

CREATE INDEX events_request ON events (request_id, seq);

-- The directory: a snapshot replaced as a whole by each sync. No foreign keys
-- between these tables: a snapshot is stored as AWS returned it.
CREATE TABLE accounts (
    id        TEXT NOT NULL PRIMARY KEY,
    name      TEXT NOT NULL,
    email     TEXT NOT NULL,
    state     TEXT NOT NULL,
    parent_id TEXT NOT NULL
) STRICT;

CREATE INDEX accounts_name ON accounts (lower(name));

CREATE TABLE ous (
    id        TEXT NOT NULL PRIMARY KEY,
    name      TEXT NOT NULL,
    parent_id TEXT NOT NULL
) STRICT;

CREATE TABLE permission_sets (
    arn                 TEXT    NOT NULL PRIMARY KEY,
    name                TEXT    NOT NULL,
    description         TEXT    NOT NULL,
    session_duration_ns INTEGER NOT NULL
) STRICT;

CREATE INDEX permission_sets_name ON permission_sets (lower(name));

CREATE TABLE users (
    id           TEXT    NOT NULL PRIMARY KEY,
    user_name    TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    email        TEXT    NOT NULL,
    active       INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;

CREATE INDEX users_user_name ON users (lower(user_name));
CREATE INDEX users_email ON users (lower(email));

CREATE TABLE groups (
    id   TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

CREATE INDEX groups_name ON groups (lower(name));

CREATE TABLE memberships (
    group_id TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX memberships_user ON memberships (user_id, group_id);

-- One row once the directory has been synced.
CREATE TABLE directory_sync (
    id        INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    synced_at INTEGER
) STRICT;

-- API tokens: only the SHA-256 hash of the secret is stored.
CREATE TABLE tokens (
    id           TEXT NOT NULL PRIMARY KEY,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    created_at   INTEGER,
    expires_at   INTEGER,
    last_used_at INTEGER
) STRICT;

CREATE INDEX tokens_user ON tokens (user_id);
