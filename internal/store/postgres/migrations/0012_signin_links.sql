-- 0012_signin_links: one-time portal sign-in links made by
-- `elevate signin-link`. Only the SHA-256 hash of the secret is stored; a
-- link is used at most once (used_at) and only before expires_at.
CREATE TABLE signin_links (
    id          text COLLATE "C" NOT NULL PRIMARY KEY,
    hash        bytea NOT NULL UNIQUE,
    user_id     text COLLATE "C" NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
