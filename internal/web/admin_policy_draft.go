package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
)

// The policy editor's forms keep the draft document in the page (a hidden
// field holding its YAML) and send it with every step: opening a rule's
// form, previewing it, keeping it in the draft, removing a rule, switching
// to the YAML view. Nothing is stored until the admin plans and applies
// the draft, with the same use cases as the YAML view, so the forms work
// without JavaScript and a draft never outlives its page.

// parseTarget reads "rule:3", "approver:new" into the list and the index
// (-1: new), checking the index against the draft.
func parseTarget(s string, doc policy.Document) (string, int, error) {
	kind, at, ok := strings.Cut(s, ":")
	if !ok || (kind != "rule" && kind != "approver") {
		return "", 0, access.Errorf(access.CodeInvalid, "The form names no rule to edit (%q): reload the editor.", s)
	}
	if at == "new" {
		return kind, -1, nil
	}
	n := len(doc.Rules)
	if kind == "approver" {
		n = len(doc.ApproverRules)
	}
	i, err := strconv.Atoi(at)
	if err != nil || i < 0 || i >= n {
		return "", 0, access.Errorf(access.CodeInvalid, "The draft has no %s at %q: reload the editor.", kind, at)
	}
	return kind, i, nil
}

// draftStep reads the draft of a forms step: the posted document, parsed.
func (p *Portal) draftStep(w http.ResponseWriter, r *http.Request, actor access.Actor) (PolicyEditor, policyEditData, error) {
	e, d, err := p.policyForm(w, r, actor)
	if err != nil {
		return nil, d, err
	}
	src, err := policy.Parse([]byte(d.Policy))
	if err != nil {
		return nil, d, access.Errorf(access.CodeInvalid, "%s", err.Error())
	}
	d.Doc = src.Doc.Normalize()
	return e, d, nil
}

// editedDraft puts the posted rule form into the draft at d.Editing and
// d.Index: the draft with it, and the errors beside the form's fields.
func editedDraft(r *http.Request, d *policyEditData) (policy.Document, fieldErrors) {
	doc := d.Doc
	var fe fieldErrors
	if d.Editing == "rule" {
		d.Rule = readRuleForm(r.PostForm)
		base := policy.Rule{}
		if d.Index >= 0 {
			base = doc.Rules[d.Index]
		}
		rule, errs := applyRuleForm(base, d.Rule)
		d.Rule.RequireText, d.Rule.AutoApproveIfText = conditionsText(rule.Require), conditionsText(rule.AutoApproveIf)
		rules := slices.Clone(doc.Rules)
		if d.Index >= 0 {
			rules[d.Index] = rule
		} else {
			rules = append(rules, rule)
		}
		doc.Rules, fe = rules, errs
	} else {
		d.ApproverRule = readApproverRuleForm(r.PostForm)
		base := policy.ApproverRule{}
		if d.Index >= 0 {
			base = doc.ApproverRules[d.Index]
		}
		ar, errs := applyApproverRuleForm(base, d.ApproverRule)
		ars := slices.Clone(doc.ApproverRules)
		if d.Index >= 0 {
			ars[d.Index] = ar
		} else {
			ars = append(ars, ar)
		}
		doc.ApproverRules, fe = ars, errs
	}
	return doc, fe
}

// withProblems adds the policy engine's problems with the edited rule
// (names the directory lacks, with its suggestion) beside its fields.
func withProblems(fe fieldErrors, ps []policy.Problem, d policyEditData, doc policy.Document) fieldErrors {
	list, i := "rules", d.Index
	if d.Editing == "approver" {
		list = "approver_rules"
	}
	if i < 0 {
		i = len(doc.Rules) - 1
		if d.Editing == "approver" {
			i = len(doc.ApproverRules) - 1
		}
	}
	for f, msg := range problemFields(ps, list, i) {
		if fe == nil {
			fe = fieldErrors{}
		}
		if fe[f] == "" { // the form's own message says it first
			fe.add(f, msg)
		}
	}
	return fe
}

