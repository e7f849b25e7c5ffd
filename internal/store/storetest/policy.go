package storetest

import (
	"cmp"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// testDirectorySnapshot: DirectorySnapshot returns every row ReplaceDirectory
// stored (memberships listed twice once).
func testDirectorySnapshot(t *testing.T, s store.Store) {
	d := directory()
	replace(t, s, d, at(0))
	var got access.Directory
	readTx(t, s, func(tx store.Tx) (err error) {
		got, err = tx.DirectorySnapshot(t.Context())
		return err
	})
	sortDir := func(d *access.Directory) {
		slices.SortFunc(d.Accounts, func(a, b access.Account) int { return cmp.Compare(a.ID, b.ID) })
		slices.SortFunc(d.OUs, func(a, b access.OU) int { return cmp.Compare(a.ID, b.ID) })
		slices.SortFunc(d.PermissionSets, func(a, b access.PermissionSet) int { return cmp.Compare(a.ARN, b.ARN) })
		slices.SortFunc(d.Users, func(a, b access.User) int { return cmp.Compare(a.ID, b.ID) })
		slices.SortFunc(d.Groups, func(a, b access.Group) int { return cmp.Compare(a.ID, b.ID) })
		slices.SortFunc(d.Memberships, func(a, b access.Membership) int {
			return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.UserID, b.UserID))
		})
		d.Memberships = slices.Compact(d.Memberships)
	}
	sortDir(&d)
	if !reflect.DeepEqual(got, d) {
		t.Errorf("DirectorySnapshot:\n got %+v\nwant %+v", got, d)
	}
}

// testPolicyDocuments: revisions start at 1, GetPolicy returns the highest,
// and a revision that is not the next one is ErrConflict.
func testPolicyDocuments(t *testing.T, s store.Store) {
	ctx := t.Context()
	readTx(t, s, func(tx store.Tx) error {
		if rev, err := tx.PolicyRevision(ctx); err != nil || rev != 0 {
			t.Errorf("PolicyRevision of an empty store = %d, %v; want 0", rev, err)
		}
		if _, err := tx.GetPolicy(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetPolicy of an empty store: %v, want ErrNotFound", err)
		}
		return nil
	})
	first := access.StoredPolicy{Revision: 1, Document: []byte("rules: []\n"), UpdatedAt: at(0), UpdatedBy: "erin"}
	second := access.StoredPolicy{Revision: 2, Document: []byte("rules:\n  - name: x\n"), UpdatedAt: at(60e9), UpdatedBy: "erin"}
	inTx(t, s, func(tx store.Tx) error { return tx.PutPolicy(ctx, first) })
	inTx(t, s, func(tx store.Tx) error { return tx.PutPolicy(ctx, second) })
	err := s.InTx(ctx, func(tx store.Tx) error { return tx.PutPolicy(ctx, second) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("PutPolicy of a taken revision: %v, want ErrConflict", err)
	}
	err = s.InTx(ctx, func(tx store.Tx) error {
		return tx.PutPolicy(ctx, access.StoredPolicy{Revision: 5, Document: []byte("x")})
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("PutPolicy skipping revisions: %v, want ErrConflict", err)
	}
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.GetPolicy(ctx)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, second) {
			t.Errorf("GetPolicy = %+v, want %+v", got, second)
		}
		if rev, err := tx.PolicyRevision(ctx); err != nil || rev != 2 {
			t.Errorf("PolicyRevision = %d, %v; want 2", rev, err)
		}
		return nil
	})
}
