// Command approval measures how long after an approval elevate has AWS
// accept the grant's CreateAccountAssignment: it runs the real app in
// process against the AWS emulator (over HTTP, through the real AWS SDK,
// with AWS's limits: 20 sso-admin calls/s, 10 operations in flight), has
// alice create requests that bob must approve, then bob approves them at a
// steady rate while earlier grants are still being provisioned, and reports
// for each grant the time the emulator accepted its create minus the time
// of the approval (recorded in the approval's transaction, just before it
// commits). The emulator answers in well under a millisecond, so this is
// elevate's own time: the job queue, the grant job's transactions, the
// client-side rate limiter and in-flight slots, and the HTTP round trip.
//
// Two rounds on the same assignments: the first grants each one for the
// first time (elevate asks AWS whether it exists before creating it); then
// every request is ended, and the second round grants them again, minutes
// after elevate deleted them, so that it creates without asking.
//
//	go run ./bench/approval                                  # SQLite in a temporary directory
//	go run ./bench/approval -database-url postgres://...     # PostgreSQL (a fresh database, dropped at the end)
//
// Target (BENCHMARKS.md): p99 <= 50 ms at 5 approvals/s with 10 creates in
// flight. With -check the command exits 1 when it is missed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/bench/internal/benchenv"
	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "approval:", err)
		os.Exit(1)
	}
}

type options struct {
	approvals   int
	rate        float64
	delay       time.Duration
	warmup      int
	databaseURL string
	check       bool
	verbose     bool
}

func run() error {
	var o options
	flag.IntVar(&o.approvals, "approvals", 150, "requests approved per round (one account and permission set each, no sharing)")
	flag.Float64Var(&o.rate, "rate", 5, "approvals per second")
	flag.DurationVar(&o.delay, "provisioning-delay", 1500*time.Millisecond, "emulator: how long a create stays IN_PROGRESS (rate × delay creates are in flight; AWS allows 10)")
	flag.IntVar(&o.warmup, "warmup", 20, "first approvals left out of the figures (the queue and the in-flight creates reach their steady state)")
	flag.StringVar(&o.databaseURL, "database-url", "", "PostgreSQL server (postgres://...): a fresh database is created on it and dropped; empty: SQLite")
	flag.BoolVar(&o.check, "check", false, "exit 1 when p99 > 50ms")
	flag.BoolVar(&o.verbose, "v", false, "log the app at debug level to stderr")
	flag.Parse()

	ctx := context.Background()
	seed := awsemu.DemoSeed()
	sets := []string{"AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess"}
	for i := 0; len(seed.Accounts)*len(sets) < o.approvals; i++ {
		seed.Accounts = append(seed.Accounts, awsemu.SeedAccount{Name: fmt.Sprintf("bench-%03d", i), OU: "Sandbox"})
	}
	emu, err := awsemu.New(seed, awsemu.Options{ProvisioningDelay: o.delay, RateLimit: &awsemu.RateLimit{}})
	if err != nil {
		return err
	}
	rec := benchenv.NewAcceptRecorder(emu, "CreateAccountAssignment")
	emuSrv := httptest.NewServer(rec)
	defer emuSrv.Close()

	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	dir, err := os.MkdirTemp("", "elevate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg.DataDir = dir
	engine := "sqlite"
	if o.databaseURL != "" {
		db, drop, err := benchenv.FreshDatabase(ctx, o.databaseURL)
		if err != nil {
			return err
		}
		defer drop()
		cfg.DatabaseURL, engine = db, "postgresql"
	}
	cfg.Jobs.ClientID = "bench"
	cfg.Policy = config.Policy{MinDuration: time.Second, Rules: []policy.Rule{{
		Name: "alice-everything-approved-by-bob", Users: []string{"alice"}, Accounts: []string{"*"}, PermissionSets: []string{"*"},
		MaxDuration: 4 * time.Hour, Approvals: 1, ApproverUsers: []string{"bob"},
	}}}
	a, stop, err := benchenv.StartApp(ctx, cfg, emuSrv.URL, o.verbose)
	if err != nil {
		return err
	}
	res, err := measure(ctx, o, a, emu, rec, seed, sets)
	if serr := stop(); serr != nil {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "engine %s, %d approvals per round at %.1f/s (first %d left out), provisioning %s\n",
		engine, o.approvals, o.rate, o.warmup, o.delay)
	res[0].print(os.Stdout, "round 1, fresh assignments (elevate asks AWS whether each exists)")
	res[1].print(os.Stdout, "round 2, the same assignments, deleted by elevate minutes before")
	if o.check && (pct(res[0].own, 0.99) > 50*time.Millisecond || pct(res[1].own, 0.99) > 50*time.Millisecond) {
		return errors.New("target missed: want p99 <= 50ms")
	}
	return nil
}

// results are the measured intervals, sorted.
type results struct {
	own         []time.Duration // create accepted - approval recorded
	afterReply  []time.Duration // create accepted - approve answer received
	approve     []time.Duration // approve call round trip
	maxInFlight int
	calls       float64 // sso-admin calls per create
	histogram   string
	wall        time.Duration
}

func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds))*q+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

