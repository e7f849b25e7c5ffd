package api

import (
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/say"
	"github.com/elevate/elevate/internal/workflow"
)

// The wire types below are the JSON of /api/v1. openapi.json describes each
// of them; TestOpenAPI checks real responses against it.

type userRef struct {
	ID       string `json:"id"`
	UserName string `json:"user_name"`
}

type permissionSetRef struct {
	ARN  string `json:"arn"`
	Name string `json:"name"`
}

type approvalJSON struct {
	UserID   string    `json:"user_id"`
	UserName string    `json:"user_name"`
	Verdict  string    `json:"verdict"`
	Comment  string    `json:"comment"`
	At       time.Time `json:"at"`
}

type grantJSON struct {
	ID                 string     `json:"id"`
	AccountID          string     `json:"account_id"`
	Status             string     `json:"status"`
	Origin             string     `json:"origin"`
	AWSCreateRequestID string     `json:"aws_create_request_id"`
	AWSDeleteRequestID string     `json:"aws_delete_request_id"`
	Error              string     `json:"error"`
	ActivatedAt        *time.Time `json:"activated_at"`
	RevokedAt          *time.Time `json:"revoked_at"`
	// DriftMissingSince: when reconciliation found the active grant's
	// assignment removed in AWS outside elevate; null when it was not.
	DriftMissingSince *time.Time `json:"drift_missing_since"`
	// CutShortSeconds: the access lost to revoke_ahead (access.Grant.CutShort).
	CutShortSeconds float64 `json:"cut_short_seconds"`
}

