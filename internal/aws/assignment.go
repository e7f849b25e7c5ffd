package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/elevate/elevate/internal/access"
)

// statusNotFoundGrace is how long after a create or delete a
// ResourceNotFoundException from its status call counts as "still in
// progress": the status store is eventually consistent.
const statusNotFoundGrace = 30 * time.Second

// CreateAssignment gives user a.UserID permission set a.PermissionSetARN on
// account a.AccountID and waits until AWS has provisioned it. It returns
// AWS's request id of the creation.
//
// The creation runs on its own, followed by its caller (see operation): it
// first waits for one of the MaxInFlight in-flight slots (ranked by the time
// of arrival), then OperationTimeout bounds the call, its retries and the
// wait for SUCCEEDED or FAILED. When ctx ends first the caller gets a
// *WaitingError and the creation goes on; a later CreateAssignment of the
// same assignment joins it instead of sending another.
//
// AWS's final refusal (status FAILED, or ValidationException,
// AccessDeniedException, ResourceNotFoundException or
// ServiceQuotaExceededException) is an *access.ProvisioningError. Any other
// error (timeout, retries exhausted, network) is transient: creating an
// assignment that exists is a no-op in AWS, so the caller may retry.
func (p *Provider) CreateAssignment(ctx context.Context, a access.Assignment) (awsRequestID string, err error) {
	return p.CreateAssignmentAccepted(ctx, a, nil)
}

// CreateAssignmentAccepted is CreateAssignment that also calls accepted
// (when not nil) as soon as AWS accepts the CreateAccountAssignment call,
// before the assignment is provisioned. A caller that joins a create
// already under way is not told.
func (p *Provider) CreateAssignmentAccepted(ctx context.Context, a access.Assignment, accepted func()) (awsRequestID string, err error) {
	return p.assignmentOp(ctx, kindCreate, a, time.Time{}, func(o *operation, a access.Assignment, log *slog.Logger) (string, error) {
		return p.create(o, a, log, accepted)
	})
}

// assignmentOp checks a and runs (or joins) operation kind on it with body
// (see operate); prio ranks it for a slot, the zero time for its time of
// arrival.
func (p *Provider) assignmentOp(ctx context.Context, kind opKind, a access.Assignment, prio time.Time,
	body func(o *operation, a access.Assignment, log *slog.Logger) (string, error)) (string, error) {
	if err := checkAssignment(kind.String(), a); err != nil {
		return "", err
	}
	log := p.log.With("op", kind.String(), "account_id", a.AccountID, "permission_set_arn", a.PermissionSetARN, "user_id", a.UserID)
	if prio.IsZero() {
		prio = time.Now()
	}
	id, err := p.operate(ctx, kind, a, prio, func(o *operation) (string, error) { return body(o, a, log) })
	var werr *WaitingError
	if errors.As(err, &werr) {
		return id, fmt.Errorf("%s account assignment %s: %w", kind, describe(a), err)
	}
	return id, err
}

// create is the body of a creation (see operate).
func (p *Provider) create(o *operation, a access.Assignment, log *slog.Logger, accepted func()) (string, error) {
	const op = "create"
	release, err := p.acquireSlot(o.ctx, o.prio)
	if err != nil {
		return "", fmt.Errorf("create account assignment %s: wait for an in-flight slot: %w", describe(a), context.Cause(o.ctx))
	}
	if !p.ops.markSent(o) {
		release()
		return "", fmt.Errorf("create account assignment %s: %w", describe(a), context.Cause(o.ctx))
	}
	ctx, cancel := context.WithTimeout(o.ctx, p.operationTimeout)
	defer cancel()

	out, err := p.sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{
		InstanceArn:      awssdk.String(p.instanceARN),
		TargetId:         awssdk.String(a.AccountID),
		TargetType:       ssotypes.TargetTypeAwsAccount,
		PermissionSetArn: awssdk.String(a.PermissionSetARN),
		PrincipalType:    ssotypes.PrincipalTypeUser,
		PrincipalId:      awssdk.String(a.UserID),
	})
	if err != nil {
		release()
		if perr := refusal(op, err); perr != nil {
			log.Warn("AWS refused account assignment", "aws_request_id", perr.RequestID, "reason", perr.Reason)
			return "", perr
		}
		return "", fmt.Errorf("create account assignment %s: %w", describe(a), err)
	}
	if accepted != nil {
		accepted()
	}
	p.ops.setRequestID(o, requestIDOf(out.AccountAssignmentCreationStatus))
	st, err := p.await(ctx, log, kindCreate, out.AccountAssignmentCreationStatus, release)
	if err != nil {
		return st.id, fmt.Errorf("create account assignment %s: %w", describe(a), err)
	}
	if st.status == ssotypes.StatusValuesFailed {
		log.Warn("AWS failed to create account assignment", "aws_request_id", st.id, "reason", st.reason)
		return st.id, &access.ProvisioningError{Op: op, RequestID: st.id, Reason: reasonOrDefault(st.reason)}
	}
	log.Info("account assignment created", "aws_request_id", st.id)
	return st.id, nil
}