func (r *results) print(w io.Writer, title string) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
	fmt.Fprintf(w, "%s: %d measured, most creates in flight %d, sso-admin calls per create %.2f, took %s\n",
		title, len(r.own), r.maxInFlight, r.calls, r.wall.Round(time.Millisecond))
	line := func(name string, ds []time.Duration) {
		fmt.Fprintf(w, "  %-60s p50 %s  p90 %s  p99 %s  max %s\n", name, ms(pct(ds, 0.5)), ms(pct(ds, 0.9)), ms(pct(ds, 0.99)), ms(pct(ds, 1)))
	}
	line("approval recorded -> CreateAccountAssignment accepted:", r.own)
	line("approve answer received -> CreateAccountAssignment accepted:", r.afterReply)
	line("approve call (HTTP round trip):", r.approve)
	verdict := "MET"
	if pct(r.own, 0.99) > 50*time.Millisecond {
		verdict = "MISSED"
	}
	fmt.Fprintf(w, "  target p99 <= 50 ms: %s\n", verdict)
	if r.histogram != "" {
		fmt.Fprintf(w, "  the server's own histogram, both rounds: %s\n", r.histogram)
	}
}

// round approves one request on each target at the configured rate and
// measures it.
func round(ctx context.Context, o options, alice, bob *client.Client, aliceID string, rec *benchenv.AcceptRecorder, targets []target) (*results, []string, error) {
	// Every request first, so that creating them does not compete with
	// the approvals being measured.
	reqs := make([]*client.Request, len(targets))
	for i, tg := range targets {
		r, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{tg.account},
			PermissionSet: tg.set, Duration: time.Hour, Justification: "approval benchmark"})
		if err != nil {
			return nil, nil, fmt.Errorf("create request %d: %w", i, err)
		}
		if r.Status != client.StatusPending {
			return nil, nil, fmt.Errorf("request %s is %s, want pending", r.ID, r.Status)
		}
		reqs[i] = r
	}
	rec.Reset()
	start := time.Now()
	replied := make([]time.Time, len(reqs))
	approvedAt := make([]time.Time, len(reqs))
	res := &results{}
	tick := time.NewTicker(time.Duration(float64(time.Second) / o.rate))
	defer tick.Stop()
	for i, r := range reqs {
		sent := time.Now()
		got, err := bob.Approve(ctx, r.ID, "")
		if err != nil {
			return nil, nil, fmt.Errorf("approve %s: %w", r.ID, err)
		}
		replied[i] = time.Now()
		if i >= o.warmup {
			res.approve = append(res.approve, replied[i].Sub(sent))
		}
		for _, ap := range got.Approvals {
			if ap.Verdict == "approve" {
				approvedAt[i] = ap.At
			}
		}
		<-tick.C
	}
	ids := make([]string, len(reqs))
	for i, r := range reqs {
		ids[i] = r.ID
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		got, err := alice.WaitFor(wctx, r.ID, func(r *client.Request) bool { return r.Status == client.StatusActive || r.Status.Terminal() }, 50*time.Millisecond)
		cancel()
		if err != nil {
			return nil, nil, err
		}
		if got.Status != client.StatusActive {
			return nil, nil, fmt.Errorf("request %s is %s (%s), want active", r.ID, got.Status, got.Reason)
		}
		at, ok := rec.Accepted(got.Grants[0].AccountID, got.PermissionSet.ARN, aliceID)
		if !ok {
			return nil, nil, fmt.Errorf("no accepted create recorded for request %s", r.ID)
		}
		if i < o.warmup {
			continue
		}
		res.own = append(res.own, at.Sub(approvedAt[i]))
		res.afterReply = append(res.afterReply, at.Sub(replied[i]))
	}
	res.wall = time.Since(start)
	slices.Sort(res.own)
	slices.Sort(res.afterReply)
	slices.Sort(res.approve)
	return res, ids, nil
}

