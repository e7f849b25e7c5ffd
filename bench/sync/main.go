// Command sync benchmarks the directory sync at the scale the product must
// handle: it seeds the AWS emulator (AWS's Identity Center rate limit on,
// everything sped up by one time scale) with 5,000 accounts, 2,000
// permission sets, 100,000 users and 20,000 groups (each user in 2 or 3
// groups), syncs it into a fresh store through the real provider and
// workflow, syncs it again (unchanged: nothing written), and prints the
// time, the AWS calls, the throttling errors and the peak memory.
//
//	go run ./bench/sync -scale 20                         # SQLite
//	go run ./bench/sync -scale 20 -postgres postgres://... # PostgreSQL (an admin URL; a fresh database is made)
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/elevate/elevate/bench/internal/benchenv"
	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/aws"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/postgres"
	"github.com/elevate/elevate/internal/store/sqlite"
	"github.com/elevate/elevate/internal/workflow"
)

type options struct {
	accounts, permissionSets, users, groups int
	scale                                   float64
	postgres                                string
}

func main() {
	var o options
	flag.IntVar(&o.accounts, "accounts", 5000, "accounts in the organization")
	flag.IntVar(&o.permissionSets, "permission-sets", 2000, "permission sets")
	flag.IntVar(&o.users, "users", 100000, "users")
	flag.IntVar(&o.groups, "groups", 20000, "groups (each user is in 2 or 3)")
	flag.Float64Var(&o.scale, "scale", 20, "time scale: the emulator's rate limit and elevate's rates are multiplied by it")
	flag.StringVar(&o.postgres, "postgres", "", "PostgreSQL admin URL (a fresh database is created); default SQLite in a temporary directory")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sync:", err)
		os.Exit(1)
	}
}

func seed(o options) awsemu.Seed {
	s := awsemu.Seed{ManagementAccountID: "100000000000"}
	for i := range 50 {
		s.OUs = append(s.OUs, awsemu.SeedOU{Name: fmt.Sprintf("ou-%02d", i)})
	}
	for i := range o.accounts {
		ou := ""
		if i > 0 {
			ou = fmt.Sprintf("ou-%02d", i%50)
		}
		s.Accounts = append(s.Accounts, awsemu.SeedAccount{ID: fmt.Sprintf("%012d", 100000000000+i), Name: fmt.Sprintf("account-%05d", i), OU: ou})
	}
	for i := range o.permissionSets {
		s.PermissionSets = append(s.PermissionSets, awsemu.SeedPermissionSet{Name: fmt.Sprintf("ps-%05d", i), SessionDuration: fmt.Sprintf("PT%dH", 1+i%12)})
	}
	members := make([][]string, o.groups)
	for i := range o.users {
		name := fmt.Sprintf("user%06d", i)
		s.Users = append(s.Users, awsemu.SeedUser{UserName: name, Email: name + "@example.com", GivenName: "U", FamilyName: name})
		n := 2 + i%2 // 2 or 3 groups
		for j := range n {
			g := (i*7 + j*(o.groups/3+1)) % o.groups
			members[g] = append(members[g], name)
		}
	}
	for i := range o.groups {
		s.Groups = append(s.Groups, awsemu.SeedGroup{Name: fmt.Sprintf("group-%05d", i), Members: members[i]})
	}
	return s
}

func run(ctx context.Context, o options) error {
	t0 := time.Now()
	emu, err := awsemu.New(seed(o), awsemu.Options{RateLimit: &awsemu.RateLimit{}, TimeScale: o.scale})
	if err != nil {
		return err
	}
	fmt.Printf("seeded the emulator in %s\n", time.Since(t0).Round(time.Millisecond))
	srv := httptest.NewServer(emu)
	defer srv.Close()

	var st interface {
		store.Store
		Migrate(context.Context) error
	}
	engine := "sqlite"
	if o.postgres != "" {
		engine = "postgres"
		url, drop, err := benchenv.FreshDatabase(ctx, o.postgres)
		if err != nil {
			return err
		}
		defer drop()
		if st, err = postgres.Open(ctx, url, nil); err != nil {
			return err
		}
	} else {
		dir, err := os.MkdirTemp("", "bench-sync-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if st, err = sqlite.Open(ctx, filepath.Join(dir, "elevate.db"), nil); err != nil {
			return err
		}
	}
	defer func() { _ = st.Close() }() // read-only or already-failed: its close error cannot matter
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	awsCfg := awssdk.Config{Region: "us-east-1", BaseEndpoint: awssdk.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	// elevate's default rates, scaled like the emulator.
	p, err := aws.NewFromConfig(ctx, awsCfg, aws.Config{
		CallsPerSecond:              aws.DefaultCallsPerSecond * o.scale,
		IdentityStoreCallsPerSecond: aws.DefaultIdentityStoreCallsPerSecond * o.scale,
		OrganizationsCallsPerSecond: aws.DefaultOrganizationsCallsPerSecond * o.scale,
	})
	if err != nil {
		return err
	}
	svc, err := workflow.New(workflow.Settings{}, workflow.Deps{Store: st, Scheduler: noJobs{}, Provider: noAssignments{},
		Directory: p, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	runtime.GC()
	peak := startPeakHeap()
	for i, label := range []string{"first sync (empty store)", "second sync (unchanged)"} {
		before := emu.Stats()
		start := time.Now()
		rep, err := svc.SyncDirectory(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		took := time.Since(start)
		after := emu.Stats()
		calls := p.Stats()
		fmt.Printf("%s [%s, scale %g]: %s (%.1f min at AWS's real rates), %d rows written\n",
			label, engine, o.scale, took.Round(time.Millisecond), took.Minutes()*o.scale, rep.Changes.Writes())
		var parts []string
		for _, k := range access.DirectoryKinds {
			parts = append(parts, fmt.Sprintf("%s %d", k, rep.Changes[k].Seen))
		}
		fmt.Printf("  seen: %s\n", strings.Join(parts, ", "))
		fmt.Printf("  emulator: %d throttling errors during the sync; provider calls so far: sso %d, identitystore %d, organizations %d\n",
			after.Throttled-before.Throttled, calls.ServiceCalls("sso"), calls.ServiceCalls("identitystore"), calls.ServiceCalls("organizations"))
		if i == 0 {
			fmt.Printf("  peak Go heap during the first sync: %.1f MiB\n", float64(peak())/(1<<20))
		}
	}
	fmt.Printf("peak resident memory of the process (VmHWM, emulator and its 100k-user state included): %s\n", vmHWM())
	return nil
}

// startPeakHeap samples the live heap every 20 ms until the returned
// function is called, and returns the largest sample.
func startPeakHeap() func() uint64 {
	done := make(chan struct{})
	res := make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var maxv uint64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			maxv = max(maxv, s[0].Value.Uint64())
			select {
			case <-done:
				res <- maxv
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-res }
}

func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "unknown"
}

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
