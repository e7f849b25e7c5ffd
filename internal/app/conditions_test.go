package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/integrations/integrationstest"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// conditionsConfig points the integrations at the fake and sets rules with
// conditions: alice's Administrator on prod is auto-approved while she is
// on call in PagerDuty schedule PSCHED1; PowerUser on dev requires an
// open Jira ticket of project OPS, and ends when it closes.
func conditionsConfig(f *integrationstest.Server, engine func(*config.Config)) func(*config.Config) {
	return func(c *config.Config) {
		engine(c)
		c.Integrations.PagerDuty.URL, c.Integrations.PagerDuty.Token = f.ServiceURL(integrationstest.PagerDuty), integrationstest.PagerDutyToken
		c.Integrations.Jira.URL, c.Integrations.Jira.Email, c.Integrations.Jira.Token = f.ServiceURL(integrationstest.Jira), integrationstest.JiraEmail, integrationstest.JiraToken
		c.Integrations.Timeout = 2 * time.Second
		c.Policy.Rules = []policy.Rule{
			{Name: "oncall-admin-prod", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"},
				MaxDuration: 4 * time.Hour, Approvals: 1, ApproverGroups: []string{"approvers"},
				AutoApproveIf: &policy.Conditions{OnCall: &policy.OnCallCondition{Provider: policy.PagerDuty, Schedule: "PSCHED1"}}},
			{Name: "ticketed-dev", Users: []string{"alice"}, Accounts: []string{"dev"}, PermissionSets: []string{"PowerUserAccess"},
				MaxDuration: 4 * time.Hour, Require: &policy.Conditions{Ticket: &policy.TicketCondition{System: policy.Jira, Projects: []string{"OPS"}}},
				EndWhenTicketCloses: true},
		}
	}
}

func eventDetails(t *testing.T, c *client.Client, id, typ string) map[string]string {
	t.Helper()
	evs, err := c.RequestEvents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Type == typ {
			return e.Details
		}
	}
	t.Fatalf("request %s has no %s event", id, typ)
	return nil
}

// TestOnCallAutoApproval: the on-call engineer's request is active without
// an approver; with PagerDuty down the same request waits for one, and the
// history and the metrics say why.
func TestOnCallAutoApproval(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		f := integrationstest.New(t)
		f.SetSchedule("PSCHED1", integrationstest.OnCall{Email: "alice@example.com", Level: 1, End: time.Now().Add(time.Hour)})
		env := start(t, conditionsConfig(f, engine))
		ctx := context.Background()
		alice := env.client(t, "alice")
		in := client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "paged: INC-7"}

		req, err := alice.CreateRequest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if req.ApprovalsRequired != 0 || len(req.Approvals) != 0 {
			t.Fatalf("on call: %+v, want no approval needed", req)
		}
		waitStatus(t, alice, req.ID, client.StatusActive)
		if !env.emu.HasAssignment(env.emu.AccountID("prod"), env.emu.PermissionSetARN("AdministratorAccess"), env.emu.UserID("alice")) {
			t.Fatal("auto-approved request active but no assignment in AWS")
		}
		d := eventDetails(t, alice, req.ID, "request.submitted")
		if d["auto_approved"] != "true" || !strings.Contains(d["conditions"], "auto_approve_if on call in PagerDuty schedule PSCHED1: true (on call in PagerDuty schedule PSCHED1 at level 1: PagerDuty lists alice@example.com on call") {
			t.Errorf("submitted event details %v, want the auto-approval and its evidence", d)
		}
		if _, err := alice.End(ctx, req.ID, "fixed"); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, alice, req.ID, client.StatusRevoked)

		f.Down(integrationstest.PagerDuty, http.StatusServiceUnavailable)
		req2, err := alice.CreateRequest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if req2.Status != client.StatusPending || req2.ApprovalsRequired != 1 {
			t.Fatalf("PagerDuty down: %s with %d approvals, want pending for an approver", req2.Status, req2.ApprovalsRequired)
		}
		d = eventDetails(t, alice, req2.ID, "request.submitted")
		if fb := d["auto_approve_fallback"]; d["auto_approved"] != "" ||
			!strings.HasPrefix(fb, "auto-approval not used, the approvers decide: could not check PagerDuty schedule PSCHED1: ") || !strings.Contains(fb, "PagerDuty answered 503") {
			t.Errorf("submitted event details %v, want the fallback and its reason", d)
		}
		if _, err := env.client(t, "bob").Approve(ctx, req2.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, alice, req2.ID, client.StatusActive)

		resp, err := http.Get(env.app.URL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range []string{
			`elevate_condition_outcomes_total{outcome="true",use="auto_approve_if"} 1`,
			`elevate_condition_outcomes_total{outcome="unknown",use="auto_approve_if"} 1`,
		} {
			if !strings.Contains(string(body), line) {
				t.Errorf("/metrics lacks %s", line)
			}
		}
	})
}

