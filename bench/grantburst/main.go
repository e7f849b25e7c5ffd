// Command grantburst measures how many CreateAccountAssignment and
// DeleteAccountAssignment calls a burst of grants and revocations costs
// when AWS throttles: N grants that start at the same instant, then their N
// revocations at the same instant, run by the real app (in process,
// SQLite, River jobs with elevate's default job timeout, the AWS provider
// with its default limits) against the AWS emulator with AWS's limits (20
// sso-admin calls/s, 10 operations in flight, 2 s provisioning) and random
// faults on every call (default 50% ThrottlingException, 5%
// InternalServerException). Nothing is scaled: the job timeout is real.
//
//	go run ./bench/grantburst                  # 50 grants, 3 runs, medians
//	go run ./bench/grantburst -n 50 -runs 3 -throttle 0.5 -server-errors 0.05
//
// A wrapper around the emulator counts, per operation, the HTTP requests
// (attempts), the SDK invocations they belong to (the amz-sdk-invocation-id
// header, the same for every retry of one call) and the accepted ones (HTTP
// 200). Attempts minus invocations are the SDK's retries of throttled and
// failed calls; invocations beyond one per grant are duplicate operations
// (a job that gave up and sent its create or delete again). Target
// (BENCHMARKS.md): at most 1.05 invocations per grant and per revocation.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/elevate/elevate/bench/internal/benchenv"
	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

type options struct {
	n, runs                int
	throttle, serverErrors float64
	lead                   time.Duration
	verbose                bool
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 50, "grants in the burst")
	flag.IntVar(&o.runs, "runs", 3, "runs; medians are reported")
	flag.Float64Var(&o.throttle, "throttle", 0.5, "share of AWS calls answered ThrottlingException")
	flag.Float64Var(&o.serverErrors, "server-errors", 0.05, "share of AWS calls answered InternalServerException")
	flag.DurationVar(&o.lead, "lead", 2*time.Second, "time from the end of the setup to the common start (and end)")
	flag.BoolVar(&o.verbose, "v", false, "log the app at debug level to stderr")
	flag.Parse()
	fmt.Printf("grantburst: N=%d, %d runs, faults on every call: %.0f%% throttled, %.0f%% 5xx; AWS 20 calls/s, 10 in flight, 2s provisioning; %d CPUs, %s\n",
		o.n, o.runs, o.throttle*100, o.serverErrors*100, runtime.NumCPU(), runtime.Version())
	var all []result
	for i := range o.runs {
		r, err := runOnce(context.Background(), o, int64(i+1))
		if err != nil {
			fmt.Fprintln(os.Stderr, "grantburst:", err)
			os.Exit(1)
		}
		r.print(fmt.Sprintf("run %d", i+1))
		all = append(all, r)
	}
	median(all).print("median")
}

// phase is what one burst (the grants, or the revocations) cost.
type phase struct {
	took                           time.Duration
	attempts, invocations, accepts int     // HTTP requests, SDK calls, HTTP 200 answers of the Create/Delete
	jobErrors, snoozes             int     // errors River recorded on the jobs; snoozes
	perItem                        float64 // invocations per grant
}

type result struct{ grant, revoke phase }

func (r result) print(label string) {
	for _, p := range []struct {
		name, op string
		ph       phase
	}{{"grants", "CreateAccountAssignment", r.grant}, {"revocations", "DeleteAccountAssignment", r.revoke}} {
		fmt.Printf("%-7s %-11s %s: %.2f calls per item (%d calls, %d accepted), %d HTTP attempts (%d SDK retries of throttled/5xx answers); job errors %d, snoozes %d; took %s\n",
			label, p.name, p.op, p.ph.perItem, p.ph.invocations, p.ph.accepts, p.ph.attempts, p.ph.attempts-p.ph.invocations,
			p.ph.jobErrors, p.ph.snoozes, p.ph.took.Round(100*time.Millisecond))
	}
}

