package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// NotDueError says a job ran before its time (a request was extended, or a
// job fired early); the job should run again at Until.
type NotDueError struct{ Until time.Time }

func (e *NotDueError) Error() string {
	return "not due until " + e.Until.UTC().Format(time.RFC3339Nano)
}

// RevocationFailingAfter is the number of failed attempts after which a
// revocation is flagged revocation_failed (it keeps being retried).
const RevocationFailingAfter = 3

// loadGrant reads the request that owns grantID and the grant itself.
func loadGrant(ctx context.Context, tx store.Requests, grantID string) (*access.Request, access.Grant, error) {
	r, err := tx.FindRequestByGrantID(ctx, grantID)
	if err != nil {
		return nil, access.Grant{}, fmt.Errorf("find request of grant %s: %w", grantID, err)
	}
	g, _ := r.FindGrant(grantID)
	return r, g, nil
}

// readGrant reads grant id and its request in a read-only transaction.
func (s *Service) readGrant(ctx context.Context, grantID string) (*access.Request, access.Grant, error) {
	var r *access.Request
	var g access.Grant
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		r, g, err = loadGrant(ctx, tx, grantID)
		return err
	})
	return r, g, err
}

// applyGrantStep loads grant id's request, applies step and stores the result
// with its events, retrying on concurrent changes. step returns the new request
// and events; a nil request means there is nothing to store.
func (s *Service) applyGrantStep(ctx context.Context, grantID string, step func(tx store.Tx, r access.Request, g access.Grant) (*access.Request, []access.Event, error)) (access.Request, error) {
	var out access.Request
	err := s.retryConflicts(ctx, func(tx store.Tx) error {
		r, g, err := loadGrant(ctx, tx, grantID)
		if err != nil {
			return err
		}
		next, evs, err := step(tx, *r, g)
		if err != nil {
			return err
		}
		if next == nil {
			out = *r
			return nil
		}
		if err := tx.UpdateRequest(ctx, next); err != nil {
			return fmt.Errorf("update request %s: %w", next.ID, err)
		}
		if err := s.appendEvents(ctx, tx, evs...); err != nil {
			return err
		}
		if err := s.scheduleActivity(ctx, tx, g, *next); err != nil {
			return err
		}
		out = *next
		return nil
	})
	return out, err
}

// Activate creates grant id's account assignment and records it. It is the
// body of the grant job (attempt counts its runs from 1): safe to run more
// than once, and a returned error means "retry later". AWS's final refusal
// is recorded as a failed grant.
//
// A grant whose request closed or is ending before it became active is
// abandoned. If a create was sent for it (by this run or one that died), it
// is left orphaned, and its removal runs at the end of the job, whatever
// path the run took, after any create of the run has returned, so that the
// delete never overtakes the create in AWS.
func (s *Service) Activate(ctx context.Context, grantID string, attempt int) error {
	g, err := s.activate(ctx, grantID)
	if err != nil {
		return err
	}
	// g is the grant as the run's last transaction left it: each path ends
	// with one, after any create of the run has returned.
	if g.Orphaned() {
		return s.removeOrphan(ctx, grantID, attempt)
	}
	return nil
}

// removeOrphan is the grant job's last step for a grant closed after its
// create was sent: it removes what the create made, decided like a
// revocation (access.PlanRemoval) under the assignment lock, once this
// run's create has returned.
func (s *Service) removeOrphan(ctx context.Context, grantID string, attempt int) error {
	return s.release(ctx, grantID, attempt)
}

