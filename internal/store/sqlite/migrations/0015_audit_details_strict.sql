-- 0015_audit_details_strict: an audit entry's details must be a JSON object
-- of strings with unique keys, as elevate writes them. Two equal keys would
-- let tools disagree on an entry's content (encoding/json keeps the last,
-- others the first), so such details are refused on write; the verification
-- flags any that got in another way.
CREATE TRIGGER events_details_strict_insert BEFORE INSERT ON events
WHEN CASE WHEN json_valid(NEW.details) AND json_type(NEW.details) = 'object' THEN
        EXISTS (SELECT 1 FROM json_each(NEW.details) WHERE type <> 'text')
        OR (SELECT count(*) FROM json_each(NEW.details)) <> (SELECT count(DISTINCT key) FROM json_each(NEW.details))
     ELSE 1 END
BEGIN
    SELECT RAISE(ABORT, 'events.details must be a JSON object of strings with unique keys');
END;

CREATE TRIGGER events_details_strict_update BEFORE UPDATE OF details ON events
WHEN CASE WHEN json_valid(NEW.details) AND json_type(NEW.details) = 'object' THEN
        EXISTS (SELECT 1 FROM json_each(NEW.details) WHERE type <> 'text')
        OR (SELECT count(*) FROM json_each(NEW.details)) <> (SELECT count(DISTINCT key) FROM json_each(NEW.details))
     ELSE 1 END
BEGIN
    SELECT RAISE(ABORT, 'events.details must be a JSON object of strings with unique keys');
END;
