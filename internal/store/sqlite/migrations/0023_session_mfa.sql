-- What the identity provider said about a portal sign-in: when it
-- authenticated the user (auth_time, AuthnInstant), how (amr/acr, the
-- AuthnContextClassRef) and whether that counts as multi-factor. A rule's
-- approver_mfa accepts an approval only from a session whose sign-in proved
-- it recently.
ALTER TABLE sessions ADD COLUMN auth_at INTEGER;
ALTER TABLE sessions ADD COLUMN auth_context TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0 CHECK (mfa IN (0, 1));
