package client

import "time"

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
	StatusExpired   Status = "expired" // no decision in time
	StatusFailed    Status = "failed"  // could not be granted; see Reason
)

// Terminal reports whether a request in status s can no longer change.
func (s Status) Terminal() bool {
	switch s {
	case StatusEnded, StatusRevoked, StatusRejected, StatusCancelled, StatusExpired, StatusFailed:
		return true
	}
	return false
}

// UserRef names a user.
type UserRef struct {
	ID       string `json:"id"`
	UserName string `json:"user_name"`
}

// PermissionSetRef names a permission set.
type PermissionSetRef struct {
	ARN  string `json:"arn"`
	Name string `json:"name"`
}

// Approval is one approver's decision.
type Approval struct {
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name"`
	Verdict  string    `json:"verdict"` // "approve" or "reject"
	Comment  string    `json:"comment"`
	At       time.Time `json:"at"`
}

// Grant is the account assignment a request needs on one account.
type Grant struct {
	ID                 string     `json:"id"`
	AccountID          string     `json:"account_id"`
	Status             string     `json:"status"` // pending, active, revoking, revoked, failed
	Origin             string     `json:"origin"` // created, shared or standing once active
	AWSCreateRequestID string     `json:"aws_create_request_id"`
	AWSDeleteRequestID string     `json:"aws_delete_request_id"`
	Error              string     `json:"error"`
	ActivatedAt        *time.Time `json:"activated_at"`
	// DriftMissingSince is when reconciliation found this active grant's
	// assignment removed in AWS outside elevate; nil when it was not.
	DriftMissingSince *time.Time `json:"drift_missing_since"`
	RevokedAt         *time.Time `json:"revoked_at"`
	// CutShortSeconds is how much access the grant lost because the server
	// revoked it ahead of the request's scheduled end (its revoke_ahead
	// setting), in seconds; 0 when none (an older server sends none).
	CutShortSeconds float64 `json:"cut_short_seconds"`
}

// Request is a request for one permission set on one or more accounts.
// Times that have not happened yet are nil.
type Request struct {
	ID         string   `json:"id"`
	Status     Status   `json:"status"`
	Requester  UserRef  `json:"requester"`
	AccountIDs []string `json:"account_ids"`
	// Accounts are the accounts named (an older server sends none).
	Accounts        []NamedAccount   `json:"accounts"`
	PermissionSet   PermissionSetRef `json:"permission_set"`
	Duration        string           `json:"duration"` // Go form, such as "1h0m0s"
	DurationSeconds int64            `json:"duration_seconds"`
	// DurationText is the duration as people write it: "4h", "1h 30m", "1d".
	DurationText string     `json:"duration_text"`
	Start        *time.Time `json:"start"`
	ActivatedAt  *time.Time `json:"activated_at"`
	// DriftMissingSince is the earliest DriftMissingSince of its grants:
	// access was removed in AWS outside elevate while the request is active.
	DriftMissingSince *time.Time  `json:"drift_missing_since"`
	EndsAt            *time.Time  `json:"ends_at"`    // nil until active
	ExpiresAt         *time.Time  `json:"expires_at"` // approval deadline while pending
	Justification     string      `json:"justification"`
	Ticket            string      `json:"ticket"`
	Rule              string      `json:"rule"`
	ApprovalsRequired int         `json:"approvals_required"`
	Approvers         []UserRef   `json:"approvers"`
	Approvals         []Approval  `json:"approvals"`
	Grants            []Grant     `json:"grants"`
	Reason            string      `json:"reason"`
	EndRequestedAt    *time.Time  `json:"end_requested_at"`
	EndRequestedBy    string      `json:"end_requested_by"`
	EndComment        string      `json:"end_comment"`
	RevocationFailed  bool        `json:"revocation_failed"`
	Extensions        []Extension `json:"extensions"`
	CreatedAt         time.Time   `json:"created_at"`
	UpdatedAt         time.Time   `json:"updated_at"`
	// Use is the "now use it" step for the requester of active access when
	// the server knows the AWS access portal; nil otherwise.
	Use *Use `json:"use"`
}

// NamedAccount is an account of a request with its name.
type NamedAccount struct {
	ID   string `json:"id"`
	Name string `json:"name"` // "" when the directory does not know it
	Text string `json:"text"` // as people read it: "prod (4444 5555 6666)"
}

