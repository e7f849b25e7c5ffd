package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testSessionDenies: a statement round-trips with every field, one per
// grant; the list filters by mechanism, permission set and revocation and
// leaves out the removed; a lease goes to one holder until it expires or is
// released.
func testSessionDenies(t *testing.T, s store.Store) {
	ctx := t.Context()
	d := access.SessionDeny{GrantID: "g1", RequestID: "r1", Mechanism: access.DenyViaSCP, AccountID: "111111111111",
		PermissionSetARN: "arn:ps-admin", PermissionSetName: "Admin", UserID: "u1", SessionDuration: 4 * time.Hour, CreatedAt: at(0)}
	inTx(t, s, func(tx store.Tx) error { return tx.CreateSessionDeny(ctx, d) })
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateSessionDeny(ctx, d) }); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second statement of a grant: %v, want ErrConflict", err)
	}
	d2 := d
	d2.GrantID, d2.Mechanism, d2.PermissionSetARN, d2.RevokedAt = "g2", access.DenyViaInline, "arn:ps-read", at(time.Minute)
	inTx(t, s, func(tx store.Tx) error { return tx.CreateSessionDeny(ctx, d2) })

	list := func(m access.SessionDenyMechanism, ps string, revoked bool) []string {
		var ids []string
		inTx(t, s, func(tx store.Tx) error {
			ds, err := tx.ListSessionDenies(ctx, m, ps, revoked)
			for _, x := range ds {
				ids = append(ids, x.GrantID)
			}
			return err
		})
		return ids
	}
	if got := list("", "", false); len(got) != 2 {
		t.Errorf("all = %v", got)
	}
	if got := list("", "", true); len(got) != 1 || got[0] != "g2" {
		t.Errorf("revoked = %v, want g2", got)
	}
	if got := list(access.DenyViaSCP, "", false); len(got) != 1 || got[0] != "g1" {
		t.Errorf("scp = %v, want g1", got)
	}
	if got := list("", "arn:ps-read", false); len(got) != 1 || got[0] != "g2" {
		t.Errorf("ps-read = %v, want g2", got)
	}

	d.RevokedAt, d.ExpiresAt, d.InForceAt, d.Mechanism, d.Fallback = at(2*time.Minute), at(4*time.Hour+2*time.Minute), at(3*time.Minute), access.DenyViaInline, "the SCP is full"
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateSessionDeny(ctx, d) })
	var got access.SessionDeny
	inTx(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.FindSessionDeny(ctx, "g1")
		return err
	})
	if got.GrantID != "g1" || got.RequestID != "r1" || got.Mechanism != access.DenyViaInline || got.AccountID != d.AccountID ||
		got.PermissionSetARN != d.PermissionSetARN || got.PermissionSetName != "Admin" || got.UserID != "u1" || got.SessionDuration != 4*time.Hour ||
		!got.CreatedAt.Equal(at(0)) || !got.RevokedAt.Equal(d.RevokedAt) || !got.ExpiresAt.Equal(d.ExpiresAt) || !got.InForceAt.Equal(d.InForceAt) ||
		!got.RemovedAt.IsZero() || got.Fallback != "the SCP is full" {
		t.Errorf("found %+v, want %+v", got, d)
	}
	d.RemovedAt = at(5 * time.Hour)
	inTx(t, s, func(tx store.Tx) error { return tx.UpdateSessionDeny(ctx, d) })
	if got := list("", "", false); len(got) != 1 || got[0] != "g2" {
		t.Errorf("after removal = %v, want g2", got)
	}
	err := s.ReadTx(ctx, func(tx store.Tx) error { _, err := tx.FindSessionDeny(ctx, "nope"); return err })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown grant: %v, want ErrNotFound", err)
	}

	lease := func(holder string, now time.Time) bool {
		var ok bool
		inTx(t, s, func(tx store.Tx) error {
			var err error
			ok, err = tx.AcquireSessionDenyLease(ctx, "scp", holder, now, now.Add(time.Minute))
			return err
		})
		return ok
	}
	if !lease("a", at(0)) || !lease("a", at(time.Second)) {
		t.Fatal("a did not get (or renew) a free lease")
	}
	if lease("b", at(2*time.Second)) {
		t.Fatal("b got a's lease")
	}
	if !lease("b", at(2*time.Minute)) {
		t.Fatal("b did not get an expired lease")
	}
	inTx(t, s, func(tx store.Tx) error { return tx.ReleaseSessionDenyLease(ctx, "scp", "a") }) // not a's: no effect
	if lease("a", at(2*time.Minute+time.Second)) {
		t.Fatal("a released b's lease")
	}
	inTx(t, s, func(tx store.Tx) error { return tx.ReleaseSessionDenyLease(ctx, "scp", "b") })
	if !lease("a", at(2*time.Minute+2*time.Second)) {
		t.Fatal("a did not get a released lease")
	}
}
