package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// directory returns a small snapshot with the cases lookups must handle.
func directory() access.Directory {
	return access.Directory{
		Accounts: []access.Account{
			{ID: "111111111111", Name: "Prod", Email: "prod@example.com", State: "ACTIVE", ParentID: "ou-prod"},
			{ID: "222222222222", Name: "Staging", Email: "staging@example.com", State: "ACTIVE", ParentID: "ou-dev"},
			{ID: "333333333333", Name: "sandbox", Email: "sb1@example.com", State: "ACTIVE", ParentID: "ou-dev"},
			{ID: "444444444444", Name: "Sandbox", Email: "sb2@example.com", State: "SUSPENDED", ParentID: "ou-dev"},
		},
		OUs: []access.OU{
			{ID: "r-root", Name: "Root"},
			{ID: "ou-prod", Name: "Production", ParentID: "r-root"},
			{ID: "ou-dev", Name: "Development", ParentID: "r-root"},
		},
		PermissionSets: []access.PermissionSet{
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin", Name: "AdministratorAccess", Description: "full", SessionDuration: 4 * time.Hour},
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-read", Name: "ReadOnly", Description: "", SessionDuration: time.Hour + 30*time.Minute},
		},
		Users: []access.User{
			{ID: "u-alice", UserName: "Alice", DisplayName: "Alice A.", Email: "Alice@Example.com", Active: true},
			{ID: "u-bob", UserName: "bob", DisplayName: "Bob B.", Email: "bob@example.com", Active: true},
			{ID: "u-carol", UserName: "carol", DisplayName: "Carol C.", Email: "carol@example.com", Active: false,
				Attributes: map[string]string{"department": "Platform", "costCenter": "CC-7", "title": "Staff Engineer"}},
			{ID: "u-dave", UserName: "dave", DisplayName: "Dave D.", Email: "", Active: true},
			// Two users share an email; one user's name is another's email.
			{ID: "u-ops1", UserName: "ops1", Email: "ops@example.com", Active: true},
			{ID: "u-ops2", UserName: "ops2", Email: "ops@example.com", Active: true},
			{ID: "u-weird", UserName: "bob@example.com", Email: "weird@example.com", Active: true},
		},
		Groups: []access.Group{
			{ID: "g-admins", Name: "Admins"},
			{ID: "g-devs", Name: "Developers"},
			{ID: "g-empty", Name: "Empty"},
		},
		Memberships: []access.Membership{
			{GroupID: "g-devs", UserID: "u-bob"},
			{GroupID: "g-admins", UserID: "u-alice"},
			{GroupID: "g-devs", UserID: "u-alice"},
			{GroupID: "g-devs", UserID: "u-carol"}, // inactive
			{GroupID: "g-admins", UserID: "u-dave"},
			{GroupID: "g-admins", UserID: "u-alice"}, // listed twice
		},
	}
}

func replace(t *testing.T, s store.Store, d access.Directory, syncedAt time.Time) {
	t.Helper()
	inTx(t, s, func(tx store.Tx) error { return tx.ReplaceDirectory(t.Context(), d, syncedAt) })
}

func testDirectoryEmpty(t *testing.T, s store.Store) {
	readTx(t, s, func(tx store.Tx) error {
		syncedAt, err := tx.DirectorySyncedAt(t.Context())
		if err != nil {
			return err
		}
		if !syncedAt.IsZero() {
			t.Errorf("DirectorySyncedAt before any sync = %v, want zero", syncedAt)
		}
		as, err := tx.ListAccounts(t.Context())
		if err != nil {
			return err
		}
		ps, err := tx.ListPermissionSets(t.Context())
		if err != nil {
			return err
		}
		if len(as) != 0 || len(ps) != 0 {
			t.Errorf("empty directory lists %d accounts, %d permission sets", len(as), len(ps))
		}
		users, err := tx.UserIDsInGroups(t.Context(), []string{"g-admins"})
		if err != nil {
			return err
		}
		groups, err := tx.GroupIDsOfUser(t.Context(), "u-alice")
		if err != nil {
			return err
		}
		if len(users) != 0 || len(groups) != 0 {
			t.Errorf("empty directory: users %v, groups %v", users, groups)
		}
		return nil
	})
	lookupsNotFound(t, s, "u-alice", "alice", "Admins", "111111111111", "ReadOnly")
}

