package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// Policy is the policy use cases. *workflow.Service satisfies it;
// a Service that does not answers not_found on the policy routes.
type Policy interface {
	Explain(ctx context.Context, actor access.Actor, in workflow.ExplainInput) (policy.Explanation, error)
	ExportPolicy(ctx context.Context, actor access.Actor) ([]byte, int, error)
	PlanPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte, force bool) (workflow.PolicyPlan, error)
	ApplyPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte, base int, force bool) (workflow.PolicyPlan, error)
}

var _ Policy = (*workflow.Service)(nil)

// maxPolicyBytes bounds a policy document body (larger than other bodies:
// a thousand rules is a few hundred KiB).
const maxPolicyBytes = 4 << 20

func (a *API) policySvc() (Policy, error) {
	return optional[Policy](a, "the policy API")
}

// explainJSON is GET /policy/explain's answer.
type explainJSON struct {
	Allowed           bool               `json:"allowed"`
	Rule              string             `json:"rule"`
	Reason            string             `json:"reason"`
	User              string             `json:"user"`
	Account           accountJSON        `json:"account"`
	PermissionSet     string             `json:"permission_set"`
	MaxDuration       string             `json:"max_duration"`
	MaxDurationSecs   int64              `json:"max_duration_seconds"`
	ApprovalRequired  bool               `json:"approval_required"`
	ApprovalsRequired int                `json:"approvals_required"`
	ApproverSource    string             `json:"approver_source"`
	Approvers         []policy.Approver  `json:"approvers"`
	RequesterRemoved  bool               `json:"requester_removed"`
	TicketRequired    bool               `json:"ticket_required"`
	BreakGlass        bool               `json:"break_glass"`
	Rules             []policy.RuleTrace `json:"rules"`
	ApproverRules     []policy.RuleTrace `json:"approver_rules"`
	// The rules' conditions: see docs/policy.md.
	AutoApproved        bool                     `json:"auto_approved,omitempty"`
	AutoApproveFallback string                   `json:"auto_approve_fallback,omitempty"`
	Conditions          []policy.ConditionResult `json:"conditions,omitempty"`
	// ApproverMFA: the selected rule's approver_mfa.max_age, when it has one.
	ApproverMFAMaxAge     string `json:"approver_mfa_max_age,omitempty"`
	ApproverMFAMaxAgeSecs int64  `json:"approver_mfa_max_age_seconds,omitempty"`
	// Notify is the rule's reminder, escalation and notify lists, when a
	// rule allows the request.
	Notify *explainNotifyJSON `json:"notify,omitempty"`
}

// explainNotifyJSON is a rule's policy.RuleNotify.
type explainNotifyJSON struct {
	RemindBefore     string   `json:"remind_before"` // "0s": the server's notify.warn_before
	ExtendStep       string   `json:"extend_step"`
	EscalateAfter    string   `json:"escalate_after"` // "0s": never
	EscalationGroups []string `json:"escalation_groups"`
	NotifyGroups     []string `json:"notify_groups"`
	NotifyChannels   []string `json:"notify_channels"`
}

func toExplainNotify(n policy.RuleNotify) *explainNotifyJSON {
	orEmpty := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return &explainNotifyJSON{RemindBefore: n.RemindBefore.String(), ExtendStep: n.ExtendStep.String(), EscalateAfter: n.EscalateAfter.String(),
		EscalationGroups: orEmpty(n.EscalationGroups), NotifyGroups: orEmpty(n.NotifyGroups), NotifyChannels: orEmpty(n.NotifyChannels)}
}