func median(rs []result) result {
	med := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	ph := func(get func(result) phase) phase {
		return phase{
			took:        time.Duration(med(func(r result) float64 { return float64(get(r).took) })),
			attempts:    int(med(func(r result) float64 { return float64(get(r).attempts) })),
			invocations: int(med(func(r result) float64 { return float64(get(r).invocations) })),
			accepts:     int(med(func(r result) float64 { return float64(get(r).accepts) })),
			jobErrors:   int(med(func(r result) float64 { return float64(get(r).jobErrors) })),
			snoozes:     int(med(func(r result) float64 { return float64(get(r).snoozes) })),
			perItem:     med(func(r result) float64 { return get(r).perItem }),
		}
	}
	return result{grant: ph(func(r result) phase { return r.grant }), revoke: ph(func(r result) phase { return r.revoke })}
}

// counter passes requests to the emulator and counts the Create and Delete
// calls: HTTP attempts, SDK invocations and accepted answers.
type counter struct {
	next http.Handler

	mu          sync.Mutex
	attempts    map[string]int
	invocations map[string]map[string]bool
	accepts     map[string]int
}

func newCounter(next http.Handler) *counter {
	return &counter{next: next, attempts: map[string]int{}, invocations: map[string]map[string]bool{}, accepts: map[string]int{}}
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	if op != "CreateAccountAssignment" && op != "DeleteAccountAssignment" {
		c.next.ServeHTTP(w, r)
		return
	}
	sw := &benchenv.StatusWriter{ResponseWriter: w, Status: http.StatusOK}
	c.next.ServeHTTP(sw, r)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.attempts[op]++
	if c.invocations[op] == nil {
		c.invocations[op] = map[string]bool{}
	}
	c.invocations[op][r.Header.Get("Amz-Sdk-Invocation-Id")] = true
	if sw.Status == http.StatusOK {
		c.accepts[op]++
	}
}

// take returns the counts of op so far.
func (c *counter) take(op string) (attempts, invocations, accepts int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.attempts[op], len(c.invocations[op]), c.accepts[op]
}

