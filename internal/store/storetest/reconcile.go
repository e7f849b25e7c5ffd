package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testManagedGrants: open grants are always returned; closed ones only when
// elevate created or shared their assignment and they closed recently
// enough; each carries its assignment and whether it is standing.
func testManagedGrants(t *testing.T, s store.Store) {
	mk := func(id, user string, st access.GrantStatus, origin access.Origin, revokedAt time.Time) *access.Request {
		r := simpleRequest(id, user, access.StatusActive, base)
		r.Grants[0].Status, r.Grants[0].Origin, r.Grants[0].RevokedAt = st, origin, revokedAt
		if st == access.GrantActive {
			r.Grants[0].ActivatedAt = at(time.Minute)
		}
		return r
	}
	create(t, s,
		mk("r-active", "u-1", access.GrantActive, access.OriginCreated, time.Time{}),
		mk("r-pending", "u-2", access.GrantPending, "", time.Time{}),
		mk("r-revoking", "u-3", access.GrantRevoking, access.OriginShared, time.Time{}),
		mk("r-recent", "u-4", access.GrantRevoked, access.OriginCreated, at(2*time.Hour)),
		mk("r-old", "u-5", access.GrantRevoked, access.OriginCreated, at(-time.Hour)),
		mk("r-standing", "u-6", access.GrantRevoked, access.OriginStanding, at(2*time.Hour)),
		mk("r-never", "u-7", access.GrantRevoked, "", at(2*time.Hour)),
	)
	asg := access.Assignment{AccountID: "111111111111", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-read", UserID: "u-1"}
	inTx(t, s, func(tx store.Tx) error { return tx.SetStanding(t.Context(), asg, true, base) })

	var got []access.ManagedGrant
	readTx(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.ManagedGrants(t.Context(), at(time.Hour))
		return err
	})
	var ids []string
	for _, g := range got {
		ids = append(ids, g.GrantID)
	}
	sameStrings(t, "managed grants", ids, []string{"r-active-g", "r-pending-g", "r-revoking-g", "r-recent-g"})
	if len(got) != 4 {
		return
	}
	want := access.ManagedGrant{RequestID: "r-active", GrantID: "r-active-g", Assignment: asg, Status: access.GrantActive,
		Origin: access.OriginCreated, ActivatedAt: at(time.Minute), Standing: true}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("active grant\n got %+v\nwant %+v", got[0], want)
	}
	if got[3].Status != access.GrantRevoked || !got[3].ClosedAt.Equal(at(2*time.Hour)) || got[3].Standing ||
		got[3].Assignment.UserID != "u-4" {
		t.Errorf("recently revoked grant: %+v", got[3])
	}
	if !got[1].ClosedAt.IsZero() || !got[2].ClosedAt.IsZero() {
		t.Errorf("open grants have a ClosedAt: %v %v", got[1].ClosedAt, got[2].ClosedAt)
	}
}

// testRunStatus: the last run of each kind is stored, replaced and read back.
func testRunStatus(t *testing.T, s store.Store) {
	readTx(t, s, func(tx store.Tx) error {
		_, err := tx.GetRunStatus(t.Context(), access.RunDirectorySync)
		wantErr(t, "run status before any run", err, store.ErrNotFound)
		return nil
	})
	first := access.RunStatus{Kind: access.RunDirectorySync, StartedAt: base, EndedAt: at(time.Second), LastSuccessAt: at(time.Second),
		Counts: map[string]int{"users": 100000, "accounts": 5000}}
	failed := access.RunStatus{Kind: access.RunDirectorySync, StartedAt: at(time.Hour), EndedAt: at(time.Hour + time.Second),
		LastSuccessAt: at(time.Second), Counts: map[string]int{}, Error: "list users: throttled"}
	other := access.RunStatus{Kind: access.RunReconcile, StartedAt: base, Counts: map[string]int{"pairs": 3}}
	inTx(t, s, func(tx store.Tx) error {
		return errors.Join(tx.PutRunStatus(t.Context(), first), tx.PutRunStatus(t.Context(), other))
	})
	inTx(t, s, func(tx store.Tx) error { return tx.PutRunStatus(t.Context(), failed) })
	readTx(t, s, func(tx store.Tx) error {
		for _, want := range []access.RunStatus{failed, other} {
			got, err := tx.GetRunStatus(t.Context(), want.Kind)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("run status %s\n got %+v\nwant %+v", want.Kind, got, want)
			}
		}
		return nil
	})
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.PutRunStatus(t.Context(), access.RunStatus{}); err == nil {
			t.Error("PutRunStatus without a kind succeeded")
		}
		return nil
	})
}
