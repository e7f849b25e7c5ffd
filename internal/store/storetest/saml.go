package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/store"
)

// useAssertion records (issuer, id) until notOnOrAfter at now, in its own
// transaction, and returns whether it was fresh.
func useAssertion(t *testing.T, s store.Store, issuer, id string, notOnOrAfter, now time.Time) bool {
	t.Helper()
	var fresh bool
	inTx(t, s, func(tx store.Tx) error {
		var err error
		fresh, err = tx.UseSAMLAssertion(t.Context(), issuer, id, notOnOrAfter, now)
		return err
	})
	return fresh
}

// testSAMLAssertions: an assertion is fresh once; the same id from another
// issuer is another assertion; once expired, its record is deleted.
func testSAMLAssertions(t *testing.T, s store.Store) {
	if !useAssertion(t, s, "idp-a", "_a1", at(5*time.Minute), at(0)) {
		t.Fatal("first use of _a1: not fresh")
	}
	if useAssertion(t, s, "idp-a", "_a1", at(5*time.Minute), at(time.Minute)) {
		t.Error("second use of _a1 before it expires: fresh (a replay accepted)")
	}
	if !useAssertion(t, s, "idp-b", "_a1", at(5*time.Minute), at(time.Minute)) {
		t.Error("_a1 of another issuer: not fresh")
	}
	// At its NotOnOrAfter the record expires (the sign-in refuses the
	// assertion itself from then on), and is deleted by the next use.
	if !useAssertion(t, s, "idp-a", "_a2", at(10*time.Minute), at(5*time.Minute)) {
		t.Error("_a2: not fresh")
	}
	if !useAssertion(t, s, "idp-a", "_a1", at(20*time.Minute), at(5*time.Minute)) {
		t.Error("_a1 after its expiry: its record was not deleted")
	}
}

// testSAMLAssertionsConcurrent: of the same assertion used at once by
// several sign-ins (replicas), exactly one is fresh.
func testSAMLAssertionsConcurrent(t *testing.T, s store.Store) {
	const n = 4
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fresh int
		errs  []error
	)
	for range n {
		wg.Go(func() {
			err := s.InTx(t.Context(), func(tx store.Tx) error {
				ok, err := tx.UseSAMLAssertion(t.Context(), "idp", "_same", at(time.Hour), at(0))
				if ok {
					mu.Lock()
					fresh++
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 || fresh != 1 {
		t.Fatalf("%d concurrent uses of one assertion: %d fresh, errors %v; want exactly 1 fresh", n, fresh, errs)
	}
}