// lookupsNotFound checks that every lookup by these keys is store.ErrNotFound.
func lookupsNotFound(t *testing.T, s store.Store, userID, userName, group, account, permissionSet string) {
	t.Helper()
	readTx(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		_, err := tx.FindUserByID(ctx, userID)
		wantErr(t, "FindUserByID("+userID+")", err, store.ErrNotFound)
		_, err = tx.FindUserByName(ctx, userName)
		wantErr(t, "FindUserByName("+userName+")", err, store.ErrNotFound)
		_, err = tx.FindGroupByName(ctx, group)
		wantErr(t, "FindGroupByName("+group+")", err, store.ErrNotFound)
		_, err = tx.FindAccount(ctx, account)
		wantErr(t, "FindAccount("+account+")", err, store.ErrNotFound)
		_, err = tx.FindPermissionSet(ctx, permissionSet)
		wantErr(t, "FindPermissionSet("+permissionSet+")", err, store.ErrNotFound)
		return nil
	})
}

func testDirectoryLookups(t *testing.T, s store.Store) {
	d := directory()
	syncedAt := at(time.Hour)
	replace(t, s, d, syncedAt)
	ctx := t.Context()
	readTx(t, s, func(tx store.Tx) error {
		got, err := tx.DirectorySyncedAt(ctx)
		if err != nil {
			return err
		}
		if !got.Equal(syncedAt) || got.Location() != time.UTC {
			t.Errorf("DirectorySyncedAt = %v, want %v", got, syncedAt)
		}

		// Users.
		u, err := tx.FindUserByID(ctx, "u-carol")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(u, d.Users[2]) {
			t.Errorf("FindUserByID(u-carol) = %+v, want %+v (inactive users are found)", u, d.Users[2])
		}
		for _, tc := range []struct{ name, want string }{
			{"alice", "u-alice"}, {"ALICE", "u-alice"}, {"alice@example.COM", "u-alice"},
			{"Bob", "u-bob"}, {"BOB@example.com", "u-weird"}, // a user name match wins over an email match
			{"weird@EXAMPLE.com", "u-weird"}, {"carol", "u-carol"}, {"OPS1", "u-ops1"},
		} {
			u, err := tx.FindUserByName(ctx, tc.name)
			if err != nil {
				t.Errorf("FindUserByName(%q): %v", tc.name, err)
				continue
			}
			if u.ID != tc.want {
				t.Errorf("FindUserByName(%q) = %s, want %s", tc.name, u.ID, tc.want)
			}
		}
		_, err = tx.FindUserByName(ctx, "ops@example.com")
		wantErr(t, "FindUserByName(email of two users)", err, store.ErrConflict)
		for _, name := range []string{"", "nobody", "ali"} {
			_, err = tx.FindUserByName(ctx, name)
			wantErr(t, fmt.Sprintf("FindUserByName(%q)", name), err, store.ErrNotFound)
		}
		_, err = tx.FindUserByID(ctx, "u-nobody")
		wantErr(t, "FindUserByID(u-nobody)", err, store.ErrNotFound)

		// Groups.
		g, err := tx.FindGroupByName(ctx, "developers")
		if err != nil {
			return err
		}
		if g != d.Groups[1] {
			t.Errorf("FindGroupByName(developers) = %+v, want %+v", g, d.Groups[1])
		}
		_, err = tx.FindGroupByName(ctx, "nope")
		wantErr(t, "FindGroupByName(nope)", err, store.ErrNotFound)
		for _, tc := range []struct {
			user string
			want []string
		}{{"u-alice", []string{"g-admins", "g-devs"}}, {"u-carol", []string{"g-devs"}}, {"u-ops1", nil}, {"u-nobody", nil}} {
			got, err := tx.GroupIDsOfUser(ctx, tc.user)
			if err != nil {
				return err
			}
			sameStrings(t, "GroupIDsOfUser("+tc.user+")", got, tc.want)
			groups, err := tx.GroupsOfUser(ctx, tc.user)
			if err != nil {
				return err
			}
			var ids []string
			for _, g := range groups {
				ids = append(ids, g.ID)
				if want := groupName(d, g.ID); g.Name != want {
					t.Errorf("GroupsOfUser(%s): group %s named %q, want %q", tc.user, g.ID, g.Name, want)
				}
			}
			sameStrings(t, "GroupsOfUser("+tc.user+") ids", ids, tc.want)
		}
		for _, tc := range []struct {
			groups []string
			want   []string
		}{
			{[]string{"g-devs"}, []string{"u-alice", "u-bob"}}, // carol is inactive
			{[]string{"g-admins", "g-devs"}, []string{"u-alice", "u-bob", "u-dave"}},
			{[]string{"g-empty"}, nil},
			{[]string{"g-nope"}, nil},
			{nil, nil},
		} {
			got, err := tx.UserIDsInGroups(ctx, tc.groups)
			if err != nil {
				return err
			}
			sameStrings(t, "UserIDsInGroups("+strings.Join(tc.groups, ",")+")", got, tc.want)
		}

		// Accounts.
		as, err := tx.ListAccounts(ctx)
		if err != nil {
			return err
		}
		if len(as) != len(d.Accounts) {
			t.Errorf("ListAccounts: got %d, want %d", len(as), len(d.Accounts))
		}
		for _, tc := range []struct{ key, want string }{
			{"111111111111", "111111111111"}, {"prod", "111111111111"}, {"PROD", "111111111111"}, {"staging", "222222222222"},
		} {
			a, err := tx.FindAccount(ctx, tc.key)
			if err != nil {
				t.Errorf("FindAccount(%q): %v", tc.key, err)
				continue
			}
			if a.ID != tc.want {
				t.Errorf("FindAccount(%q) = %s, want %s", tc.key, a.ID, tc.want)
			}
		}
		a, err := tx.FindAccount(ctx, "444444444444")
		if err != nil {
			return err
		}
		if a != d.Accounts[3] {
			t.Errorf("FindAccount(444444444444) = %+v, want %+v", a, d.Accounts[3])
		}
		_, err = tx.FindAccount(ctx, "SANDBOX")
		wantErr(t, "FindAccount(name of two accounts)", err, store.ErrConflict)
		if err != nil && !strings.Contains(err.Error(), "ambiguous") {
			t.Errorf("FindAccount(ambiguous name): error %q does not say it is ambiguous", err)
		}
		for _, key := range []string{"", "999999999999", "nope"} {
			_, err = tx.FindAccount(ctx, key)
			wantErr(t, fmt.Sprintf("FindAccount(%q)", key), err, store.ErrNotFound)
		}

		// Permission sets.
		ps, err := tx.ListPermissionSets(ctx)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(ps, d.PermissionSets) {
			t.Errorf("ListPermissionSets:\n got  %+v\n want %+v", ps, d.PermissionSets)
		}
		for _, key := range []string{"readonly", "READONLY", "arn:aws:sso:::permissionSet/ssoins-1/ps-read"} {
			p, err := tx.FindPermissionSet(ctx, key)
			if err != nil {
				t.Errorf("FindPermissionSet(%q): %v", key, err)
				continue
			}
			if p != d.PermissionSets[1] {
				t.Errorf("FindPermissionSet(%q) = %+v, want %+v", key, p, d.PermissionSets[1])
			}
		}
		for _, key := range []string{"", "ARN:aws:sso:::permissionSet/ssoins-1/ps-read", "Read"} {
			_, err = tx.FindPermissionSet(ctx, key)
			wantErr(t, fmt.Sprintf("FindPermissionSet(%q)", key), err, store.ErrNotFound)
		}
		return nil
	})
}

