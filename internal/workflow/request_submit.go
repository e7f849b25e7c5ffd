package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// SubmitInput is a new request as a requester states it.
type SubmitInput struct {
	AccountIDs    []string // account ids or names
	PermissionSet string   // name or ARN
	Duration      time.Duration
	StartAt       time.Time // zero: now
	Justification string
	Ticket        string
	// BreakGlass asks for emergency self-activation under a break-glass
	// rule: no approval, active at once, alerted and reviewed afterwards.
	BreakGlass bool
}

// Submit evaluates the policy against the synced directory and records the
// request. One that needs no approval is scheduled at once.
func (s *Service) Submit(ctx context.Context, actor access.Actor, in SubmitInput) (*access.Request, error) {
	if actor.UserID == "" {
		return nil, access.Errorf(access.CodeUnauthenticated, "sign in to request access")
	}
	if in.Duration <= 0 {
		return nil, access.Errorf(access.CodeInvalid, "duration is missing: give one such as 1h or 30m")
	}
	if err := checkBreakGlassStart(in, s.clock.Now()); err != nil {
		return nil, err
	}
	// The facts of the rules' conditions (on call, the ticket) are
	// gathered before the transaction: no call to another system while it
	// is open.
	facts, err := s.gatherFacts(ctx, actor, in.Ticket)
	if err != nil {
		return nil, fmt.Errorf("submit request: %w", err)
	}
	cq := condQuery{ticket: in.Ticket, facts: facts}
	var req access.Request
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		ps, err := tx.FindPermissionSet(ctx, strings.TrimSpace(in.PermissionSet))
		if err != nil {
			return notFound(err, "permission set %q does not exist%s: see `elevate eligibility` for what you may request",
				in.PermissionSet, s.didYouMean(ctx, tx, "permission set", in.PermissionSet))
		}
		accounts := make([]access.Account, 0, len(in.AccountIDs))
		for _, ref := range in.AccountIDs {
			a, err := tx.FindAccount(ctx, strings.TrimSpace(ref))
			if errors.Is(err, store.ErrConflict) {
				return access.Errorf(access.CodeInvalid, "account name %q matches several accounts: use the account id", ref)
			}
			if err != nil {
				return notFound(err, "account %q does not exist in the organization%s", ref, s.didYouMean(ctx, tx, "account", ref))
			}
			accounts = append(accounts, a)
		}
		if len(accounts) == 0 {
			return access.Errorf(access.CodeInvalid, "account_ids is empty: name at least one account")
		}
		pol, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		elig, maxDur, err := s.decidePolicyWith(pol, actor, accounts, ps, in.BreakGlass, &cq)
		if err != nil {
			return err
		}
		set := pol.Settings()
		if set.TicketRequired && strings.TrimSpace(in.Ticket) == "" {
			elig.TicketRequired = true
		}
		ids := make([]string, len(accounts))
		grantIDs := make([]string, len(accounts))
		for i, a := range accounts {
			ids[i] = a.ID
			grantIDs[i] = newID("grt_")
		}
		now := s.clock.Now()
		r, ev, err := access.NewRequest(access.NewRequestInput{
			ID: newID("req_"), GrantIDs: grantIDs, AccountIDs: ids,
			PermissionSetARN: ps.ARN, PermissionSetName: ps.Name,
			Duration: in.Duration, StartAt: in.StartAt, Justification: in.Justification, Ticket: in.Ticket,
		}, actor, elig, access.Limits{MinDuration: set.MinDuration, MaxDuration: s.capDuration(maxDur), ApprovalTimeout: set.ApprovalTimeout,
			MaxStartAhead: s.settings.MaxStartAhead}, now)
		if err != nil {
			return err
		}
		if r.Status == access.StatusPending {
			if err := routeApprovers(ctx, tx, &r, &ev, now); err != nil {
				return fmt.Errorf("route approvers: %w", err)
			}
		}
		for _, d := range cq.decisions {
			ev.Details = conditionDetails(ev.Details, d)
		}
		ev.Details = ticketDetails(ev.Details, facts)
		evs := []access.Event{ev}
		if in.BreakGlass {
			ev.Details = withDetail(ev.Details, "break_glass", "true")
			evs = []access.Event{ev, {Type: EventBreakGlass, RequestID: r.ID, Actor: actor, At: now, Details: map[string]string{
				"rule": elig.Rule, "permission_set": ps.Name, "accounts": strings.Join(ids, ","), "justification": in.Justification,
				"review": "required"}}}
		}
		if err := tx.CreateRequest(ctx, &r); err != nil {
			return fmt.Errorf("create request: %w", err)
		}
		if in.BreakGlass {
			if err := recordBreakGlass(ctx, tx, r); err != nil {
				return err
			}
		}
		if err := s.appendEvents(ctx, tx, evs...); err != nil {
			return err
		}
		if err := s.scheduleFollowUp(ctx, tx, r); err != nil {
			return err
		}
		req = r
		return nil
	})
	for _, d := range cq.decisions {
		s.observeConditions(d.Conditions)
	}
	if cq.refusal != nil {
		s.observeConditions(cq.refusal.Conditions)
		s.recordRefusal(ctx, actor, in, cq.refusal.Reason, cq.refusal.Conditions)
	}
	if err != nil {
		return nil, fmt.Errorf("submit request: %w", err)
	}
	s.log.InfoContext(ctx, "request submitted", "request_id", req.ID, "requester", req.RequesterName,
		"permission_set", req.PermissionSetName, "accounts", strings.Join(req.AccountIDs(), ","), "status", req.Status)
	return &req, nil
}