// activate is Activate up to the removal of an orphaned grant; it returns
// the grant as its last transaction read or wrote it.
func (s *Service) activate(ctx context.Context, grantID string) (access.Grant, error) {
	if s.ctxSrc != nil {
		if g, done, err := s.recheckTicket(ctx, grantID); err != nil || done {
			return g, err
		}
	}
	start := time.Now()
	create, r, err := s.planActivation(ctx, grantID, access.InAWSUnknown)
	if err != nil || create == createNothing {
		return grantOf(r, grantID), err
	}
	g := grantOf(r, grantID)
	asg := r.Assignment(g)
	if create == createAskAWS {
		exists, err := s.provider.AssignmentExists(ctx, asg)
		if err != nil {
			return g, fmt.Errorf("check for a standing assignment for grant %s: %w", grantID, err)
		}
		found := access.InAWSAbsent
		if exists {
			found = access.InAWSPresent
		}
		if create, r, err = s.planActivation(ctx, grantID, found); err != nil || create == createNothing {
			return grantOf(r, grantID), err
		}
	}
	callStart := time.Now()
	awsID, err := s.createAssignment(ctx, r, asg)
	s.obs.ObserveGrant(time.Since(callStart), outcomeOf(err))
	var perr *access.ProvisioningError
	if errors.As(err, &perr) {
		s.log.WarnContext(ctx, "AWS refused the assignment", "request_id", r.ID, "grant_id", grantID, "account_id", g.AccountID, "reason", perr.Reason)
		stored, err := s.applyGrantStep(ctx, grantID, func(_ store.Tx, r access.Request, g access.Grant) (*access.Request, []access.Event, error) {
			if g.Status != access.GrantPending {
				return nil, nil, nil
			}
			next, evs, err := r.GrantFailed(grantID, perr.Reason, s.clock.Now())
			return &next, evs, err
		})
		if err != nil {
			return g, fmt.Errorf("record failed grant %s: %w", grantID, err)
		}
		return grantOf(stored, grantID), nil
	}
	if err != nil {
		return g, fmt.Errorf("create assignment for grant %s: %w", grantID, err)
	}

	closed := false
	stored, err := s.applyGrantStep(ctx, grantID, func(tx store.Tx, r access.Request, g access.Grant) (*access.Request, []access.Event, error) {
		if g.Status != access.GrantPending {
			// Cancelled while AWS was creating it: orphaned, removed by
			// Activate unless another grant holds the assignment.
			closed = true
			return nil, nil, nil
		}
		next, evs, err := r.GrantActivated(grantID, awsID, access.OriginCreated, s.clock.Now())
		if err != nil {
			return nil, nil, err
		}
		return &next, evs, s.scheduleEnd(ctx, tx, next, grantID)
	})
	if err != nil {
		return g, fmt.Errorf("record active grant %s: %w", grantID, err)
	}
	if closed {
		return grantOf(stored, grantID), nil
	}
	s.log.InfoContext(ctx, "access granted", "request_id", stored.ID, "grant_id", grantID, "account_id", g.AccountID,
		"user", stored.RequesterName, "permission_set", stored.PermissionSetName, "aws_request_id", awsID,
		"ends_at", stored.EndsAt, "took_ms", time.Since(start).Milliseconds())
	return grantOf(stored, grantID), nil
}

// recheckTicket checks the ticket of a grant's request again as its access
// starts, for a rule that requires one, outside any transaction (the ticket
// system may be slow): a ticket no longer open cancels the request (done),
// one that cannot be checked now makes the job retry.
func (s *Service) recheckTicket(ctx context.Context, grantID string) (access.Grant, bool, error) {
	r, g, err := s.readGrant(ctx, grantID)
	if err != nil {
		return g, false, fmt.Errorf("activate grant %s: %w", grantID, err)
	}
	if r.Status != access.StatusScheduled || r.GrantJobStep(g, s.clock.Now()) != access.GrantJobActivate {
		return g, false, nil
	}
	c, err := s.checkTicket(ctx, *r)
	if err != nil {
		return g, false, fmt.Errorf("activate grant %s: %w", grantID, err)
	}
	switch {
	case c.checked && c.outcome == policy.False:
		if err := s.cancelForTicket(ctx, r.ID, c.evidence); err != nil {
			return g, false, err
		}
		// Cancelled: the grant as it is now, an orphan to remove if an
		// earlier run's create was sent.
		_, g, err = s.readGrant(ctx, grantID)
		return g, true, err
	case c.checked && c.outcome == policy.Unknown:
		return g, false, fmt.Errorf("activate grant %s: the ticket could not be checked again, retrying: %s", grantID, c.evidence)
	}
	return g, false, nil
}

// grantOf is grant id of r (the zero grant when r has none).
func grantOf(r access.Request, id string) access.Grant {
	g, _ := r.FindGrant(id)
	return g
}

