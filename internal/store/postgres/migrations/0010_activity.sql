-- 0010_activity: the CloudTrail activity of each grant's session (issue 8).
-- grant_activity has one row per grant whose activity was asked for: its
-- fetch status ('pending', 'fetched' or 'failed' with error) and when it
-- was last fetched. activity_events holds the events of the last
-- successful fetch; a new fetch replaces them as a whole.
CREATE TABLE grant_activity (
    grant_id     text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES grants (id) ON DELETE CASCADE,
    request_id   text COLLATE "C" NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    status       text COLLATE "C" NOT NULL,
    error        text        NOT NULL DEFAULT '',
    attempts     integer     NOT NULL DEFAULT 0,
    requested_at timestamptz NOT NULL,
    fetched_at   timestamptz,
    window_start timestamptz,
    window_end   timestamptz,
    event_count  integer     NOT NULL DEFAULT 0
);

CREATE INDEX grant_activity_request ON grant_activity (request_id);
CREATE INDEX grant_activity_fetched ON grant_activity (fetched_at);

CREATE TABLE activity_events (
    grant_id       text COLLATE "C" NOT NULL REFERENCES grant_activity (grant_id) ON DELETE CASCADE,
    event_id       text COLLATE "C" NOT NULL,
    at             timestamptz NOT NULL,
    name           text        NOT NULL,
    source         text        NOT NULL,
    region         text        NOT NULL,
    source_ip      text        NOT NULL,
    user_agent     text        NOT NULL,
    aws_request_id text        NOT NULL,
    read_only      smallint    NOT NULL, -- 1 read-only, 0 not, -1 unknown
    error_code     text        NOT NULL,
    principal      text        NOT NULL,
    raw            text        NOT NULL, -- the event's JSON, trimmed
    PRIMARY KEY (grant_id, event_id)
);

CREATE INDEX activity_events_time ON activity_events (grant_id, at, event_id);