// scheduleFollowUp enqueues the jobs a request needs in its new status.
func (s *Service) scheduleFollowUp(ctx context.Context, tx store.Tx, r access.Request) error {
	var jobs []Job
	switch r.Status {
	case access.StatusPending:
		if !r.ExpiresAt.IsZero() {
			// The deadline job escalates first when the rule says so, then
			// snoozes until the expiry.
			at, err := s.pendingJobAt(ctx, tx, r)
			if err != nil {
				return fmt.Errorf("escalation of request %s: %w", r.ID, err)
			}
			jobs = append(jobs, Job{Kind: JobExpire, RequestID: r.ID, At: at})
		}
	case access.StatusScheduled:
		for _, g := range r.Grants {
			if g.Status == access.GrantPending {
				jobs = append(jobs, Job{Kind: JobGrant, RequestID: r.ID, GrantID: g.ID, At: r.StartAt})
			}
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	if err := s.sched.Schedule(ctx, tx, jobs...); err != nil {
		return fmt.Errorf("schedule jobs for request %s: %w", r.ID, err)
	}
	return nil
}

// decide applies the policy in effect to a (non break-glass) request for
// the accounts; see decidePolicy.
func (s *Service) decide(ctx context.Context, tx store.Tx, actor access.Actor, accounts []access.Account, ps access.PermissionSet) (access.Eligibility, time.Duration, error) {
	pol, err := s.policyEngine(ctx, tx)
	if err != nil {
		return access.Eligibility{}, 0, err
	}
	return s.decidePolicy(pol, actor, accounts, ps, false)
}

// decidePolicy applies the policy to every account of a request. The request gets
// the strictest of the per-account outcomes, and only approvers who may
// approve for every account. A refusal says why.
func (s *Service) decidePolicy(pol *policy.Engine, actor access.Actor, accounts []access.Account, ps access.PermissionSet, breakGlass bool) (access.Eligibility, time.Duration, error) {
	return s.decidePolicyWith(pol, actor, accounts, ps, breakGlass, nil)
}

// condQuery carries the facts of the rules' conditions into a decision,
// and the decisions (with their conditions' outcomes) out of it. A nil
// condQuery re-decides a request already granted (an extension).
type condQuery struct {
	ticket    string
	facts     *policy.Facts
	decisions []policy.Decision // the per-account decisions that had conditions
	refusal   *policy.Decision  // the decision refused by a rule's require conditions
}

// decidePolicyWith is decidePolicy with the conditions' facts.
func (s *Service) decidePolicyWith(pol *policy.Engine, actor access.Actor, accounts []access.Account, ps access.PermissionSet, breakGlass bool, cq *condQuery) (access.Eligibility, time.Duration, error) {
	var elig access.Eligibility
	var maxDur time.Duration
	var ruleNames []string
	approversSet := false
	if cq != nil {
		cq.decisions, cq.refusal = nil, nil // a retried transaction decides again
	}
	for i, a := range accounts {
		pq := policy.Question{User: actor.UserID, Account: a.ID, PermissionSet: ps.ARN, BreakGlass: breakGlass, Granted: cq == nil}
		if cq != nil {
			pq.Ticket, pq.Facts = cq.ticket, cq.facts
		}
		d := pol.Decide(pq)
		if cq != nil && len(d.Conditions) > 0 {
			if d.Allowed {
				cq.decisions = append(cq.decisions, d)
			} else if d.Rule == "" && cq.refusal == nil {
				cq.refusal = &d
			}
		}
		if d.Limit != "" {
			return elig, 0, access.Errorf(access.CodeDelegatedAdminLimit, "%s. Nothing was sent to AWS; ask an admin for access by other means", d.Reason)
		}
		if !d.Allowed && breakGlass {
			return elig, 0, breakGlassRefusal(pol, actor, a, ps, d)
		}
		if !d.Allowed {
			return elig, 0, access.Errorf(access.CodeNotEligible, "%s: see `elevate eligibility` for what you may request, and `elevate policy explain` for why", d.Reason)
		}
		approvers := d.ApproverIDs()
		if breakGlass {
			approvers = reviewerIDs(d) // they review it afterwards
		}
		// An account that needs no approval (auto-approved by its rule's
		// conditions) does not narrow who may approve the others.
		constrains := breakGlass || !d.AutoApproved
		switch {
		case !constrains:
		case !approversSet:
			elig.Approvers, approversSet = approvers, true
		default:
			elig.Approvers = slices.DeleteFunc(elig.Approvers, func(id string) bool { return !slices.Contains(approvers, id) })
		}
		if i == 0 {
			maxDur = d.MaxDuration
		} else {
			maxDur = min(maxDur, d.MaxDuration)
		}
		elig.ApprovalsRequired = max(elig.ApprovalsRequired, d.ApprovalsRequired)
		elig.TicketRequired = elig.TicketRequired || d.TicketRequired
		if !slices.Contains(ruleNames, d.Rule) {
			ruleNames = append(ruleNames, d.Rule)
		}
	}
	elig.Rule = strings.Join(ruleNames, ",")
	if elig.ApprovalsRequired == 0 && !breakGlass {
		elig.Approvers = nil
	} else if len(elig.Approvers) < elig.ApprovalsRequired {
		return elig, 0, access.Errorf(access.CodeNotEligible, "this request needs %d approval(s) but only %d approver(s) may approve for every account: request the accounts separately",
			elig.ApprovalsRequired, len(elig.Approvers))
	}
	return elig, maxDur, nil
}

func withDetail(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// Eligible is one (account, permission set) pair the policy offers a user.
type Eligible struct {
	Account           access.Account
	PermissionSet     access.PermissionSet
	Rule              string
	MaxDuration       time.Duration
	ApprovalsRequired int
	TicketRequired    bool
	BreakGlass        bool // offered for break-glass requests only
}

// Eligibility lists what the policy offers the actor, by account then
// permission set name; break-glass offers are separate entries.
func (s *Service) Eligibility(ctx context.Context, actor access.Actor) ([]Eligible, error) {
	var out []Eligible
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		pol, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		for e := range pol.Eligibles(actor.UserID) {
			out = append(out, Eligible{Account: e.Account, PermissionSet: e.PermissionSet, Rule: e.Rule, MaxDuration: e.MaxDuration,
				ApprovalsRequired: e.ApprovalsRequired, TicketRequired: e.TicketRequired, BreakGlass: e.BreakGlass})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("eligibility of %s: %w", actor.UserName, err)
	}
	return out, nil
}

// capDuration bounds the longest a request may last by the configured
// ceiling (0, no rule maximum, is the ceiling).
func (s *Service) capDuration(d time.Duration) time.Duration {
	if d <= 0 || d > s.settings.MaxDurationCeiling {
		return s.settings.MaxDurationCeiling
	}
	return d
}

// didYouMean suggests the directory's name closest to a misspelled account
// or permission set (policy.Engine.DidYouMean); "" when none is close or
// the policy can't be read, so a suggestion never hides the error itself.
func (s *Service) didYouMean(ctx context.Context, tx store.Tx, kind, ref string) string {
	pol, err := s.policyEngine(ctx, tx)
	if err != nil {
		return ""
	}
	return pol.DidYouMean(kind, strings.TrimSpace(ref))
}
