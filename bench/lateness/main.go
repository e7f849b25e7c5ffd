// Command lateness measures how late elevate removes access: it runs the real
// app in process against the AWS emulator (over HTTP, through the real AWS
// SDK), activates many grants whose end times are spread over about 20 s, and
// reports, for each grant, the time the emulator accepted its
// DeleteAccountAssignment minus the grant's scheduled end (ends_at).
//
//	go run ./bench/lateness                                  # SQLite in a temporary directory
//	go run ./bench/lateness -database-url postgres://...     # PostgreSQL (a fresh database is created on that server and dropped)
//
// Target (BENCHMARKS.md): p99 <= 2 s, max <= 5 s. With -check the command
// exits 1 when the target is missed.
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
	"slices"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/elevate/elevate/bench/internal/benchenv"
	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "lateness:", err)
		os.Exit(1)
	}
}

type options struct {
	grants      int
	spread      time.Duration
	lead        time.Duration
	createRate  float64
	delay       time.Duration
	databaseURL string
	fetchPoll   time.Duration
	check       bool
	verbose     bool
}

func run() error {
	var o options
	flag.IntVar(&o.grants, "grants", 240, "grants to activate (one account and permission set each, no sharing)")
	flag.DurationVar(&o.spread, "spread", 20*time.Second, "end times are spread evenly over this span")
	flag.DurationVar(&o.lead, "lead", 0, "first end, after the start of the run (0: grants/create-rate + 20s, so that every grant is active before the first end)")
	flag.Float64Var(&o.createRate, "create-rate", 4, "requests created per second (activation is bounded by the AWS call rate: about 18 calls/s, 3 or more per grant)")
	flag.DurationVar(&o.delay, "provisioning-delay", 0, "emulator: how long a create or delete stays IN_PROGRESS")
	flag.StringVar(&o.databaseURL, "database-url", "", "PostgreSQL server (postgres://...): a fresh database is created on it and dropped; empty: SQLite")
	flag.DurationVar(&o.fetchPoll, "fetch-poll-interval", 0, "jobs.fetch_poll_interval (0: elevate's default)")
	flag.BoolVar(&o.check, "check", false, "exit 1 when p99 > 2s or max > 5s")
	flag.BoolVar(&o.verbose, "v", false, "log the app at debug level to stderr")
	flag.Parse()

	ctx := context.Background()
	seed := awsemu.DemoSeed()
	sets := []string{"AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess"}
	for i := 0; len(seed.Accounts)*len(sets) < o.grants; i++ {
		seed.Accounts = append(seed.Accounts, awsemu.SeedAccount{Name: fmt.Sprintf("bench-%03d", i), OU: "Sandbox"})
	}
	emu, err := awsemu.New(seed, awsemu.Options{ProvisioningDelay: o.delay})
	if err != nil {
		return err
	}
	rec := benchenv.NewDeleteRecorder(emu)
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
	cfg.Jobs.FetchPollInterval = o.fetchPoll
	cfg.Policy = config.Policy{MinDuration: time.Second, Rules: []policy.Rule{{
		Name: "alice-everything", Users: []string{"alice"}, Accounts: []string{"*"}, PermissionSets: []string{"*"},
		MaxDuration: 4 * time.Hour,
	}}}
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
		return err
	}
	tokens := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- a.RunThen(runCtx, func(ctx context.Context) error {
			tok, _, err := a.Service().CreateToken(ctx, "alice", "bench", 0)
			if err != nil {
				return err
			}
			tokens <- tok
			return nil
		})
	}()
	var tok string
	select {
	case tok = <-tokens:
	case err := <-done:
		return fmt.Errorf("app stopped before serving: %w", err)
	}
	res, err := measure(ctx, o, a.URL(), tok, emu, rec, seed, sets)
	cancel()
	if rerr := <-done; rerr != nil && !errors.Is(rerr, context.Canceled) {
		err = errors.Join(err, fmt.Errorf("app: %w", rerr))
	}
	if err != nil {
		return err
	}
	res.print(os.Stdout, o, engine)
	if o.check && (res.p(0.99) > 2*time.Second || res.p(1) > 5*time.Second) {
		return errors.New("target missed: want p99 <= 2s and max <= 5s")
	}
	return nil
}

// results are the latenesses, sorted.
type results struct {
	accepted    []time.Duration // AWS accepted the deletion - ends_at
	revoked     []time.Duration // revoked_at recorded - ends_at
	activation  time.Duration   // first create to last grant active
	firstEnd    time.Time
	lastActive  time.Time
	endSpan     time.Duration
	created     time.Duration
	wall        time.Duration
	missingRecs int
}

func (r *results) p(q float64) time.Duration { return pct(r.accepted, q) }

func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds))*q+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

