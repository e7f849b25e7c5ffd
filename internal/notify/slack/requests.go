package slack

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Requests is what asking for access from Slack and the App Home need: the
// same use cases the API and the portal call, so the same policy and
// authorization apply. The composition root adapts the workflow to it (this
// package never imports the workflow).
type Requests interface {
	Workflow
	// Offers lists what the policy offers the actor (break-glass offers
	// left out: they are for the CLI and the API), by account then
	// permission set.
	Offers(ctx context.Context, actor access.Actor) ([]Offer, error)
	// Approvers names who would approve the actor's request for the
	// permission set on the account, and how many approvals it needs.
	Approvers(ctx context.Context, actor access.Actor, accountID, permissionSetARN string) (names []string, required int, err error)
	// Submit records a request, as the API's POST /requests does.
	Submit(ctx context.Context, actor access.Actor, s Submission) (*access.Request, error)
	// Open lists the actor's own requests that are pending, scheduled or
	// active, newest first.
	Open(ctx context.Context, actor access.Actor) ([]*access.Request, error)
	// Awaiting lists the pending requests the actor may approve (and has
	// not decided), newest first.
	Awaiting(ctx context.Context, actor access.Actor) ([]*access.Request, error)
	// ApproverMFA is how recent a multi-factor sign-in an approval of the
	// request needs (its rule's approver_mfa; 0: none): such a request is
	// approved in the portal, so the App Home links there.
	ApproverMFA(ctx context.Context, actor access.Actor, id string) (time.Duration, error)
	Cancel(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	End(ctx context.Context, actor access.Actor, id, comment string) (*access.Request, error)
	Extend(ctx context.Context, actor access.Actor, id string, d time.Duration, justification string) (*access.Request, error)
	// AccountNames maps account ids to names (ids it does not know are left out).
	AccountNames(ctx context.Context, ids []string) (map[string]string, error)
	// UserNames maps user ids to user names.
	UserNames(ctx context.Context, ids []string) (map[string]string, error)
}

// Offer is one (account, permission set) pair the policy offers a user.
type Offer struct {
	AccountID, AccountName          string
	PermissionSetARN, PermissionSet string
	Session                         time.Duration // the permission set's session length
	MaxDuration                     time.Duration // the longest request the rule allows
	ApprovalsRequired               int
	TicketRequired                  bool
}

// Submission is a request as the modal or the slash command states it.
type Submission struct {
	AccountID     string
	PermissionSet string // ARN or name
	Duration      time.Duration
	StartAt       time.Time // zero: now
	Justification string
	Ticket        string
}
