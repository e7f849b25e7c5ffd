package aws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
)

func TestTokenBucketSpacing(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newTokenBucket(10, 1)
	b.now = func() time.Time { return now }
	for i := range 5 {
		if d, want := b.reserve(), time.Duration(i)*100*time.Millisecond; d != want {
			t.Fatalf("reservation %d at the same instant waits %s, want %s", i, d, want)
		}
	}
	// Idle time does not accumulate beyond the burst.
	now = now.Add(10 * time.Second)
	if d := b.reserve(); d != 0 {
		t.Fatalf("after idling: wait %s, want 0", d)
	}
	if d := b.reserve(); d != 100*time.Millisecond {
		t.Fatalf("second call after idling: wait %s, want 100ms (burst 1)", d)
	}

	b3 := newTokenBucket(10, 3)
	b3.now = func() time.Time { return now }
	var got []time.Duration
	for range 5 {
		got = append(got, b3.reserve())
	}
	if want := []time.Duration{0, 0, 0, 100 * time.Millisecond, 200 * time.Millisecond}; !slices.Equal(got, want) {
		t.Fatalf("burst 3: waits %v, want %v", got, want)
	}
}

func TestTokenBucketWaitRespectsContext(t *testing.T) {
	b := newTokenBucket(0.001, 1) // one call per 1000s
	if err := b.wait(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := b.wait(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait with a cancelled context = %v", err)
	}

	// A waiter whose context ends while it waits leaves the line.
	ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := b.wait(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait until the context's deadline = %v", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := len(b.waiters); n != 0 {
		t.Fatalf("%d waiters left in line after their contexts ended", n)
	}
}

// Callers waiting together get their tokens by priority, ties in arrival
// order: a status list that frees in-flight slots passes queued deletes,
// which pass queued describes and directory reads.
func TestTokenBucketServesByPriority(t *testing.T) {
	b := newTokenBucket(100, 1) // one priority step = 100ms, far more than the arrivals' spread
	var order []string
	b.granted = func(prio int) { order = append(order, strconv.Itoa(prio)) } // under b.mu
	b.mu.Lock()
	b.tat = time.Now().Add(time.Hour) // no token until the line is formed
	b.mu.Unlock()

	ops := []string{"DescribePermissionSet", "DeleteAccountAssignment", "ListAccountAssignmentDeletionStatus",
		"DescribeAccountAssignmentDeletionStatus", "CreateAccountAssignment", "ListAccountAssignmentCreationStatus"}
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Go(func() {
			if err := b.wait(t.Context(), callPriority(t.Context(), op)); err != nil {
				t.Errorf("wait %s: %v", op, err)
			}
		})
		for { // queue them one by one, so that arrival order is known
			b.mu.Lock()
			n := len(b.waiters)
			b.mu.Unlock()
			if n == i+1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	b.mu.Lock()
	b.tat = time.Now()
	b.notifyLocked()
	b.mu.Unlock()
	wg.Wait()
	if got, want := strings.Join(order, ","), "0,0,1,1,2,2"; got != want {
		t.Fatalf("tokens went to priorities %s, want %s", got, want)
	}
}

// Priority never starves: status lists asked for back to back (a poller
// polling faster than the rate) still let a waiting describe through after
// at most its priority steps' worth of tokens.
func TestTokenBucketPriorityDoesNotStarve(t *testing.T) {
	b := newTokenBucket(1000, 1)
	var mu sync.Mutex
	listsBefore, describeDone := 0, false
	b.granted = func(prio int) { // under b.mu
		mu.Lock()
		defer mu.Unlock()
		switch {
		case prio == 2:
			describeDone = true
		case !describeDone:
			listsBefore++
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := b.wait(t.Context(), 0); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond) // let the lists saturate the bucket
	mu.Lock()
	start := listsBefore
	mu.Unlock()
	if err := b.wait(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	// 2 priority steps of 10 tokens, plus the lists already in line.
	if passed := listsBefore - start; passed > 2*priorityStepTokens+5 {
		t.Fatalf("%d status lists passed a waiting describe; want at most %d", passed, 2*priorityStepTokens+5)
	}
}

func TestSlotQueuePriority(t *testing.T) {
	q := newSlotQueue(1)
	ctx := t.Context()
	if err := q.acquire(ctx, time.Time{}); err != nil {
		t.Fatal(err)
	}
	base := time.Unix(0, 0)
	prios := []int{5, 3, 9, 1, 7, 3}
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i, p := range prios {
		wg.Go(func() {
			if err := q.acquire(ctx, base.Add(time.Duration(p)*time.Second)); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			q.release()
		})
		waitFor(t, func() bool { _, _, w := q.state(); return w == i+1 })
	}
	// A cancelled waiter leaves the queue.
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- q.acquire(cctx, base) }()
	waitFor(t, func() bool { _, _, w := q.state(); return w == len(prios)+1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled acquire = %v", err)
	}
	q.release()
	wg.Wait()
	// By priority, ties (the two 3s: indexes 1 and 5) in order of arrival.
	if want := []int{3, 1, 5, 0, 4, 2}; !slices.Equal(order, want) {
		t.Fatalf("order = %v, want %v", order, want)
	}
	if inUse, maxUsed, waiting := q.state(); inUse != 0 || maxUsed != 1 || waiting != 0 {
		t.Fatalf("state = %d in use, %d max, %d waiting", inUse, maxUsed, waiting)
	}
}

// waitFor polls cond until it holds (no timing assertion: the test's own
// deadline bounds it).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatal("condition never held")
		}
		time.Sleep(time.Millisecond)
	}
}

// sentRequest is one request that reached the HTTP client.
type sentRequest struct {
	at     time.Time
	target string // X-Amz-Target
	body   map[string]any
}

// traceClient records every request the SDK sends, after the provider's
// limiter let it through.
type traceClient struct {
	mu   sync.Mutex
	reqs []sentRequest
}

func (c *traceClient) Do(r *http.Request) (*http.Response, error) {
	at := time.Now()
	var body map[string]any
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		_ = json.Unmarshal(b, &body)
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, sentRequest{at: at, target: r.Header.Get("X-Amz-Target"), body: body})
	c.mu.Unlock()
	return http.DefaultClient.Do(r)
}