// policyDraft serves POST /admin/policy/draft, one step of the forms:
//   - edit=rule:N|rule:new|approver:N|approver:new opens a rule's form;
//   - remove=rule:N|approver:N takes a rule out of the draft;
//   - show=yaml|forms switches views, keeping the draft;
//   - op=preview|save|cancel with target=… previews the edited rule, keeps
//     it in the draft (when its fields are valid), or drops the edit.
func (p *Portal) policyDraft(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	e, d, err := p.draftStep(w, r, actor)
	if err != nil {
		if show := r.PostForm.Get("show"); show == viewForms {
			d.View = viewYAML
		}
		return p.policyError(w, r, actor, d, err)
	}
	f := r.PostForm
	v := view{Title: "Edit policy", Nav: "admin", Actor: actor, SignedIn: true}
	status := http.StatusOK
	switch {
	case f.Get("show") != "":
		d.View = policyView(f.Get("show"))
		if d.View == viewYAML {
			// The YAML of the forms' draft, in canonical form.
			b, err := policy.Marshal(d.Doc)
			if err != nil {
				return err
			}
			d.Policy = string(b)
		}
	case f.Get("edit") != "":
		if err := openEdit(&d, f.Get("edit")); err != nil {
			return p.policyError(w, r, actor, d, err)
		}
	case f.Get("remove") != "":
		kind, i, err := parseTarget(f.Get("remove"), d.Doc)
		if err != nil || i < 0 {
			return p.policyError(w, r, actor, d, access.Errorf(access.CodeInvalid, "The form names no rule to remove: reload the editor."))
		}
		name := ""
		if kind == "rule" {
			name = "Rule " + d.Doc.Rules[i].Name
			d.Doc.Rules = slices.Delete(slices.Clone(d.Doc.Rules), i, i+1)
		} else {
			name = "Approver rule " + d.Doc.ApproverRules[i].Name
			d.Doc.ApproverRules = slices.Delete(slices.Clone(d.Doc.ApproverRules), i, i+1)
		}
		if err := setDraft(&d, d.Doc); err != nil {
			return err
		}
		v.Notice = name + " is removed from the draft. Nothing is applied until you plan and apply."
	case f.Get("op") != "":
		if d.Editing, d.Index, err = parseTarget(f.Get("target"), d.Doc); err != nil {
			return p.policyError(w, r, actor, d, err)
		}
		if f.Get("op") == "cancel" {
			d.Editing = ""
			break
		}
		doc, fe := editedDraft(r, &d)
		if f.Get("op") == "save" && fe == nil {
			before := d.Policy
			if err := setDraft(&d, doc); err != nil {
				return err
			}
			pv, err := e.PreviewPolicy(r.Context(), actor, []byte(d.Policy))
			if err != nil {
				return err
			}
			if fe = withProblems(nil, pv.Problems, d, doc); fe == nil {
				what := "Rule " + d.Rule.Name
				if d.Editing == "approver" {
					what = "Approver rule " + d.ApproverRule.Name
				}
				d.Editing = ""
				v.Notice = what + " is in the draft. Plan the changes to review them, then apply."
				break
			}
			// Names the directory lacks: back to the form, the draft as it was.
			d.Policy = before
		}
		// Preview (or a save refused): the form again, with the preview of
		// the draft holding the edited rule and the errors beside its fields.
		b, err := policy.Marshal(doc)
		if err != nil {
			return err
		}
		pv, err := e.PreviewPolicy(r.Context(), actor, b)
		if err != nil {
			return err
		}
		d.Errors = withProblems(fe, pv.Problems, d, doc)
		if err := p.fillDraft(r.Context(), e, actor, &d); err != nil {
			return err
		}
		d.Preview = &pv
		d.Reach = reachOf(pv.Draft.Rules, d, doc)
		if d.Errors != nil && f.Get("op") == "save" {
			status = http.StatusUnprocessableEntity
			v.Error = "The rule is not in the draft yet: fix the fields marked below."
		}
		v.D = d
		p.render(w, status, "admin_policy", v)
		return nil
	default:
		return p.policyError(w, r, actor, d, access.Errorf(access.CodeInvalid, "The form asks for nothing: reload the editor."))
	}
	if err := p.fillDraft(r.Context(), e, actor, &d); err != nil {
		return err
	}
	v.D = d
	p.render(w, status, "admin_policy", v)
	return nil
}

// reachOf is the edited rule's reach in a preview of doc.
func reachOf(rs []policy.Reach, d policyEditData, doc policy.Document) *policy.Reach {
	if d.Editing != "rule" {
		return nil
	}
	i := d.Index
	if i < 0 {
		i = len(doc.Rules) - 1
	}
	if i < 0 || i >= len(rs) {
		return nil
	}
	return &rs[i]
}

// setDraft makes doc the draft: its YAML goes in the page.
func setDraft(d *policyEditData, doc policy.Document) error {
	b, err := policy.Marshal(doc)
	if err != nil {
		return fmt.Errorf("policy draft: %w", err)
	}
	d.Policy, d.Doc = string(b), doc.Normalize()
	return nil
}

// policyPreview serves POST /admin/policy/preview: the preview section of
// the rule form for the posted draft and form (the page's script asks for
// it as the admin types), without the page around it.
func (p *Portal) policyPreview(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	e, d, err := p.draftStep(w, r, actor)
	if err != nil {
		return err
	}
	if d.Editing, d.Index, err = parseTarget(r.PostForm.Get("target"), d.Doc); err != nil {
		return err
	}
	doc, fe := editedDraft(r, &d)
	b, err := policy.Marshal(doc)
	if err != nil {
		return err
	}
	pv, err := e.PreviewPolicy(r.Context(), actor, b)
	if err != nil {
		return err
	}
	d.Preview, d.Errors = &pv, withProblems(fe, pv.Problems, d, doc)
	d.Reach = reachOf(pv.Draft.Rules, d, doc)
	p.renderFragment(w, "admin_policy", "policy-preview", d)
	return nil
}

// searchAnswer is GET /admin/policy/search's answer.
type searchAnswer struct {
	Items []policy.Entry `json:"items"`
	Total int            `json:"total"`
}

// policySearch serves GET /admin/policy/search?kind=groups&q=eng: the
// directory entries the pickers offer, as JSON. Admins only.
func (p *Portal) policySearch(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if !actor.Admin {
		return access.Errorf(access.CodeForbidden, "Only admins may search the directory.")
	}
	e, err := p.editor()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	items, total, err := e.SearchDirectory(r.Context(), actor, q.Get("kind"), q.Get("q"), 12)
	if err != nil {
		return err
	}
	if items == nil {
		items = []policy.Entry{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(searchAnswer{Items: items, Total: total})
}