// Use is the "now use it" step of active access: console links (the AWS
// access portal's shortcut) and ~/.aws/config profiles (sso_session form).
type Use struct {
	StartURL   string       `json:"start_url"`
	SSORegion  string       `json:"sso_region"`
	SSOSession string       `json:"sso_session"`
	Consoles   []Console    `json:"consoles"`
	Profiles   []AWSProfile `json:"profiles"`
	AWSConfig  string       `json:"aws_config"` // the ready ~/.aws/config text
}

// Console is the console link of one account.
type Console struct {
	AccountID string `json:"account_id"`
	Account   string `json:"account"` // "prod (4444 5555 6666)"
	URL       string `json:"url"`
}

// AWSProfile is one ~/.aws/config profile.
type AWSProfile struct {
	Name      string `json:"name"`
	AccountID string `json:"account_id"`
	RoleName  string `json:"role_name"`
	Region    string `json:"region"`
}

// Length returns how long access lasts once active.
func (r *Request) Length() time.Duration { return time.Duration(r.DurationSeconds) * time.Second }

// Me is the user a token belongs to.
// Extension is a request for more time on an active request.
type Extension struct {
	Duration        string     `json:"duration"` // Go form, such as "30m0s"
	DurationSeconds int64      `json:"duration_seconds"`
	Justification   string     `json:"justification"`
	Status          string     `json:"status"` // pending, approved, rejected
	RequestedAt     time.Time  `json:"requested_at"`
	DecidedAt       *time.Time `json:"decided_at"`
	Approvals       []Approval `json:"approvals"`
}

type Me struct {
	UserID     string   `json:"user_id"`
	UserName   string   `json:"user_name"`
	Email      string   `json:"email"`
	Groups     []string `json:"groups"`      // group ids
	GroupNames []string `json:"group_names"` // the groups' names, sorted
	Admin      bool     `json:"admin"`
	Auditor    bool     `json:"auditor"`
}

// Account is an AWS account.
type Account struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// PermissionSet is an Identity Center permission set.
type PermissionSet struct {
	ARN                    string `json:"arn"`
	Name                   string `json:"name"`
	Description            string `json:"description"`
	SessionDuration        string `json:"session_duration"` // Go form
	SessionDurationSeconds int64  `json:"session_duration_seconds"`
}

// Eligibility is one (account, permission set) pair the user may request.
type Eligibility struct {
	Account            Account       `json:"account"`
	PermissionSet      PermissionSet `json:"permission_set"`
	Rule               string        `json:"rule"`
	MaxDuration        string        `json:"max_duration"` // Go form
	MaxDurationSeconds int64         `json:"max_duration_seconds"`
	ApprovalsRequired  int           `json:"approvals_required"`
	TicketRequired     bool          `json:"ticket_required"`
}

// EventActor is who caused an event.
type EventActor struct {
	ID       string `json:"id"`
	UserName string `json:"user_name"`
	Via      string `json:"via"` // api, cli, portal, slack, system
}

// Event is one decision-log entry of a request.
type Event struct {
	Type      string            `json:"type"` // such as "request.approved"
	RequestID string            `json:"request_id"`
	GrantID   string            `json:"grant_id"`
	Actor     EventActor        `json:"actor"`
	At        time.Time         `json:"at"`
	Details   map[string]string `json:"details"`
}

// CreateRequestInput is a new request.
type CreateRequestInput struct {
	AccountIDs    []string      // account ids (or unique account names)
	PermissionSet string        // name (or ARN)
	Duration      time.Duration // how long access lasts once active
	Start         time.Time     // zero: now
	Justification string        // why; required
	Ticket        string        // required where the rule says so
	// BreakGlass asks for emergency self-activation under a break-glass
	// rule: no approval, active at once, reviewed afterwards.
	BreakGlass bool
}

// ListOptions filter ListRequests, ListRequestsPage and ExportRequests.
// Zero values mean the server's defaults.
type ListOptions struct {
	Statuses []Status
	Scope    string // mine, approvals, involved (default) or all
	Limit    int    // default 100, at most 1000
	// Search matches a part of the id, requester, permission set,
	// justification, ticket or an account id, case-insensitively.
	Search string
	// Requester is a user id, or a part of a user's name.
	Requester string
	// Accounts are account ids or names; a request for any of them matches.
	Accounts []string
	// PermissionSet is an ARN, or a part of a permission set's name.
	PermissionSet string
	// Since and Until bound the creation time: Since <= created < Until.
	Since, Until time.Time
	// Sort is "newest" (default) or "oldest".
	Sort string
	// Cursor continues after the page whose NextCursor it is.
	Cursor string
}

// RequestPage is one page of a list of requests.
type RequestPage struct {
	Items []Request
	// NextCursor continues the list (ListOptions.Cursor); empty on the
	// last page.
	NextCursor string
}
