-- 0008_sessions: portal sign-in sessions (issue 6). Only the SHA-256 hash
-- of the cookie secret is stored.
CREATE TABLE sessions (
    id           TEXT NOT NULL PRIMARY KEY,
    hash         BLOB NOT NULL UNIQUE,
    user_id      TEXT NOT NULL,
    method       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
