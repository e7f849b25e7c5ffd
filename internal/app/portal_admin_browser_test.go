package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
)

// TestPortalBrowserAdminEdit drives the admin policy editor in headless
// Chromium: erin (an admin) changes a setting, sees the plan, applies it
// and sees the new revision; the notifications page lists what was sent;
// alice (not an admin) is refused the editor.
func TestPortalBrowserAdminEdit(t *testing.T) {
	ctx := browser(t)
	env := startPortal(t, awsemu.DemoSeed(), func(c *config.Config) { c.Notify.Log = true })
	base := env.app.URL()

	signIn(t, ctx, base, "erin", "/admin")
	run(t, ctx, "open the editor", chromedp.Click(chromedp.ID("edit-policy")), chromedp.WaitVisible(chromedp.ID("view-yaml")),
		chromedp.Click(chromedp.ID("view-yaml")), chromedp.WaitVisible(chromedp.ID("policy-yaml")))
	var doc string
	run(t, ctx, "read the policy", into(&doc, chromedp.Value(chromedp.ID("policy-yaml"))))
	if !approvalTimeout.MatchString(doc) {
		t.Fatalf("the editor has no approval_timeout:\n%s", doc)
	}
	run(t, ctx, "edit and plan",
		chromedp.SetValue(chromedp.ID("policy-yaml"), approvalTimeout.ReplaceAllString(doc, "approval_timeout: 1h30m")),
		chromedp.Click(chromedp.ID("plan-policy")),
		chromedp.WaitVisible(chromedp.ID("plan-changes")))
	var plan string
	run(t, ctx, "plan text", into(&plan, chromedp.Text(chromedp.ID("plan"))))
	if !strings.Contains(plan, "1 to change") || !strings.Contains(plan, "settings") || !strings.Contains(plan, "approval_timeout") {
		t.Fatalf("the plan shows %q", plan)
	}
	screenshot(t, ctx, "admin-policy-plan")
	var notice string
	run(t, ctx, "apply",
		chromedp.Click(chromedp.ID("apply-policy")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		into(&notice, chromedp.Text(chromedp.CSS("p.notice"))),
		into(&doc, chromedp.Value(chromedp.ID("policy-yaml"))))
	if !strings.Contains(notice, "revision 1") || !strings.Contains(doc, "approval_timeout: 1h30m") {
		t.Fatalf("after apply: notice %q, policy:\n%s", notice, doc)
	}
	if _, rev, _ := env.exportPolicy(t, "erin"); rev != 1 {
		t.Fatalf("policy revision %d after apply, want 1", rev)
	}

	// The notifications page (the demo's log channel) is reachable from admin.
	run(t, ctx, "notifications page", chromedp.Navigate(base+"/admin"), chromedp.Click(chromedp.ID("notifications-link")),
		chromedp.WaitVisible(chromedp.CSS("h1")))
	var h1 string
	run(t, ctx, "notifications title", into(&h1, chromedp.Text(chromedp.CSS("main h1"))))
	if h1 != "Notifications" {
		t.Fatalf("notifications page title %q", h1)
	}
	screenshot(t, ctx, "admin-notifications")

	// A non-admin is refused the editor.
	signIn(t, ctx, base, "alice", "/request")
	var body string
	run(t, ctx, "alice on /admin/policy", chromedp.Navigate(base+"/admin/policy"), into(&body, chromedp.Text(chromedp.CSS("main"))))
	if !strings.Contains(body, "Only admins may see the admin pages") || strings.Contains(body, "approval_timeout") {
		t.Fatalf("alice on /admin/policy sees %q", body)
	}
}
