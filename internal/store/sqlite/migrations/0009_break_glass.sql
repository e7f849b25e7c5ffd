-- 0009_break_glass: break-glass requests and their after-the-fact review
-- (issue 5). One row per break-glass request, written in the request's own
-- transaction; reviewed_at is NULL until an approver or admin reviews it.
CREATE TABLE break_glass (
    request_id          TEXT    NOT NULL PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    requester_id        TEXT    NOT NULL,
    requester_name      TEXT    NOT NULL,
    rule                TEXT    NOT NULL,
    permission_set_name TEXT    NOT NULL,
    account_ids         TEXT    NOT NULL, -- JSON array of account ids
    justification       TEXT    NOT NULL,
    used_at             INTEGER NOT NULL,
    reviewer_id         TEXT    NOT NULL DEFAULT '',
    reviewed_by         TEXT    NOT NULL DEFAULT '',
    reviewed_at         INTEGER,
    review_comment      TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX break_glass_used ON break_glass (used_at DESC, request_id DESC);
CREATE INDEX break_glass_unreviewed ON break_glass (used_at DESC, request_id DESC) WHERE reviewed_at IS NULL;
