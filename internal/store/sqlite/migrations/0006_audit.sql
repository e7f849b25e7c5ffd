-- Issue 8: the hash-chained decision log and its signed checkpoints.
-- Entries written before this migration have no hash yet: the first append
-- after it chains them in seq order (see AppendEvent).
ALTER TABLE events ADD COLUMN prev_hash BLOB;
ALTER TABLE events ADD COLUMN hash BLOB;

CREATE TABLE audit_checkpoints (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    seq        INTEGER NOT NULL,
    hash       BLOB    NOT NULL,
    count      INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    public_key BLOB    NOT NULL,
    signature  BLOB    NOT NULL
) STRICT;
