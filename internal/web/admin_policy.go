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
// audit), the preview of who a draft makes eligible and the directory
// search of the pickers; *workflow.Service satisfies it.
type PolicyEditor interface {
	ExportPolicy(ctx context.Context, actor access.Actor) ([]byte, int, error)
	PlanPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte, force bool) (workflow.PolicyPlan, error)
	ApplyPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte, base int, force bool) (workflow.PolicyPlan, error)
	PreviewPolicy(ctx context.Context, actor access.Actor, yamlDoc []byte) (workflow.PolicyPreview, error)
	SearchDirectory(ctx context.Context, actor access.Actor, kind, q string, limit int) ([]policy.Entry, int, error)
}

var _ PolicyEditor = (*workflow.Service)(nil)

// maxPolicyBytes bounds the policy document an admin may post (1 MiB,
// thousands of rules).
const maxPolicyBytes = 1 << 20

// The editor's two views of the same document.
const (
	viewForms = "forms" // tables of rules and approver rules, forms to edit one
	viewYAML  = "yaml"  // the whole document as YAML
)

type policyEditData struct {
	Policy        string // the YAML of the draft (the textarea, or a hidden field of the forms)
	Revision      int    // the revision the edit started from
	ManagedAsCode bool
	View          string // viewForms or viewYAML
	Planned       bool   // a plan was made for Policy
	Plan          workflow.PolicyPlan
	PlanText      string

	// The forms view: the draft as a document, how it differs from the
	// policy in effect, and who it makes eligible.
	Doc     policy.Document
	Pending []policy.Change // the draft's changes not applied yet
	Preview *workflow.PolicyPreview

	// Editing one rule ("rule") or approver rule ("approver") of the
	// draft, at Index (-1: a new one), with the errors beside its fields.
	Editing      string
	Index        int
	Rule         ruleForm
	ApproverRule approverRuleForm
	Errors       fieldErrors
	Reach        *policy.Reach // the edited rule's reach in the preview
}

// Target is the edited rule as the form's hidden field says it: "rule:3",
// "approver:new".
func (d policyEditData) Target() string {
	if d.Index < 0 {
		return d.Editing + ":new"
	}
	return d.Editing + ":" + strconv.Itoa(d.Index)
}

// Count counts a plan's changes by kind, for the summary line.
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

func policyView(v string) string {
	if v == viewYAML {
		return viewYAML
	}
	return viewForms
}

// policyPage serves GET /admin/policy: the policy in effect as tables of
// rules with forms to edit them (or, with ?view=yaml, as YAML), read-only
// with a note when it is managed as code. Admins only.
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
	q := r.URL.Query()
	d := policyEditData{Policy: string(doc), Revision: rev, ManagedAsCode: p.o.PolicyManagedAsCode, View: policyView(q.Get("view"))}
	v := view{Title: "Edit policy", Nav: "admin", Actor: actor, SignedIn: true}
	switch {
	case q.Get("applied") != "":
		v.Notice = "Applied: the policy is now revision " + q.Get("applied") + " (recorded in the decision log)."
	case q.Get("unchanged") == "1":
		v.Notice = "Nothing to apply: the document is the policy in effect."
	}
	// ?edit=rule:N (or rule:new, approver:N, approver:new) opens a rule's
	// form on the policy in effect: a link to one rule.
	if target := q.Get("edit"); target != "" && !d.ManagedAsCode {
		if err := openEdit(&d, target); err != nil {
			return err
		}
	}
	if err := p.fillDraft(r.Context(), e, actor, &d); err != nil {
		return err
	}
	v.D = d
	p.render(w, http.StatusOK, "admin_policy", v)
	return nil
}

// openEdit fills the form of the rule target names ("rule:3",
// "approver:new") from the draft.
func openEdit(d *policyEditData, target string) error {
	src, err := policy.Parse([]byte(d.Policy))
	if err != nil {
		return access.Errorf(access.CodeInvalid, "%s", err.Error())
	}
	d.Doc = src.Doc.Normalize()
	if d.Editing, d.Index, err = parseTarget(target, d.Doc); err != nil {
		return err
	}
	switch {
	case d.Editing == "rule" && d.Index >= 0:
		d.Rule = ruleFormOf(d.Doc.Rules[d.Index])
	case d.Editing == "approver" && d.Index >= 0:
		d.ApproverRule = approverRuleFormOf(d.Doc.ApproverRules[d.Index])
	case d.Editing == "rule":
		d.Rule = ruleForm{Approvals: "1"}
	default:
		d.ApproverRule = approverRuleForm{Approvals: "1"}
	}
	d.View = viewForms
	return nil
}

