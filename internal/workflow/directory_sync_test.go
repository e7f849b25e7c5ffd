package workflow_test

import (
	"cmp"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/aws"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/pgtest"
	"github.com/elevate/elevate/internal/store/postgres"
	"github.com/elevate/elevate/internal/store/sqlite"
	"github.com/elevate/elevate/internal/workflow"
)

// noJobs and noAssignments satisfy the ports the sync does not use.
type noJobs struct{}

func (noJobs) Schedule(context.Context, store.Tx, ...workflow.Job) error { return nil }

type noAssignments struct{}

func (noAssignments) CreateAssignment(context.Context, access.Assignment) (string, error) {
	return "", nil
}
func (noAssignments) DeleteAssignment(context.Context, access.Assignment, time.Time) (string, error) {
	return "", nil
}
func (noAssignments) AssignmentExists(context.Context, access.Assignment) (bool, error) {
	return false, nil
}

type syncEnv struct {
	emu   *awsemu.Emulator
	p     *aws.Provider
	store store.Store
	svc   *workflow.Service
}

// forEachStore runs fn on a migrated SQLite store and, when
// ELEVATE_TEST_POSTGRES_URL is set, a fresh PostgreSQL database.
func forEachStore(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "elevate.db"), nil)
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("migrate sqlite: %v", err)
		}
		fn(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		s, err := postgres.Open(t.Context(), pgtest.NewDatabase(t), nil)
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("migrate postgres: %v", err)
		}
		fn(t, s)
	})
}

