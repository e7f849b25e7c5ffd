-- Issue 8: the hash-chained decision log and its signed checkpoints.
-- Entries written before this migration have no hash yet: the first append
-- after it chains them in seq order (see AppendEvent). From now on seq is
-- assigned by AppendEvent (head + 1, under an advisory lock), not by the
-- identity, so the chain has no gaps from rolled-back transactions.
ALTER TABLE events ADD COLUMN prev_hash bytea;
ALTER TABLE events ADD COLUMN hash bytea;

CREATE TABLE audit_checkpoints (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq        bigint      NOT NULL,
    hash       bytea       NOT NULL,
    count      bigint      NOT NULL,
    at         timestamptz NOT NULL,
    kind       text COLLATE "C" NOT NULL,
    public_key bytea       NOT NULL,
    signature  bytea       NOT NULL
);
