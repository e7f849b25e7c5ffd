-- Directory attributes of the users (core and enterprise extension), as a
-- JSON object of strings; '' when the user has none. Rules' user conditions
-- compare them.
ALTER TABLE users ADD COLUMN attributes TEXT NOT NULL DEFAULT '';
ALTER TABLE stage_users ADD COLUMN attributes TEXT NOT NULL DEFAULT '';
