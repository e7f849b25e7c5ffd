package storetest

import (
	"crypto/ed25519"
	"testing"

	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
)

// DetailsGuard is an engine's side of RunAuditDetailsStrict: Exec runs SQL
// on the database behind the store's back; Malformed are SQL literals of
// details elevate never writes (each must be refused on write); Drop
// removes the engine's refusal, as whoever can write the database can.
type DetailsGuard struct {
	Exec      func(q string) error
	Malformed []string
	Drop      []string
}

// RunAuditDetailsStrict checks that an entry's details must be a JSON
// object of strings with unique keys: the database refuses others on
// write, and once that refusal is dropped, Verify names the entry whose
// stored details are malformed (tampering, not an error).
func RunAuditDetailsStrict(t *testing.T, open func(t *testing.T) (store.Store, DetailsGuard)) {
	for i, lit := range mustOpenGuard(t, open).Malformed {
		t.Run(lit, func(t *testing.T) {
			t.Parallel()
			s, g := open(t)
			auditEvents(t, s, 3)
			set := `UPDATE events SET details = ` + g.Malformed[i] + ` WHERE seq = 2`
			if err := g.Exec(set); err == nil {
				t.Fatalf("the database accepted details %s", lit)
			}
			for _, q := range g.Drop {
				if err := g.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if err := g.Exec(set); err != nil {
				t.Fatalf("with the refusal dropped: %v", err)
			}
			_, key, _ := ed25519.GenerateKey(nil)
			rep, err := newAuditLog(t, s, key, nil).Verify(t.Context(), nil)
			if err != nil {
				t.Fatalf("Verify: %v (malformed details are tampering, not an error)", err)
			}
			if rep.OK || rep.Problem == nil || rep.Problem.Seq != 2 || rep.Problem.Kind != audit.ProblemMalformed {
				t.Fatalf("Verify = %+v, problem %+v; want malformed at seq 2", rep, rep.Problem)
			}
		})
	}
}

// mustOpenGuard opens one store to learn the engine's cases.
func mustOpenGuard(t *testing.T, open func(t *testing.T) (store.Store, DetailsGuard)) DetailsGuard {
	t.Helper()
	_, g := open(t)
	return g
}
