package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// transition is a pure step of the lifecycle driven by an actor.
type transition func(r access.Request, a access.Actor, comment string, now time.Time) (access.Request, access.Event, error)

// txStep is a transition that also reads, in the use case's transaction,
// what it needs beyond the request (Extend: the rules' maximum).
type txStep func(tx store.Tx, r access.Request, a access.Actor, comment string, now time.Time) (access.Request, access.Event, error)

// pure lifts a transition that needs nothing but the request to a txStep.
func pure(t transition) txStep {
	return func(_ store.Tx, r access.Request, a access.Actor, comment string, now time.Time) (access.Request, access.Event, error) {
		return t(r, a, comment, now)
	}
}

// act loads request id, applies step, and stores the result with its event
// and follow-up jobs, retrying the whole transaction when a concurrent change
// won, so that the step is re-decided on fresh state.
func (s *Service) act(ctx context.Context, actor access.Actor, id, comment, verb string, step txStep) (*access.Request, error) {
	if actor.UserID == "" {
		return nil, access.Errorf(access.CodeUnauthenticated, "sign in to %s requests", verb)
	}
	var out access.Request
	err := s.retryConflicts(ctx, func(tx store.Tx) error {
		r, err := tx.FindRequestByID(ctx, id)
		if err != nil {
			return notFound(err, "request %s does not exist", id)
		}
		if !r.VisibleTo(actor) {
			return access.Errorf(access.CodeNotFound, "request %s does not exist", id)
		}
		prev := r.Status
		next, ev, err := step(tx, *r, actor, comment, s.clock.Now())
		if err != nil {
			return err
		}
		if err := tx.UpdateRequest(ctx, &next); err != nil {
			return fmt.Errorf("update request: %w", err)
		}
		if err := s.appendEvents(ctx, tx, ev); err != nil {
			return err
		}
		if next.Status != prev {
			if err := s.scheduleFollowUp(ctx, tx, next); err != nil {
				return err
			}
		}
		if next.EndRequested() && !r.EndRequested() {
			if err := s.revokeNow(ctx, tx, next); err != nil {
				return err
			}
		}
		if next.Status == access.StatusActive && !next.EndsAt.Equal(r.EndsAt) {
			if err := s.rescheduleEnd(ctx, tx, next); err != nil {
				return err
			}
		}
		out = next
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s request %s: %w", verb, id, err)
	}
	s.log.InfoContext(ctx, "request "+verb, "request_id", id, "actor", actor.UserName, "via", actor.Via, "status", out.Status)
	return &out, nil
}

// Approve records the actor's approval. When the request's rule has
// approver_mfa, the approval is part of the authorization only from a
// portal session whose sign-in proved multi-factor authentication within
// its max_age (access.CheckApproverMFA), checked after the approver checks
// (a stranger is told they are not an approver, not to sign in again);
// the decision log records which sign-in proved it and when.
func (s *Service) Approve(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return s.act(ctx, actor, id, comment, "approve", func(tx store.Tx, r access.Request, a access.Actor, comment string, now time.Time) (access.Request, access.Event, error) {
		next, ev, err := r.Approve(a, comment, now)
		if err != nil {
			return r, ev, err
		}
		maxAge, err := s.approverMFAOf(ctx, tx, r.Rule)
		if err != nil {
			return r, access.Event{}, err
		}
		if maxAge <= 0 {
			return next, ev, nil
		}
		if err := access.CheckApproverMFA(a, r.ID, maxAge, now); err != nil {
			s.log.WarnContext(ctx, "approval refused: no fresh multi-factor sign-in", "request_id", r.ID, "actor", a.UserName, "via", a.Via,
				"sign_in", a.SignIn.String(), "max_age", maxAge)
			return r, access.Event{}, err
		}
		ev.Details = withDetail(ev.Details, "mfa_method", a.SignIn.Method)
		ev.Details = withDetail(ev.Details, "mfa_context", a.SignIn.Context)
		ev.Details = withDetail(ev.Details, "mfa_at", a.SignIn.At.UTC().Format(time.RFC3339))
		ev.Details = withDetail(ev.Details, "mfa_max_age", maxAge.String())
		return next, ev, nil
	})
}

// approverMFAOf is the applied policy's approver_mfa.max_age of the named
// rule (0: none), read in the use case's transaction.
func (s *Service) approverMFAOf(ctx context.Context, tx store.Tx, rule string) (time.Duration, error) {
	if rule == "" {
		return 0, nil
	}
	// The document, not the compiled engine: the rule's own setting needs no
	// directory, and an approval must not wait for a recompilation after a
	// directory sync.
	doc, _, err := s.policyDocument(ctx, tx)
	if err != nil {
		return 0, err
	}
	return doc.ApproverMFAOf(rule), nil
}

// ApproverMFA returns how recent a multi-factor sign-in an approval of
// request id needs (its rule's approver_mfa.max_age; 0: none), for the
// portal to send an approver through a fresh sign-in first.
func (s *Service) ApproverMFA(ctx context.Context, actor access.Actor, id string) (time.Duration, error) {
	var maxAge time.Duration
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		r, err := tx.FindRequestByID(ctx, id)
		if err != nil {
			return notFound(err, "request %s does not exist", id)
		}
		if !r.VisibleTo(actor) {
			return access.Errorf(access.CodeNotFound, "request %s does not exist", id)
		}
		maxAge, err = s.approverMFAOf(ctx, tx, r.Rule)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("approver MFA of request %s: %w", id, err)
	}
	return maxAge, nil
}

