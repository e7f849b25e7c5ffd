-- 0017_away: approvers away ("away until, delegate to"): while until is in
-- the future, the requests that would ask user_id ask delegate_id instead.
CREATE TABLE approver_away (
    user_id     TEXT NOT NULL PRIMARY KEY,
    delegate_id TEXT NOT NULL,
    until       INTEGER NOT NULL,
    set_at      INTEGER NOT NULL
) STRICT;