func testDirectoryReplaceTwice(t *testing.T, s store.Store) {
	replace(t, s, directory(), at(time.Hour))
	second := access.Directory{
		Accounts:       []access.Account{{ID: "555555555555", Name: "Prod", State: "ACTIVE"}},
		PermissionSets: []access.PermissionSet{{ARN: "arn:ps-new", Name: "New", SessionDuration: time.Hour}},
		Users: []access.User{
			{ID: "u-alice", UserName: "alice2", Email: "alice2@example.com", Active: false},
			{ID: "u-erin", UserName: "erin", Email: "erin@example.com", Active: true},
		},
		Groups:      []access.Group{{ID: "g-devs", Name: "Devs"}},
		Memberships: []access.Membership{{GroupID: "g-devs", UserID: "u-erin"}, {GroupID: "g-devs", UserID: "u-alice"}},
	}
	replace(t, s, second, at(2*time.Hour))
	ctx := t.Context()
	readTx(t, s, func(tx store.Tx) error {
		syncedAt, err := tx.DirectorySyncedAt(ctx)
		if err != nil {
			return err
		}
		if !syncedAt.Equal(at(2 * time.Hour)) {
			t.Errorf("DirectorySyncedAt = %v, want %v", syncedAt, at(2*time.Hour))
		}
		as, err := tx.ListAccounts(ctx)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(as, second.Accounts) {
			t.Errorf("ListAccounts after the second replace = %+v, want %+v", as, second.Accounts)
		}
		a, err := tx.FindAccount(ctx, "prod")
		if err != nil {
			return err
		}
		if a.ID != "555555555555" {
			t.Errorf("FindAccount(prod) = %s, want 555555555555", a.ID)
		}
		ps, err := tx.ListPermissionSets(ctx)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(ps, second.PermissionSets) {
			t.Errorf("ListPermissionSets after the second replace = %+v, want %+v", ps, second.PermissionSets)
		}
		u, err := tx.FindUserByID(ctx, "u-alice")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(u, second.Users[0]) {
			t.Errorf("FindUserByID(u-alice) = %+v, want %+v", u, second.Users[0])
		}
		g, err := tx.FindGroupByName(ctx, "devs")
		if err != nil {
			return err
		}
		if g.ID != "g-devs" {
			t.Errorf("FindGroupByName(devs) = %+v", g)
		}
		users, err := tx.UserIDsInGroups(ctx, []string{"g-devs", "g-admins"})
		if err != nil {
			return err
		}
		sameStrings(t, "UserIDsInGroups after the second replace", users, []string{"u-erin"})
		groups, err := tx.GroupIDsOfUser(ctx, "u-bob")
		if err != nil {
			return err
		}
		sameStrings(t, "GroupIDsOfUser(u-bob) after the second replace", groups, nil)
		return nil
	})
	lookupsNotFound(t, s, "u-bob", "bob", "Admins", "111111111111", "ReadOnly")

	// An empty snapshot empties the directory.
	replace(t, s, access.Directory{}, at(3*time.Hour))
	lookupsNotFound(t, s, "u-alice", "erin", "Devs", "prod", "New")

	// A failed replace leaves the last snapshot in place.
	replace(t, s, second, at(4*time.Hour))
	errBoom := errors.New("boom")
	err := s.InTx(ctx, func(tx store.Tx) error {
		if err := tx.ReplaceDirectory(ctx, directory(), at(5*time.Hour)); err != nil {
			return err
		}
		return errBoom
	})
	wantErr(t, "InTx(ReplaceDirectory, then fail)", err, errBoom)
	readTx(t, s, func(tx store.Tx) error {
		u, err := tx.FindUserByName(ctx, "erin")
		if err != nil {
			return err
		}
		if u.ID != "u-erin" {
			t.Errorf("after a rolled back replace: FindUserByName(erin) = %+v", u)
		}
		syncedAt, err := tx.DirectorySyncedAt(ctx)
		if err != nil {
			return err
		}
		if !syncedAt.Equal(at(4 * time.Hour)) {
			t.Errorf("after a rolled back replace: DirectorySyncedAt = %v, want %v", syncedAt, at(4*time.Hour))
		}
		return nil
	})
}

// groupName returns the name of group id in d ("" when d has none).
func groupName(d access.Directory, id string) string {
	for _, g := range d.Groups {
		if g.ID == id {
			return g.Name
		}
	}
	return ""
}
