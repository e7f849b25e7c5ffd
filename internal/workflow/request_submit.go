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
	var req access.Request
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		ps, err := tx.FindPermissionSet(ctx, strings.TrimSpace(in.PermissionSet))
		if err != nil {
			return notFound(err, "permission set %q does not exist: see `elevate eligibility` for what you may request", in.PermissionSet)
		}
		accounts := make([]access.Account, 0, len(in.AccountIDs))
		for _, ref := range in.AccountIDs {
			a, err := tx.FindAccount(ctx, strings.TrimSpace(ref))
			if errors.Is(err, store.ErrConflict) {
				return access.Errorf(access.CodeInvalid, "account name %q matches several accounts: use the account id", ref)
			}
			if err != nil {
				return notFound(err, "account %q does not exist in the organization", ref)
			}
			accounts = append(accounts, a)
		}
		if len(accounts) == 0 {
			return access.Errorf(access.CodeInvalid, "account_ids is empty: name at least one account")
		}
		elig, maxDur, err := s.decide(ctx, tx, actor, accounts, ps)
		if err != nil {
			return err
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
		}, actor, elig, access.Limits{MinDuration: s.settings.MinDuration, MaxDuration: maxDur, ApprovalTimeout: s.settings.ApprovalTimeout}, now)
		if err != nil {
			return err
		}
		if err := tx.CreateRequest(ctx, &r); err != nil {
			return fmt.Errorf("create request: %w", err)
		}
		if err := appendEvents(ctx, tx, ev); err != nil {
			return err
		}
		if err := s.scheduleFollowUp(ctx, tx, r); err != nil {
			return err
		}
		req = r
		return nil
	})
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
			jobs = append(jobs, Job{Kind: JobExpire, RequestID: r.ID, At: r.ExpiresAt})
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

// subject resolves which of the rules' groups the actor belongs to.
func (s *Service) subject(ctx context.Context, tx store.Tx, actor access.Actor) (policy.Subject, error) {
	sub := policy.Subject{UserName: actor.UserName}
	seen := map[string]bool{}
	for _, r := range s.settings.Rules {
		for _, name := range r.Groups {
			key := strings.ToLower(name)
			if seen[key] {
				continue
			}
			seen[key] = true
			g, err := tx.FindGroupByName(ctx, name)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return sub, fmt.Errorf("find group %s: %w", name, err)
			}
			if actor.InGroup(g.ID) {
				sub.Groups = append(sub.Groups, name)
			}
		}
	}
	return sub, nil
}

// decide applies the policy to every account of a request. The request gets
// the strictest of the per-account outcomes, and only approvers who may
// approve for every account.
func (s *Service) decide(ctx context.Context, tx store.Tx, actor access.Actor, accounts []access.Account, ps access.PermissionSet) (access.Eligibility, time.Duration, error) {
	sub, err := s.subject(ctx, tx, actor)
	if err != nil {
		return access.Eligibility{}, 0, err
	}
	var elig access.Eligibility
	var maxDur time.Duration
	var ruleNames []string
	for i, a := range accounts {
		rule, ok := policy.Best(s.settings.Rules, sub, policy.Target{AccountID: a.ID, AccountName: a.Name, PermissionSetName: ps.Name}, s.settings.MaxDuration)
		if !ok {
			return elig, 0, access.Errorf(access.CodeNotEligible, "no rule lets %s request %s on account %s (%s): see `elevate eligibility` for what you may request",
				actor.UserName, ps.Name, a.Name, a.ID)
		}
		approvers, err := s.approversOf(ctx, tx, rule, actor.UserID)
		if err != nil {
			return elig, 0, err
		}
		if i == 0 {
			elig.Approvers, maxDur = approvers, rule.MaxDuration
		} else {
			elig.Approvers = slices.DeleteFunc(elig.Approvers, func(id string) bool { return !slices.Contains(approvers, id) })
			maxDur = min(maxDur, rule.MaxDuration)
		}
		elig.ApprovalsRequired = max(elig.ApprovalsRequired, rule.Approvals)
		elig.TicketRequired = elig.TicketRequired || rule.TicketRequired
		if !slices.Contains(ruleNames, rule.Name) {
			ruleNames = append(ruleNames, rule.Name)
		}
	}
	elig.Rule = strings.Join(ruleNames, ",")
	if elig.ApprovalsRequired == 0 {
		elig.Approvers = nil
	}
	return elig, maxDur, nil
}

// approversOf resolves a rule's approvers to active user ids, without the requester.
func (s *Service) approversOf(ctx context.Context, tx store.Tx, rule policy.Rule, requesterID string) ([]string, error) {
	var ids []string
	for _, name := range rule.ApproverUsers {
		u, err := tx.FindUserByName(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(ctx, "approver of rule is not in the directory", "rule", rule.Name, "user", name)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("find approver %s: %w", name, err)
		}
		if u.Active {
			ids = append(ids, u.ID)
		}
	}
	var groupIDs []string
	for _, name := range rule.ApproverGroups {
		g, err := tx.FindGroupByName(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(ctx, "approver group of rule is not in the directory", "rule", rule.Name, "group", name)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("find approver group %s: %w", name, err)
		}
		groupIDs = append(groupIDs, g.ID)
	}
	if len(groupIDs) > 0 {
		members, err := tx.UserIDsInGroups(ctx, groupIDs)
		if err != nil {
			return nil, fmt.Errorf("members of approver groups: %w", err)
		}
		ids = append(ids, members...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return slices.DeleteFunc(ids, func(id string) bool { return id == requesterID }), nil
}

// Eligible is one (account, permission set) pair the policy offers a user.
type Eligible struct {
	Account           access.Account
	PermissionSet     access.PermissionSet
	Rule              string
	MaxDuration       time.Duration
	ApprovalsRequired int
	TicketRequired    bool
}

// Eligibility lists what the actor may request, by account then permission set name.
func (s *Service) Eligibility(ctx context.Context, actor access.Actor) ([]Eligible, error) {
	var out []Eligible
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		sub, err := s.subject(ctx, tx, actor)
		if err != nil {
			return err
		}
		accounts, err := tx.ListAccounts(ctx)
		if err != nil {
			return fmt.Errorf("list accounts: %w", err)
		}
		sets, err := tx.ListPermissionSets(ctx)
		if err != nil {
			return fmt.Errorf("list permission sets: %w", err)
		}
		for _, a := range accounts {
			if a.State != "" && a.State != "ACTIVE" {
				continue
			}
			for _, ps := range sets {
				rule, ok := policy.Best(s.settings.Rules, sub, policy.Target{AccountID: a.ID, AccountName: a.Name, PermissionSetName: ps.Name}, s.settings.MaxDuration)
				if ok {
					out = append(out, Eligible{Account: a, PermissionSet: ps, Rule: rule.Name, MaxDuration: rule.MaxDuration,
						ApprovalsRequired: rule.Approvals, TicketRequired: rule.TicketRequired})
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("eligibility of %s: %w", actor.UserName, err)
	}
	return out, nil
}
