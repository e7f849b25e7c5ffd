package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// UseSAMLAssertion records that SAML sign-in accepted the assertion (issuer,
// id), until notOnOrAfter, and refuses one already recorded: a captured
// response posted again is refused on every replica, since the record is in
// the database. Records expired by the clock are deleted as it goes.
func (s *Service) UseSAMLAssertion(ctx context.Context, issuer, id string, notOnOrAfter time.Time) error {
	var fresh bool
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		var err error
		fresh, err = tx.UseSAMLAssertion(ctx, issuer, id, notOnOrAfter, s.clock.Now())
		return err
	})
	if err != nil {
		return fmt.Errorf("record saml assertion: %w", err)
	}
	if !fresh {
		s.log.WarnContext(ctx, "SAML assertion replayed", "issuer", issuer, "assertion_id", id)
		return access.Errorf(access.CodeUnauthenticated, "this SAML response was already used: start the sign-in again")
	}
	return nil
}
