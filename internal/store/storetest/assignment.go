package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testAssignmentHolders: the holders of an assignment are the grants on the
// same account, permission set and user that are active, revoking, or
// pending with a create sent; nothing else.
func testAssignmentHolders(t *testing.T, s store.Store) {
	mk := func(id, user, account string, st access.GrantStatus, origin access.Origin) *access.Request {
		r := simpleRequest(id, user, access.StatusActive, base)
		r.Grants[0].AccountID, r.Grants[0].Status, r.Grants[0].Origin = account, st, origin
		return r
	}
	create(t, s,
		mk("h-active", "u-a", "111111111111", access.GrantActive, access.OriginCreated),
		mk("h-revoking", "u-a", "111111111111", access.GrantRevoking, access.OriginShared),
		mk("h-creating", "u-a", "111111111111", access.GrantPending, access.OriginCreated),
		mk("h-pending", "u-a", "111111111111", access.GrantPending, ""),
		mk("h-revoked", "u-a", "111111111111", access.GrantRevoked, access.OriginCreated),
		mk("h-failed", "u-a", "111111111111", access.GrantFailed, access.OriginCreated),
		mk("h-other-user", "u-b", "111111111111", access.GrantActive, access.OriginCreated),
		mk("h-other-account", "u-a", "222222222222", access.GrantActive, access.OriginCreated),
	)
	a := access.Assignment{AccountID: "111111111111", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-read", UserID: "u-a"}
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.AssignmentHolders(t.Context(), a, "h-active-g")
		if err != nil {
			return err
		}
		var ids []string
		for _, g := range got {
			ids = append(ids, g.GrantID+":"+string(g.Status))
		}
		slices.Sort(ids)
		sameStrings(t, "holders", ids, []string{"h-creating-g:pending", "h-revoking-g:revoking"})
		return nil
	})
}

// testAssignmentLastRemoval: the last removal of an assignment is the
// latest revoked_at of its revoked grants that elevate had AWS delete
// (a deletion request id), on that account, permission set and user only.
func testAssignmentLastRemoval(t *testing.T, s store.Store) {
	a := access.Assignment{AccountID: "111111111111", PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-read", UserID: "u-a"}
	last := func() time.Time {
		var at time.Time
		readTx(t, s, func(tx store.Tx) error {
			var err error
			at, err = tx.LastRemoval(t.Context(), a)
			return err
		})
		return at
	}
	if at := last(); !at.IsZero() {
		t.Fatalf("last removal with no grants = %v, want zero", at)
	}
	mk := func(id, user, account string, st access.GrantStatus, deleteID string, revoked time.Time) *access.Request {
		r := simpleRequest(id, user, access.StatusEnded, base)
		g := &r.Grants[0]
		g.AccountID, g.Status, g.Origin, g.DeleteRequestID, g.RevokedAt = account, st, access.OriginCreated, deleteID, revoked
		return r
	}
	create(t, s,
		mk("lr-deleted", "u-a", "111111111111", access.GrantRevoked, "del-1", base.Add(time.Hour)),
		mk("lr-kept", "u-a", "111111111111", access.GrantRevoked, "", base.Add(3*time.Hour)),
		mk("lr-other-user", "u-b", "111111111111", access.GrantRevoked, "del-2", base.Add(4*time.Hour)),
		mk("lr-other-account", "u-a", "222222222222", access.GrantRevoked, "del-3", base.Add(5*time.Hour)),
		mk("lr-active", "u-a", "111111111111", access.GrantActive, "", time.Time{}),
	)
	if at, want := last(), base.Add(time.Hour); !at.Equal(want) {
		t.Fatalf("last removal = %v, want %v", at, want)
	}
	create(t, s, mk("lr-deleted-later", "u-a", "111111111111", access.GrantRevoked, "del-4", base.Add(2*time.Hour)))
	if at, want := last(), base.Add(2*time.Hour); !at.Equal(want) {
		t.Fatalf("last removal after a later deletion = %v, want %v", at, want)
	}
}
