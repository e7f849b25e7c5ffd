package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testBreakGlass: a break-glass use round-trips with its request's status,
// is listed newest first (all, or only the unreviewed), is reviewed exactly
// once (a second review is ErrConflict), and a request that was not
// break-glass is ErrNotFound for Find and Review.
func testBreakGlass(t *testing.T, s store.Store) {
	ctx := t.Context()
	r1 := simpleRequest("req-bg1", "u-alice", access.StatusScheduled, at(0))
	r2 := simpleRequest("req-bg2", "u-alice", access.StatusActive, at(time.Minute))
	plain := simpleRequest("req-plain", "u-alice", access.StatusPending, at(2*time.Minute), "u-bob")
	create(t, s, r1, r2, plain)
	use := func(id string, when time.Time) access.BreakGlassUse {
		return access.BreakGlassUse{RequestID: id, RequesterID: "u-alice", RequesterName: "alice", Rule: "breakglass-prod",
			PermissionSetName: "AdministratorAccess", AccountIDs: []string{"444455556666", "111111111111"},
			Justification: "INC-1: prod is down", At: when}
	}
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.CreateBreakGlass(ctx, use("req-bg1", at(0))); err != nil {
			return err
		}
		return tx.CreateBreakGlass(ctx, use("req-bg2", at(time.Minute)))
	})
	err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateBreakGlass(ctx, use("req-bg1", at(0))) })
	wantErr(t, "CreateBreakGlass twice", err, store.ErrConflict)

	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.FindBreakGlass(ctx, "req-bg2")
		if err != nil {
			return err
		}
		want := use("req-bg2", at(time.Minute))
		want.Status = access.StatusActive
		if !reflect.DeepEqual(got, want) {
			t.Errorf("FindBreakGlass:\n got  %+v\n want %+v", got, want)
		}
		_, err = tx.FindBreakGlass(ctx, "req-plain")
		wantErr(t, "FindBreakGlass of a plain request", err, store.ErrNotFound)
		all, err := tx.ListBreakGlass(ctx, access.BreakGlassFilter{})
		if err != nil {
			return err
		}
		sameStrings(t, "ListBreakGlass", bgIDs(all), []string{"req-bg2", "req-bg1"})
		one, err := tx.ListBreakGlass(ctx, access.BreakGlassFilter{Limit: 1})
		if err != nil {
			return err
		}
		sameStrings(t, "ListBreakGlass limit 1", bgIDs(one), []string{"req-bg2"})
		return nil
	})

	review := access.BreakGlassReview{RequestID: "req-bg1", ReviewerID: "u-bob", ReviewedBy: "bob", At: at(time.Hour), Comment: "justified: INC-1"}
	inTx(t, s, func(tx store.Tx) error { return tx.ReviewBreakGlass(ctx, review) })
	err = s.InTx(ctx, func(tx store.Tx) error {
		return tx.ReviewBreakGlass(ctx, access.BreakGlassReview{RequestID: "req-bg1", ReviewerID: "u-carol", ReviewedBy: "carol", At: at(2 * time.Hour), Comment: "again"})
	})
	wantErr(t, "second review", err, store.ErrConflict)
	err = s.InTx(ctx, func(tx store.Tx) error {
		return tx.ReviewBreakGlass(ctx, access.BreakGlassReview{RequestID: "req-plain", ReviewerID: "u-bob", ReviewedBy: "bob", At: at(time.Hour)})
	})
	wantErr(t, "review of a plain request", err, store.ErrNotFound)

	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.FindBreakGlass(ctx, "req-bg1")
		if err != nil {
			return err
		}
		if !got.Reviewed() || got.ReviewerID != "u-bob" || got.ReviewedBy != "bob" || !got.ReviewedAt.Equal(at(time.Hour)) ||
			got.ReviewComment != "justified: INC-1" || got.Status != access.StatusScheduled {
			t.Errorf("after review: %+v", got)
		}
		if got.ReviewedAt.Location() != time.UTC {
			t.Errorf("reviewed_at read back in %s, want UTC", got.ReviewedAt.Location())
		}
		open, err := tx.ListBreakGlass(ctx, access.BreakGlassFilter{Unreviewed: true})
		if err != nil {
			return err
		}
		sameStrings(t, "ListBreakGlass unreviewed", bgIDs(open), []string{"req-bg2"})
		return nil
	})
}

func bgIDs(us []access.BreakGlassUse) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.RequestID
	}
	return out
}
