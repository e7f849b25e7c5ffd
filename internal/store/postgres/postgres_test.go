package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/pgtest"
	"github.com/elevate/elevate/internal/store/storetest"
)

// openFresh opens a store on a new, empty database (not migrated).
func openFresh(t *testing.T) (*Store, string) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	s, err := Open(t.Context(), url, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, url
}

// openMigrated opens a store on a new, migrated database.
func openMigrated(t *testing.T) *Store {
	t.Helper()
	s, _ := openFresh(t)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	pgtest.AdminURL(t) // skip early, with the message, when there is no server
	storetest.Run(t, func(t *testing.T) store.Store { return openMigrated(t) })
}

func TestMigrateIdempotent(t *testing.T) {
	s, _ := openFresh(t)
	ctx := t.Context()
	current, latest, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if current != 0 || latest < 1 {
		t.Fatalf("fresh database: SchemaVersion = %d, %d; want 0, >= 1", current, latest)
	}
	for i := range 3 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate #%d: %v", i+1, err)
		}
	}
	current, latest, err = s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if current != latest {
		t.Errorf("after Migrate: version %d, want %d", current, latest)
	}
	var rows int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(ms) { // one row per embedded migration; numbers may skip
		t.Errorf("schema_migrations has %d rows, want %d", rows, len(ms))
	}
	if err := s.CheckSchema(ctx); err != nil {
		t.Errorf("CheckSchema after Migrate: %v", err)
	}
}

