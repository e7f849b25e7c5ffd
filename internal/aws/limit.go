package aws

import (
	"container/heap"
	"context"
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
// at most burst tokens saved up. Callers that must wait are served in the
// order of their arrival time plus priorityStep per priority level (see
// callPriority): a status list passes deletes that arrived less than
// priorityStep before it, and so on, but nobody waits forever, whatever the
// others' priorities.
//
// Over any window of length w it lets at most burst + w/interval calls
// through: with burst 2 and 18 calls/s, at most 20 calls in any second.
type tokenBucket struct {
	interval time.Duration
	slack    time.Duration // (burst-1) * interval
	now      func() time.Time

	mu      sync.Mutex
	tat     time.Time // theoretical arrival time of the next call
	seq     uint64
	waiters waitHeap[*queued]
	changed chan struct{} // closed and replaced when the queue's head may have changed

	granted func(prio int) // called under mu when a waiter gets its token (tests)
}

// priorityStepTokens is how many tokens' worth of time one priority level
// is worth in the waiting order.
const priorityStepTokens = 40

func newTokenBucket(perSecond float64, burst int) *tokenBucket {
	if burst < 1 {
		burst = 1
	}
	iv := time.Duration(float64(time.Second) / perSecond)
	return &tokenBucket{interval: iv, slack: time.Duration(burst-1) * iv, now: time.Now, changed: make(chan struct{})}
}

// reserve books the next free instant and returns how long to wait for it,
// ahead of any waiter.
func (b *tokenBucket) reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bookLocked()
}

// bookLocked books the next free instant and returns how long until it.
func (b *tokenBucket) bookLocked() time.Duration {
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

// untilFreeLocked is how long until a token is free (<= 0: now).
func (b *tokenBucket) untilFreeLocked() time.Duration {
	return b.tat.Add(-b.slack).Sub(b.now())
}

func (b *tokenBucket) notifyLocked() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// wait blocks until the caller, of priority prio, may make one call, or ctx
// is done. Only the first waiter in line sleeps until the next token; the
// others wait for the line to move.
func (b *tokenBucket) wait(ctx context.Context, prio int) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	b.mu.Lock()
	if len(b.waiters) == 0 && b.untilFreeLocked() <= 0 {
		b.bookLocked()
		b.mu.Unlock()
		return nil
	}
	w := &queued{key: b.now().Add(time.Duration(prio) * priorityStepTokens * b.interval), seq: b.seq}
	b.seq++
	heap.Push(&b.waiters, w)
	if b.waiters[0] == w {
		b.notifyLocked() // the previous head is no longer first
	}
	for {
		var timer *time.Timer
		var fire <-chan time.Time
		if b.waiters[0] == w {
			d := b.untilFreeLocked()
			if d <= 0 {
				heap.Pop(&b.waiters)
				b.bookLocked()
				if b.granted != nil {
					b.granted(prio)
				}
				b.notifyLocked()
				b.mu.Unlock()
				return nil
			}
			timer = time.NewTimer(d)
			fire = timer.C
		}
		changed := b.changed
		b.mu.Unlock()
		var err error
		select {
		case <-fire:
		case <-changed:
		case <-ctx.Done():
			err = context.Cause(ctx)
		}
		if timer != nil {
			timer.Stop()
		}
		b.mu.Lock()
		if err != nil {
			heap.Remove(&b.waiters, w.index)
			b.notifyLocked()
			b.mu.Unlock()
			return err
		}
	}
}

// queued is a place in a waiting line: served earliest key first, ties by
// arrival (seq). index is its position in the waitHeap.
type queued struct {
	key   time.Time
	seq   uint64
	index int
}

func (q *queued) place() *queued { return q }

// waitHeap is a priority queue of waiters (container/heap) that keeps each
// one's index, so that a waiter that gives up can be removed.
type waitHeap[W interface{ place() *queued }] []W

func (h waitHeap[W]) Len() int { return len(h) }
func (h waitHeap[W]) Less(i, j int) bool {
	a, b := h[i].place(), h[j].place()
	if !a.key.Equal(b.key) {
		return a.key.Before(b.key)
	}
	return a.seq < b.seq
}
func (h waitHeap[W]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].place().index, h[j].place().index = i, j
}
func (h *waitHeap[W]) Push(x any) {
	w := x.(W)
	w.place().index = len(*h)
	*h = append(*h, w)
}
func (h *waitHeap[W]) Pop() any {
	old := *h
	w := old[len(old)-1]
	var zero W
	old[len(old)-1] = zero
	*h = old[:len(old)-1]
	w.place().index = -1
	return w
}

// Priority levels of the rate limiter's waiting line.
const (
	priorityUse   = 0 // creates and deletes, which hold their slots already
	priorityPoll  = 1 // status calls that free in-flight slots
	priorityOther = 2 // everything else
)

type callPriorityKey struct{}

// withCallPriority ranks the calls made with ctx at level prio, whatever
// their operation.
func withCallPriority(ctx context.Context, prio int) context.Context {
	return context.WithValue(ctx, callPriorityKey{}, prio)
}

// callPriority ranks an sso-admin call for the rate limiter: the level set
// on ctx with withCallPriority, or else by operation. The creates and
// deletes come first: each already holds its in-flight slot, there are at
// most MaxInFlight of them, and a grant or revocation waits for nothing
// else; then the status lists, which free slots; then everything else
// (directory and reconciliation reads). The poller sets its
// Describe…Status calls' level: the poll level while they are what tells
// it an operation has finished; once a list has freed the slot, the
// create/delete level for a creation (the grant waits for it) and the last
// level for a deletion.
func callPriority(ctx context.Context, op string) int {
	if p, ok := ctx.Value(callPriorityKey{}).(int); ok {
		return p
	}
	switch op {
	case "ListAccountAssignmentCreationStatus", "ListAccountAssignmentDeletionStatus":
		return priorityPoll
	case "CreateAccountAssignment", "DeleteAccountAssignment":
		return priorityUse
	}
	return priorityOther
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
	waiters waitHeap[*slotWaiter]
}

type slotWaiter struct {
	queued  // key: the priority (a deadline or the time of arrival)
	ready   chan struct{}
	granted bool
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
	w := &slotWaiter{queued: queued{key: prio, seq: q.seq}, ready: make(chan struct{})}
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
	// Creates and Deletes count finished create and delete operations,
	// whatever their outcome; callers that joined an operation already
	// running do not count again.
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
	op := awsmiddleware.GetOperationName(ctx)
	if g.bucket != nil {
		if err := g.bucket.wait(ctx, callPriority(ctx, op)); err != nil {
			// Nothing was sent: the caller only waited its turn.
			return middleware.FinalizeOutput{}, middleware.Metadata{}, &WaitingError{For: "the " + g.service + " rate limiter", Err: err}
		}
	}
	g.stats.call(g.service, op)
	out, md, err := next.HandleFinalize(ctx, in)
	if err != nil {
		switch errorCode(err) {
		case "ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded":
			g.stats.throttles.Add(1)
		}
	}
	return out, md, err
}
