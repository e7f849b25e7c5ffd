// Command burst measures a revocation burst: N grants that all end at the
// same instant, removed by the real app (in process, SQLite or PostgreSQL,
// River jobs, the AWS provider with its shared limiter) from the AWS
// emulator with AWS's limits: 20 sso-admin calls per second, 10 create or
// delete operations in flight, 2 s provisioning latency. Everything is
// sped up by one time factor (-scale 10: 200 calls/s, 200 ms latency, and
// elevate's own poll intervals and rates scaled alike), so that N = 10,000
// takes minutes. Durations are reported in scaled time and in real AWS time.
//
//	go run ./bench/burst -n 100,1000           # SQLite in a temporary directory
//	go run ./bench/burst -n 10000 -database-url postgres://...
//
// The grants are written straight to the store (active, with their revoke
// jobs), and their assignments put in the emulator, so that the run measures
// the removal only. Target (BENCHMARKS.md): time until the last assignment
// is gone <= 1.05 x the floor the limits impose, zero revocations lost.
// With -revoke-ahead 5m (policy.revoke_ahead), target: no assignment gone
// after its end; it reports the access cut short.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/elevate/elevate/bench/internal/benchenv"
	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// AWS's limits, unscaled.
const (
	awsCallsPerSecond = 20
	awsMaxInFlight    = 10
	awsLatency        = 2 * time.Second
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "burst:", err)
		os.Exit(1)
	}
}

type options struct {
	sizes       []int
	scale       float64
	databaseURL string
	lead        time.Duration
	verbose     bool
	revokeAhead time.Duration // policy.revoke_ahead in real AWS time (scaled in the app); 0: off
}

func run() error {
	var o options
	sizes := flag.String("n", "100,1000", "comma-separated burst sizes")
	flag.Float64Var(&o.scale, "scale", 10, "time factor: AWS's rate and elevate's rates are multiplied, latencies and poll intervals divided by it")
	flag.StringVar(&o.databaseURL, "database-url", "", "PostgreSQL server (postgres://...): a fresh database per run, dropped after; empty: SQLite")
	flag.DurationVar(&o.lead, "lead", 0, "time from the end of the setup to the common end (0: 3s)")
	flag.BoolVar(&o.verbose, "v", false, "log the app at debug level to stderr")
	flag.DurationVar(&o.revokeAhead, "revoke-ahead", 0, "policy.revoke_ahead in real AWS time (5m: revocations may start up to 5 minutes before the end; scaled like the rest); 0: off")
	flag.Parse()
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("-n: %q is not a positive number", s)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.scale <= 0 {
		return fmt.Errorf("-scale: %g is not positive", o.scale)
	}
	if o.lead == 0 {
		o.lead = 3*time.Second + scaled(o.revokeAhead, o.scale)
	}
	if ra := scaled(o.revokeAhead, o.scale); o.revokeAhead < 0 || ra >= o.lead {
		return fmt.Errorf("-revoke-ahead %s (scaled %s) must be positive and shorter than -lead %s", o.revokeAhead, ra, o.lead)
	}
	fmt.Printf("scale %g: AWS %d calls/s -> %g calls/s, %d in flight, latency %s -> %s; %d CPUs, %s\n", o.scale,
		awsCallsPerSecond, awsCallsPerSecond*o.scale, awsMaxInFlight, awsLatency, scaled(awsLatency, o.scale), runtime.NumCPU(), runtime.Version())
	for _, n := range o.sizes {
		r, err := burst(context.Background(), o, n)
		if err != nil {
			return fmt.Errorf("N=%d: %w", n, err) //nolint:staticcheck // ST1005: N is the benchmark parameter as BENCHMARKS.md names it
		}
		r.print(os.Stdout, o)
	}
	return nil
}

func scaled(d time.Duration, scale float64) time.Duration { return time.Duration(float64(d) / scale) }

// result is one burst's measurements (scaled time).
type result struct {
	lost, engine       string
	count              int
	lastGone           time.Duration // common end -> last assignment gone
	accepted           []time.Duration
	gone               []time.Duration
	calls, throttles   int
	deletes, statusOps int
	floor              time.Duration
	callsPerRevocation float64
	cutShort           []time.Duration // with -revoke-ahead: elevate's recorded cut_short per grant, sorted
}

func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds))*q+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

