-- 0017_away: approvers away ("away until, delegate to"): while until is in
-- the future, the requests that would ask user_id ask delegate_id instead.
CREATE TABLE approver_away (
    user_id     text COLLATE "C" NOT NULL PRIMARY KEY,
    delegate_id text COLLATE "C" NOT NULL,
    until       timestamptz NOT NULL,
    set_at      timestamptz NOT NULL
);
