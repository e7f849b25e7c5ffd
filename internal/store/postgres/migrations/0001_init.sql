-- 0001_init: elevate's first schema, the PostgreSQL translation of the SQLite
-- engine's 0001_init.sql (same tables, columns and meaning).
--
-- Times are timestamptz with microsecond precision; NULL is the zero
-- time.Time. Durations are BIGINT nanoseconds (time.Duration).
--
-- Every text column uses the "C" collation, as SQLite's BINARY: ids and names
-- sort byte-wise whatever the database's locale, and lower() folds ASCII
-- only, so case-insensitive lookups (lower(column) = lower($1), backed by
-- expression indexes) match exactly what the SQLite engine matches.

CREATE TABLE requests (
    id                  text COLLATE "C" NOT NULL PRIMARY KEY,
    requester_id        text COLLATE "C" NOT NULL,
    requester_name      text COLLATE "C" NOT NULL,
    permission_set_arn  text COLLATE "C" NOT NULL,
    permission_set_name text COLLATE "C" NOT NULL,
    duration_ns         bigint  NOT NULL,
    start_at            timestamptz,
    activated_at        timestamptz,
    ends_at             timestamptz,
    expires_at          timestamptz,
    justification       text COLLATE "C" NOT NULL,
    ticket              text COLLATE "C" NOT NULL,
    status              text COLLATE "C" NOT NULL,
    reason              text COLLATE "C" NOT NULL,
    rule                text COLLATE "C" NOT NULL,
    approvals_required  integer NOT NULL,
    end_requested_at    timestamptz,
    end_requested_by    text COLLATE "C" NOT NULL,
    end_comment         text COLLATE "C" NOT NULL,
    revocation_failed   boolean NOT NULL,
    created_at          timestamptz,
    updated_at          timestamptz,
    version             bigint  NOT NULL
);

-- ListRequests orders by created_at DESC NULLS LAST, id DESC (SQLite's order:
-- NULL sorts first ascending there, so last descending).
CREATE INDEX requests_created ON requests (created_at DESC NULLS LAST, id DESC);
CREATE INDEX requests_status ON requests (status, created_at DESC NULLS LAST);
CREATE INDEX requests_requester ON requests (requester_id, created_at DESC NULLS LAST);

-- Approvers keep their order through position.
CREATE TABLE request_approvers (
    request_id text COLLATE "C" NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    position   integer NOT NULL,
    user_id    text COLLATE "C" NOT NULL,
    PRIMARY KEY (request_id, position)
);

CREATE INDEX request_approvers_user ON request_approvers (user_id, request_id);

-- seq keeps the insertion order among approvals at the same time (SQLite's
-- rowid).
CREATE TABLE approvals (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id text COLLATE "C" NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    user_id    text COLLATE "C" NOT NULL,
    user_name  text COLLATE "C" NOT NULL,
    verdict    text COLLATE "C" NOT NULL,
    comment    text COLLATE "C" NOT NULL,
    at         timestamptz,
    UNIQUE (request_id, user_id)
);

-- Grants keep the order of the request's accounts through position.
CREATE TABLE grants (
    id                text COLLATE "C" NOT NULL PRIMARY KEY,
    request_id        text COLLATE "C" NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    position          integer NOT NULL,
    account_id        text COLLATE "C" NOT NULL,
    status            text COLLATE "C" NOT NULL,
    create_request_id text COLLATE "C" NOT NULL,
    delete_request_id text COLLATE "C" NOT NULL,
    error             text COLLATE "C" NOT NULL,
    activated_at      timestamptz,
    revoked_at        timestamptz,
    UNIQUE (request_id, position)
);

-- The decision log. seq orders it (an identity never reuses a number; with
-- concurrent writers, numbers are taken in insert order, not commit order).
-- request_id and grant_id are '' when the event concerns none.
CREATE TABLE events (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz,
    type          text COLLATE "C" NOT NULL,
    request_id    text COLLATE "C" NOT NULL,
    grant_id      text COLLATE "C" NOT NULL,
    actor_user_id text COLLATE "C" NOT NULL,
    actor_name    text COLLATE "C" NOT NULL,
    actor_email   text COLLATE "C" NOT NULL,
    actor_via     text COLLATE "C" NOT NULL,
    details       jsonb NOT NULL -- JSON object of strings
);

CREATE INDEX events_request ON events (request_id, seq);

-- The directory: a snapshot replaced as a whole by each sync. No foreign keys
-- between these tables: a snapshot is stored as AWS returned it.
CREATE TABLE accounts (
    id        text COLLATE "C" NOT NULL PRIMARY KEY,
    name      text COLLATE "C" NOT NULL,
    email     text COLLATE "C" NOT NULL,
    state     text COLLATE "C" NOT NULL,
    parent_id text COLLATE "C" NOT NULL
);

CREATE INDEX accounts_name ON accounts (lower(name));

CREATE TABLE ous (
    id        text COLLATE "C" NOT NULL PRIMARY KEY,
    name      text COLLATE "C" NOT NULL,
    parent_id text COLLATE "C" NOT NULL
);

CREATE TABLE permission_sets (
    arn                 text COLLATE "C" NOT NULL PRIMARY KEY,
    name                text COLLATE "C" NOT NULL,
    description         text COLLATE "C" NOT NULL,
    session_duration_ns bigint NOT NULL
);

CREATE INDEX permission_sets_name ON permission_sets (lower(name));

CREATE TABLE users (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    user_name    text COLLATE "C" NOT NULL,
    display_name text COLLATE "C" NOT NULL,
    email        text COLLATE "C" NOT NULL,
    active       boolean NOT NULL
);

CREATE INDEX users_user_name ON users (lower(user_name));
CREATE INDEX users_email ON users (lower(email));

CREATE TABLE groups (
    id   text COLLATE "C" NOT NULL PRIMARY KEY,
    name text COLLATE "C" NOT NULL
);

CREATE INDEX groups_name ON groups (lower(name));

CREATE TABLE memberships (
    group_id text COLLATE "C" NOT NULL,
    user_id  text COLLATE "C" NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE INDEX memberships_user ON memberships (user_id, group_id);

-- One row once the directory has been synced.
CREATE TABLE directory_sync (
    id        integer NOT NULL PRIMARY KEY CHECK (id = 1),
    synced_at timestamptz
);

-- API tokens: only the SHA-256 hash of the secret is stored.
CREATE TABLE tokens (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    user_id      text COLLATE "C" NOT NULL,
    name         text COLLATE "C" NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    created_at   timestamptz,
    expires_at   timestamptz,
    last_used_at timestamptz
);

CREATE INDEX tokens_user ON tokens (user_id);
