package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/elevate/elevate/internal/access"
)

// defaultListPollMin is the number of operations of one kind in progress
// from which, while no operation waits for an in-flight slot, a poll cycle
// lists the IN_PROGRESS requests (one call per 100) instead of describing
// each operation.
const defaultListPollMin = 3

// maxFailedPages bounds the List…Status(FAILED) pages one cycle reads to
// tell SUCCEEDED from FAILED; an account with more failures on record is
// polled with a Describe per finished operation instead, for
// failedListPause.
const (
	maxFailedPages  = 3
	failedListPause = 10 * time.Minute
)

// The expected duration of an operation is learned from AWS's answers: it
// shrinks by expectShrink when an operation was finished by the time
// expected, and grows by expectGrow when it was not. The two factors make
// about one first Describe in four come early, so that the estimate stays
// within a few percent of the provisioning time without costing many calls.
// A run of more than expectStreakFrom operations all finished by the
// expected time doubles the shrink with each further one (up to
// 2^expectStreakMax times), so that an estimate far too long (the
// configured provisioning time, before any answer) comes down within a few
// dozen operations, while the runs of a few that the balance above makes
// common do not push a right estimate down.
const (
	expectShrink     = 0.005
	expectGrow       = 1.015
	expectStreakFrom = 8
	expectStreakMax  = 5
)

// opKind is a kind of asynchronous operation: creation or deletion.
type opKind int

const (
	kindCreate opKind = iota
	kindDelete
)

func (k opKind) String() string {
	if k == kindCreate {
		return "create"
	}
	return "delete"
}

// trackedOp is an operation in progress that a poller watches.
type trackedOp struct {
	id      string
	start   time.Time
	log     *slog.Logger
	release func() // frees the in-flight slot; idempotent; called by the poller
	polls   atomic.Int32

	// Poller goroutine only.
	listed bool      // seen IN_PROGRESS in a List…Status answer
	seenAt time.Time // the start of the last list that showed it
	left   bool      // no longer listed: finished, its outcome awaits a FAILED list

	// Guarded by poller.mu.
	describing bool          // a Describe…Status of it is under way
	next       time.Time     // when to describe it on its own
	step       time.Duration // the delay after its last IN_PROGRESS answer

	done chan struct{} // closed when st and err are final
	st   opState
	err  error

	abandoned time.Time // set (under poller.mu) when the caller stopped waiting
}

// poller is the one goroutine per kind that polls the status of every
// operation of that kind in progress. It runs while there are any.
type poller struct {
	p    *Provider
	kind opKind

	mu       sync.Mutex
	ops      map[string]*trackedOp
	running  bool
	kick     chan struct{}
	expected time.Duration // how long an operation of this kind takes, as learned
	learned  bool          // expected has been adjusted from AWS's answers
	streak   int           // operations in a row finished by the expected time

	// Poller goroutine only.
	nextList      time.Time    // when the next list cycle is due
	failedListOff time.Time    // FAILED lists are not used until then
	lastFailed    time.Time    // the start of the last FAILED list
	unconcluded   []*trackedOp // finished operations whose outcome awaits a FAILED list
}

// failedListEvery is, in list cycles, how often a FAILED list tells the
// outcomes of the operations that finished since the last one: their slots
// are free already, so their callers wait for no more than this many
// cycles, and a FAILED list serves the operations of several cycles.
const failedListEvery = 3

func newPoller(p *Provider, kind opKind) *poller {
	return &poller{p: p, kind: kind, ops: map[string]*trackedOp{}, kick: make(chan struct{}, 1), expected: p.provisioningTime}
}

// track starts watching op; op.done is closed when it is SUCCEEDED or
// FAILED, or AWS refuses its status for good. Its first Describe, if the
// poller describes it on its own, is due after pollInterval or when an
// operation of its kind is expected to be finished, whichever is sooner
// (while operations wait for a slot: when it is expected to be finished).
func (pl *poller) track(op *trackedOp) {
	pl.mu.Lock()
	op.next = op.start.Add(min(pl.expected, pl.p.pollInterval))
	pl.ops[op.id] = op
	if !pl.running {
		pl.running = true
		go pl.run()
	}
	pl.mu.Unlock()
	pl.wake()
}

