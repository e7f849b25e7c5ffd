package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/store/pgtest"
)

// autoRules lets alice take admin or power-user access on four accounts
// without approval, next to the harness's prod rule that needs bob's.
const autoRules = `    - name: alice-auto
      users: [alice]
      accounts: [staging, dev, sandbox-1, sandbox-2]
      permission_sets: [AdministratorAccess, PowerUserAccess]
      max_duration: 1h
      approvals: 0
`

// autoAccounts and autoSets are what autoRules allows.
var (
	autoAccounts = []string{"staging", "dev", "sandbox-1", "sandbox-2"}
	autoSets     = []string{"AdministratorAccess", "PowerUserAccess"}
)

// crashKills is how many times TestCrashLoop kills the server:
// ELEVATE_CRASH_KILLS, else 50 under CI=true, else 10 (3 with -short).
func crashKills(t *testing.T) int {
	if v := os.Getenv("ELEVATE_CRASH_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ELEVATE_CRASH_KILLS=%q: want a positive number", v)
		}
		return n
	}
	switch {
	case os.Getenv("CI") == "true":
		return 50
	case testing.Short():
		return 3
	}
	return 10
}

// postgresDatabase returns a fresh PostgreSQL database on the server of
// ELEVATE_TEST_POSTGRES_URL, or skips the test.
func postgresDatabase(t *testing.T) string {
	t.Helper()
	if os.Getenv(pgtest.EnvVar) == "" {
		t.Skip("PostgreSQL variant: set " + pgtest.EnvVar + "=postgres://... (a user that may create databases) to run it")
	}
	return pgtest.NewDatabase(t)
}

