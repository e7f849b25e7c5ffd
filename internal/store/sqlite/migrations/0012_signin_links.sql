-- 0012_signin_links: one-time portal sign-in links made by
-- `elevate signin-link`. Only the SHA-256 hash of the secret is stored; a
-- link is used at most once (used_at) and only before expires_at.
CREATE TABLE signin_links (
    id          TEXT NOT NULL PRIMARY KEY,
    hash        BLOB NOT NULL UNIQUE,
    user_id     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
) STRICT;
