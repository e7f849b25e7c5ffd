-- 0008_sessions: portal sign-in sessions (issue 6). Only the SHA-256 hash
-- of the cookie secret is stored.
CREATE TABLE sessions (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    hash         bytea NOT NULL UNIQUE,
    user_id      text COLLATE "C" NOT NULL,
    method       text COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