// Replicas that start at once all migrate: each migration applies once, and
// none fails.
func TestMigrateConcurrent(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := t.Context()
	const n = 4
	stores := make([]*Store, n)
	for i := range stores {
		s, err := Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i, s := range stores {
		wg.Go(func() {
			<-start
			errs[i] = s.Migrate(ctx)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate #%d: %v", i, err)
		}
	}
	var rows, distinct int
	if err := stores[0].Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(ms) || distinct != len(ms) {
		t.Errorf("schema_migrations: %d rows, %d versions; want %d", rows, distinct, len(ms))
	}
	// The lock is released: one more Migrate does not wait.
	ctx2, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := stores[1].Migrate(ctx2); err != nil {
		t.Errorf("Migrate after the concurrent ones: %v", err)
	}
}

func TestCheckSchema(t *testing.T) {
	s, _ := openFresh(t)
	ctx := t.Context()
	err := s.CheckSchema(ctx)
	if err == nil || !strings.Contains(err.Error(), "run `elevate migrate`") {
		t.Errorf("CheckSchema on an empty database = %v, want it to say to run elevate migrate", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSchema(ctx); err != nil {
		t.Errorf("CheckSchema after Migrate: %v", err)
	}
	// Behind: the last migration is not recorded.
	_, latest, _ := s.SchemaVersion(ctx)
	if _, err := s.Pool().Exec(ctx, `DELETE FROM schema_migrations WHERE version = $1`, latest); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "run `elevate migrate`") {
		t.Errorf("CheckSchema behind = %v, want it to say to run elevate migrate", err)
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'restored'), ($2, 'from_the_future.sql')`,
		latest, latest+1); err != nil {
		t.Fatal(err)
	}
	// Ahead: a newer binary migrated the database.
	err = s.CheckSchema(ctx)
	if err == nil || !strings.Contains(err.Error(), "upgrade elevate") {
		t.Errorf("CheckSchema ahead = %v, want it to say to upgrade elevate", err)
	}
	if err != nil && strings.Contains(err.Error(), "elevate:elevate") {
		t.Errorf("CheckSchema's error shows the password: %v", err)
	}
}

// Eight replicas update the same version of a request at once: exactly one
// wins, the others get store.ErrConflict.
func TestConcurrentUpdatesOneWins(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	r := &access.Request{ID: "r-race", RequesterID: "u-1", Status: access.StatusPending, CreatedAt: time.Now()}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateRequest(ctx, r) }); err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := *r
			c.Reason = fmt.Sprintf("writer %d", i)
			<-start
			errs[i] = s.InTx(ctx, func(tx store.Tx) error {
				if err := tx.UpdateRequest(ctx, &c); err != nil {
					return err
				}
				time.Sleep(50 * time.Millisecond) // hold the row: the others wait on it
				return nil
			})
		})
	}
	close(start)
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("writers %d and %d both won", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("writer %d: %v, want store.ErrConflict", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no writer won")
	}
	var got *access.Request
	err := s.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		got, err = tx.FindRequestByID(ctx, r.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Reason != fmt.Sprintf("writer %d", won) {
		t.Errorf("stored: version %d, reason %q; want 2, writer %d", got.Version, got.Reason, won)
	}
}

// bigDirectory returns a directory of the size of a large organization.
func bigDirectory(users, groups, memberships int) access.Directory {
	d := access.Directory{}
	for i := range 1000 {
		d.Accounts = append(d.Accounts, access.Account{ID: fmt.Sprintf("%012d", i), Name: fmt.Sprintf("account-%d", i),
			Email: fmt.Sprintf("aws+%d@example.com", i), State: "ACTIVE", ParentID: fmt.Sprintf("ou-%d", i%50)})
	}
	for i := range 50 {
		d.OUs = append(d.OUs, access.OU{ID: fmt.Sprintf("ou-%d", i), Name: fmt.Sprintf("OU %d", i), ParentID: "r-root"})
	}
	for i := range 200 {
		d.PermissionSets = append(d.PermissionSets, access.PermissionSet{ARN: fmt.Sprintf("arn:aws:sso:::permissionSet/ssoins-1/ps-%d", i),
			Name: fmt.Sprintf("PermissionSet%d", i), Description: "generated", SessionDuration: time.Hour})
	}
	d.Users = make([]access.User, users)
	for i := range d.Users {
		d.Users[i] = access.User{ID: fmt.Sprintf("u-%07d", i), UserName: fmt.Sprintf("user%d", i), DisplayName: fmt.Sprintf("User %d", i),
			Email: fmt.Sprintf("user%d@example.com", i), Active: i%10 != 0}
	}
	d.Groups = make([]access.Group, groups)
	for i := range d.Groups {
		d.Groups[i] = access.Group{ID: fmt.Sprintf("g-%06d", i), Name: fmt.Sprintf("Group %d", i)}
	}
	d.Memberships = make([]access.Membership, memberships)
	for i := range d.Memberships {
		// Every user in two groups, spread so that groups hold ~10 users.
		d.Memberships[i] = access.Membership{UserID: d.Users[i%users].ID, GroupID: d.Groups[(i*7919+i/users)%groups].ID}
	}
	return d
}

func TestReplaceDirectoryFullSize(t *testing.T) {
	if testing.Short() {
		t.Skip("full-size directory replace: skipped with -short")
	}
	s := openMigrated(t)
	ctx := t.Context()
	d := bigDirectory(100_000, 20_000, 200_000)
	for round := 1; round <= 2; round++ {
		start := time.Now()
		if err := s.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, d, time.Now()) }); err != nil {
			t.Fatalf("ReplaceDirectory #%d: %v", round, err)
		}
		t.Logf("ReplaceDirectory #%d (%d users, %d groups, %d memberships, %d accounts): %v",
			round, len(d.Users), len(d.Groups), len(d.Memberships), len(d.Accounts), time.Since(start).Round(time.Millisecond))
	}
	var counts [3]int
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM groups),
		(SELECT count(*) FROM memberships)`).Scan(&counts[0], &counts[1], &counts[2]); err != nil {
		t.Fatal(err)
	}
	if counts != [3]int{100_000, 20_000, 200_000} {
		t.Errorf("stored users, groups, memberships = %v", counts)
	}
	err := s.ReadTx(ctx, func(tx store.Tx) error {
		u, err := tx.FindUserByName(ctx, "USER54321@example.com")
		if err != nil {
			return err
		}
		if u.ID != "u-0054321" {
			t.Errorf("FindUserByName = %+v", u)
		}
		gs, err := tx.GroupIDsOfUser(ctx, u.ID)
		if err != nil {
			return err
		}
		if len(gs) != 2 {
			t.Errorf("GroupIDsOfUser(%s) = %v, want 2 groups", u.ID, gs)
		}
		_, err = tx.UserIDsInGroups(ctx, gs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Two syncs at once both succeed (the second waits for the first), and the
// directory is one of the two snapshots, whole.
func TestReplaceDirectoryConcurrent(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	a, b := bigDirectory(2000, 300, 4000), bigDirectory(1000, 100, 1500)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, d := range []access.Directory{a, b} {
		wg.Go(func() {
			errs[i] = s.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, d, time.Now()) })
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("ReplaceDirectory #%d: %v", i, err)
		}
	}
	var users, memberships int
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM memberships)`).Scan(&users, &memberships); err != nil {
		t.Fatal(err)
	}
	if !(users == 2000 && memberships == 4000) && !(users == 1000 && memberships == 1500) {
		t.Errorf("after two concurrent replaces: %d users, %d memberships; want one snapshot whole", users, memberships)
	}
}

func TestReplaceDirectoryDuplicateID(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	d := access.Directory{Users: []access.User{{ID: "u-1", UserName: "a"}, {ID: "u-1", UserName: "b"}}}
	err := s.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, d, time.Now()) })
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "u-1") {
		t.Errorf("ReplaceDirectory with a user listed twice = %v, want store.ErrConflict naming u-1", err)
	}
}

// Case-insensitive lookups fold ASCII only, as on SQLite, whatever the
// database's locale; names sort byte-wise.
func TestLookupsFoldASCIIOnly(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	d := access.Directory{
		Users:    []access.User{{ID: "u-1", UserName: "Émile", Email: "EMILE@example.com", Active: true}},
		Accounts: []access.Account{{ID: "2", Name: "beta"}, {ID: "1", Name: "Zulu"}, {ID: "3", Name: "alpha"}},
	}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, d, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	err := s.ReadTx(ctx, func(tx store.Tx) error {
		if _, err := tx.FindUserByName(ctx, "Émile"); err != nil {
			t.Errorf("FindUserByName(Émile): %v", err)
		}
		if _, err := tx.FindUserByName(ctx, "ÉMILE"); err != nil {
			t.Errorf("FindUserByName(ÉMILE): %v", err)
		}
		if _, err := tx.FindUserByName(ctx, "émile"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FindUserByName(émile) = %v, want store.ErrNotFound (ASCII folding, as SQLite)", err)
		}
		if _, err := tx.FindUserByName(ctx, "emile@EXAMPLE.com"); err != nil {
			t.Errorf("FindUserByName(emile@EXAMPLE.com): %v", err)
		}
		as, err := tx.ListAccounts(ctx)
		if err != nil {
			return err
		}
		var names []string
		for _, a := range as {
			names = append(names, a.Name)
		}
		if strings.Join(names, ",") != "Zulu,alpha,beta" {
			t.Errorf("ListAccounts order = %v, want byte order Zulu,alpha,beta", names)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenBadURL(t *testing.T) {
	_, err := Open(t.Context(), "postgres://elevate:s3cret@127.0.0.1:1/nope?sslmode=disable&connect_timeout=2", nil)
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open's error shows the password: %v", err)
	}
}

// LockAssignment makes a second transaction on the same assignment wait for
// the first to end; another assignment does not wait.
func TestLockAssignmentSerializes(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	a := access.Assignment{AccountID: "111111111111", PermissionSetARN: "arn:ps", UserID: "u-1"}
	other := access.Assignment{AccountID: "222222222222", PermissionSetARN: "arn:ps", UserID: "u-1"}
	locked := make(chan struct{})
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.InTx(ctx, func(tx store.Tx) error {
			if err := tx.LockAssignment(ctx, a); err != nil {
				return err
			}
			close(locked)
			<-release
			return tx.SetStanding(ctx, a, true, time.Now())
		})
	}()
	<-locked
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.LockAssignment(ctx, other) }); err != nil {
		t.Fatalf("LockAssignment(other) while the first is held: %v", err)
	}
	second := make(chan bool, 1)
	go func() {
		_ = s.InTx(ctx, func(tx store.Tx) error {
			if err := tx.LockAssignment(ctx, a); err != nil {
				return err
			}
			standing, err := tx.IsStanding(ctx, a)
			second <- standing
			return err
		})
	}()
	select {
	case <-second:
		t.Fatal("the second LockAssignment did not wait for the first transaction")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	select {
	case standing := <-second:
		if !standing {
			t.Error("after waiting, the second transaction does not see the first's SetStanding")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second LockAssignment still waits after the first committed")
	}
}

func TestAssignmentHoldersAndStanding(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	mk := func(id, user string, status access.GrantStatus) *access.Request {
		return &access.Request{ID: id, RequesterID: user, PermissionSetARN: "arn:ps", Status: access.StatusActive, CreatedAt: time.Now(),
			Grants: []access.Grant{{ID: id + "-g", AccountID: "111111111111", Status: status, Origin: access.OriginShared}}}
	}
	err := s.InTx(ctx, func(tx store.Tx) error {
		for _, r := range []*access.Request{mk("r1", "u-1", access.GrantActive), mk("r2", "u-1", access.GrantRevoking),
			mk("r3", "u-1", access.GrantRevoked), mk("r4", "u-2", access.GrantActive)} {
			if err := tx.CreateRequest(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a := access.Assignment{AccountID: "111111111111", PermissionSetARN: "arn:ps", UserID: "u-1"}
	err = s.InTx(ctx, func(tx store.Tx) error {
		got, err := tx.AssignmentHolders(ctx, a, "r1-g")
		if err != nil {
			return err
		}
		if len(got) != 1 || got[0] != (access.GrantRef{RequestID: "r2", GrantID: "r2-g", Status: access.GrantRevoking}) {
			t.Errorf("AssignmentHolders = %+v, want r2's revoking grant", got)
		}
		r, err := tx.FindRequestByID(ctx, "r1")
		if err != nil {
			return err
		}
		if r.Grants[0].Origin != access.OriginShared {
			t.Errorf("grant origin = %q, want shared", r.Grants[0].Origin)
		}
		for _, step := range []bool{true, true, false} {
			if err := tx.SetStanding(ctx, a, step, time.Now()); err != nil {
				return err
			}
			if got, err := tx.IsStanding(ctx, a); err != nil || got != step {
				t.Errorf("IsStanding after SetStanding(%v) = %v, %v", step, got, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCountRequests(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	err := s.InTx(ctx, func(tx store.Tx) error {
		for i, st := range []access.Status{access.StatusPending, access.StatusPending, access.StatusActive, access.StatusEnded} {
			r := &access.Request{ID: fmt.Sprintf("r%d", i), Status: st, RevocationFailed: i >= 2}
			if err := tx.CreateRequest(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.ReadTx(ctx, func(tx store.Tx) error {
		by, failing, err := tx.CountRequests(ctx)
		if err != nil {
			return err
		}
		if by[access.StatusPending] != 2 || by[access.StatusActive] != 1 || by[access.StatusEnded] != 1 || len(by) != 3 || failing != 2 {
			t.Errorf("CountRequests = %v, %d; want pending 2, active 1, ended 1; 2 failing", by, failing)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