type requestJSON struct {
	ID         string   `json:"id"`
	Status     string   `json:"status"`
	Requester  userRef  `json:"requester"`
	AccountIDs []string `json:"account_ids"`
	// Accounts are the accounts named (use.go).
	Accounts        []namedAccountJSON `json:"accounts"`
	PermissionSet   permissionSetRef   `json:"permission_set"`
	Duration        string             `json:"duration"`
	DurationSeconds int64              `json:"duration_seconds"`
	// DurationText is the duration as people write it: "4h", "1h 30m", "1d".
	DurationText string     `json:"duration_text"`
	Start        *time.Time `json:"start"`
	ActivatedAt  *time.Time `json:"activated_at"`
	// DriftMissingSince: the earliest drift_missing_since of its grants.
	DriftMissingSince *time.Time      `json:"drift_missing_since"`
	EndsAt            *time.Time      `json:"ends_at"`
	ExpiresAt         *time.Time      `json:"expires_at"`
	Justification     string          `json:"justification"`
	Ticket            string          `json:"ticket"`
	Rule              string          `json:"rule"`
	ApprovalsRequired int             `json:"approvals_required"`
	Approvers         []userRef       `json:"approvers"`
	Approvals         []approvalJSON  `json:"approvals"`
	Grants            []grantJSON     `json:"grants"`
	Reason            string          `json:"reason"`
	EndRequestedAt    *time.Time      `json:"end_requested_at"`
	EndRequestedBy    string          `json:"end_requested_by"`
	EndComment        string          `json:"end_comment"`
	RevocationFailed  bool            `json:"revocation_failed"`
	Extensions        []extensionJSON `json:"extensions"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	// Use is the "now use it" step for the requester of active access
	// when an access portal URL is configured; null otherwise (use.go).
	Use *useJSON `json:"use"`
}

type requestList struct {
	Items []requestJSON `json:"items"`
	// NextCursor continues the list after this page; empty on the last.
	NextCursor string `json:"next_cursor,omitempty"`
}

type meJSON struct {
	UserID   string   `json:"user_id"`
	UserName string   `json:"user_name"`
	Email    string   `json:"email"`
	Groups   []string `json:"groups"`
	// GroupNames are the groups' names, sorted, for people (whoami).
	GroupNames []string `json:"group_names"`
	Admin      bool     `json:"admin"`
	Auditor    bool     `json:"auditor"`
}

type accountJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type permissionSetJSON struct {
	ARN                    string `json:"arn"`
	Name                   string `json:"name"`
	Description            string `json:"description"`
	SessionDuration        string `json:"session_duration"`
	SessionDurationSeconds int64  `json:"session_duration_seconds"`
}

type eligibleJSON struct {
	Account            accountJSON       `json:"account"`
	PermissionSet      permissionSetJSON `json:"permission_set"`
	Rule               string            `json:"rule"`
	MaxDuration        string            `json:"max_duration"`
	MaxDurationSeconds int64             `json:"max_duration_seconds"`
	ApprovalsRequired  int               `json:"approvals_required"`
	TicketRequired     bool              `json:"ticket_required"`
}

type eligibilityList struct {
	Items      []eligibleJSON `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

type actorJSON struct {
	ID       string `json:"id"`
	UserName string `json:"user_name"`
	Via      string `json:"via"`
}

type eventJSON struct {
	Type      string            `json:"type"`
	RequestID string            `json:"request_id"`
	GrantID   string            `json:"grant_id"`
	Actor     actorJSON         `json:"actor"`
	At        time.Time         `json:"at"`
	Details   map[string]string `json:"details"`
}

type eventList struct {
	Items []eventJSON `json:"items"`
}

type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// createRequestBody is the body of POST /api/v1/requests.
type createRequestBody struct {
	AccountIDs    []string `json:"account_ids"`
	PermissionSet string   `json:"permission_set"`
	Duration      string   `json:"duration"`
	Start         string   `json:"start"`
	Justification string   `json:"justification"`
	Ticket        string   `json:"ticket"`
	BreakGlass    bool     `json:"break_glass"`
}

// extendBody is the body of extend.
type extendBody struct {
	Duration      string `json:"duration"`
	Justification string `json:"justification"`
}

type extensionJSON struct {
	Duration        string         `json:"duration"`
	DurationSeconds int64          `json:"duration_seconds"`
	Justification   string         `json:"justification"`
	Status          string         `json:"status"`
	RequestedAt     time.Time      `json:"requested_at"`
	DecidedAt       *time.Time     `json:"decided_at"`
	Approvals       []approvalJSON `json:"approvals"`
}

// decisionBody is the optional body of approve, reject, cancel and end.
type decisionBody struct {
	Comment string `json:"comment"`
}

// utc returns t in UTC, or nil for the zero time.
func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// toRequest converts r; names maps user ids to user names for its approvers.
func toRequest(r *access.Request, names map[string]string) requestJSON {
	out := requestJSON{
		ID:                r.ID,
		Status:            string(r.Status),
		Requester:         userRef{ID: r.RequesterID, UserName: r.RequesterName},
		AccountIDs:        r.AccountIDs(),
		PermissionSet:     permissionSetRef{ARN: r.PermissionSetARN, Name: r.PermissionSetName},
		Duration:          r.Duration.String(),
		DurationSeconds:   seconds(r.Duration),
		DurationText:      say.Duration(r.Duration),
		Accounts:          []namedAccountJSON{},
		Start:             utc(r.StartAt),
		ActivatedAt:       utc(r.ActivatedAt),
		DriftMissingSince: utc(r.DriftMissingSince()),
		EndsAt:            utc(r.EndsAt),
		ExpiresAt:         utc(r.ExpiresAt),
		Justification:     r.Justification,
		Ticket:            r.Ticket,
		Rule:              r.Rule,
		ApprovalsRequired: r.ApprovalsRequired,
		Approvers:         make([]userRef, 0, len(r.Approvers)),
		Approvals:         make([]approvalJSON, 0, len(r.Approvals)),
		Grants:            make([]grantJSON, 0, len(r.Grants)),
		Reason:            r.Reason,
		EndRequestedAt:    utc(r.EndRequestedAt),
		EndRequestedBy:    r.EndRequestedBy,
		EndComment:        r.EndComment,
		RevocationFailed:  r.RevocationFailed,
		Extensions:        make([]extensionJSON, 0, len(r.Extensions)),
		CreatedAt:         r.CreatedAt.UTC(),
		UpdatedAt:         r.UpdatedAt.UTC(),
	}
	for _, id := range r.Approvers {
		name := names[id]
		if name == "" {
			name = id
		}
		out.Approvers = append(out.Approvers, userRef{ID: id, UserName: name})
	}
	for _, a := range r.Approvals {
		out.Approvals = append(out.Approvals, toApproval(a))
	}
	for _, e := range r.Extensions {
		ej := extensionJSON{Duration: e.Duration.String(), DurationSeconds: seconds(e.Duration), Justification: e.Justification,
			Status: string(e.Status), RequestedAt: e.RequestedAt.UTC(), DecidedAt: utc(e.DecidedAt),
			Approvals: make([]approvalJSON, 0, len(e.Approvals))}
		for _, a := range e.Approvals {
			ej.Approvals = append(ej.Approvals, toApproval(a))
		}
		out.Extensions = append(out.Extensions, ej)
	}
	for _, g := range r.Grants {
		out.Grants = append(out.Grants, grantJSON{
			ID: g.ID, AccountID: g.AccountID, Status: string(g.Status), Origin: string(originOf(g)),
			AWSCreateRequestID: g.CreateRequestID, AWSDeleteRequestID: g.DeleteRequestID,
			Error: g.Error, ActivatedAt: utc(g.ActivatedAt), RevokedAt: utc(g.RevokedAt), DriftMissingSince: utc(g.DriftMissingSince),
			CutShortSeconds: g.CutShort(*r).Round(time.Millisecond).Seconds(),
		})
	}
	return out
}

func toMe(a access.Actor) meJSON {
	groups := a.Groups
	if groups == nil {
		groups = []string{}
	}
	return meJSON{UserID: a.UserID, UserName: a.UserName, Email: a.Email, Groups: groups, GroupNames: []string{}, Admin: a.Admin, Auditor: a.Auditor}
}

func toEligible(e workflow.Eligible) eligibleJSON {
	return eligibleJSON{
		Account: accountJSON{ID: e.Account.ID, Name: e.Account.Name, Email: e.Account.Email},
		PermissionSet: permissionSetJSON{
			ARN: e.PermissionSet.ARN, Name: e.PermissionSet.Name, Description: e.PermissionSet.Description,
			SessionDuration: e.PermissionSet.SessionDuration.String(), SessionDurationSeconds: seconds(e.PermissionSet.SessionDuration),
		},
		Rule:               e.Rule,
		MaxDuration:        e.MaxDuration.String(),
		MaxDurationSeconds: seconds(e.MaxDuration),
		ApprovalsRequired:  e.ApprovalsRequired,
		TicketRequired:     e.TicketRequired,
	}
}

func toEvent(e access.Event) eventJSON {
	details := e.Details
	if details == nil {
		details = map[string]string{}
	}
	return eventJSON{
		Type: string(e.Type), RequestID: e.RequestID, GrantID: e.GrantID,
		Actor: actorJSON{ID: e.Actor.UserID, UserName: e.Actor.UserName, Via: string(e.Actor.Via)},
		At:    e.At.UTC(), Details: details,
	}
}

// originOf reports the grant's origin once it holds (or held) its assignment;
// on a pending grant the stored origin only records that a create was sent.
func originOf(g access.Grant) access.Origin {
	if g.ActivatedAt.IsZero() {
		return ""
	}
	return g.Origin
}

func toApproval(a access.Approval) approvalJSON {
	return approvalJSON{UserID: a.UserID, UserName: a.UserName, Verdict: string(a.Verdict), Comment: a.Comment, At: a.At.UTC()}
}
