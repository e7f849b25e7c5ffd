-- 0007_notifications (as the SQLite engine's 0007_notifications.sql):
-- notifications to deliver (one per recipient and channel, with their
-- delivery status) and the Slack message each approver received about a
-- request, so that it can be updated in place (issue 7).
CREATE TABLE notifications (
    id             text COLLATE "C" NOT NULL PRIMARY KEY,
    request_id     text COLLATE "C" NOT NULL,
    event_type     text NOT NULL,
    event          jsonb NOT NULL,
    channel        text NOT NULL,
    recipient_id   text NOT NULL,
    recipient_name text NOT NULL,
    subject        text NOT NULL,
    status         text NOT NULL,
    attempts       integer NOT NULL,
    last_error     text NOT NULL,
    final          boolean NOT NULL,
    not_before     timestamptz,
    created_at     timestamptz NOT NULL,
    sent_at        timestamptz
);

CREATE INDEX notifications_created ON notifications (created_at, id);
CREATE INDEX notifications_status ON notifications (status, created_at);
CREATE INDEX notifications_request ON notifications (request_id, created_at);

CREATE TABLE slack_messages (
    request_id text COLLATE "C" NOT NULL,
    user_id    text COLLATE "C" NOT NULL,
    channel    text NOT NULL,
    ts         text NOT NULL,
    PRIMARY KEY (request_id, user_id)
);
