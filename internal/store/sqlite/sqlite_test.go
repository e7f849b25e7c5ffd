package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/storetest"
)

// openTemp opens an unmigrated store on a new file in t's temporary directory.
func openTemp(t testing.TB, name string) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), name), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// openMigrated opens a migrated store on a new file.
func openMigrated(t testing.TB) *Store {
	t.Helper()
	s := openTemp(t, "elevate.db")
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openMigrated(t) })
}

func TestMigrateIdempotent(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t, "elevate.db")
	cur, latest, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cur != 0 || latest < 1 {
		t.Fatalf("fresh database: SchemaVersion = %d, %d; want 0, >= 1", cur, latest)
	}
	for i := range 3 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate #%d: %v", i+1, err)
		}
		cur, latest, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur != latest {
			t.Fatalf("after Migrate #%d: SchemaVersion = %d, %d", i+1, cur, latest)
		}
	}
	var n int
	if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ms) { // one row per embedded migration; numbers may skip
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}

	// Migrating from two stores at once (two processes) is safe.
	path := filepath.Join(t.TempDir(), "twice.db")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := Open(ctx, path, nil)
			if err != nil {
				errs <- err
				return
			}
			defer func() { _ = s.Close() }() // read-only or already-failed: its close error cannot matter
			errs <- s.Migrate(ctx)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
}

func TestCheckSchema(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t, "elevate.db")
	err := s.CheckSchema(ctx)
	if err == nil || !strings.Contains(err.Error(), "run `elevate migrate`") {
		t.Errorf("CheckSchema on an unmigrated database = %v, want an error saying to run `elevate migrate`", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSchema(ctx); err != nil {
		t.Errorf("CheckSchema after Migrate: %v", err)
	}

	// Behind: the last migration is missing.
	_, latest, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "DELETE FROM schema_migrations WHERE version = ?", latest); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckSchema(ctx); err == nil || !strings.Contains(err.Error(), "elevate migrate") {
		t.Errorf("CheckSchema behind = %v, want an error saying to run `elevate migrate`", err)
	}
	if _, err := s.DB().ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'x', 0)", latest); err != nil {
		t.Fatal(err)
	}

	// Ahead: a newer binary migrated the database.
	if _, err := s.DB().ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', 0)", latest+1); err != nil {
		t.Fatal(err)
	}
	err = s.CheckSchema(ctx)
	if err == nil || !strings.Contains(err.Error(), "newer") || strings.Contains(err.Error(), "elevate migrate") {
		t.Errorf("CheckSchema ahead = %v, want an error saying the database is newer than the binary", err)
	}
}

func TestMigrationsNumbered(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Name != "0001_init.sql" {
		t.Fatalf("migrations: %+v", ms)
	}
}

