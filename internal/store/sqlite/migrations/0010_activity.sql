-- 0010_activity: the CloudTrail activity of each grant's session (issue 8).
-- grant_activity has one row per grant whose activity was asked for: its
-- fetch status ('pending', 'fetched' or 'failed' with error) and when it
-- was last fetched. activity_events holds the events of the last
-- successful fetch; a new fetch replaces them as a whole.
CREATE TABLE grant_activity (
    grant_id     TEXT    NOT NULL PRIMARY KEY REFERENCES grants (id) ON DELETE CASCADE,
    request_id   TEXT    NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    status       TEXT    NOT NULL,
    error        TEXT    NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    requested_at INTEGER NOT NULL,
    fetched_at   INTEGER,
    window_start INTEGER,
    window_end   INTEGER,
    event_count  INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX grant_activity_request ON grant_activity (request_id);
CREATE INDEX grant_activity_fetched ON grant_activity (fetched_at);

CREATE TABLE activity_events (
    grant_id   TEXT    NOT NULL REFERENCES grant_activity (grant_id) ON DELETE CASCADE,
    event_id   TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    source_ip  TEXT    NOT NULL,
    user_agent TEXT    NOT NULL,
    aws_request_id TEXT  NOT NULL,
    read_only  INTEGER NOT NULL, -- 1 read-only, 0 not, -1 unknown
    error_code TEXT    NOT NULL,
    principal  TEXT    NOT NULL,
    raw        TEXT    NOT NULL, -- the event's JSON, trimmed
    PRIMARY KEY (grant_id, event_id)
) STRICT;

CREATE INDEX activity_events_time ON activity_events (grant_id, at, event_id);