// TestTicketEndsAccess: a request under a rule that requires an open
// ticket is refused with a closed one, granted with an open one, and its
// access ends within one check interval (the sweep's, 1s here) of the
// ticket closing; a missing ticket and Jira down are refused with the reason.
func TestTicketEndsAccess(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		f := integrationstest.New(t)
		f.SetIssue(integrationstest.Issue{Key: "OPS-1", Summary: "Rotate the DB password", Status: "In Progress", Category: "indeterminate", Project: "OPS"})
		f.SetIssue(integrationstest.Issue{Key: "OPS-2", Summary: "Old", Status: "Done", Category: "done", Project: "OPS"})
		env := start(t, conditionsConfig(f, engine))
		ctx := context.Background()
		alice := env.client(t, "alice")
		in := client.CreateRequestInput{AccountIDs: []string{"dev"}, PermissionSet: "PowerUserAccess", Duration: time.Hour, Justification: "rotate"}

		for _, tc := range []struct{ ticket, want string }{
			{"OPS-2", `ticket OPS-2 "Old" is Done (category done), which is not open`},
			{"OPS-404", "ticket OPS-404 does not exist in Jira"},
			{"", "ticket"},
		} {
			in.Ticket = tc.ticket
			if _, err := alice.CreateRequest(ctx, in); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ticket %q: %v, want a refusal containing %q", tc.ticket, err, tc.want)
			}
		}
		f.Down(integrationstest.Jira, http.StatusServiceUnavailable)
		in.Ticket = "OPS-1"
		if _, err := alice.CreateRequest(ctx, in); err == nil || !strings.Contains(err.Error(), "could not be checked, so the request is refused") {
			t.Errorf("Jira down: %v, want a refusal naming the unknown", err)
		}
		f.Down(integrationstest.Jira, 0)

		req, err := alice.CreateRequest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		waitStatus(t, alice, req.ID, client.StatusActive)
		d := eventDetails(t, alice, req.ID, "request.submitted")
		if d["ticket_title"] != "Rotate the DB password" || d["ticket_url"] != f.ServiceURL(integrationstest.Jira)+"/browse/OPS-1" {
			t.Errorf("submitted event details %v, want the ticket's title and link", d)
		}
		prod, ps, user := env.emu.AccountID("dev"), env.emu.PermissionSetARN("PowerUserAccess"), env.emu.UserID("alice")
		if !env.emu.HasAssignment(prod, ps, user) {
			t.Fatal("active without an assignment")
		}

		f.SetIssue(integrationstest.Issue{Key: "OPS-1", Summary: "Rotate the DB password", Status: "Done", Category: "done", Project: "OPS"})
		r := waitStatus(t, alice, req.ID, client.StatusRevoked)
		if env.emu.HasAssignment(prod, ps, user) {
			t.Fatal("the ticket closed but the assignment is still in AWS")
		}
		if r.EndRequestedBy != "elevate" || !strings.Contains(r.EndComment, `ticket OPS-1 "Rotate the DB password" is Done (category done), which is not open`) {
			t.Errorf("ended by %q with %q, want elevate naming the closed ticket", r.EndRequestedBy, r.EndComment)
		}
	})
}