func runOnce(ctx context.Context, o options, seedRNG int64) (result, error) {
	seed := awsemu.Seed{Region: "us-east-1", PermissionSets: []awsemu.SeedPermissionSet{{Name: "Burst"}},
		Users: []awsemu.SeedUser{{UserName: "burst-user"}}}
	for i := range o.n {
		seed.Accounts = append(seed.Accounts, awsemu.SeedAccount{Name: fmt.Sprintf("acct-%03d", i)})
	}
	emu, err := awsemu.New(seed, awsemu.Options{ProvisioningDelay: 2 * time.Second, Seed: seedRNG,
		RateLimit: &awsemu.RateLimit{CallsPerSecond: 20, MaxInFlight: 10}})
	if err != nil {
		return result{}, err
	}
	cnt := newCounter(emu)
	srv := httptest.NewServer(cnt)
	defer srv.Close()

	dir, err := os.MkdirTemp("", "elevate-grantburst-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.Jobs.ClientID = "grantburst"
	cfg.Jobs.SweepInterval = time.Hour // the jobs are inserted with the grants
	cfg.Jobs.ReconcileInterval = -1
	a, stop, err := benchenv.StartApp(ctx, cfg, srv.URL, o.verbose)
	if err != nil {
		return result{}, err
	}
	res, err := measure(ctx, o, a, emu, cnt, seed)
	return res, errors.Join(err, stop())
}

func measure(ctx context.Context, o options, a *app.App, emu *awsemu.Emulator, cnt *counter, seed awsemu.Seed) (result, error) {
	psARN := emu.PermissionSetARN("Burst")
	userID := emu.UserID("burst-user")
	ids := make([]string, o.n)
	now := time.Now()
	start := now.Add(o.lead)
	if err := a.Store().InTx(ctx, func(tx store.Tx) error {
		var jobs []workflow.Job
		for i := range o.n {
			ids[i] = fmt.Sprintf("req_gburst%04d", i)
			r := &access.Request{ID: ids[i], RequesterID: userID, RequesterName: "burst-user", PermissionSetARN: psARN,
				PermissionSetName: "Burst", Duration: time.Hour, StartAt: start, EndsAt: start.Add(time.Hour),
				Justification: "grant burst benchmark", Status: access.StatusScheduled, Rule: "burst", CreatedAt: now, UpdatedAt: now,
				Grants: []access.Grant{{ID: fmt.Sprintf("grt_gburst%04d", i), AccountID: emu.AccountID(seed.Accounts[i].Name), Status: access.GrantPending}}}
			if err := tx.CreateRequest(ctx, r); err != nil {
				return err
			}
			jobs = append(jobs, workflow.Job{Kind: workflow.JobGrant, RequestID: r.ID, GrantID: r.Grants[0].ID, At: start})
		}
		return a.Scheduler().Schedule(ctx, tx, jobs...)
	}); err != nil {
		return result{}, fmt.Errorf("insert grants: %w", err)
	}
	emu.SetFault("*", awsemu.Fault{ThrottleRate: o.throttle, ServerErrorRate: o.serverErrors})
	var res result
	var err error
	if res.grant, err = burst(ctx, o, a, cnt, "CreateAccountAssignment", "grant", start, ids, access.GrantActive); err != nil {
		return res, err
	}

	// Every grant is active: end them all at one instant.
	end := time.Now().Add(o.lead)
	if err := a.Store().InTx(ctx, func(tx store.Tx) error {
		var jobs []workflow.Job
		for _, id := range ids {
			r, err := tx.FindRequestByID(ctx, id)
			if err != nil {
				return err
			}
			r.EndsAt = end
			if err := tx.UpdateRequest(ctx, r); err != nil {
				return err
			}
			// Expedite: the revoke job that activation scheduled at the old
			// end is still pending, and would make this one a duplicate.
			jobs = append(jobs, workflow.Job{Kind: workflow.JobRevoke, RequestID: id, GrantID: r.Grants[0].ID, At: end, Expedite: true})
		}
		return a.Scheduler().Schedule(ctx, tx, jobs...)
	}); err != nil {
		return res, fmt.Errorf("schedule revocations: %w", err)
	}
	res.revoke, err = burst(ctx, o, a, cnt, "DeleteAccountAssignment", "revoke", end, ids, access.GrantRevoked)
	return res, err
}

// burst waits until every grant is in state want (at most 10 minutes) and
// returns what it cost from at on.
func burst(ctx context.Context, o options, a *app.App, cnt *counter, op, kind string, at time.Time, ids []string, want access.GrantStatus) (phase, error) {
	att0, inv0, acc0 := cnt.take(op)
	limit := time.Now().Add(10 * time.Minute)
	for {
		n := 0
		if err := a.Store().ReadTx(ctx, func(tx store.Tx) error {
			for _, id := range ids {
				r, err := tx.FindRequestByID(ctx, id)
				if err != nil {
					return err
				}
				if r.Grants[0].Status == want {
					n++
				}
			}
			return nil
		}); err != nil {
			return phase{}, err
		}
		if n == len(ids) {
			break
		}
		if time.Now().After(limit) {
			return phase{}, fmt.Errorf("%d of %d grants %s after 10 minutes", n, len(ids), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ph := phase{took: time.Since(at)}
	att, inv, acc := cnt.take(op)
	ph.attempts, ph.invocations, ph.accepts = att-att0, inv-inv0, acc-acc0
	ph.perItem = float64(ph.invocations) / float64(len(ids))
	var err error
	ph.jobErrors, ph.snoozes, err = jobTrouble(ctx, a, kind)
	return ph, err
}

// jobTrouble counts the errors River recorded on the jobs of kind, and
// their snoozes.
func jobTrouble(ctx context.Context, a *app.App, kind string) (errs, snoozes int, err error) {
	q, ok := a.Scheduler().(interface{ Client() *river.Client[*sql.Tx] })
	if !ok {
		return 0, 0, fmt.Errorf("job queue %T is not SQLite's", a.Scheduler())
	}
	params := river.NewJobListParams().Kinds(kind).States(rivertype.JobStateAvailable, rivertype.JobStateCompleted,
		rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled).First(10000)
	list, err := q.Client().JobList(ctx, params)
	if err != nil {
		return 0, 0, err
	}
	for _, j := range list.Jobs {
		errs += len(j.Errors)
		var md struct {
			Snoozes int `json:"snoozes"`
		}
		if json.Unmarshal(j.Metadata, &md) == nil {
			snoozes += md.Snoozes
		}
	}
	return errs, snoozes, nil
}