// newSyncEnv serves the demo organization with pages of 2 items, and a
// provider that reads it through the AWS SDK.
func newSyncEnv(t *testing.T, s store.Store) syncEnv {
	t.Helper()
	emu, p := newEmulatorProvider(t, awsemu.Options{PageSize: 2, EmptyPages: true}, aws.Config{})
	svc, err := workflow.New(workflow.Settings{}, workflow.Deps{Store: s, Scheduler: noJobs{}, Provider: noAssignments{},
		Directory: p, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("workflow.New: %v", err)
	}
	return syncEnv{emu: emu, p: p, store: s, svc: svc}
}

// newEmulatorProvider serves the demo organization with opts and returns a
// provider that talks to it through the AWS SDK over HTTP. cfg's retry and
// rate settings are overridden: one retry, 1,000 calls/s for every service.
func newEmulatorProvider(t *testing.T, opts awsemu.Options, cfg aws.Config) (*awsemu.Emulator, *aws.Provider) {
	t.Helper()
	emu, err := awsemu.New(awsemu.DemoSeed(), opts)
	if err != nil {
		t.Fatalf("awsemu.New: %v", err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	awsCfg := awssdk.Config{Region: "us-east-1", BaseEndpoint: awssdk.String(srv.URL),
		Credentials: awssdk.CredentialsProviderFunc(func(context.Context) (awssdk.Credentials, error) {
			return awssdk.Credentials{AccessKeyID: "AKIDTESTTESTTEST", SecretAccessKey: "test-secret"}, nil
		})}
	cfg.MaxRetries, cfg.CallsPerSecond, cfg.IdentityStoreCallsPerSecond, cfg.OrganizationsCallsPerSecond = 1, 1000, 1000, 1000
	p, err := aws.NewFromConfig(t.Context(), awsCfg, cfg)
	if err != nil {
		t.Fatalf("aws.NewFromConfig: %v", err)
	}
	return emu, p
}

func sortDir(d access.Directory) access.Directory {
	slices.SortFunc(d.Accounts, func(a, b access.Account) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.OUs, func(a, b access.OU) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.PermissionSets, func(a, b access.PermissionSet) int { return cmp.Compare(a.ARN, b.ARN) })
	slices.SortFunc(d.Users, func(a, b access.User) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Groups, func(a, b access.Group) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Memberships, func(a, b access.Membership) int {
		return cmp.Or(cmp.Compare(a.GroupID, b.GroupID), cmp.Compare(a.UserID, b.UserID))
	})
	return d
}

// stored is the directory in the store; aws is what AWS has (read whole).
func (e syncEnv) stored(t *testing.T) access.Directory {
	t.Helper()
	var d access.Directory
	if err := e.store.ReadTx(t.Context(), func(tx store.Tx) (err error) {
		d, err = tx.DirectorySnapshot(t.Context())
		return err
	}); err != nil {
		t.Fatalf("DirectorySnapshot: %v", err)
	}
	return sortDir(d)
}

func (e syncEnv) aws(t *testing.T) access.Directory {
	t.Helper()
	d, err := e.p.FetchDirectory(t.Context())
	if err != nil {
		t.Fatalf("FetchDirectory: %v", err)
	}
	return sortDir(d)
}

func (e syncEnv) sync(t *testing.T) workflow.SyncReport {
	t.Helper()
	rep, err := e.svc.SyncDirectory(t.Context())
	if err != nil {
		t.Fatalf("SyncDirectory: %v", err)
	}
	return rep
}

// TestSyncDirectory: a sync of the paged emulator stores exactly the
// directory; a second sync writes nothing; each kind of change is picked
// up with exactly its writes.
func TestSyncDirectory(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store.Store) {
		e := newSyncEnv(t, s)
		seed := awsemu.DemoSeed()
		rep := e.sync(t)
		want := e.aws(t)
		if got := e.stored(t); !reflect.DeepEqual(got, want) {
			t.Fatalf("stored directory after the first sync:\n got %+v\nwant %+v", got, want)
		}
		// The 5 seeded OUs plus the root; every seeded row.
		wantSeen := map[string]int{"accounts": len(seed.Accounts), "ous": len(seed.OUs) + 1, "permission_sets": len(seed.PermissionSets),
			"users": len(seed.Users), "groups": len(seed.Groups), "memberships": 5}
		for k, n := range wantSeen {
			if c := rep.Changes[k]; c.Seen != n || c.Inserted != n {
				t.Errorf("first sync %s: %+v, want %d seen and inserted", k, c, n)
			}
		}
		if ps := want.PermissionSets; len(ps) == 0 || ps[0].SessionDuration == 0 {
			t.Errorf("permission sets without a session duration: %+v", ps)
		}

		if rep := e.sync(t); rep.Changes.Writes() != 0 {
			t.Errorf("second sync of an unchanged directory wrote %d rows: %+v", rep.Changes.Writes(), rep.Changes)
		}
		st, found, err := e.svc.RunStatus(t.Context(), access.RunDirectorySync)
		if err != nil || !found || st.Error != "" || st.Counts["writes"] != 0 || st.Counts["users"] != len(seed.Users) {
			t.Errorf("run status after the second sync = %+v, %v, %v; want success, 0 writes, %d users", st, found, err, len(seed.Users))
		}

		// A user added, a membership removed, an account moved, a session duration changed.
		if _, err := e.emu.AddUser(awsemu.SeedUser{UserName: "frank", Email: "frank@example.com"}); err != nil {
			t.Fatal(err)
		}
		if err := e.emu.SetGroupMember("approvers", "carol", false); err != nil {
			t.Fatal(err)
		}
		if err := e.emu.MoveAccount("666677778888", "Sandbox"); err != nil {
			t.Fatal(err)
		}
		if err := e.emu.SetSessionDuration("ReadOnlyAccess", "PT2H"); err != nil {
			t.Fatal(err)
		}
		rep = e.sync(t)
		wantCh := access.DirectoryChanges{
			"accounts":        {Seen: len(seed.Accounts), Updated: 1},
			"ous":             {Seen: len(seed.OUs) + 1},
			"permission_sets": {Seen: len(seed.PermissionSets), Updated: 1},
			"users":           {Seen: len(seed.Users) + 1, Inserted: 1},
			"groups":          {Seen: len(seed.Groups)},
			"memberships":     {Seen: 4, Deleted: 1},
		}
		if !reflect.DeepEqual(rep.Changes, wantCh) {
			t.Errorf("changes of the third sync:\n got %+v\nwant %+v", rep.Changes, wantCh)
		}
		got := e.stored(t)
		if want := e.aws(t); !reflect.DeepEqual(got, want) {
			t.Fatalf("stored directory after the changes:\n got %+v\nwant %+v", got, want)
		}
		for _, a := range got.Accounts {
			if a.ID == "666677778888" && a.ParentID != e.emu.OUID("Sandbox") {
				t.Errorf("moved account's parent = %s, want the Sandbox OU %s", a.ParentID, e.emu.OUID("Sandbox"))
			}
		}
		for _, p := range got.PermissionSets {
			if p.Name == "ReadOnlyAccess" && p.SessionDuration != 2*time.Hour {
				t.Errorf("ReadOnlyAccess session duration = %s, want 2h", p.SessionDuration)
			}
		}
	})
}

// TestSyncDirectoryFailureKeepsData: a sync that fails after staging part
// of a changed directory leaves the stored directory as it was and reports
// the error; the next sync applies the change.
func TestSyncDirectoryFailureKeepsData(t *testing.T) {
	forEachStore(t, func(t *testing.T, s store.Store) {
		e := newSyncEnv(t, s)
		e.sync(t)
		before := e.stored(t)
		if _, err := e.emu.AddUser(awsemu.SeedUser{UserName: "frank", Email: "frank@example.com"}); err != nil {
			t.Fatal(err)
		}
		if err := e.emu.RemoveAccount("888899990000"); err != nil {
			t.Fatal(err)
		}
		// Users are read (and staged) before the groups' members.
		e.emu.InjectError("ListGroupMemberships", "AccessDeniedException", 1)
		_, err := e.svc.SyncDirectory(t.Context())
		if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
			t.Fatalf("SyncDirectory with a failing ListGroupMemberships: err = %v, want the AccessDeniedException", err)
		}
		if got := e.stored(t); !reflect.DeepEqual(got, before) {
			t.Errorf("stored directory after a failed sync changed:\n got %+v\nwant %+v", got, before)
		}
		st, _, rerr := e.svc.RunStatus(t.Context(), access.RunDirectorySync)
		if rerr != nil || !strings.Contains(st.Error, "AccessDenied") || st.LastSuccessAt.IsZero() || !st.LastSuccessAt.Before(st.EndedAt) {
			t.Errorf("run status after the failed sync = %+v (%v); want its error and the earlier success", st, rerr)
		}
		rep := e.sync(t)
		if rep.Changes["users"].Inserted != 1 || rep.Changes["accounts"].Deleted != 1 {
			t.Errorf("sync after the failure: %+v; want 1 user inserted, 1 account deleted", rep.Changes)
		}
		if got, want := e.stored(t), e.aws(t); !reflect.DeepEqual(got, want) {
			t.Errorf("stored directory after the recovery:\n got %+v\nwant %+v", got, want)
		}
	})
}
