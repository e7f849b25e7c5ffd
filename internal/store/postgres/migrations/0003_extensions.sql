-- 0003_extensions: extensions of active requests, with their approvals, as a
-- JSON array (store.EncodeExtensions), as the SQLite engine's
-- 0003_extensions.sql.
ALTER TABLE requests ADD COLUMN extensions jsonb NOT NULL DEFAULT '[]';
