package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/elevate/elevate/internal/awsemu"
)

// TestPortalBrowserPolicyForms drives the policy editor's forms in headless
// Chromium: erin (an admin) opens the rule alice-admin-prod, adds the
// approvers group with the picker using only the keyboard (type, arrow
// down, Enter), sees the live preview of who becomes eligible change from
// 1 to 3 combinations (alice, bob, carol on prod), keeps the rule in the
// draft, plans it and applies it.
func TestPortalBrowserPolicyForms(t *testing.T) {
	ctx := browser(t)
	env := startPortal(t, awsemu.DemoSeed(), nil)
	base := env.app.URL()

	signIn(t, ctx, base, "erin", "/admin/policy")
	run(t, ctx, "open the rule's form",
		chromedp.Click(chromedp.ID("edit-rule-0")),
		chromedp.WaitVisible(chromedp.ID("rule-form")),
		chromedp.WaitVisible(chromedp.CSS("#f-groups ~ input.picker-search")))
	var reach string
	run(t, ctx, "the rule's reach", into(&reach, chromedp.Text(chromedp.ID("reach-combinations"))))
	if reach != "1" {
		t.Fatalf("the rule reaches %q combinations before the edit, want 1 (alice on prod)", reach)
	}

	// The picker searches the directory as erin types; the keyboard picks.
	run(t, ctx, "pick the approvers group",
		chromedp.SendKeys(chromedp.CSS("#f-groups ~ input.picker-search"), "appr"),
		into(new(bool), chromedp.Poll[bool](`(() => { const o = document.querySelectorAll('#f-groups ~ [role="listbox"] [role="option"]');
			return o.length === 1 && o[0].getAttribute("data-value") === "approvers"; })()`)),
		chromedp.KeyEvent(kb.ArrowDown),
		into(new(bool), chromedp.Poll[bool](`document.querySelector('#f-groups ~ input.picker-search').getAttribute('aria-activedescendant') !== null`)),
		chromedp.KeyEvent(kb.Enter))
	var groups string
	run(t, ctx, "the groups field", into(&groups, chromedp.Evaluate[string](`document.getElementById("f-groups").value`)))
	if groups != "approvers" {
		t.Fatalf("the groups field holds %q after picking, want approvers", groups)
	}
	// The live preview follows: bob and carol become eligible too.
	run(t, ctx, "the preview changes",
		into(new(bool), chromedp.Poll[bool](`document.getElementById("reach-combinations").textContent === "3"`)),
		into(&reach, chromedp.Text(chromedp.ID("reach-users"))))
	if !strings.Contains(reach, "bob") || !strings.Contains(reach, "carol") {
		t.Fatalf("the preview's users are %q", reach)
	}
	screenshot(t, ctx, "admin-policy-rule-form")

	var pending, plan, notice string
	run(t, ctx, "keep the rule in the draft",
		chromedp.Click(chromedp.ID("save-rule")),
		chromedp.WaitVisible(chromedp.ID("draft-pending")),
		into(&pending, chromedp.Text(chromedp.ID("draft-pending"))))
	if !strings.Contains(pending, "rule alice-admin-prod changed") {
		t.Fatalf("the draft says %q", pending)
	}
	run(t, ctx, "plan",
		chromedp.Click(chromedp.ID("plan-policy-forms")),
		chromedp.WaitVisible(chromedp.ID("plan-changes")),
		into(&plan, chromedp.Text(chromedp.ID("plan"))))
	if !strings.Contains(plan, "1 to change") || !strings.Contains(plan, "groups") || !strings.Contains(plan, "approvers") {
		t.Fatalf("the plan shows %q", plan)
	}
	run(t, ctx, "apply",
		chromedp.Click(chromedp.ID("apply-policy")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		into(&notice, chromedp.Text(chromedp.CSS("p.notice"))))
	if !strings.Contains(notice, "revision 1") {
		t.Fatalf("after apply: %q", notice)
	}
	doc, rev, _ := env.exportPolicy(t, "erin")
	if rev != 1 || !strings.Contains(doc, "- approvers") {
		t.Fatalf("after apply: revision %d\n%s", rev, doc)
	}
	// The policy in effect now makes bob eligible for the rule.
	if el, err := env.app.Service().Eligibility(t.Context(), env.actor(t, "bob")); err != nil || len(el) != 1 || el[0].Rule != "alice-admin-prod" {
		t.Fatalf("bob's eligibility after apply: %+v (%v)", el, err)
	}
}
