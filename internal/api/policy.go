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
	ApplyPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte, force bool) (workflow.PolicyPlan, error)
}

var _ Policy = (*workflow.Service)(nil)

// maxPolicyBytes bounds a policy document body (larger than other bodies:
// a thousand rules is a few hundred KiB).
const maxPolicyBytes = 4 << 20

func (a *API) policySvc() (Policy, error) {
	p, ok := a.svc.(Policy)
	if !ok {
		return nil, access.Errorf(access.CodeNotFound, "this server does not serve the policy API")
	}
	return p, nil
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
}

// policyExplain serves GET /api/v1/policy/explain.
func (a *API) policyExplain(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	p, err := a.policySvc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	in := workflow.ExplainInput{User: q.Get("user"), Account: q.Get("account"), PermissionSet: q.Get("permission_set")}
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
		Rules: ex.Rules, ApproverRules: ex.ApproverRules}
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
}

// policyChangeJSON is the body of plan and apply: the document, and force
// to apply a change that removes the caller's own admin role or names a
// missing or empty role group (never one that leaves no admin).
type policyChangeJSON struct {
	Revision int    `json:"revision"`
	Document string `json:"document"`
	Force    bool   `json:"force"`
}

// policyPlanJSON is the answer of plan and apply.
type policyPlanJSON struct {
	Revision int              `json:"revision"`
	Applied  bool             `json:"applied"`
	Changes  []policy.Change  `json:"changes"`
	Problems []policy.Problem `json:"problems"`
	Text     string           `json:"text"`
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

// planPolicy serves POST /api/v1/admin/policy/plan.
func (a *API) planPolicy(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return a.policyChange(w, r, actor, Policy.PlanPolicy)
}

// putPolicy serves PUT /api/v1/admin/policy.
func (a *API) putPolicy(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return a.policyChange(w, r, actor, Policy.ApplyPolicy)
}

func (a *API) policyChange(w http.ResponseWriter, r *http.Request, actor access.Actor,
	do func(Policy, context.Context, access.Actor, []byte, bool) (workflow.PolicyPlan, error)) error {
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
	var body policyChangeJSON
	if err := json.Unmarshal(data, &body); err != nil {
		return access.Errorf(access.CodeInvalid, "request body must be {\"document\": \"<policy YAML>\"} (and \"force\": true to override a lockout problem): %s", err.Error())
	}
	if body.Document == "" {
		return access.Errorf(access.CodeInvalid, "document is empty: send the policy YAML")
	}
	plan, err := do(p, r.Context(), actor, []byte(body.Document), body.Force)
	if err != nil {
		return err
	}
	out := policyPlanJSON{Revision: plan.Revision, Applied: plan.Applied, Changes: plan.Changes, Problems: plan.Problems,
		Text: policy.FormatPlan(plan.Changes)}
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