// sent returns the recorded requests whose target ends with "."+op, or
// all of sso-admin (SWBExternalService) when op is "".
func (c *traceClient) sent(op string) []sentRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []sentRequest
	for _, r := range c.reqs {
		if op == "" && strings.HasPrefix(r.target, "SWBExternalService.") || op != "" && strings.HasSuffix(r.target, "."+op) {
			out = append(out, r)
		}
	}
	return out
}

// maxInWindow returns the most requests sent within any window of length w.
func maxInWindow(reqs []sentRequest, w time.Duration) int {
	ts := make([]time.Time, len(reqs))
	for i, r := range reqs {
		ts[i] = r.at
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// allAssignments returns up to n distinct user assignments of the demo seed.
func allAssignments(emu *awsemu.Emulator, n int) []access.Assignment {
	var out []access.Assignment
	for _, acct := range []string{"management", "audit", "log-archive", "prod", "staging", "dev", "sandbox-1", "sandbox-2"} {
		for _, ps := range []string{"AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess"} {
			for _, u := range []string{"alice", "bob", "carol", "dave", "erin"} {
				if len(out) == n {
					return out
				}
				out = append(out, access.Assignment{AccountID: emu.AccountID(acct), PermissionSetARN: emu.PermissionSetARN(ps), UserID: emu.UserID(u)})
			}
		}
	}
	return out
}

// createAll creates the assignments with a separate provider, quickly:
// with the default limits at scale times the speed.
func createAll(tb testing.TB, url string, as []access.Assignment, scale float64) {
	tb.Helper()
	p, err := NewFromConfig(context.Background(), staticConfig(url), Config{
		PollInterval: time.Millisecond, MaxPollInterval: 5 * time.Millisecond, CallsPerSecond: DefaultCallsPerSecond * scale,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, a := range as {
		wg.Go(func() {
			if _, err := p.CreateAssignment(context.Background(), a); err != nil {
				tb.Error(err)
			}
		})
	}
	wg.Wait()
}

// TestRevokeBurstStaysWithinLimits starts 100 deletions at once against an
// emulator that enforces AWS's Identity Center quotas (20 calls/s, 10
// operations in progress), and checks that the provider stays inside them
// by itself: no ThrottlingException, at most 20 sso-admin calls in any
// second by its own clock, at most 10 operations in flight. It runs at 4x
// speed (the emulator's TimeScale): 4x the rates, windows of 250ms.
func TestRevokeBurstStaysWithinLimits(t *testing.T) {
	t.Parallel()
	const scale = 4
	const n = 100
	emu, url := startEmulator(t, awsemu.Options{
		ProvisioningDelay: 1200 * time.Millisecond, // 300ms at 4x
		RateLimit:         &awsemu.RateLimit{},     // AWS's: 20 calls/s, 10 in progress
		TimeScale:         scale,
	})
	as := allAssignments(emu, n)
	createAll(t, url, as, scale)
	emuBefore := emu.Stats()

	trace := &traceClient{}
	cfg := testConfig(t)
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.CallsPerSecond = DefaultCallsPerSecond * scale
	cfg.MaxInFlight = 0 // default 10
	cfg.PollInterval, cfg.MaxPollInterval = time.Second/scale, 5*time.Second/scale
	cfg.HTTPClient = trace
	p, err := NewFromConfig(t.Context(), staticConfig(url), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, a := range as {
		wg.Go(func() {
			if _, err := p.DeleteAssignment(t.Context(), a, time.Time{}); err != nil {
				t.Errorf("DeleteAssignment: %v", err)
			}
		})
	}
	wg.Wait()

	for _, a := range as {
		if emu.HasAssignment(a.AccountID, a.PermissionSetARN, a.UserID) {
			t.Fatalf("assignment %v still present", a)
		}
	}
	st := p.Stats()
	sent := trace.sent("")
	peak := maxInWindow(sent, time.Second/scale)
	t.Logf("%d sso-admin calls for %d deletions (%.2f per deletion): %v; peak %d calls per (scaled) second; max in flight %d; throttles %d, retries %d",
		len(sent), n, float64(len(sent))/n, st.Calls, peak, st.MaxInFlight, st.Throttles, st.Retries)
	if peak > 20 {
		t.Errorf("%d sso-admin calls within one (scaled) second; AWS allows 20", peak)
	}
	if st.MaxInFlight > DefaultMaxInFlight || st.MaxInFlight < 1 {
		t.Errorf("max in flight = %d, want 1..%d", st.MaxInFlight, DefaultMaxInFlight)
	}
	emuAfter := emu.Stats()
	if st.Throttles != 0 || emuAfter.Throttled != emuBefore.Throttled {
		t.Errorf("throttled: the provider saw %d ThrottlingExceptions, the emulator sent %d", st.Throttles, emuAfter.Throttled-emuBefore.Throttled)
	}
	if st.Deletes != n || st.InFlight != 0 || st.Waiting != 0 {
		t.Errorf("stats after the burst: %+v", st)
	}
	if got := st.ServiceCalls(svcSSO); got != int64(len(sent)) {
		t.Errorf("Stats counts %d sso-admin calls, the HTTP client saw %d", got, len(sent))
	}
}

// TestEarliestDeadlineFirst queues 30 deletions with shuffled deadlines
// behind one in-flight slot and checks they reach AWS by deadline.
func TestEarliestDeadlineFirst(t *testing.T) {
	t.Parallel()
	emu, url := startEmulator(t, awsemu.Options{})
	trace := &traceClient{}
	cfg := testConfig(t)
	cfg.MaxInFlight = 1
	cfg.HTTPClient = trace
	p, err := NewFromConfig(t.Context(), staticConfig(url), cfg)
	if err != nil {
		t.Fatal(err)
	}
	as := allAssignments(emu, 30)
	base := time.Now().Add(time.Hour)
	deadlines := make([]time.Time, len(as))
	for i, k := range rand.Perm(len(as)) {
		deadlines[i] = base.Add(time.Duration(k) * time.Minute)
	}

	// Hold the only slot until every deletion waits for it.
	if err := p.slots.acquire(t.Context(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i, a := range as {
		wg.Go(func() {
			if _, err := p.DeleteAssignment(t.Context(), a, deadlines[i]); err != nil {
				t.Errorf("delete: %v", err)
			}
		})
	}
	waitFor(t, func() bool { return p.Stats().Waiting == len(as) })
	p.slots.release()
	wg.Wait()

	want := make([]int, len(as))
	for i := range want {
		want[i] = i
	}
	sort.Slice(want, func(i, j int) bool { return deadlines[want[i]].Before(deadlines[want[j]]) })
	index := map[string]int{}
	for i, a := range as {
		index[a.AccountID+"/"+a.PermissionSetARN+"/"+a.UserID] = i
	}
	var got []int
	for _, r := range trace.sent("DeleteAccountAssignment") {
		key := r.body["TargetId"].(string) + "/" + r.body["PermissionSetArn"].(string) + "/" + r.body["PrincipalId"].(string)
		got = append(got, index[key])
	}
	if !slices.Equal(got, want) {
		t.Fatalf("deletions issued in order %v, want (by deadline) %v", got, want)
	}
}

// TestListPollingSavesCalls runs 50 concurrent creations twice, polling
// with List…Status(IN_PROGRESS) plus Describe of the finished ones, then
// with one Describe per operation, and compares the status calls.
func TestListPollingSavesCalls(t *testing.T) {
	t.Parallel()
	const n = 50
	run := func(listPollMin int) (statusCalls int64, st Stats) {
		// Provisioning takes many poll cycles, as in AWS (seconds versus a
		// 1-5s poll interval).
		emu, url := startEmulator(t, awsemu.Options{ProvisioningDelay: 500 * time.Millisecond})
		cfg := testConfig(t)
		cfg.Logger = slog.New(slog.DiscardHandler)
		cfg.MaxInFlight = n
		cfg.PollInterval, cfg.MaxPollInterval = 10*time.Millisecond, 40*time.Millisecond
		cfg.listPollMin = listPollMin
		p, err := NewFromConfig(t.Context(), staticConfig(url), cfg)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, a := range allAssignments(emu, n) {
			wg.Go(func() {
				if _, err := p.CreateAssignment(t.Context(), a); err != nil {
					t.Errorf("CreateAssignment: %v", err)
				}
			})
		}
		wg.Wait()
		st = p.Stats()
		for k, v := range st.Calls {
			if strings.Contains(k, "AccountAssignmentCreationStatus") {
				statusCalls += v
			}
		}
		return statusCalls, st
	}
	listCalls, listStats := run(0) // default: lists from 3 operations on
	descCalls, descStats := run(1 << 30)
	t.Logf("status calls for %d concurrent creations: list-based %d %v; describe each %d %v", n, listCalls, listStats.Calls, descCalls, descStats.Calls)
	if listStats.Calls["sso:ListAccountAssignmentCreationStatus"] == 0 {
		t.Error("list-based polling never listed")
	}
	if descStats.Calls["sso:ListAccountAssignmentCreationStatus"] != 0 {
		t.Error("describe-only polling listed")
	}
	if listCalls >= descCalls {
		t.Errorf("list-based polling made %d status calls, describing each %d: want fewer", listCalls, descCalls)
	}
	// An operation that leaves the IN_PROGRESS list is told SUCCEEDED by a
	// FAILED list that does not show it: no Describe of its own (only one
	// that finished before any list showed it is described).
	if d := listStats.Calls["sso:DescribeAccountAssignmentCreationStatus"]; d > n/5 {
		t.Errorf("list-based polling described %d times for %d operations; want the lists to tell the outcomes", d, n)
	}
}

// TestListPollingTellsFailures runs concurrent creations and deletions in
// list mode of which some fail in AWS, and checks that each caller gets
// its own outcome: the failed ones AWS's reason (read with a Describe of
// each failed operation only), the others success.
func TestListPollingTellsFailures(t *testing.T) {
	t.Parallel()
	const n = 30
	const reason = "Received a 409 status error: the IAM roles quota of the account is exceeded"
	emu, url := startEmulator(t, awsemu.Options{ProvisioningDelay: time.Second})
	cfg := testConfig(t)
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.MaxInFlight = n
	cfg.PollInterval, cfg.MaxPollInterval, cfg.ListPollInterval = 10*time.Millisecond, 40*time.Millisecond, 20*time.Millisecond
	p, err := NewFromConfig(t.Context(), staticConfig(url), cfg)
	if err != nil {
		t.Fatal(err)
	}
	as := allAssignments(emu, n)
	// The emulator fails the next creations in the order they arrive;
	// which callers those are is not known, so count them.
	const failures = 4
	for range failures {
		emu.FailNext("create", reason)
	}
	var mu sync.Mutex
	var failed, ok int
	var wg sync.WaitGroup
	for _, a := range as {
		wg.Go(func() {
			_, err := p.CreateAssignment(t.Context(), a)
			mu.Lock()
			defer mu.Unlock()
			var perr *access.ProvisioningError
			switch {
			case err == nil:
				ok++
				if !emu.HasAssignment(a.AccountID, a.PermissionSetARN, a.UserID) {
					t.Errorf("creation of %v reported SUCCEEDED but the assignment is absent", a)
				}
			case errors.As(err, &perr) && perr.Reason == reason:
				failed++
				if emu.HasAssignment(a.AccountID, a.PermissionSetARN, a.UserID) {
					t.Errorf("creation of %v reported FAILED but the assignment exists", a)
				}
			default:
				t.Errorf("CreateAssignment(%v) = %v; want success or the FAILED reason", a, err)
			}
		})
	}
	wg.Wait()
	st := p.Stats()
	t.Logf("%d succeeded, %d failed; calls %v", ok, failed, st.Calls)
	if failed != failures || ok != n-failures {
		t.Errorf("%d failed and %d succeeded; want %d and %d", failed, ok, failures, n-failures)
	}
	if d := st.Calls["sso:DescribeAccountAssignmentCreationStatus"]; d < failures || d > failures+n/5 {
		t.Errorf("%d Describes for %d failures among %d creations; want one per failure (and few others)", d, failures, n)
	}
}

// TestAbandonedOperationKeepsItsSlot checks that an operation whose caller
// gave up still counts as in flight until AWS finishes it.
func TestAbandonedOperationKeepsItsSlot(t *testing.T) {
	t.Parallel()
	var skew atomic.Int64 // the emulator's clock runs ahead by this much
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	env := newEnv(t, awsemu.Options{ProvisioningDelay: time.Hour, Now: now}, func(c *Config) { c.MaxInFlight = 1 })
	a := env.assignment("dev", "AdministratorAccess", "alice")
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := env.p.CreateAssignment(ctx, a)
		errc <- err
	}()
	waitFor(t, func() bool { return env.emu.Calls("DescribeAccountAssignmentCreationStatus") > 0 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateAssignment = %v, want context.Canceled", err)
	}
	if st := env.p.Stats(); st.InFlight != 1 {
		t.Fatalf("in flight after the caller gave up = %d, want 1 (AWS is still provisioning)", st.InFlight)
	}
	// A second operation waits for the slot; its context ends first.
	ctx2, cancel2 := context.WithCancel(t.Context())
	go func() {
		waitFor(t, func() bool { return env.p.Stats().Waiting == 1 })
		cancel2()
	}()
	_, err := env.p.DeleteAssignment(ctx2, env.assignment("dev", "ReadOnlyAccess", "bob"), time.Time{})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "in-flight slot") {
		t.Fatalf("DeleteAssignment waiting for the slot = %v", err)
	}
	// AWS finishes: the poller frees the slot.
	env.emu.SetProvisioningDelay(0)
	skew.Store(int64(2 * time.Hour))
	if _, err := env.p.DeleteAssignment(t.Context(), a, time.Time{}); err != nil {
		t.Fatalf("DeleteAssignment after the first operation finished: %v", err)
	}
}

// BenchmarkRevokeBurst deletes 100 assignments at once with the default
// limits at 10x speed (10x the call rate, polls at a tenth) against the
// emulator enforcing AWS's quotas at TimeScale 10, with a 2s provisioning
// delay, and reports sso-admin calls per revocation and the time until the
// last deletion succeeded, in real-AWS seconds (x10).
func BenchmarkRevokeBurst(b *testing.B) {
	const scale = 10
	const n = 100
	emu, err := awsemu.New(awsemu.DemoSeed(), awsemu.Options{
		ProvisioningDelay: 2 * time.Second, // 200ms at 10x
		RateLimit:         &awsemu.RateLimit{},
		TimeScale:         scale,
	})
	if err != nil {
		b.Fatal(err)
	}
	url, stop, err := awsemu.Listen(context.Background(), "127.0.0.1:0", emu)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = stop(context.Background()) }()
	as := allAssignments(emu, n)
	p, err := NewFromConfig(context.Background(), staticConfig(url), Config{
		CallsPerSecond: DefaultCallsPerSecond * scale, PollInterval: DefaultPollInterval / scale, MaxPollInterval: DefaultMaxPollInterval / scale,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	var calls int64
	for b.Loop() {
		b.StopTimer()
		createAll(b, url, as, scale)
		before := p.Stats().ServiceCalls(svcSSO)
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		for _, a := range as {
			wg.Go(func() {
				if _, err := p.DeleteAssignment(context.Background(), a, time.Time{}); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		total += time.Since(start)
		calls += p.Stats().ServiceCalls(svcSSO) - before
	}
	st := p.Stats()
	b.ReportMetric(float64(calls)/float64(st.Deletes), "calls/revoke")
	b.ReportMetric(total.Seconds()*scale/float64(st.Deletes/n), "aws-s/last-revoke")
	b.ReportMetric(float64(emu.Stats().Throttled), "throttles")
}

// TestTokenBucketNeverExceedsTheWindow: whatever the arrivals, the default
// sso-admin bucket (18 calls/s, burst 2) lets at most 20 calls through in
// any one-second window, AWS's limit, and after a quiet spell lets its
// burst through at once.
func TestTokenBucketNeverExceedsTheWindow(t *testing.T) {
	t.Parallel()
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	poisson := func(seed uint64, n int, mean time.Duration) []time.Duration {
		rng := rand.New(rand.NewPCG(seed, 1))
		var out []time.Duration
		at := time.Duration(0)
		for range n {
			at += time.Duration(rng.ExpFloat64() * float64(mean))
			out = append(out, at)
		}
		return out
	}
	repeat := func(n int, every time.Duration, burst int) []time.Duration {
		var out []time.Duration
		for i := range n {
			for range burst {
				out = append(out, time.Duration(i)*every)
			}
		}
		return out
	}
	for _, c := range []struct {
		name      string
		rate      float64
		burst     int
		limit     int // calls allowed in any one-second window
		arrivals  []time.Duration
		firstFree int // calls that go at once at the start (idle bucket)
	}{
		{"500 at once", DefaultCallsPerSecond, DefaultCallBurst, 20, repeat(1, 0, 500), DefaultCallBurst},
		{"a burst of 25 every 1.5 s", DefaultCallsPerSecond, DefaultCallBurst, 20, repeat(20, ms(1500), 25), DefaultCallBurst},
		{"a burst of 3 every 150 ms", DefaultCallsPerSecond, DefaultCallBurst, 20, repeat(60, ms(150), 3), DefaultCallBurst},
		{"Poisson at 12/s", DefaultCallsPerSecond, DefaultCallBurst, 20, poisson(1, 1000, ms(83)), 1},
		{"Poisson at 30/s", DefaultCallsPerSecond, DefaultCallBurst, 20, poisson(2, 1000, ms(33)), 1},
		{"one every 50 ms", DefaultCallsPerSecond, DefaultCallBurst, 20, repeat(400, ms(50), 1), 1},
		{"scaled by 10: 180/s, burst 20", 180, 20, 200, repeat(5, ms(1200), 400), 20},
		{"burst 1 (before): 19", DefaultCallsPerSecond, 1, 19, repeat(1, 0, 200), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Unix(1000, 0)
			now := start
			b := newTokenBucket(c.rate, c.burst)
			b.now = func() time.Time { return now }
			// Each arrival books the next free instant, as the first
			// caller in line does in wait.
			var sent []time.Duration
			for _, a := range c.arrivals {
				now = start.Add(a)
				sent = append(sent, a+b.reserve())
			}
			slices.Sort(sent)
			most, at := 0, time.Duration(0)
			for i, s := range sent {
				j, _ := slices.BinarySearch(sent, s+time.Second) // first call at or after s+1s
				if n := j - i; n > most {
					most, at = n, s
				}
			}
			if most > c.limit {
				t.Errorf("%d calls in the second from %v; want at most %d", most, at, c.limit)
			}
			free := 0
			for _, s := range sent[:min(len(sent), c.firstFree+1)] {
				if s == c.arrivals[0] {
					free++
				}
			}
			if len(c.arrivals) > c.firstFree && c.arrivals[c.firstFree] == c.arrivals[0] && free != c.firstFree {
				t.Errorf("%d calls went at once at the start; want the burst, %d", free, c.firstFree)
			}
		})
	}
}

// TestExpectedTimeConverges: the poller's expected provisioning time,
// learned from whether each operation was finished when described at the
// expected time and after, comes within a few percent of the true time from far
// above (the configured default before any answer) and from below, in few
// operations, and stays there once settled.
func TestExpectedTimeConverges(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name          string
		start, actual time.Duration
	}{
		{"from 2s down to 200ms", 2 * time.Second, 200 * time.Millisecond},
		{"from 100ms up to 200ms", 100 * time.Millisecond, 200 * time.Millisecond},
		{"from 2s down to 1.5s", 2 * time.Second, 1500 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pl := &poller{p: &Provider{operationTimeout: time.Minute}, expected: c.start}
			within := func() bool {
				e := float64(pl.expect())
				return e >= 0.95*float64(c.actual) && e <= 1.05*float64(c.actual)
			}
			first := -1
			for i := range 200 {
				// As the poller does: a Describe at the expected time, then
				// at steps doubling from 1/64 of it until AWS says done.
				at := pl.expect()
				step := at / 64
				for {
					done := at >= c.actual
					pl.learn(at, done)
					if done {
						break
					}
					at += step
					step *= 2
				}
				if first < 0 && within() {
					first = i
				}
				if i >= 100 && !within() {
					t.Fatalf("after %d operations the estimate %s is not within 5%% of %s", i+1, pl.expect(), c.actual)
				}
			}
			if first < 0 || first > 50 {
				t.Fatalf("estimate within 5%% of %s after %d operations (want at most 50); now %s", c.actual, first+1, pl.expect())
			}
		})
	}
}

// TestDeletionEnvelope: before any deletion the envelope is the configured
// provisioning time, then the learned one; a deletion may start every
// 1.1 × latency / MaxInFlight, or slower when the call rate binds.
func TestDeletionEnvelope(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		perSecond   float64
		learned     time.Duration
		wantLatency time.Duration
		wantSpacing time.Duration
	}{
		{"in-flight bound, configured", 18, 0, 2 * time.Second, 220 * time.Millisecond},
		{"in-flight bound, learned", 100, time.Second, time.Second, 110 * time.Millisecond},
		{"rate bound", 5, 0, 2 * time.Second, 500 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := &Provider{provisioningTime: 2 * time.Second, maxInFlight: 10, callsPerSecond: c.perSecond, operationTimeout: time.Minute}
			p.pollers[kindDelete] = newPoller(p, kindDelete)
			if c.learned > 0 {
				p.pollers[kindDelete].expected = c.learned
				p.pollers[kindDelete].learned = true
			}
			env := p.DeletionEnvelope()
			if env.Latency != c.wantLatency || env.Spacing != c.wantSpacing {
				t.Errorf("DeletionEnvelope = %+v, want latency %s, spacing %s", env, c.wantLatency, c.wantSpacing)
			}
		})
	}
}
