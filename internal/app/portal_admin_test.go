package app_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/workflow"
)

var policyTextarea = regexp.MustCompile(`(?s)<textarea id="policy-yaml"[^>]*>(.*?)</textarea>`)

// editorYAML returns the YAML in the portal's policy editor.
func editorYAML(t *testing.T, h hop) string {
	t.Helper()
	m := policyTextarea.FindStringSubmatch(h.Body)
	if m == nil {
		t.Fatalf("no policy editor at %s (%s): %.600s", h.URL, h.Resp.Status, h.Body)
	}
	return html.UnescapeString(strings.TrimPrefix(m[1], "\n"))
}

var approvalTimeout = regexp.MustCompile(`approval_timeout: \S+`)

// TestPortalPolicyEditor: an admin edits a setting in the portal, sees the
// plan, applies it (the same validation and audit as `elevate policy
// apply`); invalid documents, stale plans, non-admins and cross-origin
// posts are refused.
func TestPortalPolicyEditor(t *testing.T) {
	env := startPortal(t, awsemu.DemoSeed(), nil)
	base := env.app.URL()
	erin := env.signedInClient(t, "erin")

	page := last(get(t, erin, base+"/admin/policy?view=yaml"))
	doc := editorYAML(t, page)
	if !strings.Contains(doc, "alice-admin-prod") || !approvalTimeout.MatchString(doc) {
		t.Fatalf("editor YAML lacks the rule or the approval timeout:\n%s", doc)
	}
	edited := approvalTimeout.ReplaceAllString(doc, "approval_timeout: 2h")

	// Plan: the change is shown, nothing is applied yet.
	h := last(postForm(t, erin, base+"/admin/policy/plan", url.Values{"policy": {edited}, "revision": {"0"}}))
	if h.Resp.StatusCode != http.StatusOK || !strings.Contains(h.Body, "0 to add, 1 to change, 0 to remove") ||
		!strings.Contains(h.Body, `data-kind="changed"`) || !strings.Contains(h.Body, "approval_timeout") || !strings.Contains(h.Body, `id="apply-policy"`) {
		t.Fatalf("plan: %s %.1500s", h.Resp.Status, h.Body)
	}
	if _, rev, _ := env.exportPolicy(t, "erin"); rev != 0 {
		t.Fatalf("planning applied revision %d", rev)
	}

	// A non-admin can neither see nor plan nor apply.
	alice := env.signedInClient(t, "alice")
	for _, hp := range [][]hop{
		get(t, alice, base+"/admin/policy"),
		postForm(t, alice, base+"/admin/policy/plan", url.Values{"policy": {edited}, "revision": {"0"}}),
		postForm(t, alice, base+"/admin/policy/apply", url.Values{"policy": {edited}, "revision": {"0"}}),
	} {
		if h := last(hp); h.Resp.StatusCode != http.StatusForbidden || !strings.Contains(h.Body, "Only admins") {
			t.Fatalf("alice on %s: %s %.300s", h.URL, h.Resp.Status, h.Body)
		}
	}

	// A cross-origin post (a page on another site submitting erin's
	// session) is refused by CrossOriginProtection before the handler.
	req, _ := http.NewRequest(http.MethodPost, base+"/admin/policy/apply", strings.NewReader(url.Values{"policy": {edited}, "revision": {"0"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if h := last(walk(t, erin, req)); h.Resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin apply: %s", h.Resp.Status)
	}
	if _, rev, _ := env.exportPolicy(t, "erin"); rev != 0 {
		t.Fatalf("a refused post applied revision %d", rev)
	}

	// Apply: revision 1, shown to the admin, in the decision log.
	hops := postForm(t, erin, base+"/admin/policy/apply", url.Values{"policy": {edited}, "revision": {"0"}})
	if hops[0].Resp.StatusCode != http.StatusSeeOther || !strings.Contains(last(hops).Body, "revision 1") {
		t.Fatalf("apply: %s, then %.600s", hops[0].Resp.Status, last(hops).Body)
	}
	if got := editorYAML(t, last(hops)); !strings.Contains(got, "approval_timeout: 2h") {
		t.Fatalf("the editor after apply shows:\n%s", got)
	}
	logCSV := last(get(t, env.signedInClient(t, "dave"), base+"/audit/log.csv")).Body
	applied := false
	for _, line := range strings.Split(logCSV, "\n") {
		applied = applied || (strings.Contains(line, "policy.applied") && strings.Contains(line, "erin"))
	}
	if !applied {
		t.Fatalf("no policy.applied event by erin in the decision log:\n%.3000s", logCSV)
	}

	// A plan made against revision 0 can't be applied over revision 1.
	h = last(postForm(t, erin, base+"/admin/policy/apply", url.Values{"policy": {doc}, "revision": {"0"}}))
	if h.Resp.StatusCode != http.StatusConflict || !strings.Contains(h.Body, "Plan again") {
		t.Fatalf("stale apply: %s %.600s", h.Resp.Status, h.Body)
	}

	// Invalid YAML and unresolvable names are refused with the reason; the
	// admin's text stays in the editor.
	h = last(postForm(t, erin, base+"/admin/policy/plan", url.Values{"policy": {"rules: [unclosed"}, "revision": {"1"}}))
	if h.Resp.StatusCode != http.StatusBadRequest || !strings.Contains(h.Body, `id="error"`) || editorYAML(t, h) != "rules: [unclosed" {
		t.Fatalf("invalid YAML: %s %.800s", h.Resp.Status, h.Body)
	}
	bad := strings.Replace(edited, "approvers", "no-such-group", 1)
	h = last(postForm(t, erin, base+"/admin/policy/plan", url.Values{"policy": {bad}, "revision": {"1"}}))
	if !strings.Contains(h.Body, `id="plan-problems"`) || !strings.Contains(h.Body, "no-such-group") || strings.Contains(h.Body, `id="apply-policy"`) {
		t.Fatalf("unresolvable group: %s %.1500s", h.Resp.Status, h.Body)
	}
	h = last(postForm(t, erin, base+"/admin/policy/apply", url.Values{"policy": {bad}, "revision": {"1"}}))
	if h.Resp.StatusCode != http.StatusBadRequest || !strings.Contains(h.Body, "was not applied") {
		t.Fatalf("applying an invalid document: %s %.800s", h.Resp.Status, h.Body)
	}
	if _, rev, _ := env.exportPolicy(t, "erin"); rev != 1 {
		t.Fatalf("revision %d after refused applies, want 1", rev)
	}
	// Applying the document in effect is a no-op.
	hops = postForm(t, erin, base+"/admin/policy/apply", url.Values{"policy": {edited}, "revision": {"1"}})
	if !strings.Contains(last(hops).Body, "Nothing to apply") {
		t.Fatalf("unchanged apply: %.600s", last(hops).Body)
	}
}

// TestPortalPolicyManagedAsCode: with policy.managed_as_code the policy page
// is read-only with a note, and posts are refused.
func TestPortalPolicyManagedAsCode(t *testing.T) {
	env := startPortal(t, awsemu.DemoSeed(), func(c *config.Config) { c.Policy.ManagedAsCode = true })
	base := env.app.URL()
	erin := env.signedInClient(t, "erin")
	h := last(get(t, erin, base+"/admin/policy"))
	if h.Resp.StatusCode != http.StatusOK || !strings.Contains(h.Body, `id="managed-as-code"`) || strings.Contains(h.Body, "<textarea") ||
		!strings.Contains(h.Body, "alice-admin-prod") {
		t.Fatalf("managed-as-code page: %s %.1000s", h.Resp.Status, h.Body)
	}
	if h := last(get(t, erin, base+"/admin")); !strings.Contains(h.Body, "View rules and settings") {
		t.Fatalf("the admin page offers editing a policy managed as code: %.1000s", h.Body)
	}
	doc, _, _ := env.exportPolicy(t, "erin")
	for _, path := range []string{"/admin/policy/plan", "/admin/policy/apply"} {
		h := last(postForm(t, erin, base+path, url.Values{"policy": {approvalTimeout.ReplaceAllString(doc, "approval_timeout: 2h")}, "revision": {"0"}}))
		if h.Resp.StatusCode != http.StatusForbidden || !strings.Contains(h.Body, "managed as code") {
			t.Fatalf("POST %s: %s %.600s", path, h.Resp.Status, h.Body)
		}
	}
	if _, rev, _ := env.exportPolicy(t, "erin"); rev != 0 {
		t.Fatalf("revision %d, want 0", rev)
	}
}

// TestPortalNotificationsPage: with the demo's log channel, an admin sees
// the notifications a request caused; a non-admin is refused.
func TestPortalNotificationsPage(t *testing.T) {
	env := startPortal(t, awsemu.DemoSeed(), func(c *config.Config) { c.Notify.Log = true })
	base := env.app.URL()
	ctx := context.Background()
	req, err := env.app.Service().Submit(ctx, env.actor(t, "alice"), workflow.SubmitInput{AccountIDs: []string{"prod"},
		PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "INC-7: look at the DLQ"})
	if err != nil {
		t.Fatal(err)
	}
	erin := env.signedInClient(t, "erin")
	var body string
	eventually(t, "the approvers' notifications are listed", func() bool {
		body = last(get(t, erin, base+"/admin/notifications?request_id="+req.ID)).Body
		return strings.Contains(body, `data-status="sent"`) && strings.Contains(body, "bob") && strings.Contains(body, "carol")
	})
	if !strings.Contains(body, "/requests/"+req.ID) || !strings.Contains(body, "log") {
		t.Fatalf("notifications page lacks the request link or the channel: %.2000s", body)
	}
	if h := last(get(t, erin, base+"/admin/notifications?status=bogus")); h.Resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bogus status filter: %s", h.Resp.Status)
	}
	if h := last(get(t, env.signedInClient(t, "alice"), base+"/admin/notifications")); h.Resp.StatusCode != http.StatusForbidden {
		t.Fatalf("alice on the notifications page: %s", h.Resp.Status)
	}
}

// actor returns the directory actor of a user name.
func (e *portalEnv) actor(t *testing.T, user string) access.Actor {
	t.Helper()
	a, err := e.app.Service().ActorByLogin(context.Background(), user, access.ViaPortal)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// exportPolicy returns the policy in effect and its revision, as user.
func (e *portalEnv) exportPolicy(t *testing.T, user string) (string, int, error) {
	t.Helper()
	b, rev, err := e.app.Service().ExportPolicy(context.Background(), e.actor(t, user))
	if err != nil {
		t.Fatal(err)
	}
	return string(b), rev, nil
}