type target struct{ account, set string }

// measure runs the two rounds: first grants of fresh assignments (elevate
// asks AWS whether each exists before creating it), then, after ending
// them all, grants of the same assignments, which elevate deleted minutes
// before and creates without asking.
func measure(ctx context.Context, o options, a *app.App, emu *awsemu.Emulator, rec *benchenv.AcceptRecorder, seed awsemu.Seed, sets []string) ([2]*results, error) {
	var out [2]*results
	svc := a.Service()
	aliceTok, _, err := svc.CreateToken(ctx, "alice", "bench", 0)
	if err != nil {
		return out, err
	}
	bobTok, _, err := svc.CreateToken(ctx, "bob", "bench", 0)
	if err != nil {
		return out, err
	}
	alice, err := client.New(a.URL(), aliceTok)
	if err != nil {
		return out, err
	}
	bob, err := client.New(a.URL(), bobTok)
	if err != nil {
		return out, err
	}
	var targets []target
	for _, s := range sets {
		for _, acc := range seed.Accounts {
			targets = append(targets, target{acc.Name, s})
		}
	}
	targets = targets[:o.approvals]
	aliceID := emu.UserID("alice")
	for n := range 2 {
		before := a.Provider().Stats()
		res, ids, err := round(ctx, o, alice, bob, aliceID, rec, targets)
		if err != nil {
			return out, err
		}
		after := a.Provider().Stats()
		res.maxInFlight = after.MaxInFlight
		if creates := after.Creates - before.Creates; creates > 0 {
			res.calls = float64(after.ServiceCalls("sso")-before.ServiceCalls("sso")) / float64(creates)
		}
		out[n] = res
		// End them all and wait for elevate to delete the assignments.
		for _, id := range ids {
			if _, err := alice.End(ctx, id, "approval benchmark: next round"); err != nil {
				return out, fmt.Errorf("end %s: %w", id, err)
			}
		}
		for _, id := range ids {
			wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
			got, err := alice.WaitFor(wctx, id, func(r *client.Request) bool { return r.Status.Terminal() && r.Grants[0].RevokedAt != nil }, 100*time.Millisecond)
			cancel()
			if err != nil {
				return out, fmt.Errorf("wait for %s to end: %w", id, err)
			}
			if g := got.Grants[0]; g.Status != "revoked" {
				return out, fmt.Errorf("request %s is %s with its grant %s, want the grant revoked", id, got.Status, g.Status)
			}
		}
	}
	out[1].histogram = histogram(ctx, a.URL())
	return out, nil
}

// histogram returns the count and sum lines of the server's
// elevate_approval_to_create_seconds, or "" when it can't be read.
func histogram(ctx context.Context, base string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return ""
	}
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "elevate_approval_to_create_seconds_count") || strings.HasPrefix(l, "elevate_approval_to_create_seconds_sum") ||
			strings.HasPrefix(l, `elevate_approval_to_create_seconds_bucket{le="0.05"}`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}