// createAssignment sends grant's create to AWS and, for a request that
// started with its approval, records how long after that approval AWS
// accepted it.
func (s *Service) createAssignment(ctx context.Context, r access.Request, asg access.Assignment) (string, error) {
	ap, ok := s.provider.(acceptingProvider)
	approvedAt := startingApproval(r)
	if !ok || approvedAt.IsZero() {
		return s.provider.CreateAssignment(ctx, asg)
	}
	return ap.CreateAssignmentAccepted(ctx, asg, func() { s.obs.ObserveApprovalToCreate(s.clock.Now().Sub(approvedAt)) })
}

// startingApproval is the time of the approval that made r start: the last
// of the approvals its quorum needed, when r was to start at once (its
// start not after that approval). Zero for a request that needed no
// approval or started later.
func startingApproval(r access.Request) time.Time {
	if r.ApprovalsRequired == 0 || r.ApprovalCount() < r.ApprovalsRequired {
		return time.Time{}
	}
	var last time.Time
	for _, ap := range r.Approvals {
		if ap.Verdict == access.VerdictApprove && ap.At.After(last) {
			last = ap.At
		}
	}
	if r.StartAt.After(last) {
		return time.Time{}
	}
	return last
}

// createStep is what the grant job does in AWS after planActivation.
type createStep int

const (
	createNothing createStep = iota // shared, standing, or closed: no AWS call
	createAskAWS                    // ask AWS whether the assignment already exists
	createSend                      // create it in AWS
)

// planActivation decides what the grant job does (access.GrantJobStep):
// nothing when the grant is no longer pending; not yet when its request
// starts later (a NotDueError); close the grant when its request closed or
// is ending (abandon: never create the assignment, and an earlier run's
// create is removed by Activate); else, under the assignment lock, how
// grant id gets its assignment (access.PlanActivation), recording what it
// decided: active when shared or standing; origin created, and the
// assignment not standing, before a first create is sent. It returns the
// request as its transaction stored or read it.
func (s *Service) planActivation(ctx context.Context, grantID string, aws access.InAWS) (createStep, access.Request, error) {
	step := createNothing
	stored, err := s.applyGrantStep(ctx, grantID, func(tx store.Tx, r access.Request, g access.Grant) (*access.Request, []access.Event, error) {
		step = createNothing
		switch r.GrantJobStep(g, s.clock.Now()) {
		case access.GrantJobDone:
			return nil, nil, nil // done before, closed before it started, or orphaned
		case access.GrantJobNotDue:
			return nil, nil, &NotDueError{Until: r.StartAt}
		case access.GrantJobAbandon:
			if g.Status != access.GrantPending || r.Status.Terminal() {
				return nil, nil, nil
			}
			next, evs, err := r.AbandonGrant(grantID, s.clock.Now())
			return &next, evs, err
		}
		if g.Status != access.GrantPending || (r.Status != access.StatusScheduled && r.Status != access.StatusActive) {
			return nil, nil, nil
		}
		asg := r.Assignment(g)
		// A limit the directory sync learned after the request was approved
		// (a delegated administrator can't assign there): fail the grant
		// with the reason, and never send AWS a create it would refuse.
		if reason, err := assignmentLimit(ctx, tx, asg); err != nil || reason != "" {
			if err != nil {
				return nil, nil, err
			}
			next, evs, err := r.GrantFailed(grantID, reason, s.clock.Now())
			return &next, evs, err
		}
		if err := tx.LockAssignment(ctx, asg); err != nil {
			return nil, nil, err
		}
		others, err := tx.AssignmentHolders(ctx, asg, grantID)
		if err != nil {
			return nil, nil, err
		}
		now := s.clock.Now()
		origin := access.OriginShared
		plan := access.PlanActivation(g, others, aws)
		if plan == access.ActivationAskAWS {
			// What elevate itself last did to the assignment may answer
			// without a call to AWS.
			known, err := knownInAWS(ctx, tx, asg, now)
			if err != nil {
				return nil, nil, err
			}
			plan = access.PlanActivation(g, others, known)
		}
		switch plan {
		case access.ActivationWait:
			return nil, nil, &NotDueError{Until: now.Add(2 * time.Second)}
		case access.ActivationShare:
		case access.ActivationResend:
			step = createSend
			return nil, nil, nil
		case access.ActivationCreate:
			if err := tx.SetStanding(ctx, asg, false, now); err != nil {
				return nil, nil, err
			}
			next := r
			next.Grants = append([]access.Grant(nil), r.Grants...)
			for i := range next.Grants {
				if next.Grants[i].ID == grantID {
					next.Grants[i].Origin = access.OriginCreated
				}
			}
			step = createSend
			return &next, nil, nil
		case access.ActivationAskAWS:
			step = createAskAWS
			return nil, nil, nil
		case access.ActivationStanding:
			origin = access.OriginStanding
			if err := tx.SetStanding(ctx, asg, true, now); err != nil {
				return nil, nil, err
			}
		}
		next, evs, err := r.GrantActivated(grantID, "", origin, now)
		if err != nil {
			return nil, nil, err
		}
		return &next, evs, s.scheduleEnd(ctx, tx, next, grantID)
	})
	if err != nil {
		return createNothing, stored, fmt.Errorf("plan activation of grant %s: %w", grantID, err)
	}
	return step, stored, nil
}

