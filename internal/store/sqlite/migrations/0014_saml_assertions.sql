-- 0014_saml_assertions: the SAML assertions sign-in accepted, kept until
-- they expire (not_on_or_after), so that a replayed one is refused on every
-- replica. Expired rows are deleted when an assertion is recorded.
CREATE TABLE saml_assertions (
    issuer           TEXT NOT NULL,
    id               TEXT NOT NULL,
    not_on_or_after  INTEGER NOT NULL,
    PRIMARY KEY (issuer, id)
) STRICT;

CREATE INDEX saml_assertions_expiry ON saml_assertions (not_on_or_after);
