package app_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/awsemu"
)

var (
	hiddenPolicy = regexp.MustCompile(`<input type="hidden" name="policy" value="([^"]*)">`)
	reachCount   = regexp.MustCompile(`id="reach-combinations">(\d+)<`)
)

// draftOf returns the draft YAML a forms page carries.
func draftOf(t *testing.T, h hop) string {
	t.Helper()
	m := hiddenPolicy.FindStringSubmatch(h.Body)
	if m == nil {
		t.Fatalf("no draft in %s (%s): %.800s", h.URL, h.Resp.Status, h.Body)
	}
	return html.UnescapeString(m[1])
}

// TestPortalPolicyForms drives the policy editor's forms without a browser
// (as without JavaScript): the rules table, a rule's form, its preview
// changing with the form, errors beside the fields, keeping the rule in the
// draft, planning and applying it; the directory search; and the refusals
// for non-admins.
func TestPortalPolicyForms(t *testing.T) {
	env := startPortal(t, awsemu.DemoSeed(), nil)
	base := env.app.URL()
	erin := env.signedInClient(t, "erin")

	page := last(get(t, erin, base+"/admin/policy"))
	if page.Resp.StatusCode != http.StatusOK || !strings.Contains(page.Body, `id="rules-table"`) || !strings.Contains(page.Body, `data-rule="alice-admin-prod"`) {
		t.Fatalf("forms view: %s %.1500s", page.Resp.Status, page.Body)
	}
	draft := draftOf(t, page)
	form := func(extra url.Values) url.Values {
		v := url.Values{"policy": {draft}, "revision": {"0"}, "view": {"forms"}}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}

	// Open the rule's form: its fields hold the rule.
	h := last(postForm(t, erin, base+"/admin/policy/draft", form(url.Values{"edit": {"rule:0"}})))
	if h.Resp.StatusCode != http.StatusOK || !strings.Contains(h.Body, `id="rule-form"`) || !strings.Contains(h.Body, `name="max_duration" value="4h"`) ||
		!strings.Contains(h.Body, ">alice</textarea>") || !strings.Contains(h.Body, ">approvers</textarea>") {
		t.Fatalf("rule form: %s %.3000s", h.Resp.Status, h.Body)
	}
	if m := reachCount.FindStringSubmatch(h.Body); m == nil || m[1] != "1" {
		t.Fatalf("the rule's reach is %v, want 1 (alice on prod, one permission set): %.2000s", m, h.Body)
	}

	// Kept unchanged, exactly as the form shows it, the rule is the same
	// rule: the draft is still the policy in effect.
	same := url.Values{"target": {"rule:0"}, "op": {"save"}}
	for _, f := range []string{"name", "description", "max_duration", "approvals", "remind_before", "extend_step", "escalate_after"} {
		if m := regexp.MustCompile(`name="` + f + `" value="([^"]*)"`).FindStringSubmatch(h.Body); m != nil {
			same.Set(f, html.UnescapeString(m[1]))
		}
	}
	for _, f := range []string{"users", "groups", "accounts", "ous", "permission_sets", "approver_users", "approver_groups",
		"escalation_groups", "notify_groups", "notify_channels", "require", "auto_approve_if"} {
		if m := regexp.MustCompile(`(?s)name="` + f + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(h.Body); m != nil {
			same.Set(f, html.UnescapeString(m[1]))
		}
	}
	kept := last(postForm(t, erin, base+"/admin/policy/draft", form(same)))
	if kept.Resp.StatusCode != http.StatusOK || !strings.Contains(kept.Body, "The draft is the policy in effect") {
		t.Fatalf("the rule kept unchanged: %s %.2000s", kept.Resp.Status, kept.Body)
	}

	// Preview the rule given to the engineers group on prod and staging:
	// nothing is stored, the reach grows.
	edit := url.Values{"target": {"rule:0"}, "name": {"alice-admin-prod"}, "users": {"alice"}, "groups": {"engineers"},
		"accounts": {"prod\nstaging"}, "permission_sets": {"AdministratorAccess\nReadOnlyAccess"}, "max_duration": {"2h"}, "approvals": {"1"},
		"approver_groups": {"approvers"}}
	h = last(postForm(t, erin, base+"/admin/policy/draft", form(merge(edit, url.Values{"op": {"preview"}}))))
	if m := reachCount.FindStringSubmatch(h.Body); m == nil || m[1] != "4" {
		t.Fatalf("the previewed reach is %v, want 4 (alice × 2 accounts × 2 sets): %.3000s", m, h.Body)
	}
	if _, rev, _ := env.exportPolicy(t, "erin"); rev != 0 {
		t.Fatalf("a preview applied revision %d", rev)
	}
	// The fragment the script asks for says the same.
	h = last(postForm(t, erin, base+"/admin/policy/preview", form(edit)))
	if m := reachCount.FindStringSubmatch(h.Body); h.Resp.StatusCode != http.StatusOK || m == nil || m[1] != "4" || strings.Contains(h.Body, "<html") {
		t.Fatalf("preview fragment: %s %.1500s", h.Resp.Status, h.Body)
	}

	// Errors beside the fields: a bad duration, a group the directory
	// lacks (with the suggestion); the rule is not kept.
	bad := merge(edit, url.Values{"op": {"save"}, "max_duration": {"4 hours"}})
	h = last(postForm(t, erin, base+"/admin/policy/draft", form(bad)))
	if h.Resp.StatusCode != http.StatusUnprocessableEntity || !regexp.MustCompile(`id="f-max-duration"[^>]*aria-invalid="true" aria-describedby="err-max-duration"`).MatchString(h.Body) ||
		!strings.Contains(h.Body, `id="err-max-duration">`) {
		t.Fatalf("a bad duration: %s %.4000s", h.Resp.Status, h.Body)
	}
	bad = merge(edit, url.Values{"op": {"save"}, "groups": {"enginers"}})
	h = last(postForm(t, erin, base+"/admin/policy/draft", form(bad)))
	if h.Resp.StatusCode != http.StatusUnprocessableEntity || !regexp.MustCompile(`(?s)id="err-groups">[^<]*enginers[^<]*engineers`).MatchString(h.Body) ||
		!strings.Contains(h.Body, `aria-invalid="true"`) {
		t.Fatalf("an unknown group: %s %.4000s", h.Resp.Status, h.Body)
	}
	if draftOf(t, h) != draft {
		t.Fatal("a refused rule changed the draft")
	}

	// Keep it in the draft: the table shows it, a change is pending.
	h = last(postForm(t, erin, base+"/admin/policy/draft", form(merge(edit, url.Values{"op": {"save"}}))))
	if h.Resp.StatusCode != http.StatusOK || !strings.Contains(h.Body, `id="draft-pending"`) || !strings.Contains(h.Body, "rule alice-admin-prod changed") {
		t.Fatalf("kept in the draft: %s %.3000s", h.Resp.Status, h.Body)
	}
	draft = draftOf(t, h)
	if !strings.Contains(draft, "- engineers") || !strings.Contains(draft, "max_duration: 2h0m0s") {
		t.Fatalf("the draft:\n%s", draft)
	}

	// Plan and apply the draft, as the YAML view does.
	h = last(postForm(t, erin, base+"/admin/policy/plan", form(nil)))
	if !strings.Contains(h.Body, "0 to add, 1 to change, 0 to remove") || !strings.Contains(h.Body, `id="apply-policy"`) || !strings.Contains(h.Body, `id="rules-table"`) {
		t.Fatalf("plan from the forms: %s %.3000s", h.Resp.Status, h.Body)
	}
	hops := postForm(t, erin, base+"/admin/policy/apply", form(nil))
	if hops[0].Resp.StatusCode != http.StatusSeeOther || !strings.Contains(last(hops).Body, "revision 1") || !strings.Contains(last(hops).Body, `id="rules-table"`) {
		t.Fatalf("apply from the forms: %s, then %.1000s", hops[0].Resp.Status, last(hops).Body)
	}
	if doc, rev, _ := env.exportPolicy(t, "erin"); rev != 1 || !strings.Contains(doc, "- engineers") {
		t.Fatalf("after apply: revision %d\n%s", rev, doc)
	}

	// A new approver rule, then removing it again, in the draft only.
	draft = draftOf(t, last(hops))
	h = last(postForm(t, erin, base+"/admin/policy/draft", form(url.Values{"revision": {"1"}, "target": {"approver:new"}, "op": {"save"},
		"name": {"prod-approvers"}, "accounts": {"prod"}, "groups": {"approvers"}, "approvals": {"2"}})))
	if !strings.Contains(h.Body, `data-approver-rule="prod-approvers"`) {
		t.Fatalf("new approver rule: %s %.2000s", h.Resp.Status, h.Body)
	}
	draft = draftOf(t, h)
	h = last(postForm(t, erin, base+"/admin/policy/draft", form(url.Values{"revision": {"1"}, "remove": {"approver:0"}})))
	if strings.Contains(h.Body, `data-approver-rule="prod-approvers"`) || !strings.Contains(h.Body, "removed from the draft") {
		t.Fatalf("removed approver rule: %s %.2000s", h.Resp.Status, h.Body)
	}

	// The YAML view of the forms' draft, and back.
	h = last(postForm(t, erin, base+"/admin/policy/draft", form(url.Values{"revision": {"1"}, "show": {"yaml"}})))
	if y := editorYAML(t, h); !strings.Contains(y, "prod-approvers") {
		t.Fatalf("YAML view of the draft:\n%s", y)
	}

	// The pickers' search.
	h = last(get(t, erin, base+"/admin/policy/search?kind=groups&q=appr"))
	var found struct {
		Items []struct{ Value, Detail string }
		Total int
	}
	if err := json.Unmarshal([]byte(h.Body), &found); err != nil || found.Total != 1 || found.Items[0].Value != "approvers" || found.Items[0].Detail != "2 members" {
		t.Fatalf("search: %s %s (%v)", h.Resp.Status, h.Body, err)
	}
	if h := last(get(t, erin, base+"/admin/policy/search?kind=roles&q=x")); h.Resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("search of an unknown kind: %s", h.Resp.Status)
	}

	// A cross-origin post (another site submitting erin's session) is
	// refused before the handler, as every portal post.
	for _, path := range []string{"/admin/policy/draft", "/admin/policy/preview"} {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form(url.Values{"edit": {"rule:0"}, "target": {"rule:0"}}).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := erin.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-origin POST %s: %s", path, resp.Status)
		}
	}

	// Only admins.
	alice := env.signedInClient(t, "alice")
	for _, hp := range [][]hop{
		get(t, alice, base+"/admin/policy/search?kind=users&q=a"),
		postForm(t, alice, base+"/admin/policy/draft", form(url.Values{"edit": {"rule:0"}})),
		postForm(t, alice, base+"/admin/policy/preview", form(edit)),
	} {
		if h := last(hp); h.Resp.StatusCode != http.StatusForbidden {
			t.Fatalf("alice on %s: %s %.300s", h.URL, h.Resp.Status, h.Body)
		}
	}
}

// merge returns a copy of a with b's values set over it.
func merge(a, b url.Values) url.Values {
	out := url.Values{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