// Reject rejects the request.
func (s *Service) Reject(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return s.act(ctx, actor, id, comment, "reject", pure(access.Request.Reject))
}

// Cancel withdraws a request that is not yet active.
func (s *Service) Cancel(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return s.act(ctx, actor, id, comment, "cancel", pure(access.Request.Cancel))
}

// End ends an active request early; its access is removed at once.
func (s *Service) End(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error) {
	return s.act(ctx, actor, id, comment, "end", pure(access.Request.End))
}

// Extend asks for more time on an active request: it is approved like the
// request (same approvers and count) and, once approved, moves the end
// without dropping access. The rule that allowed the request must still
// allow it, and the total may not pass the rule's maximum.
func (s *Service) Extend(ctx context.Context, actor access.Actor, id string, d time.Duration, justification string) (*access.Request, error) {
	return s.act(ctx, actor, id, justification, "extend", func(tx store.Tx, r access.Request, a access.Actor, just string, now time.Time) (access.Request, access.Event, error) {
		return r.Extend(a, d, just, s.capDuration(s.maxTotalFor(ctx, tx, r, a)), now)
	})
}

// maxTotalFor is the longest the request may last under today's rules
// (0 when no rule allows it any more: then only the global ceiling holds,
// and Extend's eligibility check below refuses it).
// It reads in the extension's own transaction.
func (s *Service) maxTotalFor(ctx context.Context, tx store.Tx, r access.Request, a access.Actor) time.Duration {
	maxDur, err := func() (time.Duration, error) {
		ps, err := tx.FindPermissionSet(ctx, r.PermissionSetARN)
		if err != nil {
			return 0, err
		}
		var accounts []access.Account
		for _, id := range r.AccountIDs() {
			acct, err := tx.FindAccount(ctx, id)
			if err != nil {
				return 0, err
			}
			accounts = append(accounts, acct)
		}
		_, maxDur, err := s.decide(ctx, tx, a, accounts, ps)
		return maxDur, err
	}()
	if err != nil {
		s.log.WarnContext(ctx, "extension: the request's rules no longer allow it", "request_id", r.ID, "error", err)
		return time.Nanosecond // refuse any extension, with the "longer than the rule allows" message
	}
	return maxDur
}