func (pl *poller) wake() {
	select {
	case pl.kick <- struct{}{}:
	default:
	}
}

// abandon notes that nobody waits for op any more. The poller keeps
// polling it, so that its in-flight slot is held until AWS has finished it,
// but gives up orphanTTL after it was abandoned.
func (pl *poller) abandon(op *trackedOp) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if _, ok := pl.ops[op.id]; ok && op.abandoned.IsZero() {
		op.abandoned = time.Now()
	}
}

func (pl *poller) snapshot() []*trackedOp {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	ops := make([]*trackedOp, 0, len(pl.ops))
	for _, op := range pl.ops {
		ops = append(ops, op)
	}
	return ops
}

// expect returns the learned duration of an operation.
func (pl *poller) expect() time.Duration {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.expected
}

// learn adjusts the expected duration from one observation: AWS showed an
// operation finished (done) or still in progress, elapsed after its start.
// Only observations near the estimate move it: a late answer that an
// operation is finished says nothing about how much earlier it finished.
func (pl *poller) learn(elapsed time.Duration, done bool) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	e := pl.expected
	switch {
	case done && float64(elapsed) <= float64(e)*1.02:
		e = time.Duration(float64(e) * (1 - expectShrink*float64(int(1)<<min(max(pl.streak-expectStreakFrom, 0), expectStreakMax))))
		pl.streak++
	case !done && float64(elapsed) >= float64(e)*0.98:
		e = time.Duration(float64(max(e, elapsed)) * expectGrow)
		pl.streak = 0
	}
	pl.expected = min(max(e, time.Millisecond), pl.p.operationTimeout)
	pl.learned = true
}

// callsPerDeletion is what one deletion costs in sso-admin calls at
// capacity, for DeletionEnvelope: the delete, its Describe near the
// expected time, and an early one now and then.
const callsPerDeletion = 2.5

// DeletionEnvelope returns what AWS allows for deletions as the provider
// sees it: the provisioning time it has learned from AWS's answers
// (Config.ProvisioningTime until then), and how often a deletion can start
// at capacity, bound by the in-flight slots (1.1 × latency / MaxInFlight)
// or by the call rate, whichever is slower. The workflow plans revocations ahead
// of a burst of ends with it.
func (p *Provider) DeletionEnvelope() access.Envelope {
	pl := p.pollers[kindDelete]
	pl.mu.Lock()
	latency := p.provisioningTime
	if pl.learned {
		latency = pl.expected
	}
	pl.mu.Unlock()
	// Each slot also waits a little between one deletion's end and the
	// next one's start (the poll, the calls' round trips): allow a tenth
	// of the latency for it, as the burst benchmark measures 3-10%.
	spacing := latency * 11 / 10 / time.Duration(max(p.maxInFlight, 1))
	if p.callsPerSecond > 0 {
		spacing = max(spacing, time.Duration(callsPerDeletion/p.callsPerSecond*float64(time.Second)))
	}
	return access.Envelope{Latency: latency, Spacing: spacing}
}

// run polls until no operation is left. Each operation is described on
// its own near the time it is expected to finish (and again at growing
// steps while AWS says IN_PROGRESS) while operations wait for an in-flight
// slot, or while there are fewer than listPollMin: then freeing a slot the
// moment AWS finishes is worth a call per operation. Otherwise a cycle
// every listPollInterval lists the requests IN_PROGRESS and, when some
// have left the list, the FAILED ones: a few calls per cycle for any
// number of operations.
func (pl *poller) run() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wake, ok := pl.turn(time.Now())
		if !ok {
			return
		}
		timer.Reset(max(time.Until(wake), 0))
		select {
		case <-pl.kick:
		case <-timer.C:
		}
	}
}

