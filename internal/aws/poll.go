package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// defaultListPollMin is the number of operations of one kind in progress
// from which a poll cycle lists the IN_PROGRESS requests (one call per 100)
// and describes only those that left the list, instead of describing each.
const defaultListPollMin = 3

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
	listed  bool // seen IN_PROGRESS in a List…Status answer (poller goroutine only)

	describing bool // a Describe…Status of it is under way (poller.mu)

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

	mu      sync.Mutex
	ops     map[string]*trackedOp
	running bool
	kick    chan struct{}
}

func newPoller(p *Provider, kind opKind) *poller {
	return &poller{p: p, kind: kind, ops: map[string]*trackedOp{}, kick: make(chan struct{}, 1)}
}

// track starts watching op; op.done is closed when it is SUCCEEDED or
// FAILED, or AWS refuses its status for good.
func (pl *poller) track(op *trackedOp) {
	pl.mu.Lock()
	pl.ops[op.id] = op
	if !pl.running {
		pl.running = true
		go pl.run()
	}
	pl.mu.Unlock()
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

// run polls in cycles: pollInterval after a new operation arrives, then
// growing by half each cycle up to maxPollInterval, or every
// listPollInterval while a cycle costs one List call (listPollMin or more
// operations). Delays count from the start of a cycle. It returns when no
// operation is left.
func (pl *poller) run() {
	p := pl.p
	delay := p.pollInterval
	next := time.Now().Add(delay)
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-pl.kick:
			// A new operation: its first poll is due within pollInterval.
			if time.Until(next) > p.pollInterval {
				delay = p.pollInterval
				next = time.Now().Add(delay)
				timer.Reset(delay)
			}
			continue
		case <-timer.C:
		}
		started := time.Now()
		pl.cycle(pl.snapshot())
		pl.mu.Lock()
		left := len(pl.ops)
		if left == 0 {
			pl.running = false
			pl.mu.Unlock()
			return
		}
		pl.mu.Unlock()
		delay = min(delay+delay/2, p.maxPollInterval)
		if left >= p.listPollMin {
			delay = min(delay, p.listPollInterval)
		}
		next = started.Add(delay)
		timer.Reset(max(time.Until(next), 0))
	}
}

// cycle polls ops once: one List…Status(IN_PROGRESS) and a Describe of
// each op that is not in the list when there are at least listPollMin,
// otherwise a Describe of each. The Describes run in their own goroutines
// (the shared limiter paces them, after the calls that free and use
// in-flight slots), so that the next cycle is not held up by them.
func (pl *poller) cycle(ops []*trackedOp) {
	p := pl.p
	ctx, cancel := context.WithTimeout(context.Background(), p.operationTimeout)
	defer cancel()

	var inProgress map[string]bool
	if len(ops) >= p.listPollMin {
		var err error
		if inProgress, err = pl.listInProgress(ctx); err != nil {
			p.log.Warn("listing operations in progress failed; describing each", "op", pl.kind.String(), "error", err)
			inProgress = nil
		}
	}
	for _, op := range ops {
		pl.mu.Lock()
		abandoned, describing := op.abandoned, op.describing
		_, tracked := pl.ops[op.id]
		pl.mu.Unlock()
		if describing || !tracked {
			continue
		}
		if !abandoned.IsZero() && time.Since(abandoned) > p.operationTimeout {
			op.log.Warn("gave up polling an abandoned operation; releasing its in-flight slot", "aws_request_id", op.id)
			pl.finish(op, opState{id: op.id, status: ssotypes.StatusValuesInProgress}, errors.New("abandoned by its caller"))
			continue
		}
		op.polls.Add(1)
		if inProgress[op.id] {
			op.listed = true
			continue
		}
		prio := priorityPoll
		if inProgress != nil && op.listed {
			// AWS listed it in progress before and no longer does: it is
			// finished, so its slot is free now; the Describe only tells
			// SUCCEEDED from FAILED. A creation's waits in line with the
			// status lists, behind the creates and deletes (a grant still
			// waiting for its create is further from access than one
			// whose create is done); a deletion's waits behind them all,
			// since the access is already gone. (An operation never
			// listed may just not be visible yet, and keeps its slot.)
			op.release()
			if pl.kind == kindDelete {
				prio = priorityOther
			}
		}
		pl.mu.Lock()
		op.describing = true
		pl.mu.Unlock()
		go pl.poll(op, prio)
	}
}

// poll describes op, its call ranked prio by the rate limiter, and finishes it when AWS reports it SUCCEEDED or
// FAILED, or AWS refuses its status for good (a throttled or failed poll is
// tried again next cycle).
func (pl *poller) poll(op *trackedOp, prio int) {
	ctx, cancel := context.WithTimeout(withCallPriority(context.Background(), prio), pl.p.operationTimeout)
	defer cancel()
	defer func() {
		pl.mu.Lock()
		op.describing = false
		pl.mu.Unlock()
	}()
	s, err := pl.describe(ctx, op.id)
	switch {
	case err != nil && errorCode(err) == codeNotFound && time.Since(op.start) < statusNotFoundGrace:
		op.log.Debug("status not yet visible; still in progress", "aws_request_id", op.id)
		return
	case err != nil && refusal(pl.kind.String(), err) == nil:
		// Throttled or failed past the SDK's retries: the operation is
		// still AWS's to finish, so ending it here would only make its
		// caller send it again. The next cycle polls it again; the
		// operation's own OperationTimeout bounds how long.
		op.log.Warn("status poll failed; polling again", "aws_request_id", op.id, "error", err)
		return
	case err != nil:
		pl.finish(op, opState{id: op.id, status: ssotypes.StatusValuesInProgress}, fmt.Errorf("describe %s status of request %s: %w", pl.kind, op.id, err))
		return
	case s == nil:
		pl.finish(op, opState{id: op.id, status: ssotypes.StatusValuesInProgress}, fmt.Errorf("describe %s status of request %s: AWS returned no status", pl.kind, op.id))
		return
	}
	st := opState{id: op.id, status: s.Status, reason: awssdk.ToString(s.FailureReason)}
	if id := awssdk.ToString(s.RequestId); id != "" {
		st.id = id
	}
	if st.status == ssotypes.StatusValuesSucceeded || st.status == ssotypes.StatusValuesFailed {
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

// listInProgress returns the request ids of this kind that AWS lists as
// IN_PROGRESS.
func (pl *poller) listInProgress(ctx context.Context) (map[string]bool, error) {
	p := pl.p
	ids := map[string]bool{}
	filter := &ssotypes.OperationStatusFilter{Status: ssotypes.StatusValuesInProgress}
	var token *string
	for {
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
			if it.Status == ssotypes.StatusValuesInProgress || it.Status == "" {
				ids[awssdk.ToString(it.RequestId)] = true
			}
		}
		if awssdk.ToString(next) == "" {
			return ids, nil
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