func (r *result) print(w io.Writer, o options) {
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	real := func(d time.Duration) string {
		return (time.Duration(float64(d) * o.scale)).Round(100 * time.Millisecond).String()
	}
	if o.revokeAhead > 0 {
		late := 0
		for _, g := range r.gone {
			if g > 0 {
				late++
			}
		}
		fmt.Fprintf(w, "N=%d (%s), revoke_ahead %s: %d revocations gone after their end; the last assignment gone %s after the end (real %s); the first %s (real %s)\n",
			r.count, r.engine, o.revokeAhead, late, ms(r.lastGone), real(r.lastGone), ms(pct(r.gone, 0)), real(pct(r.gone, 0)))
		fmt.Fprintf(w, "  access cut short (end - assignment gone, in AWS): p50 %s max %s (real %s / %s)\n",
			ms(-pct(r.gone, .5)), ms(-pct(r.gone, 0)), real(-pct(r.gone, .5)), real(-pct(r.gone, 0)))
		fmt.Fprintf(w, "  access cut short as elevate reports it (cut_short: end - revoked_at): p50 %s max %s (real %s / %s)\n",
			ms(pct(r.cutShort, .5)), ms(pct(r.cutShort, 1)), real(pct(r.cutShort, .5)), real(pct(r.cutShort, 1)))
	} else {
		fmt.Fprintf(w, "N=%d (%s): last assignment gone %s after the end (real AWS time %s); floor %s (%s); ratio %.3f (target <= 1.05)\n",
			r.count, r.engine, ms(r.lastGone), real(r.lastGone), ms(r.floor), real(r.floor), float64(r.lastGone)/float64(r.floor))
	}
	fmt.Fprintf(w, "  AWS calls %d: %d DeleteAccountAssignment, %d deletion status calls; %.2f calls per revocation; throttling errors received %d\n",
		r.calls, r.deletes, r.statusOps, r.callsPerRevocation, r.throttles)
	if len(r.accepted) > 0 {
		fmt.Fprintf(w, "  first deletion accepted %s after the end; the last one %s (real %s / %s)\n",
			ms(r.accepted[0]), ms(pct(r.accepted, 1)), real(r.accepted[0]), real(pct(r.accepted, 1)))
	}
	fmt.Fprintf(w, "  lateness, AWS accepted the deletion - end: p50 %s p99 %s max %s (real %s / %s / %s)\n",
		ms(pct(r.accepted, .5)), ms(pct(r.accepted, .99)), ms(pct(r.accepted, 1)), real(pct(r.accepted, .5)), real(pct(r.accepted, .99)), real(pct(r.accepted, 1)))
	fmt.Fprintf(w, "  lateness, assignment gone - end:            p50 %s p99 %s max %s (real %s / %s / %s)\n",
		ms(pct(r.gone, .5)), ms(pct(r.gone, .99)), ms(pct(r.gone, 1)), real(pct(r.gone, .5)), real(pct(r.gone, .99)), real(pct(r.gone, 1)))
	fmt.Fprintf(w, "  revocations lost: %s\n", r.lost)
}