// turn does the polling due at now and returns when the next is due;
// false when no operation is left (the poller then stops).
func (pl *poller) turn(now time.Time) (time.Time, bool) {
	p := pl.p
	ops := pl.snapshot()
	if len(ops) == 0 {
		pl.mu.Lock()
		defer pl.mu.Unlock()
		if len(pl.ops) == 0 {
			pl.running = false
			return time.Time{}, false
		}
		return now, true
	}
	_, _, waiting := p.slots.state()
	if waiting > 0 || len(ops) < p.listPollMin {
		return pl.describeDue(ops, now, waiting > 0), true
	}
	if now.Before(pl.nextList) {
		return pl.nextList, true
	}
	pl.nextList = now.Add(p.listPollInterval)
	pl.listCycle(ops, now)
	return pl.nextList, true
}

// describeDue starts a Describe of every operation whose time has come and
// returns when the next one is due. contended says operations wait for a
// slot: a poll that comes back IN_PROGRESS is then tried again soon.
func (pl *poller) describeDue(ops []*trackedOp, now time.Time, contended bool) time.Time {
	p := pl.p
	wake := now.Add(p.maxPollInterval)
	for _, op := range ops {
		if pl.gaveUp(op, now) {
			continue
		}
		pl.mu.Lock()
		_, tracked := pl.ops[op.id]
		if op.describing || !tracked {
			pl.mu.Unlock()
			continue
		}
		next := op.next
		if contended && op.polls.Load() == 0 {
			// Never described: a slot is worth a call at the expected
			// time, not before.
			next = op.start.Add(pl.expected)
		}
		if next.After(now) {
			wake = minTime(wake, next)
			pl.mu.Unlock()
			continue
		}
		if op.step == 0 {
			// The first retry after an early answer: soon when slots are
			// scarce, a quarter of the expected time otherwise.
			op.step = pl.expected / 4
			if contended {
				op.step = pl.expected / 64
			}
			op.step = max(op.step, time.Millisecond)
		}
		op.describing = true
		pl.mu.Unlock()
		op.polls.Add(1)
		go pl.poll(op, priorityPoll)
	}
	return wake
}

// gaveUp ends op when its caller abandoned it longer than the operation
// timeout ago.
func (pl *poller) gaveUp(op *trackedOp, now time.Time) bool {
	pl.mu.Lock()
	abandoned := op.abandoned
	pl.mu.Unlock()
	if abandoned.IsZero() || now.Sub(abandoned) <= pl.p.operationTimeout {
		return false
	}
	op.log.Warn("gave up polling an abandoned operation; releasing its in-flight slot", "aws_request_id", op.id)
	pl.finish(op, opState{id: op.id, status: ssotypes.StatusValuesInProgress}, errors.New("abandoned by its caller"))
	return true
}

// listCycle polls ops with one List…Status(IN_PROGRESS). An operation that
// an earlier list showed and this one does not is finished: its slot is
// freed at once, and one List…Status(FAILED) for all of them tells which
// failed; those are described for AWS's reason, the others SUCCEEDED
// without a call of their own. An operation no list has shown yet (AWS may
// not list it yet, or it finished before the first list) is described.
// The Describes run in their own goroutines (the shared limiter paces
// them, after the calls that free and use in-flight slots), so that the
// next cycle is not held up by them.
func (pl *poller) listCycle(ops []*trackedOp, started time.Time) {
	p := pl.p
	ctx, cancel := context.WithTimeout(context.Background(), p.operationTimeout)
	defer cancel()

	inProgress, err := pl.listStatus(ctx, ssotypes.StatusValuesInProgress, 0)
	if err != nil {
		p.log.Warn("listing operations in progress failed; describing each", "op", pl.kind.String(), "error", err)
	}
	for _, op := range ops {
		if pl.gaveUp(op, started) {
			continue
		}
		pl.mu.Lock()
		_, tracked := pl.ops[op.id]
		describing := op.describing
		pl.mu.Unlock()
		if describing || !tracked {
			continue
		}
		op.polls.Add(1)
		switch {
		case op.left:
			// Finished already; awaiting the FAILED list.
		case inProgress != nil && inProgress[op.id]:
			op.listed, op.seenAt = true, started
		case inProgress != nil && op.listed:
			// AWS listed it in progress before and no longer does: it is
			// finished, so its slot is free now. It took longer than until
			// the last list that showed it, and at most until this one.
			op.release()
			if lower := op.seenAt.Sub(op.start); lower >= pl.expect() {
				pl.learn(lower, false)
			} else {
				pl.learn(started.Sub(op.start), true)
			}
			op.left = true
			pl.unconcluded = append(pl.unconcluded, op)
		default:
			pl.describeNow(op, priorityPoll)
		}
	}
	// The outcomes: one FAILED list for the operations that finished over
	// the last failedListEvery cycles (a Describe may have concluded some
	// meanwhile, when the poller described each for a while).
	left := slices.DeleteFunc(pl.unconcluded, func(op *trackedOp) bool {
		pl.mu.Lock()
		_, tracked := pl.ops[op.id]
		describing := op.describing
		pl.mu.Unlock()
		if tracked && describing {
			op.left = false // its Describe concludes it, or the next cycle takes it again
		}
		return !tracked || describing
	})
	pl.unconcluded = left
	if len(left) == 0 || started.Sub(pl.lastFailed) < failedListEvery*p.listPollInterval-p.listPollInterval/2 {
		return
	}
	pl.lastFailed, pl.unconcluded = started, nil
	failed, err := pl.listFailed(ctx, started)
	for _, op := range left {
		op.left = false
		if err == nil && !failed[op.id] {
			pl.finish(op, opState{id: op.id, status: ssotypes.StatusValuesSucceeded}, nil)
			continue
		}
		// FAILED (or unknown): the Describe brings AWS's reason. A
		// creation's waits in line with the status lists, behind the
		// creates and deletes (a grant still waiting for its create is
		// further from access than one whose create is done); a deletion's
		// waits behind them all, since the access is already gone.
		prio := priorityPoll
		if pl.kind == kindDelete {
			prio = priorityOther
		}
		pl.describeNow(op, prio)
	}
}