// TestPortalShowsTicketConditionsAndAttributes: the approver's request
// page shows the ticket's title and link and each condition's outcome;
// the profile shows the synced directory attributes; explain shows the
// attribute's evidence.
func TestPortalShowsTicketConditionsAndAttributes(t *testing.T) {
	f := integrationstest.New(t)
	f.SetIssue(integrationstest.Issue{Key: "OPS-9", Summary: "Disk full on db-1", Status: "In Progress", Category: "indeterminate", Project: "OPS"})
	env := startPortal(t, awsemu.DemoSeed(), func(c *config.Config) {
		conditionsConfig(f, func(*config.Config) {})(c)
		c.Policy.Rules = append(c.Policy.Rules, policy.Rule{Name: "sre-staging", Users: []string{"alice", "dave"}, Accounts: []string{"staging"},
			PermissionSets: []string{"AdministratorAccess"}, Approvals: 1, ApproverGroups: []string{"approvers"},
			Require: &policy.Conditions{Ticket: &policy.TicketCondition{System: policy.Jira, Projects: []string{"OPS"}},
				User: []policy.AttributeCondition{{Attribute: "department", Equals: "SRE"}}}})
	})
	ctx := context.Background()
	req, err := env.app.Service().Submit(ctx, env.actor(t, "alice"), workflow.SubmitInput{AccountIDs: []string{"staging"},
		PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "disk", Ticket: "OPS-9"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.app.Service().Submit(ctx, env.actor(t, "dave"), workflow.SubmitInput{AccountIDs: []string{"staging"},
		PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "disk", Ticket: "OPS-9"}); err == nil ||
		!strings.Contains(err.Error(), "the requester has no department in the directory") {
		t.Errorf("dave without a department: %v", err)
	}
	body := last(get(t, env.signedInClient(t, "bob"), env.app.URL()+"/requests/"+req.ID)).Body
	for _, want := range []string{
		`href="` + f.ServiceURL(integrationstest.Jira) + `/browse/OPS-9"`, "Disk full on db-1",
		`require department = &#34;SRE&#34;: true (department is &#34;SRE&#34;)`,
		`require ticket open in Jira project OPS: true (ticket OPS-9 &#34;Disk full on db-1&#34; is In Progress (category indeterminate))`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("bob's request page lacks %s:\n%.3000s", want, body)
		}
	}
	body = last(get(t, env.signedInClient(t, "alice"), env.app.URL()+"/profile")).Body
	for _, want := range []string{"<dt>department</dt><dd>SRE</dd>", "<dt>costCenter</dt><dd>CC-100</dd>", "<dt>manager</dt><dd>carol</dd>", "<dt>title</dt><dd>Site Reliability Engineer</dd>"} {
		if !strings.Contains(body, want) {
			t.Errorf("alice's profile lacks %s", want)
		}
	}
	ex, err := env.app.Service().Explain(ctx, env.actor(t, "alice"), workflow.ExplainInput{Account: "staging", PermissionSet: "AdministratorAccess", Ticket: "OPS-9"})
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, r := range ex.Rules {
		reasons = append(reasons, r.Reasons...)
	}
	if !ex.Decision.Allowed || !strings.Contains(strings.Join(reasons, "\n"), `require department = "SRE": true (department is "SRE")`) {
		t.Errorf("explain: allowed %v, reasons:\n%s", ex.Decision.Allowed, strings.Join(reasons, "\n"))
	}
}

// TestTicketRecheckedAtActivation: a ticket that closes between the
// request and its approval cancels the request when access would start,
// with the reason; nothing is created in AWS.
func TestTicketRecheckedAtActivation(t *testing.T) {
	f := integrationstest.New(t)
	f.SetIssue(integrationstest.Issue{Key: "OPS-5", Summary: "Migrate the queue", Status: "To Do", Category: "new", Project: "OPS"})
	env := start(t, func(c *config.Config) {
		conditionsConfig(f, func(*config.Config) {})(c)
		c.Policy.Rules = append(c.Policy.Rules, policy.Rule{Name: "approved-ticketed-staging", Users: []string{"alice"}, Accounts: []string{"staging"},
			PermissionSets: []string{"PowerUserAccess"}, Approvals: 1, ApproverGroups: []string{"approvers"},
			Require: &policy.Conditions{Ticket: &policy.TicketCondition{System: policy.Jira, Projects: []string{"OPS"}}}})
	})
	ctx := context.Background()
	alice := env.client(t, "alice")
	req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"staging"}, PermissionSet: "PowerUserAccess",
		Duration: time.Hour, Justification: "migrate", Ticket: "OPS-5"})
	if err != nil {
		t.Fatal(err)
	}
	f.SetIssue(integrationstest.Issue{Key: "OPS-5", Summary: "Migrate the queue", Status: "Won't Do", Category: "done", Project: "OPS"})
	if _, err := env.client(t, "bob").Approve(ctx, req.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	r := waitStatus(t, alice, req.ID, client.StatusCancelled)
	d := eventDetails(t, alice, req.ID, "request.cancelled")
	if d["reason"] != "ticket_closed" || !strings.Contains(d["comment"], `ticket OPS-5 "Migrate the queue" is Won't Do (category done), which is not open`) {
		t.Errorf("cancelled %+v with details %v, want the closed ticket named", r, d)
	}
	if env.emu.HasAssignment(env.emu.AccountID("staging"), env.emu.PermissionSetARN("PowerUserAccess"), env.emu.UserID("alice")) {
		t.Fatal("an assignment was created for a request whose ticket closed")
	}
}

// TestAutoApprovedAccountDoesNotNarrowApprovers: a request over two
// accounts, one auto-approved for the on-call engineer and one that needs
// an approver, waits for that account's approvers.
func TestAutoApprovedAccountDoesNotNarrowApprovers(t *testing.T) {
	f := integrationstest.New(t)
	f.SetSchedule("PSCHED1", integrationstest.OnCall{Email: "alice@example.com", Level: 1, End: time.Now().Add(time.Hour)})
	env := start(t, func(c *config.Config) {
		conditionsConfig(f, func(*config.Config) {})(c)
		c.Policy.Rules = append(c.Policy.Rules, policy.Rule{Name: "staging-admin", Users: []string{"alice"}, Accounts: []string{"staging"},
			PermissionSets: []string{"AdministratorAccess"}, Approvals: 1, ApproverUsers: []string{"carol"}})
	})
	req, err := env.client(t, "alice").CreateRequest(context.Background(), client.CreateRequestInput{AccountIDs: []string{"prod", "staging"},
		PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "paged"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range req.Approvers {
		names = append(names, a.UserName)
	}
	if req.Status != client.StatusPending || req.ApprovalsRequired != 1 || strings.Join(names, ",") != "carol" {
		t.Errorf("request %s with %d approvals from %v, want pending for carol", req.Status, req.ApprovalsRequired, names)
	}
}