// DeleteAssignment removes the account assignment a and waits until AWS has
// deprovisioned it. It returns AWS's request id of the deletion, "" when
// AWS said at once that the assignment does not exist.
//
// The deletion runs on its own, followed by its caller, like a creation
// (see CreateAssignment); a creation of a that has not been sent yet is
// dropped, one already sent is waited for first. It waits for an in-flight
// slot ranked by deadline (when access must be gone: while deletions wait,
// the earliest deadline goes first) or, for the zero deadline, by its time
// of arrival. OperationTimeout then bounds the rest.
//
// An assignment that does not exist counts as deleted, whether AWS says so
// at once (ResourceNotFoundException) or asynchronously (status FAILED
// because the entitlement does not exist). Other final refusals are an
// *access.ProvisioningError; every other error is transient.
func (p *Provider) DeleteAssignment(ctx context.Context, a access.Assignment, deadline time.Time) (awsRequestID string, err error) {
	return p.assignmentOp(ctx, kindDelete, a, deadline, p.delete)
}

// delete is the body of a deletion (see operate).
func (p *Provider) delete(o *operation, a access.Assignment, log *slog.Logger) (string, error) {
	const op = "delete"
	release, err := p.acquireSlot(o.ctx, o.prio)
	if err != nil {
		return "", fmt.Errorf("delete account assignment %s: wait for an in-flight slot: %w", describe(a), context.Cause(o.ctx))
	}
	if !p.ops.markSent(o) {
		release()
		return "", fmt.Errorf("delete account assignment %s: %w", describe(a), context.Cause(o.ctx))
	}
	ctx, cancel := context.WithTimeout(o.ctx, p.operationTimeout)
	defer cancel()

	out, err := p.sso.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{
		InstanceArn:      awssdk.String(p.instanceARN),
		TargetId:         awssdk.String(a.AccountID),
		TargetType:       ssotypes.TargetTypeAwsAccount,
		PermissionSetArn: awssdk.String(a.PermissionSetARN),
		PrincipalType:    ssotypes.PrincipalTypeUser,
		PrincipalId:      awssdk.String(a.UserID),
	})
	if err != nil {
		release()
		if errorCode(err) == codeNotFound {
			log.Info("account assignment already absent", "reason", errorMessage(err))
			return "", nil
		}
		if perr := refusal(op, err); perr != nil {
			log.Warn("AWS refused account assignment deletion", "aws_request_id", perr.RequestID, "reason", perr.Reason)
			return "", perr
		}
		return "", fmt.Errorf("delete account assignment %s: %w", describe(a), err)
	}
	p.ops.setRequestID(o, requestIDOf(out.AccountAssignmentDeletionStatus))
	st, err := p.await(ctx, log, kindDelete, out.AccountAssignmentDeletionStatus, release)
	if err != nil {
		return st.id, fmt.Errorf("delete account assignment %s: %w", describe(a), err)
	}
	if st.status == ssotypes.StatusValuesFailed {
		if missingEntitlement(st.reason) {
			log.Info("account assignment already absent", "aws_request_id", st.id, "reason", st.reason)
			return st.id, nil
		}
		log.Warn("AWS failed to delete account assignment", "aws_request_id", st.id, "reason", st.reason)
		return st.id, &access.ProvisioningError{Op: op, RequestID: st.id, Reason: reasonOrDefault(st.reason)}
	}
	log.Info("account assignment deleted", "aws_request_id", st.id)
	return st.id, nil
}

// requestIDOf is the request id of an operation's first status, or "".
func requestIDOf(s *ssotypes.AccountAssignmentOperationStatus) string {
	if s == nil {
		return ""
	}
	return awssdk.ToString(s.RequestId)
}

// acquireSlot waits for an in-flight slot and returns the function that
// frees it; calling that more than once is harmless.
func (p *Provider) acquireSlot(ctx context.Context, prio time.Time) (release func(), err error) {
	if err := p.slots.acquire(ctx, prio); err != nil {
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(p.slots.release) }, nil
}