// describeNow starts a Describe of op in its own goroutine.
func (pl *poller) describeNow(op *trackedOp, prio int) {
	pl.mu.Lock()
	op.describing = true
	pl.mu.Unlock()
	go pl.poll(op, prio)
}

// listFailed returns the request ids of this kind that AWS lists as
// FAILED, or an error when it cannot (the list failed, or holds more than
// maxFailedPages pages: then FAILED lists pause for failedListPause).
func (pl *poller) listFailed(ctx context.Context, now time.Time) (map[string]bool, error) {
	if now.Before(pl.failedListOff) {
		return nil, errors.New("FAILED lists paused")
	}
	failed, err := pl.listStatus(ctx, ssotypes.StatusValuesFailed, maxFailedPages)
	if errors.Is(err, errTooManyPages) {
		pl.failedListOff = now.Add(failedListPause)
		pl.p.log.Info("AWS lists too many failed operations to tell outcomes by list; describing each", "op", pl.kind.String(), "pause", failedListPause)
	} else if err != nil {
		pl.p.log.Warn("listing failed operations failed; describing each", "op", pl.kind.String(), "error", err)
	}
	return failed, err
}

// poll describes op, its call ranked prio by the rate limiter, and finishes it when AWS reports it SUCCEEDED or
// FAILED, or AWS refuses its status for good (a throttled or failed poll is
// tried again later). An IN_PROGRESS answer schedules op's next Describe
// one step later, the step doubling each time up to maxPollInterval.
func (pl *poller) poll(op *trackedOp, prio int) {
	ctx, cancel := context.WithTimeout(withCallPriority(context.Background(), prio), pl.p.operationTimeout)
	defer cancel()
	finished := false
	defer func() {
		pl.mu.Lock()
		op.describing = false
		if !finished {
			op.next = time.Now().Add(op.step)
			op.step = min(2*op.step, pl.p.maxPollInterval)
		}
		pl.mu.Unlock()
		pl.wake()
	}()
	sent := time.Now()
	s, err := pl.describe(ctx, op.id)
	switch {
	case err != nil && errorCode(err) == codeNotFound && time.Since(op.start) < statusNotFoundGrace:
		op.log.Debug("status not yet visible; still in progress", "aws_request_id", op.id)
		return
	case err != nil && refusal(pl.kind.String(), err) == nil:
		// Throttled or failed past the SDK's retries: the operation is
		// still AWS's to finish, so ending it here would only make its
		// caller send it again. It is polled again later; the
		// operation's own OperationTimeout bounds how long.
		op.log.Warn("status poll failed; polling again", "aws_request_id", op.id, "error", err)
		return
	case err != nil:
		finished = true
		pl.finish(op, opState{id: op.id, status: ssotypes.StatusValuesInProgress}, fmt.Errorf("describe %s status of request %s: %w", pl.kind, op.id, err))
		return
	case s == nil:
		finished = true
		pl.finish(op, opState{id: op.id, status: ssotypes.StatusValuesInProgress}, fmt.Errorf("describe %s status of request %s: AWS returned no status", pl.kind, op.id))
		return
	}
	st := opState{id: op.id, status: s.Status, reason: awssdk.ToString(s.FailureReason)}
	if id := awssdk.ToString(s.RequestId); id != "" {
		st.id = id
	}
	done := st.status == ssotypes.StatusValuesSucceeded || st.status == ssotypes.StatusValuesFailed
	if !op.listed {
		pl.learn(sent.Sub(op.start), done)
	}
	if done {
		finished = true
		pl.finish(op, st, nil)
	}
}