func burst(ctx context.Context, o options, n int) (*result, error) {
	// n users x 1 permission set x accounts: distinct assignments.
	const accounts = 100
	seed := awsemu.Seed{Region: "us-east-1", PermissionSets: []awsemu.SeedPermissionSet{{Name: "Burst"}}}
	for i := range accounts {
		seed.Accounts = append(seed.Accounts, awsemu.SeedAccount{Name: fmt.Sprintf("acct-%03d", i)})
	}
	users := (n + accounts - 1) / accounts
	for i := range users {
		seed.Users = append(seed.Users, awsemu.SeedUser{UserName: fmt.Sprintf("user-%05d", i)})
	}
	emu, err := awsemu.New(seed, awsemu.Options{ProvisioningDelay: awsLatency, TimeScale: o.scale,
		RateLimit: &awsemu.RateLimit{CallsPerSecond: awsCallsPerSecond, MaxInFlight: awsMaxInFlight}})
	if err != nil {
		return nil, err
	}
	rec := benchenv.NewDeleteRecorder(emu)
	emuSrv := httptest.NewServer(rec)
	defer emuSrv.Close()

	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	dir, err := os.MkdirTemp("", "elevate-burst-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg.DataDir = dir
	engine := "sqlite"
	if o.databaseURL != "" {
		db, drop, err := benchenv.FreshDatabase(ctx, o.databaseURL)
		if err != nil {
			return nil, err
		}
		defer drop()
		cfg.DatabaseURL, engine = db, "postgresql"
	}
	cfg.Jobs.ClientID = "burst"
	cfg.Jobs.SweepInterval = time.Hour // the jobs are inserted with the grants
	cfg.Jobs.ReconcileInterval = -1
	cfg.Jobs.FetchPollInterval = scaled(200*time.Millisecond, o.scale) // River looks for due jobs: elevate's 200ms default, scaled
	cfg.AWS.PollInterval = scaled(time.Second, o.scale)
	cfg.AWS.MaxPollInterval = scaled(5*time.Second, o.scale)
	cfg.AWS.ListPollInterval = scaled(150*time.Millisecond, o.scale)
	cfg.AWS.CallsPerSecond = 18 * o.scale
	cfg.AWS.IdentityStoreCallsPerSecond = 10 * o.scale
	cfg.AWS.OrganizationsCallsPerSecond = 10 * o.scale
	cfg.AWS.ProvisioningTime = scaled(awsLatency, o.scale)
	cfg.Policy.RevokeAhead = scaled(o.revokeAhead, o.scale)
	logger := slog.New(slog.DiscardHandler)
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	awsCfg := awssdk.Config{Region: "us-east-1", BaseEndpoint: awssdk.String(emuSrv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	a, err := app.New(runCtx, cfg, app.Options{Logger: logger, AWSConfig: &awsCfg, AutoMigrate: true})
	if err != nil {
		return nil, err
	}
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- a.RunThen(runCtx, func(context.Context) error { close(started); return nil })
	}()
	select {
	case <-started:
	case err := <-done:
		return nil, fmt.Errorf("app stopped before serving: %w", err)
	}
	res, err := measure(ctx, o, n, a, emu, rec, seed)
	cancel()
	if rerr := <-done; rerr != nil && !errors.Is(rerr, context.Canceled) {
		err = errors.Join(err, fmt.Errorf("app: %w", rerr))
	}
	if res != nil {
		res.engine = engine
	}
	return res, err
}

func measure(ctx context.Context, o options, n int, a *app.App, emu *awsemu.Emulator, rec *benchenv.DeleteRecorder, seed awsemu.Seed) (*result, error) {
	psARN := emu.PermissionSetARN("Burst")
	type target struct {
		asg      access.Assignment
		reqID    string
		userName string
	}
	targets := make([]target, n)
	for i := range n {
		acct := seed.Accounts[i%len(seed.Accounts)].Name
		user := seed.Users[i/len(seed.Accounts)].UserName
		targets[i] = target{asg: access.Assignment{AccountID: emu.AccountID(acct), PermissionSetARN: psARN, UserID: emu.UserID(user)}, userName: user}
	}
	// The end is far enough ahead for the inserts; it is fixed after them.
	setupStart := time.Now()
	end := setupStart.Add(time.Hour)
	const batch = 500
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		if err := a.Store().InTx(ctx, func(tx store.Tx) error {
			for i := lo; i < hi; i++ {
				t := &targets[i]
				t.reqID = fmt.Sprintf("req_burst%06d", i)
				r := &access.Request{ID: t.reqID, RequesterID: t.asg.UserID, RequesterName: t.userName, PermissionSetARN: psARN,
					PermissionSetName: "Burst", Duration: time.Hour, StartAt: setupStart, ActivatedAt: setupStart, EndsAt: end,
					Justification: "burst benchmark", Status: access.StatusActive, Rule: "burst", CreatedAt: setupStart, UpdatedAt: setupStart,
					Grants: []access.Grant{{ID: fmt.Sprintf("grt_burst%06d", i), AccountID: t.asg.AccountID, Status: access.GrantActive,
						Origin: access.OriginCreated, ActivatedAt: setupStart}}}
				if err := tx.CreateRequest(ctx, r); err != nil {
					return err
				}
				emu.PutAssignment(awsemu.Assignment{AccountID: t.asg.AccountID, PermissionSetARN: psARN, PrincipalType: "USER", PrincipalID: t.asg.UserID})
			}
			return nil
		}); err != nil {
			return nil, fmt.Errorf("insert grants: %w", err)
		}
	}
	// Now fix the common end and schedule every revocation at it.
	end = time.Now().Add(o.lead).Truncate(time.Millisecond)
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		if err := a.Store().InTx(ctx, func(tx store.Tx) error {
			var jobs []workflow.Job
			for i := lo; i < hi; i++ {
				r, err := tx.FindRequestByID(ctx, targets[i].reqID)
				if err != nil {
					return err
				}
				r.EndsAt = end
				if err := tx.UpdateRequest(ctx, r); err != nil {
					return err
				}
				// As the workflow schedules it: with revoke_ahead, the
				// bound before the end, when the job plans its start.
				jobs = append(jobs, workflow.Job{Kind: workflow.JobRevoke, RequestID: r.ID, GrantID: r.Grants[0].ID,
					At: end.Add(-scaled(o.revokeAhead, o.scale))})
			}
			return a.Scheduler().Schedule(ctx, tx, jobs...)
		}); err != nil {
			return nil, fmt.Errorf("schedule revocations: %w", err)
		}
	}
	if time.Now().After(end) {
		return nil, fmt.Errorf("setup took %s, longer than -lead %s: raise -lead", time.Since(setupStart), o.lead)
	}
	before := emu.Stats()

	// Watch the assignments disappear.
	gone := make([]time.Time, n)
	remaining := n
	limit := end.Add(time.Duration(float64(n)*float64(awsLatency)/awsMaxInFlight/o.scale)*3 + 2*time.Minute)
	for remaining > 0 {
		if time.Now().After(limit) {
			break
		}
		time.Sleep(10 * time.Millisecond)
		now := time.Now()
		for i := range targets {
			if gone[i].IsZero() && !emu.HasAssignment(targets[i].asg.AccountID, psARN, targets[i].asg.UserID) {
				gone[i] = now
				remaining--
			}
		}
	}
	// Every request must end up ended, with its grant revoked: a deletion
	// recorded in AWS but not in elevate would be lost too. The last
	// records may still be committing.
	cutShort := make([]time.Duration, n)
	ended := func(i int) (bool, error) {
		var r *access.Request
		err := a.Store().ReadTx(ctx, func(tx store.Tx) error {
			var err error
			r, err = tx.FindRequestByID(ctx, targets[i].reqID)
			return err
		})
		if err == nil {
			cutShort[i] = r.Grants[0].CutShort(*r)
		}
		return err == nil && r.Status == access.StatusEnded && r.Grants[0].Status == access.GrantRevoked, err
	}
	isEnded := make([]bool, n)
	for wait := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		all := true
		for i := range targets {
			if !isEnded[i] {
				ok, err := ended(i)
				if err != nil {
					return nil, err
				}
				isEnded[i] = ok
				all = all && ok
			}
		}
		if all || time.Now().After(wait) {
			break
		}
	}
	after := emu.Stats()
	res := &result{count: n}
	lost := 0
	for i, t := range targets {
		if gone[i].IsZero() || !isEnded[i] {
			lost++
			continue
		}
		res.gone = append(res.gone, gone[i].Sub(end))
		res.cutShort = append(res.cutShort, cutShort[i])
		at, ok := rec.Accepted(t.asg.AccountID, psARN, t.asg.UserID)
		if ok {
			res.accepted = append(res.accepted, at.Sub(end))
		}
	}
	slices.Sort(res.gone)
	slices.Sort(res.accepted)
	slices.Sort(res.cutShort)
	res.lost = fmt.Sprintf("%d of %d", lost, n)
	res.lastGone = pct(res.gone, 1)
	diff := func(op string) int { return after.Calls[op] - before.Calls[op] }
	res.deletes = diff("DeleteAccountAssignment")
	res.statusOps = diff("DescribeAccountAssignmentDeletionStatus") + diff("ListAccountAssignmentDeletionStatus")
	for op, c := range after.Calls { // nothing else calls AWS during the burst
		res.calls += c - before.Calls[op]
	}
	res.throttles = after.Throttled - before.Throttled
	res.callsPerRevocation = float64(res.calls) / float64(n)
	latency := scaled(awsLatency, o.scale)
	rate := awsCallsPerSecond * o.scale
	latencyFloor := time.Duration(float64(n) * float64(latency) / awsMaxInFlight)
	rateFloor := time.Duration(float64(n) * res.callsPerRevocation / rate * float64(time.Second))
	res.floor = max(latencyFloor, rateFloor)
	if lost > 0 {
		return res, fmt.Errorf("%d of %d revocations lost", lost, n)
	}
	return res, nil
}