// setup migrates the database and makes tokens for alice and bob. With a
// database URL, a build that can't serve PostgreSQL yet skips the test.
func (h *harness) setup() (aliceTok, bobTok string) {
	h.t.Helper()
	step := func(args ...string) string {
		h.t.Helper()
		out, stderr, err := h.tryRun(args...)
		if err != nil {
			if h.opts.databaseURL != "" && strings.Contains(stderr, "not supported") {
				h.t.Skipf("PostgreSQL serving is not available in this build: elevate %s: %s", args[0], lastLine(stderr))
			}
			h.t.Fatalf("elevate %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}
	step("migrate", "--config", h.config)
	aliceTok = step("token", "create", "--user", "alice", "--config", h.config)
	bobTok = step("token", "create", "--user", "bob", "--config", h.config)
	return aliceTok, bobTok
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// interval is a span of time the server was down.
type interval struct{ from, to time.Time }

// settled reports whether r is terminal and none of its grants is still
// pending, active or revoking (a cancelled request is terminal at once, while
// the grant job may still be removing what its create made).
func settled(r *client.Request) bool {
	if !r.Status.Terminal() {
		return false
	}
	for _, g := range r.Grants {
		if g.Status != "revoked" && g.Status != "failed" {
			return false
		}
	}
	return true
}

// overlap returns how much of [from, to] the intervals cover.
func overlap(down []interval, from, to time.Time) time.Duration {
	var d time.Duration
	for _, iv := range down {
		lo, hi := maxTime(iv.from, from), minTime(iv.to, to)
		if hi.After(lo) {
			d += hi.Sub(lo)
		}
	}
	return d
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// percentile returns the p-th percentile (0 < p <= 1) of sorted ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds))*p+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// workload keeps creating requests as alice against whichever server is
// current, has bob approve the prod ones and ends some early.
type workload struct {
	aliceTok, bobTok string
	rng              *rand.Rand

	mu        sync.Mutex
	url       string
	ids       []string
	approve   map[string]bool      // prod requests bob has not approved yet
	endAt     map[string]time.Time // requests to end early, and when
	cancelAt  map[string]time.Time // scheduled requests to cancel around their start, and when
	apiErrors map[string]int       // error answers by code
	netErrors int                  // calls that failed in transit (server down)
}

func (w *workload) setURL(u string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.url = u
}

func (w *workload) clients() (alice, bob *client.Client) {
	w.mu.Lock()
	u := w.url
	w.mu.Unlock()
	alice, _ = client.New(u, w.aliceTok)
	bob, _ = client.New(u, w.bobTok)
	return alice, bob
}

// settled reports whether a call's outcome is known: it succeeded or the
// server answered with an error. A network error is retried.
func (w *workload) settled(err error) bool {
	if err == nil {
		return true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var ce *client.Error
	if errors.As(err, &ce) {
		if ce.Status >= 500 {
			w.apiErrors[strconv.Itoa(ce.Status)]++
			return false
		}
		w.apiErrors[ce.Code]++
		return true
	}
	w.netErrors++
	return false
}

// step does the follow-ups that are due and creates one request.
func (w *workload) step() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	alice, bob := w.clients()
	w.followUps(ctx, alice, bob, time.Now())

	in := client.CreateRequestInput{Duration: time.Second + time.Duration(w.rng.Int64N(int64(3*time.Second))),
		Justification: "crash loop"}
	prod := false
	switch r := w.rng.IntN(10); {
	case r < 3:
		prod = true
		in.AccountIDs, in.PermissionSet = []string{"prod"}, "AdministratorAccess"
	case r < 8:
		in.AccountIDs = []string{autoAccounts[w.rng.IntN(len(autoAccounts))]}
		in.PermissionSet = autoSets[w.rng.IntN(len(autoSets))]
	default:
		i := w.rng.IntN(len(autoAccounts))
		in.AccountIDs = []string{autoAccounts[i], autoAccounts[(i+1+w.rng.IntN(len(autoAccounts)-1))%len(autoAccounts)]}
		in.PermissionSet = autoSets[w.rng.IntN(len(autoSets))]
	}
	cancelSoon := false
	if !prod && w.rng.IntN(7) == 0 {
		in.Start = time.Now().Add(3 * time.Second) // scheduled: the grant job waits
		// Half of them are cancelled around their start: before, while or
		// just after the grant job sends its create.
		cancelSoon = w.rng.IntN(2) == 0
	}
	cancelAt := in.Start.Add(time.Duration(w.rng.Int64N(int64(time.Second))) - 300*time.Millisecond)
	endEarly := !cancelSoon && w.rng.IntN(4) == 0
	endDelay := 300*time.Millisecond + time.Duration(w.rng.Int64N(int64(1700*time.Millisecond)))
	req, err := alice.CreateRequest(ctx, in)
	if !w.settled(err) || err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ids = append(w.ids, req.ID)
	if prod {
		w.approve[req.ID] = true
	}
	if endEarly {
		w.endAt[req.ID] = time.Now().Add(endDelay)
	}
	if cancelSoon {
		w.cancelAt[req.ID] = cancelAt
	}
}

// followUps approves the prod requests bob has not approved yet, and ends
// or cancels the requests whose early end or cancel is due.
func (w *workload) followUps(ctx context.Context, alice, bob *client.Client, now time.Time) {
	w.mu.Lock()
	approve := slices.Collect(maps.Keys(w.approve))
	end, cancel := dueIDs(w.endAt, now), dueIDs(w.cancelAt, now)
	w.mu.Unlock()
	followUp(w, cancel, w.cancelAt, func(id string) error { _, err := alice.Cancel(ctx, id, "not needed"); return err })
	followUp(w, approve, w.approve, func(id string) error { _, err := bob.Approve(ctx, id, ""); return err })
	followUp(w, end, w.endAt, func(id string) error { _, err := alice.End(ctx, id, "done early"); return err })
}

// dueIDs returns the ids whose time in m has come (w.mu held).
func dueIDs(m map[string]time.Time, now time.Time) []string {
	var ids []string
	for id, at := range m {
		if !now.Before(at) {
			ids = append(ids, id)
		}
	}
	return ids
}

// followUp calls act for each id and forgets the id from pending, one of
// w's maps, once the outcome is known (a network error is retried later).
func followUp[V any](w *workload, ids []string, pending map[string]V, act func(id string) error) {
	for _, id := range ids {
		if w.settled(act(id)) {
			w.mu.Lock()
			delete(pending, id)
			w.mu.Unlock()
		}
	}
}

// TestCrashLoop SIGKILLs `elevate serve` at random points while requests
// are created, approved, activated, ended early and expire, restarts it on
// the same database each time, and then checks that every request ended,
// every assignment elevate created is gone and no revocation was later than
// 30 s plus the time the server was down.
func TestCrashLoop(t *testing.T) {
	kills := crashKills(t)
	t.Run("sqlite", func(t *testing.T) { crashLoop(t, kills, "") })
	t.Run("postgres", func(t *testing.T) { crashLoop(t, kills, postgresDatabase(t)) })
}

func crashLoop(t *testing.T, kills int, databaseURL string) {
	h := newHarnessWith(t, harnessOptions{rules: autoRules, policy: "  approval_timeout: 20s\n", databaseURL: databaseURL})
	h.lastLogsOnly = true
	aliceTok, bobTok := h.setup()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	srv := h.serve()
	w := &workload{aliceTok: aliceTok, bobTok: bobTok, rng: rand.New(rand.NewPCG(seed, 2)), url: srv.url,
		approve: map[string]bool{}, endAt: map[string]time.Time{}, cancelAt: map[string]time.Time{}, apiErrors: map[string]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			w.step()
			time.Sleep(100*time.Millisecond + time.Duration(w.rng.Int64N(int64(200*time.Millisecond))))
		}
	})

	start := time.Now()
	var down []interval
	var restarts []time.Duration
	var startups time.Duration // exit to serving, summed
	for range kills {
		time.Sleep(100*time.Millisecond + time.Duration(rng.Int64N(int64(1900*time.Millisecond))))
		killed := time.Now()
		srv.kill(t)
		exited := time.Now()
		srv = h.serve()
		up := time.Now()
		down = append(down, interval{killed, up})
		restarts = append(restarts, up.Sub(killed))
		startups += up.Sub(exited)
		w.setURL(srv.url)
	}
	close(stop)
	wg.Wait()
	loop := time.Since(start)

	// Drain: bob approves what is left, the requests run out.
	ctx := context.Background()
	alice, bob := h.client(srv.url, aliceTok), h.client(srv.url, bobTok)
	drainBy := time.Now().Add(time.Minute)
	for len(w.approve) > 0 || len(w.endAt) > 0 || len(w.cancelAt) > 0 {
		if time.Now().After(drainBy) {
			t.Fatalf("the last approvals, early ends and cancels did not go through within a minute: %d, %d, %d left", len(w.approve), len(w.endAt), len(w.cancelAt))
		}
		w.followUps(ctx, alice, bob, time.Now().Add(time.Hour))
		time.Sleep(50 * time.Millisecond)
	}
	ids := map[string]bool{}
	for _, id := range w.ids {
		ids[id] = true
	}
	// Requests whose creation committed but whose answer was lost in a kill.
	listed, err := alice.ListRequests(ctx, client.ListOptions{Scope: "mine", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	untracked := 0
	for _, r := range listed {
		if !ids[r.ID] {
			ids[r.ID] = true
			untracked++
			if r.Status == client.StatusPending {
				if _, err := bob.Approve(ctx, r.ID, ""); err != nil {
					t.Logf("approve untracked %s: %v", r.ID, err)
				}
			}
		}
	}

	final := map[string]*client.Request{}
	deadline := time.Now().Add(2 * time.Minute)
	for id := range ids {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		r, err := alice.WaitFor(wctx, id, settled, 100*time.Millisecond)
		cancel()
		if err != nil {
			last, _ := alice.GetRequest(ctx, id)
			t.Fatalf("request %s not terminal with every grant closed within 2 minutes of the last restart: %v; now %+v\nRiver jobs:%s", id, err, last, h.riverJobsOf(last))
		}
		final[id] = r
	}

	// AWS: no direct assignment of alice's is left anywhere.
	aliceID := h.emu.UserID("alice")
	for _, a := range h.emu.Assignments() {
		if a.PrincipalType == "USER" && a.PrincipalID == aliceID {
			t.Errorf("assignment %s/%s of alice outlived every request; its grants:%s", a.AccountID, a.PermissionSetARN, grantsOn(final, a.AccountID, a.PermissionSetARN))
		}
	}

	// Each grant: terminal, revoked if it was ever active, on time, never standing.
	statuses := map[client.Status]int{}
	var lateness []time.Duration
	grants, activated := 0, 0
	revocationFailed := 0
	const bound = 30 * time.Second
	for id, r := range final {
		statuses[r.Status]++
		if r.RevocationFailed {
			revocationFailed++
		}
		for _, g := range r.Grants {
			grants++
			if g.Status != "revoked" && g.Status != "failed" {
				t.Errorf("request %s (%s): grant %s on %s is %s", id, r.Status, g.ID, g.AccountID, g.Status)
			}
			// Alice has no assignment of her own outside elevate: one taken
			// for standing is elevate's own, which elevate would never delete.
			if g.Origin == "standing" {
				t.Errorf("request %s: grant %s on %s recorded its assignment as standing, but every USER assignment of alice is elevate's", id, g.ID, g.AccountID)
			}
			if g.ActivatedAt == nil {
				continue
			}
			activated++
			if g.Status != "revoked" || g.RevokedAt == nil {
				t.Errorf("request %s (%s): grant %s on %s was active and is %s: revocation lost", id, r.Status, g.ID, g.AccountID, g.Status)
				continue
			}
			if r.EndsAt == nil {
				t.Errorf("request %s (%s): grant %s was active but the request has no end time", id, r.Status, g.ID)
				continue
			}
			end := *r.EndsAt
			if r.EndRequestedAt != nil && r.EndRequestedAt.Before(end) {
				end = *r.EndRequestedAt
			}
			if r.Status == client.StatusEnded && g.RevokedAt.Before(*r.EndsAt) {
				t.Errorf("request %s: grant %s revoked at %s, before its end %s", id, g.ID, g.RevokedAt, r.EndsAt)
			}
			late := g.RevokedAt.Sub(end)
			if late < 0 {
				late = 0
			}
			up := late - overlap(down, end, *g.RevokedAt)
			if up > bound {
				t.Errorf("request %s: grant %s on %s revoked %s after its end %s, %s of it while serving (bound %s)",
					id, g.ID, g.AccountID, late.Round(time.Millisecond), end.Format(time.RFC3339Nano), up.Round(time.Millisecond), bound)
			}
			lateness = append(lateness, up)
		}
	}
	slices.Sort(lateness)
	slices.Sort(restarts)
	var restartSum time.Duration
	for _, d := range restarts {
		restartSum += d
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	t.Logf("kills %d in %s; requests %d (%d untracked: answer lost in a kill), statuses %v; grants %d, %d activated; revocation_failed %d",
		kills, loop.Round(time.Millisecond), len(final), untracked, statuses, grants, activated, revocationFailed)
	t.Logf("lateness (revoked_at - end, minus down time): p50 %s, p99 %s, max %s",
		percentile(lateness, 0.5).Round(time.Millisecond), percentile(lateness, 0.99).Round(time.Millisecond),
		percentile(lateness, 1).Round(time.Millisecond))
	if len(restarts) > 0 {
		t.Logf("restarts (SIGKILL to serving): total %s, mean %s (of which exit to serving %s), p99 %s, max %s",
			restartSum.Round(time.Millisecond), (restartSum / time.Duration(len(restarts))).Round(time.Millisecond),
			(startups / time.Duration(len(restarts))).Round(time.Millisecond),
			percentile(restarts, 0.99).Round(time.Millisecond), restarts[len(restarts)-1].Round(time.Millisecond))
	}
	t.Logf("workload: API error answers %v, calls lost in transit %d", w.apiErrors, w.netErrors)
	if len(final) == 0 || activated == 0 {
		t.Fatalf("the workload activated nothing (%d requests)", len(final))
	}
}

// grantsOn describes the grants of reqs on one account and permission set.
func grantsOn(reqs map[string]*client.Request, accountID, psARN string) string {
	var b strings.Builder
	for _, r := range reqs {
		if r.PermissionSet.ARN != psARN {
			continue
		}
		for _, g := range r.Grants {
			if g.AccountID != accountID {
				continue
			}
			fmt.Fprintf(&b, "\n  request %s %s (ends %v, end requested %v): grant %s %s origin=%q activated=%v revoked=%v create=%q delete=%q err=%q",
				r.ID, r.Status, r.EndsAt, r.EndRequestedAt, g.ID, g.Status, g.Origin, g.ActivatedAt, g.RevokedAt, g.AWSCreateRequestID, g.AWSDeleteRequestID, g.Error)
		}
	}
	return b.String()
}