// knownInAWS is what the database knows about asg in AWS
// (access.KnownInAWS): absent shortly after elevate deleted it.
func knownInAWS(ctx context.Context, tx store.Assignments, asg access.Assignment, now time.Time) (access.InAWS, error) {
	last, err := tx.LastRemoval(ctx, asg)
	if err != nil || last.IsZero() {
		return access.InAWSUnknown, err
	}
	standing, err := tx.IsStanding(ctx, asg)
	if err != nil {
		return access.InAWSUnknown, err
	}
	return access.KnownInAWS(last, standing, now), nil
}

// assignmentLimit returns why elevate may not assign asg, from the synced
// directory ("" when it may, or when the account or permission set is no
// longer in the directory: AWS then has the last word).
func assignmentLimit(ctx context.Context, tx store.Directory, asg access.Assignment) (string, error) {
	acct, err := tx.FindAccount(ctx, asg.AccountID)
	switch {
	case err == nil && acct.Limit != "":
		return fmt.Sprintf("elevate cannot grant access in account %s (%s): %s", acct.Name, acct.ID, acct.Limit), nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	ps, err := tx.FindPermissionSet(ctx, asg.PermissionSetARN)
	switch {
	case err == nil && ps.Limit != "":
		return fmt.Sprintf("elevate cannot grant permission set %s: %s", ps.LimitedName(), ps.Limit), nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	return "", nil
}

// scheduleEnd enqueues grant id's revocation at the request's end (now when
// it is ending early).
func (s *Service) scheduleEnd(ctx context.Context, tx store.Tx, r access.Request, grantID string) error {
	at := s.revokeJobAt(r)
	if r.EndRequested() {
		at = time.Time{}
	}
	if err := s.sched.Schedule(ctx, tx, Job{Kind: JobRevoke, RequestID: r.ID, GrantID: grantID, At: at}); err != nil {
		return fmt.Errorf("schedule revocation: %w", err)
	}
	return nil
}

// Revoke removes grant id's account assignment once the request's end is
// due, and records it. It is the body of the revoke job, retried forever:
// after RevocationFailingAfter failed attempts the request is flagged
// revocation_failed and the failure is logged at error level.
//
// The assignment is deleted only when no other grant holds or is creating
// it and it is not a standing assignment; the decision and the switch to
// "revoking" happen under the assignment lock, so no grant starts sharing an
// assignment that is being deleted.
//
// An orphaned grant (revoking, never active: see access.Grant.Orphaned) is
// removed the same way by the grant job's removeOrphan.
func (s *Service) Revoke(ctx context.Context, grantID string, attempt int) error {
	return s.release(ctx, grantID, attempt)
}

// release is the body of Revoke and removeOrphan.
func (s *Service) release(ctx context.Context, grantID string, attempt int) error {
	r, g, err := s.readGrant(ctx, grantID)
	if err != nil {
		return fmt.Errorf("revoke grant %s: %w", grantID, err)
	}
	if g.Status != access.GrantActive && g.Status != access.GrantRevoking {
		return nil
	}
	ahead := time.Duration(0) // how long before the end the revocation starts (revoke_ahead)
	if now := s.clock.Now(); g.Status == access.GrantActive && !r.RevocationDue(now) {
		start, err := s.revokeStart(ctx, *r, g)
		if err != nil {
			return err
		}
		if now.Before(start) {
			return &NotDueError{Until: start}
		}
		ahead = r.EndsAt.Sub(now)
	}
	asg := r.Assignment(g)
	if g.Status == access.GrantActive || g.Orphaned() {
		mustDelete := false
		stored, err := s.applyGrantStep(ctx, grantID, func(tx store.Tx, r access.Request, g access.Grant) (*access.Request, []access.Event, error) {
			mustDelete = g.Status == access.GrantRevoking && !g.Orphaned()
			if g.Status != access.GrantActive && !g.Orphaned() {
				return nil, nil, nil
			}
			if err := tx.LockAssignment(ctx, asg); err != nil {
				return nil, nil, err
			}
			others, err := tx.AssignmentHolders(ctx, asg, grantID)
			if err != nil {
				return nil, nil, err
			}
			standing, err := tx.IsStanding(ctx, asg)
			if err != nil {
				return nil, nil, err
			}
			removal := access.PlanRemoval(g, others, standing)
			now := s.clock.Now()
			if removal.Delete {
				if g.Orphaned() {
					mustDelete = true // already revoking
					return nil, nil, nil
				}
				next, err := r.BeginRevoke(grantID, now)
				if err != nil {
					return nil, nil, err
				}
				// The statement that ends the user's open sessions is stored
				// with the decision, so that no crash loses it.
				if err := s.planSessionDeny(ctx, tx, r, g, now); err != nil {
					return nil, nil, err
				}
				mustDelete = true
				return &next, nil, nil
			}
			next, evs, err := r.GrantRevoked(grantID, "", now)
			if err != nil {
				return nil, nil, err
			}
			evs[0].Details["assignment_kept"] = removal.KeptBecause()
			return &next, evs, nil
		})
		if err != nil {
			return fmt.Errorf("revoke grant %s: %w", grantID, err)
		}
		if !mustDelete {
			s.log.InfoContext(ctx, "access released; assignment kept", "request_id", stored.ID, "grant_id", grantID,
				"account_id", g.AccountID, "user", stored.RequesterName, "status", stored.Status)
			return nil
		}
	}
	callStart := time.Now()
	// Lateness is how long after the scheduled end AWS was asked to delete:
	// only a revocation at the scheduled end has one. An early end (ended,
	// cancelled, the user disabled) happens before it and would count as
	// negative lateness, hiding real delays in the histogram.
	if now := s.clock.Now(); !r.EndsAt.IsZero() && !r.EndRequested() && !now.Before(r.EndsAt) && !g.Orphaned() && attempt <= 1 {
		s.obs.ObserveRevocationLateness(now.Sub(r.EndsAt))
	}
	deadline := r.EndsAt
	if r.EndRequested() {
		deadline = r.EndRequestedAt
	}
	deleted, err := s.assignmentDeleted(ctx, grantID)
	if err != nil {
		return fmt.Errorf("revoke grant %s: %w", grantID, err)
	}
	var awsID string
	if !deleted {
		awsID, err = s.provider.DeleteAssignment(ctx, asg, deadline)
		s.obs.ObserveRevoke(time.Since(callStart), outcomeOf(err))
	}
	if err != nil {
		return s.revocationFailing(ctx, r, g, attempt, fmt.Errorf("delete assignment for grant %s: %w", grantID, err))
	}
	// The assignment is gone; where the rule ends open sessions, the
	// revocation is complete only once their deny is in force too.
	deniedBefore, err := s.endSessions(ctx, grantID)
	if err != nil {
		var nd *NotDueError
		if errors.As(err, &nd) {
			return err // another replica is writing the policy
		}
		return s.revocationFailing(ctx, r, g, attempt, err)
	}
	stored, err := s.applyGrantStep(ctx, grantID, func(_ store.Tx, r access.Request, g access.Grant) (*access.Request, []access.Event, error) {
		if g.Status != access.GrantRevoking {
			return nil, nil, nil
		}
		next, evs, err := r.GrantRevoked(grantID, awsID, s.clock.Now())
		if err == nil && !deniedBefore.IsZero() && len(evs) > 0 {
			evs[0].Details["sessions_denied_before"] = deniedBefore.UTC().Format(time.RFC3339Nano)
		}
		if err == nil && len(evs) > 0 {
			// The price of revoke_ahead, in the request's history: how
			// long before its end the revocation started, and how much
			// access it cut short.
			if g, ok := next.FindGrant(grantID); ok && ahead > 0 {
				evs[0].Details["revoked_ahead"] = ahead.Round(time.Millisecond).String()
				evs[0].Details["cut_short"] = g.CutShort(next).Round(time.Millisecond).String()
			}
		}
		return &next, evs, err
	})
	if err != nil {
		return fmt.Errorf("record revoked grant %s: %w", grantID, err)
	}
	if g.Orphaned() {
		s.log.InfoContext(ctx, "removed what the create of a closed grant made", "request_id", stored.ID, "grant_id", grantID,
			"account_id", g.AccountID, "user", stored.RequesterName, "aws_request_id", awsID, "status", stored.Status)
		return nil
	}
	s.log.InfoContext(ctx, "access removed", "request_id", stored.ID, "grant_id", grantID, "account_id", g.AccountID,
		"user", stored.RequesterName, "aws_request_id", awsID, "status", stored.Status,
		"late_ms", s.clock.Now().Sub(r.EndsAt).Milliseconds())
	return nil
}

// revocationFailing returns err, the failure of a revoke job's attempt;
// from the RevocationFailingAfter-th attempt on it logs it at error level
// and flags the request revocation_failed (once).
func (s *Service) revocationFailing(ctx context.Context, r *access.Request, g access.Grant, attempt int, err error) error {
	if attempt < RevocationFailingAfter || IsWaiting(err) {
		return err
	}
	grantID := g.ID
	s.log.ErrorContext(ctx, "revocation failing, will retry", "request_id", r.ID, "grant_id", grantID,
		"account_id", g.AccountID, "user", r.RequesterName, "attempt", attempt, "error", err)
	if r.RevocationFailed {
		return err
	}
	if _, ferr := s.applyGrantStep(ctx, grantID, func(_ store.Tx, r access.Request, g access.Grant) (*access.Request, []access.Event, error) {
		if g.Status != access.GrantRevoking || r.RevocationFailed {
			return nil, nil, nil
		}
		next, ev, err := r.RevocationFailing(grantID, err.Error(), s.clock.Now())
		return &next, []access.Event{ev}, err
	}); ferr != nil {
		return errors.Join(err, fmt.Errorf("flag revocation_failed: %w", ferr))
	}
	return err
}

// Expire closes a pending request whose approval deadline has passed.
// Before then, when the request's rule has escalate_after, it escalates
// the request once at that time and waits for the deadline.
func (s *Service) Expire(ctx context.Context, requestID string) error {
	var snooze time.Time // set when the job escalated and waits for the expiry
	err := s.retryConflicts(ctx, func(tx store.Tx) error {
		snooze = time.Time{}
		r, err := tx.FindRequestByID(ctx, requestID)
		if err != nil {
			return fmt.Errorf("find request: %w", err)
		}
		if r.Status != access.StatusPending {
			return nil
		}
		now := s.clock.Now()
		if r.ExpiresAt.IsZero() {
			return nil
		}
		if now.Before(r.ExpiresAt) {
			at, groups, err := s.escalation(ctx, tx, *r)
			switch {
			case err != nil:
				return err
			case at.IsZero():
				return &NotDueError{Until: r.ExpiresAt}
			case now.Before(at):
				return &NotDueError{Until: at}
			}
			snooze = r.ExpiresAt
			return s.escalate(ctx, tx, *r, groups, now)
		}
		next, ev, err := r.Expire(now)
		if err != nil {
			return err
		}
		if err := tx.UpdateRequest(ctx, &next); err != nil {
			return fmt.Errorf("update request: %w", err)
		}
		return s.appendEvents(ctx, tx, ev)
	})
	if err != nil {
		return fmt.Errorf("expire request %s: %w", requestID, err)
	}
	if !snooze.IsZero() {
		return &NotDueError{Until: snooze}
	}
	return nil
}

// outcomeOf names an AWS step's result for metrics.
func outcomeOf(err error) string {
	var perr *access.ProvisioningError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &perr):
		return "failed"
	case IsWaiting(err):
		return "waiting"
	default:
		return "error"
	}
}

// IsWaiting reports whether err says that a call only waited its turn (for
// the client-side rate limiter, an in-flight slot, or AWS to finish) when
// the job's time ran out: the provider goes on with the operation, and the
// job's next run joins it. Nothing failed. The provider's error says so by a
// Waiting method, so that workflow needs no import of it.
func IsWaiting(err error) bool {
	var w interface{ Waiting() bool }
	return errors.As(err, &w) && w.Waiting()
}
