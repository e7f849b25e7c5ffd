-- 0007_notifications: notifications to deliver (one per recipient and
-- channel, with their delivery status) and the Slack message each approver
-- received about a request, so that it can be updated in place (issue 7).
CREATE TABLE notifications (
    id             TEXT NOT NULL PRIMARY KEY,
    request_id     TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    event          TEXT NOT NULL, -- the event as JSON
    channel        TEXT NOT NULL,
    recipient_id   TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    subject        TEXT NOT NULL,
    status         TEXT NOT NULL,
    attempts       INTEGER NOT NULL,
    last_error     TEXT NOT NULL,
    final          INTEGER NOT NULL,
    not_before     INTEGER,
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER
) STRICT;

CREATE INDEX notifications_created ON notifications (created_at, id);
CREATE INDEX notifications_status ON notifications (status, created_at);
CREATE INDEX notifications_request ON notifications (request_id, created_at);

CREATE TABLE slack_messages (
    request_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    channel    TEXT NOT NULL,
    ts         TEXT NOT NULL,
    PRIMARY KEY (request_id, user_id)
) STRICT;
