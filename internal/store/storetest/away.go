package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testAway: an absence is stored once per user (a second replaces it),
// found with its delegate's name, listed only while it lasts, and removed.
func testAway(t *testing.T, s store.Store) {
	ctx := t.Context()
	inTx(t, s, func(tx store.Tx) error {
		return tx.ReplaceDirectory(ctx, access.Directory{Users: []access.User{{ID: "u1", UserName: "alice", Active: true},
			{ID: "u2", UserName: "bob", Active: true}, {ID: "u3", UserName: "carol", Active: true}}}, at(0))
	})
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.PutAway(ctx, access.Away{UserID: "u1", DelegateID: "u3", Until: at(time.Hour), SetAt: at(0)}); err != nil {
			return err
		}
		return tx.PutAway(ctx, access.Away{UserID: "u1", DelegateID: "u2", Until: at(2 * time.Hour), SetAt: at(time.Minute)})
	})
	var got access.Away
	var listed, later []access.Away
	inTx(t, s, func(tx store.Tx) error {
		var err error
		if got, err = tx.FindAway(ctx, "u1"); err != nil {
			return err
		}
		if listed, err = tx.ListAway(ctx, []string{"u1", "u2"}, at(time.Hour)); err != nil {
			return err
		}
		later, err = tx.ListAway(ctx, []string{"u1"}, at(2*time.Hour))
		return err
	})
	if got.DelegateID != "u2" || got.DelegateName != "bob" || !got.Until.Equal(at(2*time.Hour)) || !got.SetAt.Equal(at(time.Minute)) {
		t.Errorf("found %+v", got)
	}
	if len(listed) != 1 || listed[0].UserID != "u1" || listed[0].DelegateID != "u2" {
		t.Errorf("listed %+v, want u1's absence", listed)
	}
	if len(later) != 0 {
		t.Errorf("an absence is listed at its end: %+v", later)
	}
	inTx(t, s, func(tx store.Tx) error { return tx.DeleteAway(ctx, "u1") })
	err := s.ReadTx(ctx, func(tx store.Tx) error { _, err := tx.FindAway(ctx, "u1"); return err })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("find after delete: %v, want ErrNotFound", err)
	}
}
