package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// twoAccountRules let alice ask for AdministratorAccess on prod (approved
// by the approvers group: bob, carol) and on staging (approved by erin
// alone), so that the form has different approvers per account.
func twoAccountRules(c *config.Config) {
	c.Policy.Rules = []policy.Rule{
		{Name: "alice-admin-prod", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"},
			MaxDuration: 4 * time.Hour, Approvals: 1, ApproverGroups: []string{"approvers"}},
		{Name: "alice-admin-staging", Users: []string{"alice"}, Accounts: []string{"staging"}, PermissionSets: []string{"AdministratorAccess"},
			MaxDuration: 4 * time.Hour, Approvals: 1, ApproverUsers: []string{"erin"}},
	}
}

// TestPortalBrowserMultiAccount: alice chooses two accounts as chips from
// the search, sees who approves on each, and one submission makes one
// request per account; then "Request again" on one of them opens the form
// filled in with its account, permission set, duration, justification and
// ticket, and submitting it makes a new request like it.
func TestPortalBrowserMultiAccount(t *testing.T) {
	ctx := browser(t)
	env := startPortal(t, awsemu.DemoSeed(), twoAccountRules)
	base := env.app.URL()
	prod, staging := env.emu.AccountID("prod"), env.emu.AccountID("staging")

	signIn(t, ctx, base, "alice", "/request")
	run(t, ctx, "choose prod", chromedp.Click(chromedp.CSS(`a[data-account="`+prod+`"]`)), chromedp.WaitVisible(chromedp.ID("request-form")))
	// The live search keeps prod chosen: typing narrows the list, and
	// choosing staging from it adds a second chip.
	run(t, ctx, "search staging", chromedp.SendKeys(chromedp.ID("account-q"), "stag"),
		chromedp.WaitVisible(chromedp.CSS(`#account-results a[data-account="`+staging+`"]`)))
	run(t, ctx, "choose staging", chromedp.Click(chromedp.CSS(`#account-results a[data-account="`+staging+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chips [data-chip="`+staging+`"]`)))
	var chips []string
	run(t, ctx, "chips", into(&chips, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#chips [data-chip]")].map(e => e.dataset.chip)`)))
	if !slices.Equal(chips, []string{prod, staging}) {
		t.Fatalf("chips %v, want prod then staging", chips)
	}
	var onProd, onStaging string
	run(t, ctx, "approvers per account",
		into(&onProd, chromedp.Text(chromedp.CSS(`[data-approvers-for="`+prod+`"]`))),
		into(&onStaging, chromedp.Text(chromedp.CSS(`[data-approvers-for="`+staging+`"]`))))
	if !strings.Contains(onProd, "bob") || !strings.Contains(onProd, "carol") || strings.Contains(onProd, "erin") {
		t.Errorf("approvers on prod: %q, want bob and carol", onProd)
	}
	if !strings.Contains(onStaging, "erin") || strings.Contains(onStaging, "bob") {
		t.Errorf("approvers on staging: %q, want erin", onStaging)
	}
	screenshot(t, ctx, "request-multi")

	// Too long for the rules: nothing is submitted for either account.
	run(t, ctx, "too long", chromedp.SetValue(chromedp.ID("duration"), "5h"),
		chromedp.SetValue(chromedp.ID("justification"), "INC-7: rotate keys everywhere"), chromedp.SetValue(chromedp.ID("ticket"), "INC-7"),
		chromedp.Click(chromedp.ID("submit-request")), chromedp.WaitVisible(chromedp.ID("error")))
	var refusal string
	run(t, ctx, "refusal", into(&refusal, chromedp.Text(chromedp.ID("error"))))
	if !strings.Contains(refusal, "Nothing was submitted") || !strings.Contains(refusal, "4h") {
		t.Errorf("refusal %q does not say that nothing was submitted and why", refusal)
	}
	bg := context.Background()
	mine := func() []*access.Request {
		t.Helper()
		rs, err := env.app.Service().ListRequests(bg, env.actor(t, "alice"), workflow.ListInput{Scope: workflow.ScopeMine})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	if n := len(mine()); n != 0 {
		t.Fatalf("a refused form left %d requests", n)
	}

	run(t, ctx, "submit for both", chromedp.SetValue(chromedp.ID("duration"), "2h"),
		chromedp.SetValue(chromedp.ID("justification"), "INC-7: rotate keys everywhere"), chromedp.SetValue(chromedp.ID("ticket"), "INC-7"),
		chromedp.Click(chromedp.ID("submit-request")), chromedp.WaitVisible(chromedp.ID("submitted")))
	var results int
	run(t, ctx, "results", into(&results, chromedp.Evaluate[int](`document.querySelectorAll('#submitted tr[data-result="ok"]').length`)))
	if results != 2 {
		t.Fatalf("%d accounts shown as submitted, want 2", results)
	}
	screenshot(t, ctx, "request-multi-submitted")
	reqs := mine()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want one per account", len(reqs))
	}
	var accounts []string
	for _, r := range reqs {
		accounts = append(accounts, r.AccountIDs()...)
		if r.Status != access.StatusPending || r.PermissionSetName != "AdministratorAccess" || r.Duration != 2*time.Hour || r.Ticket != "INC-7" {
			t.Errorf("request %s: %s %s %s ticket %q, want pending AdministratorAccess 2h INC-7", r.ID, r.Status, r.PermissionSetName, r.Duration, r.Ticket)
		}
	}
	slices.Sort(accounts)
	if !slices.Equal(accounts, []string{prod, staging}) {
		t.Errorf("requests on %v, want prod and staging", accounts)
	}

	// Request again, from My requests: the form is filled in.
	var onStagingReq *access.Request
	for _, r := range reqs {
		if r.AccountIDs()[0] == staging {
			onStagingReq = r
		}
	}
	run(t, ctx, "my requests", chromedp.Navigate(base+"/requests"),
		chromedp.Click(chromedp.CSS(`a[data-again="`+onStagingReq.ID+`"]`)), chromedp.WaitVisible(chromedp.ID("again-note")))
	var filled map[string]string
	run(t, ctx, "read the form", into(&filled, chromedp.Evaluate[map[string]string](`({
		accounts: [...document.querySelectorAll('#request-form input[name="account"]')].map(e => e.value).join(","),
		set: (document.querySelector('input[name="permission_set"]:checked') || {}).value || "",
		duration: document.getElementById("duration").value,
		justification: document.getElementById("justification").value,
		ticket: document.getElementById("ticket").value})`)))
	want := map[string]string{"accounts": staging, "set": "AdministratorAccess", "duration": "2h", "justification": "INC-7: rotate keys everywhere", "ticket": "INC-7"}
	for k, v := range want {
		if filled[k] != v {
			t.Errorf("request again: %s is %q, want %q", k, filled[k], v)
		}
	}
	screenshot(t, ctx, "request-again")
	var loc string
	run(t, ctx, "submit again", chromedp.Click(chromedp.ID("submit-request")), chromedp.WaitVisible(chromedp.ID("request-status")), into(&loc, chromedp.Location()))
	if !strings.Contains(loc, "/requests/req_") {
		t.Fatalf("after requesting again: %s", loc)
	}
	if n := len(mine()); n != 3 {
		t.Fatalf("%d requests after requesting again, want 3", n)
	}
	// And from the request's own page.
	run(t, ctx, "detail page", chromedp.Navigate(base+"/requests/"+onStagingReq.ID), chromedp.Click(chromedp.ID("request-again")),
		chromedp.WaitVisible(chromedp.ID("again-note")))
	var chosen string
	run(t, ctx, "chosen", into(&chosen, chromedp.Text(chromedp.ID("chosen-account"))))
	if chosen != "staging" {
		t.Errorf("request again from the detail page chose %q, want staging", chosen)
	}
}
