package storetest

import (
	"cmp"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// sortedDirectory returns d sorted by key, memberships deduplicated: the
// order DirectorySnapshot comparisons use.
func sortedDirectory(d access.Directory) access.Directory {
	d.Accounts = slices.Clone(d.Accounts)
	d.OUs = slices.Clone(d.OUs)
	d.PermissionSets = slices.Clone(d.PermissionSets)
	d.Users = slices.Clone(d.Users)
	d.Groups = slices.Clone(d.Groups)
	d.Memberships = slices.Clone(d.Memberships)
	slices.SortFunc(d.Accounts, func(a, b access.Account) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.OUs, func(a, b access.OU) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.PermissionSets, func(a, b access.PermissionSet) int { return cmp.Compare(a.ARN, b.ARN) })
	slices.SortFunc(d.Users, func(a, b access.User) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Groups, func(a, b access.Group) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Memberships, func(a, b access.Membership) int {
		return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.UserID, b.UserID))
	})
	d.Memberships = slices.Compact(d.Memberships)
	return d
}

// stageInBatches stages d under runID, one row per batch for the first
// kinds and everything else in one, as a sync streams pages.
func stageInBatches(t *testing.T, s store.Store, runID string, d access.Directory) {
	t.Helper()
	ctx := t.Context()
	for _, a := range d.Accounts {
		inTx(t, s, func(tx store.Tx) error {
			return tx.StageDirectory(ctx, runID, access.Directory{Accounts: []access.Account{a}})
		})
	}
	rest := d
	rest.Accounts = nil
	inTx(t, s, func(tx store.Tx) error { return tx.StageDirectory(ctx, runID, rest) })
}

func snapshot(t *testing.T, s store.Store) access.Directory {
	t.Helper()
	var got access.Directory
	readTx(t, s, func(tx store.Tx) (err error) {
		got, err = tx.DirectorySnapshot(t.Context())
		return err
	})
	return sortedDirectory(got)
}

func applyStaged(t *testing.T, s store.Store, runID string, at time.Time) access.DirectoryChanges {
	t.Helper()
	var ch access.DirectoryChanges
	inTx(t, s, func(tx store.Tx) (err error) {
		ch, err = tx.ApplyStagedDirectory(t.Context(), runID, at)
		return err
	})
	return ch
}

