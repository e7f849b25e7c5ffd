package aws

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Service names used by the limiters and Stats.
const (
	svcSSO           = "sso"
	svcIdentityStore = "identitystore"
	svcOrganizations = "organizations"
	svcSTS           = "sts"
)

// tokenBucket is a token bucket in its GCRA form: one token every interval,
// at most burst tokens saved up. Waiters are served in the order in which
// they asked (each reserves the next free instant), so no caller starves.
//
// Over any window of length w it lets at most burst + w/interval calls
// through: with burst 1 and 18 calls/s, at most 19 calls in any second.
type tokenBucket struct {
	interval time.Duration
	slack    time.Duration // (burst-1) * interval
	now      func() time.Time

	mu  sync.Mutex
	tat time.Time // theoretical arrival time of the next call
}

func newTokenBucket(perSecond float64, burst int) *tokenBucket {
	if burst < 1 {
		burst = 1
	}
	iv := time.Duration(float64(time.Second) / perSecond)
	return &tokenBucket{interval: iv, slack: time.Duration(burst-1) * iv, now: time.Now}
}

// reserve books the next free instant and returns how long to wait for it.
func (b *tokenBucket) reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	start := now
	if t := b.tat.Add(-b.slack); t.After(start) {
		start = t
	}
	if b.tat.Before(now) {
		b.tat = now
	}
	b.tat = b.tat.Add(b.interval)
	return start.Sub(now)
}

// wait blocks until the caller may make one call, or ctx is done. A
// cancelled reservation is not handed back: that only makes the bucket
// slower, never faster than its rate.
func (b *tokenBucket) wait(ctx context.Context) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	d := b.reserve()
	if d <= 0 {
		return nil
	}
	return sleep(ctx, d)
}

// slotQueue limits the number of create/delete operations in flight. Waiters
// are served lowest priority value first (an earlier deadline or arrival),
// ties in order of arrival; a released slot goes straight to the next
// waiter.
type slotQueue struct {
	mu      sync.Mutex
	free    int
	inUse   int
	maxUsed int
	seq     uint64
	waiters slotHeap
}

type slotWaiter struct {
	prio    time.Time
	seq     uint64
	ready   chan struct{}
	granted bool
	index   int
}

func newSlotQueue(n int) *slotQueue { return &slotQueue{free: n} }

// acquire takes a slot, waiting in priority order while none is free.
func (q *slotQueue) acquire(ctx context.Context, prio time.Time) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	q.mu.Lock()
	if q.free > 0 && len(q.waiters) == 0 {
		q.free--
		q.take()
		q.mu.Unlock()
		return nil
	}
	w := &slotWaiter{prio: prio, seq: q.seq, ready: make(chan struct{})}
	q.seq++
	heap.Push(&q.waiters, w)
	q.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		q.mu.Lock()
		if w.granted {
			q.mu.Unlock()
			q.release() // granted meanwhile: pass it on
		} else {
			heap.Remove(&q.waiters, w.index)
			q.mu.Unlock()
		}
		return context.Cause(ctx)
	}
}

// take records one more slot in use; q.mu must be held.
func (q *slotQueue) take() {
	q.inUse++
	q.maxUsed = max(q.maxUsed, q.inUse)
}

// release frees a slot, handing it to the first waiter if any.
func (q *slotQueue) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inUse--
	if len(q.waiters) > 0 {
		w := heap.Pop(&q.waiters).(*slotWaiter)
		w.granted = true
		q.take()
		close(w.ready)
		return
	}
	q.free++
}

// state returns the slots in use, the high-water mark and the waiters.
func (q *slotQueue) state() (inUse, maxUsed, waiting int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.inUse, q.maxUsed, len(q.waiters)
}

type slotHeap []*slotWaiter