func TestPragmas(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	pragma := func(db *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	for _, tc := range []struct {
		pool       string
		db         *sql.DB
		name, want string
	}{
		{"write", s.db, "journal_mode", "wal"},
		{"write", s.db, "foreign_keys", "1"},
		{"write", s.db, "busy_timeout", "10000"},
		{"write", s.db, "synchronous", "1"}, // NORMAL
		{"write", s.db, "query_only", "0"},
		{"read", s.read, "journal_mode", "wal"},
		{"read", s.read, "busy_timeout", "10000"},
		{"read", s.read, "query_only", "1"},
	} {
		if got := pragma(tc.db, tc.name); got != tc.want {
			t.Errorf("%s pool: PRAGMA %s = %s, want %s", tc.pool, tc.name, got, tc.want)
		}
	}
	if got := s.DB().Stats().MaxOpenConnections; got != 1 {
		t.Errorf("write pool MaxOpenConnections = %d, want 1", got)
	}
	if got := s.read.Stats().MaxOpenConnections; got < 2 {
		t.Errorf("read pool MaxOpenConnections = %d, want a few", got)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestOpen(t *testing.T) {
	ctx := t.Context()
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if s, err := Open(ctx, path, nil); err == nil {
			_ = s.Close() // cleanup: its close error cannot matter here
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
	// A name with URI syntax in it is a plain file name.
	dir := t.TempDir()
	name := "we?ird#na%20me.db"
	s, err := Open(ctx, filepath.Join(dir, name), nil)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_ = s.Close() // cleanup: its close error cannot matter here
	if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
		t.Errorf("the database file is not where asked: %v", err)
	}
	// A missing directory fails at Open, not later.
	if s, err := Open(ctx, filepath.Join(dir, "missing", "x.db"), nil); err == nil {
		_ = s.Close() // cleanup: its close error cannot matter here
		t.Error("Open in a missing directory succeeded")
	}
}

func TestTimesStoredAsMicroseconds(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	created := time.Date(2025, 1, 2, 3, 4, 5, 678901234, time.FixedZone("x", 3600))
	r := &access.Request{ID: "r1", RequesterID: "u", Status: access.StatusPending, CreatedAt: created, Duration: 90 * time.Second}
	if err := s.InTx(ctx, func(tx store.Tx) error { return tx.CreateRequest(ctx, r) }); err != nil {
		t.Fatal(err)
	}
	var (
		createdAt            int64
		startAt, endsAt      sql.NullInt64
		duration             int64
		createdType, endType string
	)
	if err := s.read.QueryRowContext(ctx, `SELECT created_at, start_at, ends_at, duration_ns, typeof(created_at), typeof(ends_at)
		FROM requests WHERE id = 'r1'`).Scan(&createdAt, &startAt, &endsAt, &duration, &createdType, &endType); err != nil {
		t.Fatal(err)
	}
	if createdAt != created.UnixMicro() || createdType != "integer" {
		t.Errorf("created_at = %d (%s), want %d (integer)", createdAt, createdType, created.UnixMicro())
	}
	if startAt.Valid || endsAt.Valid || endType != "null" {
		t.Errorf("zero times stored as %v, %v (%s), want NULL", startAt, endsAt, endType)
	}
	if duration != int64(90*time.Second) {
		t.Errorf("duration_ns = %d", duration)
	}
}

// TestUnwrapTx checks that River can write in the caller's transaction.
func TestUnwrapTx(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	err := s.InTx(ctx, func(tx store.Tx) error {
		sqlTx, err := UnwrapTx(tx)
		if err != nil {
			return err
		}
		if _, err := sqlTx.ExecContext(ctx, "CREATE TABLE river_probe (x INTEGER)"); err != nil {
			return err
		}
		return tx.CreateRequest(ctx, &access.Request{ID: "r1", Status: access.StatusPending})
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM river_probe").Scan(&n); err != nil {
		t.Errorf("the write through UnwrapTx was not committed: %v", err)
	}
}

// TestReadTxDoesNotWaitForWriter holds the write transaction open and reads
// meanwhile.
func TestReadTxDoesNotWaitForWriter(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateRequest(ctx, &access.Request{ID: "r1", Status: access.StatusPending})
	}); err != nil {
		t.Fatal(err)
	}
	inWrite, release := make(chan struct{}), make(chan struct{})
	writeErr := make(chan error, 1)
	go func() {
		writeErr <- s.InTx(ctx, func(tx store.Tx) error {
			r, err := tx.FindRequestByID(ctx, "r1")
			if err != nil {
				return err
			}
			r.Reason = "written"
			if err := tx.UpdateRequest(ctx, r); err != nil {
				return err
			}
			close(inWrite)
			<-release
			return nil
		})
	}()
	<-inWrite
	readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var reason string
	err := s.ReadTx(readCtx, func(tx store.Tx) error {
		r, err := tx.FindRequestByID(readCtx, "r1")
		if err != nil {
			return err
		}
		reason = r.Reason
		return nil
	})
	if err != nil {
		t.Errorf("ReadTx while a write transaction is open: %v", err)
	}
	if reason != "" {
		t.Errorf("ReadTx saw the uncommitted reason %q", reason)
	}
	if err := s.Ping(readCtx); err != nil {
		t.Errorf("Ping while a write transaction is open: %v", err)
	}
	close(release)
	if err := <-writeErr; err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentInTx runs 8 goroutines against one request: from the same
// version exactly one update wins, and read-modify-write loops never fail
// with "database is locked".
func TestConcurrentInTx(t *testing.T) {
	const workers = 8
	s := openMigrated(t)
	ctx := t.Context()
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.CreateRequest(ctx, &access.Request{ID: "r1", Status: access.StatusPending})
	}); err != nil {
		t.Fatal(err)
	}

	// Round 1: everyone read version 1 before anyone writes.
	var stale [workers]*access.Request
	for i := range stale {
		if err := s.ReadTx(ctx, func(tx store.Tx) error {
			var err error
			stale[i], err = tx.FindRequestByID(ctx, "r1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		wins, conflicts int
		others          []error
	)
	start := make(chan struct{})
	for i := range workers {
		wg.Go(func() {
			<-start
			r := stale[i]
			r.Reason = fmt.Sprintf("worker %d", i)
			err := s.InTx(ctx, func(tx store.Tx) error { return tx.UpdateRequest(ctx, r) })
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrConflict):
				conflicts++
			default:
				others = append(others, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins != 1 || conflicts != workers-1 || len(others) > 0 {
		t.Fatalf("updates from version 1: %d won, %d conflicted, other errors %v; want 1, %d, none", wins, conflicts, others, workers-1)
	}

	// Round 2: read-modify-write in one transaction, with readers alongside.
	const rounds = 25
	winners := map[int]int{} // version written -> winners
	errs := make(chan error, workers*rounds*2)
	for i := range workers {
		wg.Go(func() {
			for range rounds {
				var written int
				err := s.InTx(ctx, func(tx store.Tx) error {
					r, err := tx.FindRequestByID(ctx, "r1")
					if err != nil {
						return err
					}
					r.Reason = fmt.Sprintf("worker %d", i)
					if err := tx.UpdateRequest(ctx, r); err != nil {
						return err
					}
					written = r.Version
					return nil
				})
				if err != nil {
					errs <- fmt.Errorf("worker %d: %w", i, err)
					continue
				}
				mu.Lock()
				winners[written]++
				mu.Unlock()
			}
		})
		wg.Go(func() {
			for range rounds {
				if err := s.ReadTx(ctx, func(tx store.Tx) error {
					_, err := tx.ListRequests(ctx, access.RequestFilter{})
					return err
				}); err != nil {
					errs <- fmt.Errorf("reader %d: %w", i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("%v", err) // "database is locked" would show here
	}
	for v := 3; v < 3+workers*rounds; v++ {
		if winners[v] != 1 {
			t.Errorf("version %d written by %d transactions, want exactly 1", v, winners[v])
		}
	}
	var final *access.Request
	if err := s.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		final, err = tx.FindRequestByID(ctx, "r1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if want := 2 + workers*rounds; final.Version != want {
		t.Errorf("final version %d, want %d", final.Version, want)
	}
}

// TestTwoProcesses opens two stores on one file, as two elevate processes
// would: their write transactions wait for each other (busy_timeout) instead
// of failing.
func TestTwoProcesses(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "shared.db")
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	if err := stores[0].InTx(ctx, func(tx store.Tx) error {
		return tx.CreateRequest(ctx, &access.Request{ID: "r1", Status: access.StatusPending})
	}); err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for i := range workers {
		s := stores[i%2]
		wg.Go(func() {
			for range rounds {
				err := s.InTx(ctx, func(tx store.Tx) error {
					r, err := tx.FindRequestByID(ctx, "r1")
					if err != nil {
						return err
					}
					r.Reason = fmt.Sprint(i)
					return tx.UpdateRequest(ctx, r)
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("%v", err)
	}
	r, err := func() (r *access.Request, err error) {
		err = stores[1].ReadTx(ctx, func(tx store.Tx) error {
			r, err = tx.FindRequestByID(ctx, "r1")
			return err
		})
		return r, err
	}()
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + workers*rounds; r.Version != want {
		t.Errorf("final version %d, want %d", r.Version, want)
	}
}

// bigDirectory returns a directory of the size elevate must handle.
func bigDirectory(users, groups, memberships int) access.Directory {
	d := access.Directory{
		Accounts:       make([]access.Account, 500),
		PermissionSets: make([]access.PermissionSet, 100),
		Users:          make([]access.User, users),
		Groups:         make([]access.Group, groups),
		Memberships:    make([]access.Membership, memberships),
	}
	for i := range d.Accounts {
		d.Accounts[i] = access.Account{ID: fmt.Sprintf("%012d", i), Name: fmt.Sprintf("account-%d", i), State: "ACTIVE", ParentID: "r-root"}
	}
	for i := range d.PermissionSets {
		d.PermissionSets[i] = access.PermissionSet{ARN: fmt.Sprintf("arn:aws:sso:::permissionSet/ssoins-1/ps-%d", i), Name: fmt.Sprintf("PS%d", i), SessionDuration: time.Hour}
	}
	for i := range d.Users {
		d.Users[i] = access.User{ID: fmt.Sprintf("u-%08d", i), UserName: fmt.Sprintf("user%d", i), DisplayName: fmt.Sprintf("User %d", i),
			Email: fmt.Sprintf("user%d@example.com", i), Active: i%10 != 0}
	}
	for i := range d.Groups {
		d.Groups[i] = access.Group{ID: fmt.Sprintf("g-%08d", i), Name: fmt.Sprintf("group-%d", i)}
	}
	for i := range d.Memberships {
		// Distinct pairs: user i%users in group (i/users + 7*i) % groups.
		d.Memberships[i] = access.Membership{UserID: d.Users[i%users].ID, GroupID: d.Groups[(i/users+7*(i%users))%groups].ID}
	}
	return d
}

func TestReplaceDirectoryLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large directory: skipped with -short")
	}
	s := openMigrated(t)
	ctx := t.Context()
	d := bigDirectory(100_000, 20_000, 200_000)
	for i := range 2 {
		start := time.Now()
		if err := s.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, d, time.Now()) }); err != nil {
			t.Fatal(err)
		}
		t.Logf("replace #%d of 100k users, 20k groups, 200k memberships: %v", i+1, time.Since(start).Round(time.Millisecond))
	}
	counts := map[string]int{"users": 100_000, "groups": 20_000, "memberships": 200_000, "accounts": 500, "permission_sets": 100}
	for table, want := range counts {
		var n int
		if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
	err := s.ReadTx(ctx, func(tx store.Tx) error {
		u, err := tx.FindUserByName(ctx, "USER99999@example.com")
		if err != nil {
			return err
		}
		if u.ID != "u-00099999" {
			t.Errorf("FindUserByName = %+v", u)
		}
		ids, err := tx.UserIDsInGroups(ctx, []string{"g-00000000", "g-00000007"})
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			t.Error("UserIDsInGroups: none")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkReplaceDirectory replaces a directory of 100k users, 20k groups
// and 200k memberships (run: go test -run '^$' -bench ReplaceDirectory
// ./internal/store/sqlite/).
func BenchmarkReplaceDirectory(b *testing.B) {
	s := openMigrated(b)
	ctx := context.Background()
	d := bigDirectory(100_000, 20_000, 200_000)
	for b.Loop() {
		if err := s.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, d, time.Now()) }); err != nil {
			b.Fatal(err)
		}
	}
}
