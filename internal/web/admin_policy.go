package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// PolicyEditor is what the admin policy editor needs: the same plan and
// apply use cases as `elevate policy plan/apply` (validation, admins only,
// audit); *workflow.Service satisfies it.
type PolicyEditor interface {
	ExportPolicy(ctx context.Context, actor access.Actor) ([]byte, int, error)
	PlanPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte, force bool) (workflow.PolicyPlan, error)
	ApplyPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte, base int, force bool) (workflow.PolicyPlan, error)
}

var _ PolicyEditor = (*workflow.Service)(nil)

// maxPolicyBytes bounds the policy document an admin may post (1 MiB,
// thousands of rules).
const maxPolicyBytes = 1 << 20

type policyEditData struct {
	Policy        string // the YAML in the editor
	Revision      int    // the revision the edit started from
	ManagedAsCode bool
	Planned       bool // a plan was made for Policy
	Plan          workflow.PolicyPlan
	PlanText      string
}

// Counts of a plan's changes by kind, for the summary line.
func (d policyEditData) Count(kind string) int {
	n := 0
	for _, c := range d.Plan.Changes {
		if string(c.Kind) == kind {
			n++
		}
	}
	return n
}

func (p *Portal) editor() (PolicyEditor, error) {
	e, ok := p.o.Service.(PolicyEditor)
	if !ok {
		return nil, fmt.Errorf("web: the service cannot plan or apply policies")
	}
	return e, nil
}

// policyPage serves GET /admin/policy: the policy in effect in an editor,
// or read-only with a note when it is managed as code. Admins only.
func (p *Portal) policyPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if !actor.Admin {
		return access.Errorf(access.CodeForbidden, "Only admins may see the admin pages.")
	}
	e, err := p.editor()
	if err != nil {
		return err
	}
	doc, rev, err := e.ExportPolicy(r.Context(), actor)
	if err != nil {
		return err
	}
	v := view{Title: "Edit policy", Nav: "admin", Actor: actor, SignedIn: true,
		D: policyEditData{Policy: string(doc), Revision: rev, ManagedAsCode: p.o.PolicyManagedAsCode}}
	switch q := r.URL.Query(); {
	case q.Get("applied") != "":
		v.Notice = "Applied: the policy is now revision " + q.Get("applied") + " (recorded in the decision log)."
	case q.Get("unchanged") == "1":
		v.Notice = "Nothing to apply: the document is the policy in effect."
	}
	p.render(w, http.StatusOK, "admin_policy", v)
	return nil
}

// policyForm reads and checks the editor's form: the YAML and the revision
// it was edited from.
func (p *Portal) policyForm(w http.ResponseWriter, r *http.Request, actor access.Actor) (PolicyEditor, policyEditData, error) {
	if !actor.Admin {
		return nil, policyEditData{}, access.Errorf(access.CodeForbidden, "Only admins may change the policy.")
	}
	if p.o.PolicyManagedAsCode {
		return nil, policyEditData{}, access.Errorf(access.CodeForbidden,
			"The policy is managed as code (policy.managed_as_code): change it in its repository and apply it with `elevate policy apply`.")
	}
	e, err := p.editor()
	if err != nil {
		return nil, policyEditData{}, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPolicyBytes+4096)
	if err := r.ParseForm(); err != nil {
		return nil, policyEditData{}, access.Errorf(access.CodeInvalid, "The form could not be read (a policy is at most %d KiB).", maxPolicyBytes>>10)
	}
	d := policyEditData{Policy: strings.ReplaceAll(r.PostForm.Get("policy"), "\r\n", "\n")}
	if strings.TrimSpace(d.Policy) == "" {
		return nil, d, access.Errorf(access.CodeInvalid, "The policy is empty: paste or edit the YAML document.")
	}
	if d.Revision, err = strconv.Atoi(r.PostForm.Get("revision")); err != nil || d.Revision < 0 {
		return nil, d, access.Errorf(access.CodeInvalid, "The form has no valid base revision: reload the editor.")
	}
	return e, d, nil
}

// planPolicy serves POST /admin/policy/plan: the changes the edited document
// would make (added, changed, removed) and any problems, before applying.
func (p *Portal) planPolicy(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	e, d, err := p.policyForm(w, r, actor)
	if err != nil {
		return p.policyError(w, r, actor, d, err)
	}
	plan, err := e.PlanPolicy(r.Context(), actor, []byte(d.Policy), false) // the portal never forces a lockout change: the API and the CLI do, explicitly
	if err != nil {
		return p.policyError(w, r, actor, d, err)
	}
	d.Planned, d.Plan, d.PlanText = true, plan, policy.FormatPlan(plan.Changes)
	v := view{Title: "Edit policy", Nav: "admin", Actor: actor, SignedIn: true, D: d}
	if plan.Revision != d.Revision {
		v.Error = fmt.Sprintf("The policy changed since you opened the editor (revision %d, now %d): this plan is against the current one; review it, or reload to start from the current policy.", d.Revision, plan.Revision)
		d.Revision = plan.Revision
		v.D = d
	}
	p.render(w, http.StatusOK, "admin_policy", v)
	return nil
}

// applyPolicy serves POST /admin/policy/apply: the same apply as `elevate
// policy apply` (validated, atomic, audited with before and after), refused
// when another change landed since the plan the admin saw.
func (p *Portal) applyPolicy(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	e, d, err := p.policyForm(w, r, actor)
	if err != nil {
		return p.policyError(w, r, actor, d, err)
	}
	// The revision of the plan the admin saw goes with the document, and is
	// checked in the transaction that writes it.
	plan, err := e.ApplyPolicy(r.Context(), actor, []byte(d.Policy), d.Revision, false)
	if access.ErrorCode(err) == access.CodeConflict {
		err = access.Errorf(access.CodeConflict, "Not applied: another change was made since your plan against revision %d. Plan again.", d.Revision)
	}
	if err != nil {
		return p.policyError(w, r, actor, d, err)
	}
	if !plan.Applied {
		http.Redirect(w, r, "/admin/policy?unchanged=1", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/admin/policy?applied="+strconv.Itoa(plan.Revision), http.StatusSeeOther)
	return nil
}

// policyError shows a user error above the editor, keeping what the admin
// typed; other errors go to the error page.
func (p *Portal) policyError(w http.ResponseWriter, r *http.Request, actor access.Actor, d policyEditData, err error) error {
	switch access.ErrorCode(err) {
	case access.CodeInvalid, access.CodeConflict:
	default:
		return err
	}
	d.ManagedAsCode = p.o.PolicyManagedAsCode
	p.render(w, statusOf(err), "admin_policy", view{Title: "Edit policy", Nav: "admin", Actor: actor, SignedIn: true,
		Error: p.message(r, err), D: d})
	return nil
}