// testDirectoryStageApply: a staged run becomes the directory; staging the
// same directory again writes nothing and keeps the sync time; a change of
// each kind writes exactly that change.
func testDirectoryStageApply(t *testing.T, s store.Store) {
	ctx := t.Context()
	d := directory()
	inTx(t, s, func(tx store.Tx) error { return tx.BeginDirectoryStage(ctx, "run1", at(0), at(-time.Hour)) })
	stageInBatches(t, s, "run1", d)
	// Nothing is visible before the apply.
	if got := snapshot(t, s); len(got.Users)+len(got.Accounts) != 0 {
		t.Fatalf("directory before the apply has %d users and %d accounts, want none", len(got.Users), len(got.Accounts))
	}
	ch := applyStaged(t, s, "run1", at(time.Minute))
	want := sortedDirectory(d)
	if got := snapshot(t, s); !reflect.DeepEqual(got, want) {
		t.Fatalf("directory after the first apply:\n got %+v\nwant %+v", got, want)
	}
	if ch["users"] != (access.DirectoryChange{Seen: 7, Inserted: 7}) || ch["memberships"] != (access.DirectoryChange{Seen: 5, Inserted: 5}) {
		t.Errorf("first apply changes: users %+v, memberships %+v; want 7 and 5 inserted", ch["users"], ch["memberships"])
	}
	if ch.Writes() != 4+3+2+7+3+5 {
		t.Errorf("first apply wrote %d rows, want %d", ch.Writes(), 4+3+2+7+3+5)
	}

	// The same directory again: nothing written, sync time kept.
	inTx(t, s, func(tx store.Tx) error { return tx.BeginDirectoryStage(ctx, "run2", at(2*time.Minute), at(-time.Hour)) })
	stageInBatches(t, s, "run2", d)
	ch = applyStaged(t, s, "run2", at(3*time.Minute))
	if ch.Writes() != 0 {
		t.Errorf("second apply of the same directory wrote %d rows (%+v), want 0", ch.Writes(), ch)
	}
	if ch["users"].Seen != 7 {
		t.Errorf("second apply saw %d users, want 7", ch["users"].Seen)
	}
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.DirectorySyncedAt(ctx)
		if err == nil && !got.Equal(at(time.Minute)) {
			t.Errorf("DirectorySyncedAt after an unchanged sync = %v, want %v (unchanged)", got, at(time.Minute))
		}
		return err
	})

	// One change of each sort.
	d2 := directory()
	d2.Users = append(d2.Users, access.User{ID: "u-new", UserName: "new", Email: "new@example.com", Active: true})
	d2.Memberships = slices.DeleteFunc(d2.Memberships, func(m access.Membership) bool { return m.GroupID == "g-devs" && m.UserID == "u-bob" })
	d2.Accounts[0].ParentID = "ou-dev"
	d2.PermissionSets[1].SessionDuration = 8 * time.Hour
	d2.Groups = d2.Groups[:2] // g-empty deleted
	inTx(t, s, func(tx store.Tx) error { return tx.BeginDirectoryStage(ctx, "run3", at(4*time.Minute), at(-time.Hour)) })
	stageInBatches(t, s, "run3", d2)
	ch = applyStaged(t, s, "run3", at(5*time.Minute))
	wantCh := map[string]access.DirectoryChange{
		"accounts":        {Seen: 4, Updated: 1},
		"ous":             {Seen: 3},
		"permission_sets": {Seen: 2, Updated: 1},
		"users":           {Seen: 8, Inserted: 1},
		"groups":          {Seen: 2, Deleted: 1},
		"memberships":     {Seen: 4, Deleted: 1},
	}
	if !reflect.DeepEqual(map[string]access.DirectoryChange(ch), wantCh) {
		t.Errorf("changes:\n got %+v\nwant %+v", ch, wantCh)
	}
	if got, want := snapshot(t, s), sortedDirectory(d2); !reflect.DeepEqual(got, want) {
		t.Errorf("directory after the change:\n got %+v\nwant %+v", got, want)
	}
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.DirectorySyncedAt(ctx)
		if err == nil && !got.Equal(at(5*time.Minute)) {
			t.Errorf("DirectorySyncedAt after a changing sync = %v, want %v", got, at(5*time.Minute))
		}
		return err
	})
}

// testDirectoryStageDrop: a dropped (failed) run changes nothing and can no
// longer be applied; a stale run is discarded by the next one, a recent
// one is not.
func testDirectoryStageDrop(t *testing.T, s store.Store) {
	ctx := t.Context()
	d := directory()
	replace(t, s, d, at(0))
	inTx(t, s, func(tx store.Tx) error { return tx.BeginDirectoryStage(ctx, "failed", at(time.Minute), at(-time.Hour)) })
	inTx(t, s, func(tx store.Tx) error {
		return tx.StageDirectory(ctx, "failed", access.Directory{Users: []access.User{{ID: "u-x", UserName: "x", Active: true}}})
	})
	inTx(t, s, func(tx store.Tx) error { return tx.DropDirectoryStage(ctx, "failed") })
	if got, want := snapshot(t, s), sortedDirectory(d); !reflect.DeepEqual(got, want) {
		t.Errorf("directory after a dropped run:\n got %+v\nwant %+v", got, want)
	}
	err := s.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.ApplyStagedDirectory(ctx, "failed", at(2*time.Minute))
		return err
	})
	wantErr(t, "ApplyStagedDirectory of a dropped run", err, store.ErrNotFound)
	err = s.InTx(ctx, func(tx store.Tx) error {
		return tx.StageDirectory(ctx, "never", access.Directory{Groups: []access.Group{{ID: "g", Name: "g"}}})
	})
	wantErr(t, "StageDirectory of an unknown run", err, store.ErrNotFound)

	inTx(t, s, func(tx store.Tx) error { return tx.BeginDirectoryStage(ctx, "dead", at(0), at(-time.Hour)) })
	inTx(t, s, func(tx store.Tx) error {
		return tx.BeginDirectoryStage(ctx, "live", at(90*time.Minute), at(-time.Hour))
	})
	// A run starting at 3h discards runs started before 1h: "dead", not "live".
	inTx(t, s, func(tx store.Tx) error { return tx.BeginDirectoryStage(ctx, "next", at(3*time.Hour), at(time.Hour)) })
	err = s.InTx(ctx, func(tx store.Tx) error { return tx.StageDirectory(ctx, "dead", d) })
	wantErr(t, "StageDirectory of a discarded stale run", err, store.ErrNotFound)
	inTx(t, s, func(tx store.Tx) error { return tx.StageDirectory(ctx, "live", d) })
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.BeginDirectoryStage(ctx, "next", at(3*time.Hour), at(time.Hour)) }); err == nil {
		t.Error("BeginDirectoryStage of a run id in use: no error")
	} else if !errors.Is(err, store.ErrConflict) {
		t.Errorf("BeginDirectoryStage of a run id in use = %v, want ErrConflict", err)
	}
}

