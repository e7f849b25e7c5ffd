-- 0015_audit_details_strict: an audit entry's details must be a JSON object
-- of strings, as elevate writes them (jsonb keeps one value per key, so two
-- equal keys can't be stored here). Other details are refused on write;
-- the verification flags any that got in another way.
CREATE FUNCTION events_details_strict() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF jsonb_typeof(NEW.details) <> 'object'
       OR EXISTS (SELECT 1 FROM jsonb_each(NEW.details) AS d WHERE jsonb_typeof(d.value) <> 'string') THEN
        RAISE EXCEPTION 'events.details must be a JSON object of strings' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER events_details_strict BEFORE INSERT OR UPDATE OF details ON events
    FOR EACH ROW EXECUTE FUNCTION events_details_strict();