// AssignmentExists reports whether the user assignment a exists: whether
// ListAccountAssignments for (account, permission set) shows principal type
// USER with id a.UserID. Assignments through groups do not count. A
// permission set that does not exist (ResourceNotFoundException) has no
// assignments.
func (p *Provider) AssignmentExists(ctx context.Context, a access.Assignment) (bool, error) {
	// A grant waits for this answer before its create: it ranks with the
	// creates and deletes in the rate limiter, not with background reads.
	ctx = withCallPriority(ctx, priorityUse)
	pages := ssoadmin.NewListAccountAssignmentsPaginator(p.sso, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn:      awssdk.String(p.instanceARN),
		AccountId:        awssdk.String(a.AccountID),
		PermissionSetArn: awssdk.String(a.PermissionSetARN),
		MaxResults:       awssdk.Int32(maxResultsSSO),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			if errorCode(err) == codeNotFound {
				p.log.Debug("account assignments not found", "account_id", a.AccountID, "permission_set_arn", a.PermissionSetARN, "reason", errorMessage(err))
				return false, nil
			}
			return false, fmt.Errorf("list account assignments of account %s, permission set %s: %w", a.AccountID, a.PermissionSetARN, err)
		}
		for _, as := range page.AccountAssignments {
			if as.PrincipalType == ssotypes.PrincipalTypeUser && awssdk.ToString(as.PrincipalId) == a.UserID {
				return true, nil
			}
		}
	}
	return false, nil
}

// opState is where an asynchronous create or delete stands.
type opState struct {
	id     string // AWS's request id
	status ssotypes.StatusValues
	reason string // FailureReason
}

// await waits until an operation is SUCCEEDED or FAILED: the kind's shared
// poller polls it (see poller) and frees its in-flight slot with release
// once AWS has finished it, even if ctx ends first. The returned state
// carries the request id even with an error.
func (p *Provider) await(ctx context.Context, log *slog.Logger, kind opKind, first *ssotypes.AccountAssignmentOperationStatus, release func()) (opState, error) {
	if first == nil {
		release()
		return opState{}, fmt.Errorf("AWS returned no %s status", kind)
	}
	st := opState{id: awssdk.ToString(first.RequestId), status: first.Status, reason: awssdk.ToString(first.FailureReason)}
	switch st.status {
	case ssotypes.StatusValuesSucceeded, ssotypes.StatusValuesFailed:
		release()
		return st, nil
	}
	if st.id == "" {
		release()
		return st, fmt.Errorf("AWS returned status %q without a request id to poll", st.status)
	}
	op := &trackedOp{id: st.id, start: time.Now(), log: log, release: release, done: make(chan struct{})}
	pl := p.pollers[kind]
	pl.track(op)
	select {
	case <-op.done:
		return op.st, op.err
	case <-ctx.Done():
		pl.abandon(op)
		return st, fmt.Errorf("request %s still %s after %d polls in %s: %w", st.id, st.status, op.polls.Load(), time.Since(op.start).Round(time.Millisecond), context.Cause(ctx))
	}
}

// refusal returns the *access.ProvisioningError for an error by which AWS
// refuses an operation for good, or nil when err may be transient.
func refusal(op string, err error) *access.ProvisioningError {
	switch errorCode(err) {
	case codeValidation, codeAccessDenied, codeNotFound, codeQuotaExceeded:
		return &access.ProvisioningError{Op: op, RequestID: httpRequestID(err), Reason: errorMessage(err)}
	}
	return nil
}

// missingEntitlement reports whether a deletion's FailureReason says that
// the assignment does not exist, e.g. "Received a 404 status error:
// EntitlementItem doesn't exist with the given entitlement key ...".
func missingEntitlement(reason string) bool {
	r := strings.ToLower(reason)
	for _, s := range []string{"404 status", "doesn't exist", "does not exist"} {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

func reasonOrDefault(reason string) string {
	if reason == "" {
		return "AWS reported status FAILED without a reason"
	}
	return reason
}

// checkAssignment refuses an assignment with an empty field: AWS would
// refuse it too.
func checkAssignment(op string, a access.Assignment) error {
	if a.AccountID == "" || a.PermissionSetARN == "" || a.UserID == "" {
		return &access.ProvisioningError{Op: op, Reason: fmt.Sprintf("incomplete account assignment %s: account, permission set and user are all required", describe(a))}
	}
	return nil
}

func describe(a access.Assignment) string {
	return fmt.Sprintf("(account %s, permission set %s, user %s)", a.AccountID, a.PermissionSetARN, a.UserID)
}
