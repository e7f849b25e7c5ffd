package client

import (
	"context"
	"net/url"
	"strconv"
)

// PolicyDocument is the policy as YAML, with the revision in effect (0: the
// server's configuration file).
type PolicyDocument struct {
	Revision int    `json:"revision,omitempty"`
	Document string `json:"document"`
	// Force applies a change that removes the caller's own admin role or
	// names a missing or empty role group, as long as an admin remains.
	Force bool `json:"force,omitempty"`
}

// PolicyChange is one difference a plan found.
type PolicyChange struct {
	Kind   string   `json:"kind"` // added, changed, removed
	What   string   `json:"what"` // "rule NAME", "approver rule NAME", "settings"
	Fields []string `json:"fields"`
}

// PolicyProblem is an invalid or unresolved part of a document.
type PolicyProblem struct {
	Path    string `json:"path"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// PolicyPlan is the answer of PlanPolicy and ApplyPolicy.
type PolicyPlan struct {
	Revision int             `json:"revision"`
	Applied  bool            `json:"applied"`
	Changes  []PolicyChange  `json:"changes"`
	Problems []PolicyProblem `json:"problems"`
	Text     string          `json:"text"` // the plan for people
}

// RuleTrace is one rule as explain considered it.
type RuleTrace struct {
	Rule     string   `json:"rule"`
	Matched  bool     `json:"matched"`
	Selected bool     `json:"selected"`
	Reasons  []string `json:"reasons"`
}

// PolicyApprover is a user who would approve, and through what.
type PolicyApprover struct {
	UserID   string   `json:"user_id"`
	UserName string   `json:"user_name"`
	Via      []string `json:"via"`
}

// Explanation is the answer of Explain.
type Explanation struct {
	Allowed            bool             `json:"allowed"`
	Rule               string           `json:"rule"`
	Reason             string           `json:"reason"`
	User               string           `json:"user"`
	Account            Account          `json:"account"`
	PermissionSet      string           `json:"permission_set"`
	MaxDuration        string           `json:"max_duration"`
	MaxDurationSeconds int64            `json:"max_duration_seconds"`
	ApprovalRequired   bool             `json:"approval_required"`
	ApprovalsRequired  int              `json:"approvals_required"`
	ApproverSource     string           `json:"approver_source"`
	Approvers          []PolicyApprover `json:"approvers"`
	RequesterRemoved   bool             `json:"requester_removed"`
	TicketRequired     bool             `json:"ticket_required"`
	BreakGlass         bool             `json:"break_glass"`
	Rules              []RuleTrace      `json:"rules"`
	ApproverRules      []RuleTrace      `json:"approver_rules"`
}

// ExplainInput is what Explain asks about; an empty User is the caller.
type ExplainInput struct {
	User          string
	Account       string
	PermissionSet string
	BreakGlass    bool
}

// ExportPolicy returns the policy in effect (admins).
func (c *Client) ExportPolicy(ctx context.Context) (*PolicyDocument, error) {
	var out PolicyDocument
	if err := c.do(ctx, "GET", "/admin/policy", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PlanPolicy says what applying the YAML document would change (admins).
func (c *Client) PlanPolicy(ctx context.Context, yamlDoc string) (*PolicyPlan, error) {
	return c.PlanPolicyDocument(ctx, PolicyDocument{Document: yamlDoc})
}

// PlanPolicyDocument is PlanPolicy with the body's options (force).
func (c *Client) PlanPolicyDocument(ctx context.Context, d PolicyDocument) (*PolicyPlan, error) {
	var out PolicyPlan
	if err := c.do(ctx, "POST", "/admin/policy/plan", nil, d, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ApplyPolicy replaces the policy with the YAML document (admins).
func (c *Client) ApplyPolicy(ctx context.Context, yamlDoc string) (*PolicyPlan, error) {
	return c.ApplyPolicyDocument(ctx, PolicyDocument{Document: yamlDoc})
}

// ApplyPolicyDocument is ApplyPolicy with the body's options (force).
func (c *Client) ApplyPolicyDocument(ctx context.Context, d PolicyDocument) (*PolicyPlan, error) {
	var out PolicyPlan
	if err := c.do(ctx, "PUT", "/admin/policy", nil, d, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Explain asks the policy why a user may or may not make a request.
func (c *Client) Explain(ctx context.Context, in ExplainInput) (*Explanation, error) {
	q := url.Values{"account": {in.Account}, "permission_set": {in.PermissionSet}}
	if in.User != "" {
		q.Set("user", in.User)
	}
	if in.BreakGlass {
		q.Set("break_glass", strconv.FormatBool(true))
	}
	var out Explanation
	if err := c.do(ctx, "GET", "/policy/explain", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
