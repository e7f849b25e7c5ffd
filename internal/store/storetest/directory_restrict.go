package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/store"
)

// testDirectoryRestrictUser: RestrictUser only takes access away (a user
// marked inactive, memberships not re-read deleted), leaves other users
// alone, moves the sync time only when something changed, and is a no-op
// the second time.
func testDirectoryRestrictUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	replace(t, s, directory(), at(0))
	restrict := func(userID string, active bool, groups []string, when time.Duration) bool {
		t.Helper()
		var changed bool
		inTx(t, s, func(tx store.Tx) (err error) {
			changed, err = tx.RestrictUser(ctx, userID, active, groups, at(when))
			return err
		})
		return changed
	}
	check := func(userID string, wantActive bool, wantGroups []string, wantSynced time.Duration) {
		t.Helper()
		readTx(t, s, func(tx store.Tx) error {
			u, err := tx.FindUserByID(ctx, userID)
			if err != nil {
				return err
			}
			if u.Active != wantActive {
				t.Errorf("%s active = %v, want %v", userID, u.Active, wantActive)
			}
			groups, err := tx.GroupIDsOfUser(ctx, userID)
			if err != nil {
				return err
			}
			slices.Sort(groups)
			if !slices.Equal(groups, wantGroups) {
				t.Errorf("%s groups = %v, want %v", userID, groups, wantGroups)
			}
			synced, err := tx.DirectorySyncedAt(ctx)
			if err != nil {
				return err
			}
			if !synced.Equal(at(wantSynced)) {
				t.Errorf("synced at %v, want %v", synced, at(wantSynced))
			}
			return nil
		})
	}

	// alice lost the admins group; a group she is not in stays out.
	if !restrict("u-alice", true, []string{"g-devs", "g-empty"}, time.Minute) {
		t.Error("removing a membership reported no change")
	}
	check("u-alice", true, []string{"g-devs"}, time.Minute)
	check("u-dave", true, []string{"g-admins"}, time.Minute) // untouched
	// The same again changes nothing and keeps the sync time.
	if restrict("u-alice", true, []string{"g-devs"}, 2*time.Minute) {
		t.Error("a repeated restriction reported a change")
	}
	check("u-alice", true, []string{"g-devs"}, time.Minute)
	// bob disabled (or deleted): inactive, no groups.
	if !restrict("u-bob", false, nil, 3*time.Minute) {
		t.Error("disabling reported no change")
	}
	check("u-bob", false, []string{}, 3*time.Minute)
	readTx(t, s, func(tx store.Tx) error {
		ids, err := tx.UserIDsInGroups(ctx, []string{"g-devs"})
		if err != nil {
			return err
		}
		if slices.Contains(ids, "u-bob") {
			t.Errorf("bob still in devs: %v", ids)
		}
		return nil
	})
	// An active user is never activated by a re-read: carol stays inactive.
	if restrict("u-carol", true, []string{"g-devs"}, 4*time.Minute) {
		t.Error("a re-read that takes nothing away reported a change")
	}
	check("u-carol", false, []string{"g-devs"}, 3*time.Minute)
	// A user elevate never synced: nothing to change.
	if restrict("u-nobody", false, nil, 5*time.Minute) {
		t.Error("an unknown user reported a change")
	}
}