func (r *results) print(w io.Writer, o options, engine string) {
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	fmt.Fprintf(w, "engine %s, grants %d, end times spread over %s, provisioning delay %s, fetch poll interval %s\n",
		engine, len(r.accepted), ms(r.endSpan), o.delay, orDefault(o.fetchPoll))
	fmt.Fprintf(w, "%d requests created in %s, all active after %s (%s before the first end); run took %s\n",
		len(r.accepted)+r.missingRecs, ms(r.created), ms(r.activation), ms(r.firstEnd.Sub(r.lastActive)), ms(r.wall))
	fmt.Fprintf(w, "lateness, AWS accepted DeleteAccountAssignment - ends_at: p50 %s  p99 %s  max %s  (min %s)\n",
		ms(pct(r.accepted, 0.5)), ms(pct(r.accepted, 0.99)), ms(pct(r.accepted, 1)), ms(pct(r.accepted, 0)))
	fmt.Fprintf(w, "lateness, grant revoked_at - ends_at:                  p50 %s  p99 %s  max %s\n",
		ms(pct(r.revoked, 0.5)), ms(pct(r.revoked, 0.99)), ms(pct(r.revoked, 1)))
	verdict := "MET"
	if r.p(0.99) > 2*time.Second || r.p(1) > 5*time.Second {
		verdict = "MISSED"
	}
	fmt.Fprintf(w, "target p99 <= 2s, max <= 5s: %s\n", verdict)
	if r.missingRecs > 0 {
		fmt.Fprintf(w, "warning: %d grants had no recorded deletion\n", r.missingRecs)
	}
}

func orDefault(d time.Duration) string {
	if d == 0 {
		return "default"
	}
	return d.String()
}

func measure(ctx context.Context, o options, baseURL, tok string, emu *awsemu.Emulator, rec *benchenv.DeleteRecorder, seed awsemu.Seed, sets []string) (*results, error) {
	alice, err := client.New(baseURL, tok)
	if err != nil {
		return nil, err
	}
	type target struct{ account, set string }
	var targets []target
	for _, s := range sets {
		for _, acc := range seed.Accounts {
			targets = append(targets, target{acc.Name, s})
		}
	}
	if len(targets) < o.grants {
		return nil, fmt.Errorf("only %d assignments for %d grants", len(targets), o.grants)
	}
	// Requests are created at a steady pace that activation (bounded by the
	// AWS call rate) keeps up with, and each one's duration is chosen at
	// send time so that the ends fall evenly over the spread, whatever the
	// creation took: end_i ~ start + lead + i*spread/n + activation time.
	start := time.Now()
	lead := o.lead
	if lead == 0 {
		lead = time.Duration(float64(o.grants)/o.createRate*float64(time.Second)) + 20*time.Second
	}
	ids := make([]string, o.grants)
	tick := time.NewTicker(time.Duration(float64(time.Second) / o.createRate))
	defer tick.Stop()
	for i := range o.grants {
		end := start.Add(lead + time.Duration(int64(o.spread)*int64(i)/int64(o.grants)))
		req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{targets[i].account},
			PermissionSet: targets[i].set, Duration: time.Until(end).Round(time.Millisecond), Justification: "lateness benchmark"})
		if err != nil {
			return nil, fmt.Errorf("create request %d: %w", i, err)
		}
		ids[i] = req.ID
		<-tick.C
	}
	res := &results{created: time.Since(start)}

	wait := func(id string, done func(*client.Request) bool, limit time.Duration) (*client.Request, error) {
		wctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		return alice.WaitFor(wctx, id, done, 50*time.Millisecond)
	}
	var firstEnd, lastEnd time.Time
	for _, id := range ids {
		r, err := wait(id, func(r *client.Request) bool { return r.Status == client.StatusActive || r.Status.Terminal() }, 2*time.Minute)
		if err != nil {
			return nil, err
		}
		if r.ActivatedAt == nil || r.EndsAt == nil {
			return nil, fmt.Errorf("request %s is %s (%s), never active", id, r.Status, r.Reason)
		}
		if r.ActivatedAt.After(res.lastActive) {
			res.lastActive = *r.ActivatedAt
		}
		if firstEnd.IsZero() || r.EndsAt.Before(firstEnd) {
			firstEnd = *r.EndsAt
		}
		if r.EndsAt.After(lastEnd) {
			lastEnd = *r.EndsAt
		}
	}
	res.firstEnd, res.endSpan = firstEnd, lastEnd.Sub(firstEnd)
	res.activation = res.lastActive.Sub(start)
	if !res.lastActive.Before(firstEnd) {
		return nil, fmt.Errorf("the last grant became active at %s, after the first end %s: raise -lead", res.lastActive, firstEnd)
	}
	aliceID := emu.UserID("alice")
	for _, id := range ids {
		limit := max(time.Until(lastEnd), 0) + 2*time.Minute
		r, err := wait(id, func(r *client.Request) bool { return r.Status.Terminal() }, limit)
		if err != nil {
			return nil, err
		}
		if r.Status != client.StatusEnded {
			return nil, fmt.Errorf("request %s is %s (%s), want ended", id, r.Status, r.Reason)
		}
		g := r.Grants[0]
		if g.RevokedAt != nil {
			res.revoked = append(res.revoked, g.RevokedAt.Sub(*r.EndsAt))
		}
		at, ok := rec.Accepted(g.AccountID, r.PermissionSet.ARN, aliceID)
		if !ok {
			res.missingRecs++
			continue
		}
		res.accepted = append(res.accepted, at.Sub(*r.EndsAt))
	}
	slices.Sort(res.accepted)
	slices.Sort(res.revoked)
	res.wall = time.Since(start)
	return res, nil
}