func (h slotHeap) Len() int { return len(h) }
func (h slotHeap) Less(i, j int) bool {
	if !h[i].prio.Equal(h[j].prio) {
		return h[i].prio.Before(h[j].prio)
	}
	return h[i].seq < h[j].seq
}
func (h slotHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *slotHeap) Push(x any) {
	w := x.(*slotWaiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *slotHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.index = -1
	return w
}

type deadlineKey struct{}

// WithDeadlinePriority returns a context that gives a DeleteAssignment made
// with it the priority of deadline: while it waits for an in-flight slot,
// deletions with earlier deadlines go first. Without it a deletion (like
// every creation) ranks by the time it asked for a slot.
func WithDeadlinePriority(ctx context.Context, deadline time.Time) context.Context {
	return context.WithValue(ctx, deadlineKey{}, deadline)
}

func deadlinePriority(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(deadlineKey{}).(time.Time)
	return t, ok && !t.IsZero()
}

// Stats counts the provider's AWS calls since it was created.
type Stats struct {
	// Calls counts HTTP requests (retries included) by "service:Operation",
	// e.g. "sso:DeleteAccountAssignment".
	Calls map[string]int64
	// Throttles counts responses with ThrottlingException or
	// TooManyRequestsException.
	Throttles int64
	// Retries counts the SDK's retries of any call.
	Retries int64
	// Creates and Deletes count finished CreateAssignment and
	// DeleteAssignment calls, whatever their outcome.
	Creates, Deletes int64
	// InFlight is the number of create/delete operations holding an
	// in-flight slot now; MaxInFlight the most there ever were.
	InFlight, MaxInFlight int
	// Waiting is the number of operations waiting for a slot.
	Waiting int
}

// ServiceCalls returns the calls made to one service ("sso",
// "identitystore", "organizations", "sts").
func (s Stats) ServiceCalls(service string) int64 {
	var n int64
	for k, v := range s.Calls {
		if len(k) > len(service) && k[:len(service)] == service && k[len(service)] == ':' {
			n += v
		}
	}
	return n
}

// CallsPerOperation returns the sso-admin calls (creates, deletes, status
// polls, and any directory reads) per finished create or delete.
func (s Stats) CallsPerOperation() float64 {
	if n := s.Creates + s.Deletes; n > 0 {
		return float64(s.ServiceCalls(svcSSO)) / float64(n)
	}
	return 0
}

// stats is the live counterpart of Stats.
type stats struct {
	mu               sync.Mutex
	calls            map[string]int64
	throttles        atomic.Int64
	retries          atomic.Int64
	creates, deletes atomic.Int64
}

func newStats() *stats { return &stats{calls: map[string]int64{}} }

func (s *stats) call(service, op string) {
	s.mu.Lock()
	s.calls[service+":"+op]++
	s.mu.Unlock()
}

// Stats returns the provider's call counters.
func (p *Provider) Stats() Stats {
	s := p.stats
	s.mu.Lock()
	calls := make(map[string]int64, len(s.calls))
	for k, v := range s.calls {
		calls[k] = v
	}
	s.mu.Unlock()
	out := Stats{
		Calls: calls, Throttles: s.throttles.Load(), Retries: s.retries.Load(),
		Creates: s.creates.Load(), Deletes: s.deletes.Load(),
	}
	out.InFlight, out.MaxInFlight, out.Waiting = p.slots.state()
	return out
}

// callGate is the SDK middleware that makes every HTTP attempt of one
// service's client wait for that service's token bucket, and counts it. It
// sits right after the SDK's retry middleware, so each retry waits and
// counts too.
type callGate struct {
	service string
	bucket  *tokenBucket // nil: no limit
	stats   *stats
}

func (g callGate) apiOption(stack *middleware.Stack) error {
	mw := middleware.FinalizeMiddlewareFunc("elevate.CallGate", g.handle)
	if _, ok := stack.Finalize.Get("Retry"); ok {
		return stack.Finalize.Insert(mw, "Retry", middleware.After)
	}
	return stack.Finalize.Add(mw, middleware.Before)
}

func (g callGate) handle(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	if g.bucket != nil {
		if err := g.bucket.wait(ctx); err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("wait for the %s rate limiter: %w", g.service, err)
		}
	}
	g.stats.call(g.service, awsmiddleware.GetOperationName(ctx))
	out, md, err := next.HandleFinalize(ctx, in)
	if err != nil {
		switch errorCode(err) {
		case "ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded":
			g.stats.throttles.Add(1)
		}
	}
	return out, md, err
}
