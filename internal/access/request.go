package access

import (
	"slices"
	"time"
)

// Status is where a request is in its lifecycle.
type Status string

// Request statuses.
const (
	StatusPending   Status = "pending"   // waiting for approvals
	StatusScheduled Status = "scheduled" // approved, access not yet granted
	StatusActive    Status = "active"    // access granted
	StatusEnded     Status = "ended"     // duration elapsed, access removed
	StatusRevoked   Status = "revoked"   // ended early, access removed
	StatusRejected  Status = "rejected"
	StatusCancelled Status = "cancelled"
	StatusExpired   Status = "expired" // no decision in time, or the window passed
	StatusFailed    Status = "failed"  // could not be granted; nothing left behind
)

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{StatusPending, StatusScheduled, StatusActive, StatusEnded, StatusRevoked,
	StatusRejected, StatusCancelled, StatusExpired, StatusFailed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Terminal reports whether no further transition can leave s.
func (s Status) Terminal() bool {
	switch s {
	case StatusEnded, StatusRevoked, StatusRejected, StatusCancelled, StatusExpired, StatusFailed:
		return true
	}
	return false
}

// GrantStatus is where one account assignment of a request is.
type GrantStatus string

// Grant statuses.
const (
	GrantPending GrantStatus = "pending" // not yet created in AWS
	GrantActive  GrantStatus = "active"  // the assignment exists
	// GrantRevoking: elevate is deleting the assignment. No other grant may
	// start sharing it until the deletion is done. A grant that was never
	// active is revoking when its request closed after a create was sent
	// for it (see Grant.Orphaned).
	GrantRevoking GrantStatus = "revoking"
	GrantRevoked  GrantStatus = "revoked" // the assignment was removed (or never created because the request closed first)
	GrantFailed   GrantStatus = "failed"  // AWS refused it; nothing was left behind
)

// Origin says how a grant came to hold its assignment.
type Origin string

// Origins.
const (
	OriginCreated  Origin = "created"  // elevate created the assignment for this grant
	OriginShared   Origin = "shared"   // another active grant already held it
	OriginStanding Origin = "standing" // it existed before elevate: never deleted by elevate
)

// Grant is the account assignment (account, permission set, user) that a
// request needs on one account.
type Grant struct {
	ID              string
	AccountID       string
	Status          GrantStatus
	Origin          Origin // set when active; on a pending grant, "created" records that a create was sent
	CreateRequestID string // AWS request id of CreateAccountAssignment
	DeleteRequestID string // AWS request id of DeleteAccountAssignment
	Error           string // AWS's reason for a failure, or the last revocation error
	ActivatedAt     time.Time
	RevokedAt       time.Time
	// DriftMissingSince is when reconciliation first found this active
	// grant's assignment missing in AWS (removed outside elevate); zero
	// when it was not, or was re-created since.
	DriftMissingSince time.Time
}

// DriftMissingSince returns the earliest time one of the request's grants
// was found missing in AWS, zero when none is.
func (r Request) DriftMissingSince() time.Time {
	var at time.Time
	for _, g := range r.Grants {
		if !g.DriftMissingSince.IsZero() && (at.IsZero() || g.DriftMissingSince.Before(at)) {
			at = g.DriftMissingSince
		}
	}
	return at
}

// Orphaned reports whether g is being removed without ever having been
// active: its request closed after a create was sent for it.
func (g Grant) Orphaned() bool {
	return g.Status == GrantRevoking && g.ActivatedAt.IsZero()
}

// Verdict is an approver's answer.
type Verdict string

// Verdicts.
const (
	VerdictApprove Verdict = "approve"
	VerdictReject  Verdict = "reject"
)

// Approval is one approver's decision on a request.
type Approval struct {
	UserID   string
	UserName string
	Verdict  Verdict
	Comment  string
	At       time.Time
}

// Request is a request for one permission set on one or more accounts, for a
// duration, with a justification.
type Request struct {
	ID                string
	RequesterID       string
	RequesterName     string
	PermissionSetARN  string
	PermissionSetName string
	Duration          time.Duration
	StartAt           time.Time // when access should start (the submit time for "now")
	ActivatedAt       time.Time // when the first assignment became active; zero before
	EndsAt            time.Time // ActivatedAt + Duration; zero before activation
	ExpiresAt         time.Time // approval deadline while pending
	Justification     string
	Ticket            string
	Status            Status
	Reason            string // why the request failed, expired, ...
	Rule              string // the rule that allowed it
	ApprovalsRequired int
	Approvers         []string // user ids that may approve, requester excluded
	Approvals         []Approval
	Grants            []Grant
	EndRequestedAt    time.Time // set when someone ends it early
	EndRequestedBy    string    // user name of who ended it early
	EndComment        string
	RevocationFailed  bool // a revocation is failing and being retried
	Extensions        []Extension
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int // optimistic concurrency: bumped by every stored change
}

// AccountIDs returns the accounts of the request's grants, in order.
func (r Request) AccountIDs() []string {
	ids := make([]string, len(r.Grants))
	for i, g := range r.Grants {
		ids[i] = g.AccountID
	}
	return ids
}

// Grant returns the index of the grant with the given id, or -1.
func (r Request) grantIndex(id string) int {
	return slices.IndexFunc(r.Grants, func(g Grant) bool { return g.ID == id })
}

// FindGrant returns the grant with the given id.
func (r Request) FindGrant(id string) (Grant, bool) {
	i := r.grantIndex(id)
	if i < 0 {
		return Grant{}, false
	}
	return r.Grants[i], true
}

// Assignment returns the account assignment that grant g needs.
func (r Request) Assignment(g Grant) Assignment {
	return Assignment{AccountID: g.AccountID, PermissionSetARN: r.PermissionSetARN, UserID: r.RequesterID}
}

// IsApprover reports whether the user may approve this request.
func (r Request) IsApprover(userID string) bool { return slices.Contains(r.Approvers, userID) }

// ApprovalCount returns the number of distinct approvals.
func (r Request) ApprovalCount() int {
	n := 0
	for _, a := range r.Approvals {
		if a.Verdict == VerdictApprove {
			n++
		}
	}
	return n
}

// VisibleTo reports whether the actor may see the request: its requester, its
// approvers, admins, auditors and the system.
func (r Request) VisibleTo(a Actor) bool {
	return a.IsSystem() || a.Admin || a.Auditor || a.UserID == r.RequesterID || r.IsApprover(a.UserID)
}

// EndRequested reports whether someone ended the request early.
func (r Request) EndRequested() bool { return !r.EndRequestedAt.IsZero() }

// RevocationDue reports whether the grants of an active request must be removed now.
func (r Request) RevocationDue(now time.Time) bool {
	if r.EndRequested() {
		return true
	}
	return r.Status == StatusActive && !r.EndsAt.IsZero() && !now.Before(r.EndsAt)
}

// clone returns a deep copy, so that transitions never alias their input.
func (r Request) clone() Request {
	r.Approvers = slices.Clone(r.Approvers)
	r.Approvals = slices.Clone(r.Approvals)
	r.Grants = slices.Clone(r.Grants)
	r.Extensions = slices.Clone(r.Extensions)
	for i := range r.Extensions {
		r.Extensions[i].Approvals = slices.Clone(r.Extensions[i].Approvals)
	}
	return r
}
