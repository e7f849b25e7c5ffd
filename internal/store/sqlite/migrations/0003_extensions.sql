-- Extensions of active requests, with their approvals, as a JSON array.
ALTER TABLE requests ADD COLUMN extensions TEXT NOT NULL DEFAULT '[]';