// fillDraft reads the draft YAML into the forms view's document, its
// pending changes and its preview. A draft that is not a valid document
// leaves the forms empty (the YAML view shows why).
func (p *Portal) fillDraft(ctx context.Context, e PolicyEditor, actor access.Actor, d *policyEditData) error {
	src, err := policy.Parse([]byte(d.Policy))
	if err != nil {
		return nil //nolint:nilerr // the YAML view reports a document that does not parse, at plan
	}
	d.Doc = src.Doc.Normalize()
	cur, _, err := e.ExportPolicy(ctx, actor)
	if err != nil {
		return err
	}
	if csrc, err := policy.Parse(cur); err == nil {
		d.Pending = policy.Plan(csrc.Doc, d.Doc)
	}
	pv, err := e.PreviewPolicy(ctx, actor, []byte(d.Policy))
	if err != nil {
		return err
	}
	d.Preview = &pv
	switch {
	case d.Editing == "rule" && d.Index >= 0 && d.Index < len(pv.Draft.Rules):
		d.Reach = &pv.Draft.Rules[d.Index]
	case d.Editing == "rule" && d.Index < 0 && len(pv.Draft.Rules) > 0:
		d.Reach = &pv.Draft.Rules[len(pv.Draft.Rules)-1]
	}
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
	r.Body = http.MaxBytesReader(w, r.Body, maxPolicyBytes+64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, policyEditData{}, access.Errorf(access.CodeInvalid, "The form could not be read (a policy is at most %d KiB).", maxPolicyBytes>>10)
	}
	// A post names the view it came from; one without (a script, an older
	// page) is the YAML view's.
	d := policyEditData{Policy: strings.ReplaceAll(r.PostForm.Get("policy"), "\r\n", "\n"), View: viewYAML}
	if r.PostForm.Get("view") == viewForms {
		d.View = viewForms
	}
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
	v := view{Title: "Edit policy", Nav: "admin", Actor: actor, SignedIn: true}
	if plan.Revision != d.Revision {
		v.Error = fmt.Sprintf("The policy changed since you opened the editor (revision %d, now %d): this plan is against the current one; review it, or reload to start from the current policy.", d.Revision, plan.Revision)
		d.Revision = plan.Revision
	}
	if d.View == viewForms {
		if err := p.fillDraft(r.Context(), e, actor, &d); err != nil {
			return err
		}
	}
	v.D = d
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
	back := "/admin/policy?"
	if d.View == viewYAML {
		back += "view=yaml&"
	}
	if !plan.Applied {
		http.Redirect(w, r, back+"unchanged=1", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, back+"applied="+strconv.Itoa(plan.Revision), http.StatusSeeOther)
	return nil
}

// policyError shows a user error above the editor, keeping what the admin
// typed; other errors go to the error page. A document that does not parse
// is shown in the YAML view, with the error beside it.
func (p *Portal) policyError(w http.ResponseWriter, r *http.Request, actor access.Actor, d policyEditData, err error) error {
	switch access.ErrorCode(err) {
	case access.CodeInvalid, access.CodeConflict:
	default:
		return err
	}
	d.ManagedAsCode = p.o.PolicyManagedAsCode
	v := view{Title: "Edit policy", Nav: "admin", Actor: actor, SignedIn: true, Error: p.message(r, err)}
	if e, eerr := p.editor(); eerr == nil && d.Policy != "" {
		if _, perr := policy.Parse([]byte(d.Policy)); perr != nil {
			d.View = viewYAML
			d.Errors = fieldErrors{"policy": p.message(r, err)}
		} else if d.View == viewForms {
			if ferr := p.fillDraft(r.Context(), e, actor, &d); ferr != nil {
				return ferr
			}
		}
	}
	if d.Policy == "" {
		d.View = viewYAML
	}
	v.D = d
	p.render(w, statusOf(err), "admin_policy", v)
	return nil
}

// fieldView is what a form field's markup needs: its id, the id of its
// error message and the message (empty: the field is fine).
type fieldView struct {
	ID, ErrID, Err string
}

// F describes the edited rule's field name for the template.
func (d policyEditData) F(name string) fieldView {
	return fieldView{ID: "f-" + strings.ReplaceAll(name, "_", "-"), ErrID: "err-" + strings.ReplaceAll(name, "_", "-"), Err: d.Errors[name]}
}

// Problem is the message beside the form as a whole ("" when none).
func (d policyEditData) Problem() string { return d.Errors[""] }

// NotifyOpen says whether the rule form shows its reminders and notify
// lists unfolded: when the rule has any, or one of them is wrong.
func (d policyEditData) NotifyOpen() bool {
	f := d.Rule
	return f.RemindBefore != "" || f.ExtendStep != "" || f.EscalateAfter != "" || strings.TrimSpace(f.EscalationGroups+f.NotifyGroups+f.NotifyChannels) != "" ||
		d.Errors.Has("remind_before") || d.Errors.Has("extend_step") || d.Errors.Has("escalate_after") ||
		d.Errors.Has("escalation_groups") || d.Errors.Has("notify_groups") || d.Errors.Has("notify_channels")
}

// ConditionsOpen says whether the rule form shows its conditions unfolded:
// when the rule has some, or they are wrong.
func (d policyEditData) ConditionsOpen() bool {
	return strings.TrimSpace(d.Rule.Require+d.Rule.AutoApproveIf) != "" || d.Errors.Has("require") || d.Errors.Has("auto_approve_if")
}
