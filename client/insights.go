package client

import (
	"context"
	"net/url"
	"time"
)

// Insights is usage insight over a window (GET /api/v1/insights).
type Insights struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// Scope is "all" (auditors, admins) or "own" (the caller's only).
	Scope          string                 `json:"scope"`
	ActivitySource string                 `json:"activity_source"`
	Grants         []InsightGrant         `json:"grants"`
	Unused         []UnusedEligibility    `json:"unused_eligibility"`
	PermissionSets []PermissionSetInsight `json:"permission_sets"`
}

// Grant use states.
const (
	UseUsed    = "used"
	UseUnused  = "unused"
	UsePending = "pending"
	UseUnknown = "unknown"
)

// InsightGrant is one grant's usage.
type InsightGrant struct {
	GrantID           string           `json:"grant_id"`
	RequestID         string           `json:"request_id"`
	RequesterID       string           `json:"requester_id"`
	Requester         string           `json:"requester"`
	AccountID         string           `json:"account_id"`
	AccountName       string           `json:"account_name"`
	PermissionSetARN  string           `json:"permission_set_arn"`
	PermissionSetName string           `json:"permission_set_name"`
	ActivatedAt       time.Time        `json:"activated_at"`
	EndedAt           *time.Time       `json:"ended_at"`
	State             string           `json:"state"`
	Calls             int              `json:"calls"`
	Services          []InsightService `json:"services"`
	Denied            []string         `json:"denied"`
}

// InsightService is the actions used of one IAM service.
type InsightService struct {
	Service string   `json:"service"`
	Actions []string `json:"actions"`
	Calls   int      `json:"calls"`
}

// UnusedEligibility is an eligible (user, account, permission set) not
// used in the window: State "never_requested" or "never_used".
type UnusedEligibility struct {
	UserID            string     `json:"user_id"`
	UserName          string     `json:"user_name"`
	AccountID         string     `json:"account_id"`
	AccountName       string     `json:"account_name"`
	PermissionSetARN  string     `json:"permission_set_arn"`
	PermissionSetName string     `json:"permission_set_name"`
	Rule              string     `json:"rule"`
	State             string     `json:"state"`
	Requests          int        `json:"requests"`
	Grants            int        `json:"grants"`
	LastRequested     *time.Time `json:"last_requested"`
}

// PermissionSetInsight compares a permission set's used actions with what
// it allows, with a narrower policy as a suggestion.
type PermissionSetInsight struct {
	PermissionSetARN  string           `json:"permission_set_arn"`
	PermissionSetName string           `json:"permission_set_name"`
	Grants            int              `json:"grants"`
	UsedGrants        int              `json:"used_grants"`
	Used              []InsightService `json:"used"`
	Allowed           struct {
		Inline          []string `json:"inline"`
		Managed         []string `json:"managed"`
		CustomerManaged []string `json:"customer_managed"`
		NotExpanded     []string `json:"not_expanded"`
	} `json:"allowed"`
	UnusedPatterns []string `json:"unused_patterns"`
	Suggestion     string   `json:"suggestion"`
	Caveats        []string `json:"caveats"`
	Error          string   `json:"error,omitempty"`
}

// Insights returns usage insight over the window since (a duration such as
// "90d"; "" for the server's default, 90 days).
func (c *Client) Insights(ctx context.Context, since string) (*Insights, error) {
	var q url.Values
	if since != "" {
		q = url.Values{"since": {since}}
	}
	var out Insights
	if err := c.do(ctx, "GET", "/insights", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
