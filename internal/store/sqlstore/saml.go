package sqlstore

import (
	"context"
	"time"
)

// UseSAMLAssertion records an accepted SAML assertion until it expires;
// false when it is already recorded (a replay). Expired records are deleted
// first, so the table holds only assertions that could still be accepted.
// ON CONFLICT DO NOTHING makes a concurrent use of the same assertion wait
// for the first and then insert nothing, on both engines.
func (t *Tx) UseSAMLAssertion(ctx context.Context, issuer, id string, notOnOrAfter, now time.Time) (bool, error) {
	if _, err := t.c.Exec(ctx, `DELETE FROM saml_assertions WHERE not_on_or_after <= $1`, t.ts(now)); err != nil {
		return false, t.wrap("expire saml assertions", err)
	}
	n, err := t.c.Exec(ctx, `INSERT INTO saml_assertions (issuer, id, not_on_or_after) VALUES ($1, $2, $3)
		ON CONFLICT (issuer, id) DO NOTHING`, issuer, id, t.ts(notOnOrAfter))
	if err != nil {
		return false, t.wrap("use saml assertion "+id, err)
	}
	return n == 1, nil
}
