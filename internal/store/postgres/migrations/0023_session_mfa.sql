-- What the identity provider said about a portal sign-in: when it
-- authenticated the user (auth_time, AuthnInstant), how (amr/acr, the
-- AuthnContextClassRef) and whether that counts as multi-factor. A rule's
-- approver_mfa accepts an approval only from a session whose sign-in proved
-- it recently.
ALTER TABLE sessions ADD COLUMN auth_at timestamptz;
ALTER TABLE sessions ADD COLUMN auth_context text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN mfa boolean NOT NULL DEFAULT false;