// policyExplain serves GET /api/v1/policy/explain.
func (a *API) policyExplain(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	p, err := a.policySvc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	in := workflow.ExplainInput{User: q.Get("user"), Account: q.Get("account"), PermissionSet: q.Get("permission_set"), Ticket: q.Get("ticket")}
	if v := q.Get("break_glass"); v != "" {
		if in.BreakGlass, err = strconv.ParseBool(v); err != nil {
			return access.Errorf(access.CodeInvalid, "break_glass: %q is not true or false", v)
		}
	}
	ex, err := p.Explain(r.Context(), actor, in)
	if err != nil {
		return err
	}
	d := ex.Decision
	out := explainJSON{Allowed: d.Allowed, Rule: d.Rule, Reason: d.Reason, User: d.User.UserName,
		Account: accountJSON{ID: d.Account.ID, Name: d.Account.Name}, PermissionSet: d.PermissionSet.Name,
		MaxDuration: d.MaxDuration.String(), MaxDurationSecs: seconds(d.MaxDuration), ApprovalRequired: d.ApprovalRequired,
		ApprovalsRequired: d.ApprovalsRequired, ApproverSource: d.ApproverSource, Approvers: d.Approvers,
		RequesterRemoved: d.RequesterRemoved, TicketRequired: d.TicketRequired, BreakGlass: d.BreakGlass,
		Rules: ex.Rules, ApproverRules: ex.ApproverRules,
		AutoApproved: d.AutoApproved, AutoApproveFallback: d.AutoApproveUnknown, Conditions: d.Conditions}
	if d.Allowed {
		out.Notify = toExplainNotify(d.Notify)
	}
	if d.ApproverMFA > 0 {
		out.ApproverMFAMaxAge, out.ApproverMFAMaxAgeSecs = d.ApproverMFA.String(), seconds(d.ApproverMFA)
	}
	if out.Approvers == nil {
		out.Approvers = []policy.Approver{}
	}
	if out.Rules == nil {
		out.Rules = []policy.RuleTrace{}
	}
	if out.ApproverRules == nil {
		out.ApproverRules = []policy.RuleTrace{}
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// policyDocJSON carries a YAML policy document.
type policyDocJSON struct {
	Revision int    `json:"revision"`
	Document string `json:"document"`
	// Force (plan only) plans as an apply with force would: the lockout
	// problems an admin may override are not reported.
	Force bool `json:"force,omitempty"`
}

// policyPlanJSON is the answer of plan and apply.
type policyPlanJSON struct {
	Revision int                `json:"revision"`
	Applied  bool               `json:"applied"`
	Changes  []policy.Change    `json:"changes"`
	Problems []policy.Problem   `json:"problems"`
	Limits   []policy.LimitNote `json:"limits"`
	Text     string             `json:"text"`
}

// getPolicy serves GET /api/v1/admin/policy.
func (a *API) getPolicy(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	p, err := a.policySvc()
	if err != nil {
		return err
	}
	doc, rev, err := p.ExportPolicy(r.Context(), actor)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, policyDocJSON{Revision: rev, Document: string(doc)})
	return nil
}

// policyApplyJSON is the body of PUT /admin/policy: the document and the
// revision it was planned on (a pointer: a body without it is refused, not
// taken as revision 0).
type policyApplyJSON struct {
	Revision *int   `json:"revision"`
	Document string `json:"document"`
	// Force applies a change that removes the caller's own admin role or
	// names a missing or empty role group (never one that leaves no admin).
	Force bool `json:"force"`
}

// planPolicy serves POST /api/v1/admin/policy/plan.
func (a *API) planPolicy(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return a.policyChange(w, r, actor, func(p Policy, ctx context.Context, actor access.Actor, data []byte) (workflow.PolicyPlan, error) {
		var body policyDocJSON
		if err := json.Unmarshal(data, &body); err != nil {
			return workflow.PolicyPlan{}, access.Errorf(access.CodeInvalid, "request body must be {\"document\": \"<policy YAML>\"}: %s", err.Error())
		}
		if body.Document == "" {
			return workflow.PolicyPlan{}, access.Errorf(access.CodeInvalid, "document is empty: send the policy YAML")
		}
		return p.PlanPolicy(ctx, actor, []byte(body.Document), body.Force)
	})
}

// putPolicy serves PUT /api/v1/admin/policy.
func (a *API) putPolicy(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return a.policyChange(w, r, actor, func(p Policy, ctx context.Context, actor access.Actor, data []byte) (workflow.PolicyPlan, error) {
		var body policyApplyJSON
		if err := json.Unmarshal(data, &body); err != nil {
			return workflow.PolicyPlan{}, access.Errorf(access.CodeInvalid, "request body must be {\"revision\": N, \"document\": \"<policy YAML>\"}: %s", err.Error())
		}
		if body.Document == "" {
			return workflow.PolicyPlan{}, access.Errorf(access.CodeInvalid, "document is empty: send the policy YAML")
		}
		if body.Revision == nil {
			return workflow.PolicyPlan{}, access.Errorf(access.CodeInvalid, "revision is required: send the revision the document was planned on (GET /admin/policy or a plan answers it)")
		}
		return p.ApplyPolicy(ctx, actor, []byte(body.Document), *body.Revision, body.Force)
	})
}

// policyChange reads a policy body (larger than other bodies) and answers
// the plan that do returns.
func (a *API) policyChange(w http.ResponseWriter, r *http.Request, actor access.Actor,
	do func(Policy, context.Context, access.Actor, []byte) (workflow.PolicyPlan, error)) error {
	p, err := a.policySvc()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPolicyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return access.Errorf(codeTooLarge, "policy document is larger than %d MiB", maxPolicyBytes>>20)
		}
		return fmt.Errorf("read request body: %w", err)
	}
	plan, err := do(p, r.Context(), actor, data)
	if err != nil {
		return err
	}
	out := policyPlanJSON{Revision: plan.Revision, Applied: plan.Applied, Changes: plan.Changes, Problems: plan.Problems,
		Limits: plan.Limits, Text: policy.FormatPlan(plan.Changes) + policy.FormatLimits(plan.Limits)}
	if out.Limits == nil {
		out.Limits = []policy.LimitNote{}
	}
	if out.Changes == nil {
		out.Changes = []policy.Change{}
	}
	if out.Problems == nil {
		out.Problems = []policy.Problem{}
	}
	for i := range out.Changes {
		if out.Changes[i].Fields == nil {
			out.Changes[i].Fields = []string{}
		}
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}
