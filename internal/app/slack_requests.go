package app

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify/slack"
	"github.com/elevate/elevate/internal/workflow"
)

// slackRequests adapts the workflow to what requesting from Slack and the
// App Home need (the Slack adapter never imports the workflow).
type slackRequests struct {
	*workflow.Service
}

var _ slack.Requests = slackRequests{}

func (s slackRequests) Offers(ctx context.Context, actor access.Actor) ([]slack.Offer, error) {
	el, err := s.Eligibility(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := make([]slack.Offer, 0, len(el))
	for _, e := range el {
		if e.BreakGlass {
			continue
		}
		out = append(out, slack.Offer{AccountID: e.Account.ID, AccountName: e.Account.Name, PermissionSetARN: e.PermissionSet.ARN,
			PermissionSet: e.PermissionSet.Name, Session: e.PermissionSet.SessionDuration, MaxDuration: e.MaxDuration,
			ApprovalsRequired: e.ApprovalsRequired, TicketRequired: e.TicketRequired})
	}
	return out, nil
}

func (s slackRequests) Approvers(ctx context.Context, actor access.Actor, accountID, permissionSetARN string) ([]string, int, error) {
	ex, err := s.Explain(ctx, actor, workflow.ExplainInput{Account: accountID, PermissionSet: permissionSetARN})
	if err != nil {
		return nil, 0, err
	}
	names := make([]string, 0, len(ex.Decision.Approvers))
	for _, ap := range ex.Decision.Approvers {
		names = append(names, ap.UserName)
	}
	return names, ex.Decision.ApprovalsRequired, nil
}

func (s slackRequests) Submit(ctx context.Context, actor access.Actor, in slack.Submission) (*access.Request, error) {
	return s.Service.Submit(ctx, actor, workflow.SubmitInput{AccountIDs: []string{in.AccountID}, PermissionSet: in.PermissionSet,
		Duration: in.Duration, StartAt: in.StartAt, Justification: in.Justification, Ticket: in.Ticket})
}

func (s slackRequests) Open(ctx context.Context, actor access.Actor) ([]*access.Request, error) {
	return s.ListRequests(ctx, actor, workflow.ListInput{Scope: workflow.ScopeMine,
		Statuses: []access.Status{access.StatusPending, access.StatusScheduled, access.StatusActive}})
}

func (s slackRequests) Awaiting(ctx context.Context, actor access.Actor) ([]*access.Request, error) {
	rs, err := s.ListRequests(ctx, actor, workflow.ListInput{Scope: workflow.ScopeApprovals,
		Statuses: []access.Status{access.StatusPending, access.StatusActive}})
	if err != nil {
		return nil, err
	}
	out := rs[:0]
	for _, r := range rs {
		if r.RequesterID == actor.UserID || !r.IsApprover(actor.UserID) || decided(r, actor.UserID) {
			continue
		}
		if r.Status == access.StatusActive && r.PendingExtension() < 0 {
			continue // an active request waits for no one unless an extension does
		}
		out = append(out, r)
	}
	return out, nil
}

// decided reports whether the user has decided what waits on r now: the
// request while pending, its pending extension while active.
func decided(r *access.Request, userID string) bool {
	approvals := r.Approvals
	if i := r.PendingExtension(); r.Status == access.StatusActive && i >= 0 {
		approvals = r.Extensions[i].Approvals
	}
	for _, a := range approvals {
		if a.UserID == userID {
			return true
		}
	}
	return false
}

func (s slackRequests) Extend(ctx context.Context, actor access.Actor, id string, d time.Duration, justification string) (*access.Request, error) {
	return s.Service.Extend(ctx, actor, id, d, justification)
}
