package aws

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// WaitingError says that a call returned because its context ended while
// the work it asked for was only waiting: for an in-flight slot, for the
// rate limiter, for AWS to finish an operation already sent, or for another
// operation on the same assignment. Nothing was lost and nothing is left
// half done: a create or delete goes on without its caller, and a later call
// for the same assignment joins it instead of sending another. It wraps the
// context's error, so errors.Is(err, context.DeadlineExceeded) still holds.
type WaitingError struct {
	For string // what the call was waiting for
	Err error  // the context's cause
}

func (e *WaitingError) Error() string {
	return fmt.Sprintf("stopped waiting for %s (the work goes on; a later call joins it): %v", e.For, e.Err)
}

func (e *WaitingError) Unwrap() error { return e.Err }

// Waiting reports that the call ended while only waiting its turn. The job
// queue checks for this method (structurally, without importing this
// package) to resume the job later instead of counting a failed attempt.
func (e *WaitingError) Waiting() bool { return true }

// CanceledError tells the SDK's retryer not to retry the call (its
// NoRetryCanceledError): the caller has stopped waiting, and a retry would
// only sleep on the ended context and replace this error with its own.
func (e *WaitingError) CanceledError() bool { return true }

// errSuperseded ends a creation that was still waiting for its in-flight
// slot when a deletion of the same assignment arrived: sending it would
// only make the deletion undo it.
var errSuperseded = errors.New("superseded by a deletion of the same assignment before it was sent")

// assignmentKey identifies one account assignment.
type assignmentKey struct{ account, permissionSet, user string }

func keyOf(a access.Assignment) assignmentKey {
	return assignmentKey{a.AccountID, a.PermissionSetARN, a.UserID}
}

// Stages of an operation, for WaitingError.
const (
	stageSlot    = iota // waiting for an in-flight slot
	stageSending        // its Create/Delete call (rate limiter and retries included)
	stageAWS            // sent; waiting for AWS to report SUCCEEDED or FAILED
)

// operation is one create or delete of one assignment. The provider runs
// it in its own goroutine, from the wait for an in-flight slot to AWS's
// final status, whether or not anyone still waits for it: its callers only
// follow it, and may stop following when their context ends. So a caller
// whose deadline comes while the operation waits its turn does not cut it
// short, and a caller that comes back (a job's next run) joins the
// operation still running instead of sending a second Create or Delete.
type operation struct {
	kind opKind
	key  assignmentKey
	prio time.Time // slot priority, from the first caller

	ctx    context.Context // detached from every caller; canceled only by supersede
	cancel context.CancelCauseFunc

	// Guarded by operations.mu.
	stage     int
	sent      bool
	requestID string
	behind    int // callers of the other kind waiting for it to finish

	done chan struct{} // closed when id and err are final
	id   string
	err  error
}

// operations is the provider's table of running operations: at most one per
// assignment.
type operations struct {
	mu    sync.Mutex
	byKey map[assignmentKey]*operation
}

func newOperations() *operations { return &operations{byKey: map[assignmentKey]*operation{}} }

// markSent records that op is about to send its call; false when it was
// superseded meanwhile, and must not be sent.
func (t *operations) markSent(op *operation) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if op.ctx.Err() != nil {
		return false
	}
	op.sent, op.stage = true, stageSending
	return true
}

// setRequestID records AWS's request id of op once its call was answered.
func (t *operations) setRequestID(op *operation, id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	op.requestID, op.stage = id, stageAWS
}

// waitingFor describes what op is waiting for, and its request id if any.
func (t *operations) waitingFor(op *operation) (string, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch op.stage {
	case stageSlot:
		return "an in-flight slot", ""
	case stageSending:
		return fmt.Sprintf("the %s call to be answered", op.kind), ""
	}
	return fmt.Sprintf("AWS to finish %s request %s", op.kind, op.requestID), op.requestID
}

// operate runs operation kind on a with body, or follows the one already
// running for a, and returns its outcome, or a *WaitingError when ctx ends
// first. Operations on one assignment run one at a time, in the order they
// arrive, so that a deletion never overtakes a creation in AWS (and the
// other way round); a deletion that finds a creation not yet sent cancels
// it instead of waiting behind it. body runs with the operation's own
// context, which carries ctx's values but not its deadline.
func (p *Provider) operate(ctx context.Context, kind opKind, a access.Assignment, prio time.Time, body func(op *operation) (string, error)) (string, error) {
	key := keyOf(a)
	for {
		p.ops.mu.Lock()
		cur := p.ops.byKey[key]
		if cur == nil {
			op := &operation{kind: kind, key: key, prio: prio, done: make(chan struct{})}
			op.ctx, op.cancel = context.WithCancelCause(context.WithoutCancel(ctx))
			p.ops.byKey[key] = op
			p.ops.mu.Unlock()
			go p.run(op, body)
			return p.follow(ctx, op)
		}
		if cur.kind == kind {
			p.ops.mu.Unlock()
			return p.follow(ctx, cur)
		}
		if kind == kindDelete && !cur.sent {
			cur.cancel(errSuperseded)
		}
		cur.behind++
		p.ops.mu.Unlock()
		var err error
		select {
		case <-cur.done:
		case <-ctx.Done():
			err = &WaitingError{For: fmt.Sprintf("the %s of the same assignment to finish", cur.kind), Err: context.Cause(ctx)}
		}
		p.ops.mu.Lock()
		cur.behind--
		p.ops.mu.Unlock()
		if err != nil {
			return "", err
		}
	}
}

// run runs op's body and publishes its outcome.
func (p *Provider) run(op *operation, body func(op *operation) (string, error)) {
	id, err := body(op)
	p.ops.mu.Lock()
	if p.ops.byKey[op.key] == op {
		delete(p.ops.byKey, op.key)
	}
	p.ops.mu.Unlock()
	op.cancel(nil)
	if op.kind == kindCreate {
		p.stats.creates.Add(1)
	} else {
		p.stats.deletes.Add(1)
	}
	op.id, op.err = id, err
	close(op.done)
}

// follow waits for op's outcome until ctx ends.
func (p *Provider) follow(ctx context.Context, op *operation) (string, error) {
	select {
	case <-op.done:
		return op.id, op.err
	case <-ctx.Done():
		select {
		case <-op.done: // finished too: the outcome is worth more
			return op.id, op.err
		default:
		}
		what, id := p.ops.waitingFor(op)
		return id, &WaitingError{For: what, Err: context.Cause(ctx)}
	}
}
