-- 0016_user_settings: each user's own settings, set on the profile page:
-- the IANA time zone the portal and email say times in ('' = none chosen:
-- the portal follows the browser, email says UTC).
CREATE TABLE user_settings (
    user_id    TEXT NOT NULL PRIMARY KEY,
    time_zone  TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
) STRICT;
