package storetest

import (
	"slices"
	"testing"

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