// testDirectoryLimits: the limits a sync records on accounts and permission
// sets (delegated-administrator facts) are stored, read back, and a sync
// that learns or forgets one updates exactly that row, so the directory's
// sync time moves and policy engines built on it are rebuilt.
func testDirectoryLimits(t *testing.T, s store.Store) {
	ctx := t.Context()
	apply := func(runID string, d access.Directory, when time.Duration) access.DirectoryChanges {
		t.Helper()
		inTx(t, s, func(tx store.Tx) error { return tx.BeginDirectoryStage(ctx, runID, at(when), at(-time.Hour)) })
		stageInBatches(t, s, runID, d)
		return applyStaged(t, s, runID, at(when+time.Second))
	}
	d := directory()
	apply("run1", d, 0)

	limited := directory()
	limited.Accounts[0].Limit = access.LimitManagementAccount
	limited.PermissionSets[0].Limit = access.LimitManagementProvisioned
	limited.PermissionSets = append(limited.PermissionSets, access.PermissionSet{ARN: "arn:aws:sso:::permissionSet/ssoins-x/ps-undescribed", Limit: access.LimitNotDescribable})
	ch := apply("run2", limited, time.Minute)
	for _, tc := range []struct {
		kind string
		want access.DirectoryChange
	}{
		{"accounts", access.DirectoryChange{Seen: len(d.Accounts), Updated: 1}},
		{"permission_sets", access.DirectoryChange{Seen: len(d.PermissionSets) + 1, Updated: 1, Inserted: 1}},
	} {
		if ch[tc.kind] != tc.want {
			t.Errorf("%s changes = %+v, want %+v", tc.kind, ch[tc.kind], tc.want)
		}
	}
	if got, want := snapshot(t, s), sortedDirectory(limited); !reflect.DeepEqual(got, want) {
		t.Fatalf("directory with limits:\n got %+v\nwant %+v", got, want)
	}
	readTx(t, s, func(tx store.Tx) error {
		a, err := tx.FindAccount(ctx, d.Accounts[0].ID)
		if err == nil && a.Limit != access.LimitManagementAccount {
			t.Errorf("FindAccount limit = %q", a.Limit)
		}
		ps, err2 := tx.FindPermissionSet(ctx, "arn:aws:sso:::permissionSet/ssoins-x/ps-undescribed")
		if err2 == nil && ps.Limit != access.LimitNotDescribable {
			t.Errorf("FindPermissionSet limit = %q", ps.Limit)
		}
		return errors.Join(err, err2)
	})

	// Forgotten again (elevate now runs in the management account).
	ch = apply("run3", d, 2*time.Minute)
	if ch["accounts"].Updated != 1 || ch["permission_sets"].Updated != 1 || ch["permission_sets"].Deleted != 1 {
		t.Errorf("changes when the limits go: %+v", ch)
	}
	if got, want := snapshot(t, s), sortedDirectory(d); !reflect.DeepEqual(got, want) {
		t.Fatalf("directory without limits:\n got %+v\nwant %+v", got, want)
	}
}