// finish delivers op's outcome and frees its slot, once: a later call (a
// cycle that still had op in its snapshot) does nothing.
func (pl *poller) finish(op *trackedOp, st opState, err error) {
	pl.mu.Lock()
	if _, ok := pl.ops[op.id]; !ok {
		pl.mu.Unlock()
		return
	}
	delete(pl.ops, op.id)
	pl.mu.Unlock()
	op.st, op.err = st, err
	close(op.done)
	op.release()
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// errTooManyPages says a status list had more pages than the caller reads.
var errTooManyPages = errors.New("more pages than allowed")

// listStatus returns the request ids of this kind that AWS lists with
// status, reading at most maxPages pages (0: all), else errTooManyPages.
func (pl *poller) listStatus(ctx context.Context, status ssotypes.StatusValues, maxPages int) (map[string]bool, error) {
	p := pl.p
	ids := map[string]bool{}
	filter := &ssotypes.OperationStatusFilter{Status: status}
	var token *string
	for page := 1; ; page++ {
		var items []ssotypes.AccountAssignmentOperationStatusMetadata
		var next *string
		if pl.kind == kindCreate {
			out, err := p.sso.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{
				InstanceArn: awssdk.String(p.instanceARN), Filter: filter, MaxResults: awssdk.Int32(maxResultsSSO), NextToken: token,
			})
			if err != nil {
				return nil, fmt.Errorf("list account assignment creation status: %w", err)
			}
			items, next = out.AccountAssignmentsCreationStatus, out.NextToken
		} else {
			out, err := p.sso.ListAccountAssignmentDeletionStatus(ctx, &ssoadmin.ListAccountAssignmentDeletionStatusInput{
				InstanceArn: awssdk.String(p.instanceARN), Filter: filter, MaxResults: awssdk.Int32(maxResultsSSO), NextToken: token,
			})
			if err != nil {
				return nil, fmt.Errorf("list account assignment deletion status: %w", err)
			}
			items, next = out.AccountAssignmentsDeletionStatus, out.NextToken
		}
		for _, it := range items {
			if it.Status == status || it.Status == "" {
				ids[awssdk.ToString(it.RequestId)] = true
			}
		}
		if awssdk.ToString(next) == "" {
			return ids, nil
		}
		if maxPages > 0 && page >= maxPages {
			return nil, errTooManyPages
		}
		token = next
	}
}

// describe returns the status of one request.
func (pl *poller) describe(ctx context.Context, id string) (*ssotypes.AccountAssignmentOperationStatus, error) {
	p := pl.p
	if pl.kind == kindCreate {
		out, err := p.sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn:                        awssdk.String(p.instanceARN),
			AccountAssignmentCreationRequestId: awssdk.String(id),
		})
		if err != nil {
			return nil, err
		}
		return out.AccountAssignmentCreationStatus, nil
	}
	out, err := p.sso.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
		InstanceArn:                        awssdk.String(p.instanceARN),
		AccountAssignmentDeletionRequestId: awssdk.String(id),
	})
	if err != nil {
		return nil, err
	}
	return out.AccountAssignmentDeletionStatus, nil
}
