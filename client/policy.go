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
	// Limits name the rules that cover pairs AWS will not let elevate
	// assign (the management account, or permission sets managed there,
	// when elevate is a delegated administrator). They do not stop apply.
	Limits []PolicyLimit `json:"limits"`
	Text   string        `json:"text"` // the plan for people
}

// PolicyLimit is one rule covering a pair elevate cannot assign.
type PolicyLimit struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
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
	// AutoApproved: the selected rule's auto_approve_if conditions hold.
	AutoApproved bool `json:"auto_approved,omitempty"`
	// AutoApproveFallback says why auto-approval was not used when a
	// condition could not be checked.
	AutoApproveFallback string `json:"auto_approve_fallback,omitempty"`
	// Conditions are the selected rule's conditions (or those that refused)
	// with their outcome (true, false, unknown) and evidence.
	Conditions []ConditionResult `json:"conditions,omitempty"`
	// ApproverMFAMaxAge is the selected rule's approver_mfa.max_age: an
	// approval counts only from a portal session whose sign-in proved
	// multi-factor authentication that recently. Empty: none.
	ApproverMFAMaxAge        string `json:"approver_mfa_max_age,omitempty"`
	ApproverMFAMaxAgeSeconds int64  `json:"approver_mfa_max_age_seconds,omitempty"`
}

// ConditionResult is one rule condition as evaluated.
type ConditionResult struct {
	Use       string `json:"use"` // require or auto_approve_if
	Condition string `json:"condition"`
	Outcome   string `json:"outcome"` // true, false, unknown
	Evidence  string `json:"evidence"`
}

// ExplainInput is what Explain asks about; an empty User is the caller.
type ExplainInput struct {
	User          string
	Account       string
	PermissionSet string
	BreakGlass    bool
	Ticket        string // the ticket key rules' ticket conditions check
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

// policyApply is the body of ApplyPolicy: the revision is always sent (0 is
// the configuration file's policy).
type policyApply struct {
	Revision int    `json:"revision"`
	Document string `json:"document"`
	Force    bool   `json:"force,omitempty"`
}

// ApplyPolicy replaces the policy with the YAML document (admins). revision
// is the revision the document was planned on (PolicyPlan.Revision or
// PolicyDocument.Revision); when the policy changed since, the server
// refuses with 409 conflict.
func (c *Client) ApplyPolicy(ctx context.Context, yamlDoc string, revision int) (*PolicyPlan, error) {
	return c.ApplyPolicyDocument(ctx, PolicyDocument{Revision: revision, Document: yamlDoc})
}

// ApplyPolicyDocument is ApplyPolicy with the body's options (force); d's
// Revision is the one the document was planned on.
func (c *Client) ApplyPolicyDocument(ctx context.Context, d PolicyDocument) (*PolicyPlan, error) {
	var out PolicyPlan
	if err := c.do(ctx, "PUT", "/admin/policy", nil, policyApply(d), &out); err != nil {
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
	if in.Ticket != "" {
		q.Set("ticket", in.Ticket)
	}
	var out Explanation
	if err := c.do(ctx, "GET", "/policy/explain", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
