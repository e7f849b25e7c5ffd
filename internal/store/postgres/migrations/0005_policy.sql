-- The applied policy document (issue 5): one row per revision, the
-- highest revision is in effect. Older revisions are kept for history.
CREATE TABLE policy_documents (
    revision   INTEGER NOT NULL PRIMARY KEY,
    document   TEXT    NOT NULL,
    updated_at TIMESTAMPTZ,
    updated_by TEXT    NOT NULL
);
