-- 0025_audit_chain_v2: the chain version each entry's hash was computed
-- with. Entries already in the log keep version 1 (the hash of the decoded
-- entry); AppendEvent writes version 2 (the hash of the columns as stored,
-- details as canonical JSON text), which the verification hashes without
-- decoding. A constant default: no row is rewritten.
ALTER TABLE events ADD COLUMN chain_version INTEGER NOT NULL DEFAULT 1;