// rescheduleEnd enqueues the revocation of every active grant at the
// request's new end. The job scheduled for the old end finds it not due and
// steps aside.
func (s *Service) rescheduleEnd(ctx context.Context, tx store.Tx, r access.Request) error {
	var jobs []Job
	for _, g := range r.Grants {
		if g.Status == access.GrantActive {
			jobs = append(jobs, Job{Kind: JobRevoke, RequestID: r.ID, GrantID: g.ID, At: r.EndsAt, Expedite: true})
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	if err := s.sched.Schedule(ctx, tx, jobs...); err != nil {
		return fmt.Errorf("reschedule the end of request %s: %w", r.ID, err)
	}
	return nil
}

// revokeNow enqueues the removal of every active grant, now.
func (s *Service) revokeNow(ctx context.Context, tx store.Tx, r access.Request) error {
	var jobs []Job
	for _, g := range r.Grants {
		if g.Status == access.GrantActive {
			jobs = append(jobs, Job{Kind: JobRevoke, RequestID: r.ID, GrantID: g.ID, Expedite: true})
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	if err := s.sched.Schedule(ctx, tx, jobs...); err != nil {
		return fmt.Errorf("schedule revocations of request %s: %w", r.ID, err)
	}
	return nil
}

// Scope selects which requests ListRequests returns.
type Scope string

// Scopes.
const (
	ScopeMine      Scope = "mine"      // requests I made
	ScopeApprovals Scope = "approvals" // requests I may approve
	ScopeInvolved  Scope = "involved"  // either of those (the default)
	ScopeAll       Scope = "all"       // every request; admins and auditors only
)

// ListInput filters ListRequests and PageRequests (lists.go).
type ListInput struct {
	Scope    Scope
	Statuses []access.Status
	Limit    int // default 100, at most 1000
	// Search matches a part of the id, requester, permission set,
	// justification, ticket or an account id, case-insensitively.
	Search string
	// Requester matches the requester's id or a part of their name.
	Requester string
	// Accounts matches requests for any of these accounts (ids or names).
	Accounts []string
	// PermissionSet matches the permission set's ARN or a part of its name.
	PermissionSet string
	// Since and Until bound the creation time: Since <= created < Until.
	Since, Until time.Time
	// Order is newest first by default.
	Order access.RequestOrder
	// Cursor continues after the page that returned it.
	Cursor string
}

// ListRequests returns the first page of the requests the actor may see
// that match in, newest first.
func (s *Service) ListRequests(ctx context.Context, actor access.Actor, in ListInput) ([]*access.Request, error) {
	page, err := s.PageRequests(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	return page.Items, nil
}

// GetRequest returns one request the actor may see.
func (s *Service) GetRequest(ctx context.Context, actor access.Actor, id string) (*access.Request, error) {
	var out *access.Request
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		r, err := tx.FindRequestByID(ctx, id)
		if err != nil {
			return notFound(err, "request %s does not exist", id)
		}
		if !r.VisibleTo(actor) {
			return access.Errorf(access.CodeNotFound, "request %s does not exist", id)
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get request %s: %w", id, err)
	}
	return out, nil
}

// RequestEvents returns the decision-log entries of a request the actor may see.
func (s *Service) RequestEvents(ctx context.Context, actor access.Actor, id string) ([]access.Event, error) {
	if _, err := s.GetRequest(ctx, actor, id); err != nil {
		return nil, err
	}
	var evs []access.Event
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		evs, err = tx.ListEvents(ctx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("events of request %s: %w", id, err)
	}
	return evs, nil
}

// RequestCounts returns the number of requests in each status (every status
// present, zero included) and how many have a failing revocation.
func (s *Service) RequestCounts(ctx context.Context) (map[access.Status]int, int, error) {
	var byStatus map[access.Status]int
	var failing int
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		byStatus, failing, err = tx.CountRequests(ctx)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("count requests: %w", err)
	}
	for _, st := range access.Statuses {
		byStatus[st] += 0
	}
	return byStatus, failing, nil
}
