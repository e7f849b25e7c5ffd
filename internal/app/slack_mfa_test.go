package app_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/notify/slack"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// TestSlackApproverMFA: under a rule with approver_mfa, the approvers'
// Slack messages carry an "Approve in elevate" link to the request's page
// instead of Approve and Reject buttons, and an Approve press (an older
// message, a forged payload) is refused with approver_mfa_required, saying
// to approve in the portal; the request still waits.
func TestSlackApproverMFA(t *testing.T) {
	const secret = "mfa-signing-secret"
	fs := newFakeSlack(t)
	env := start(t, both(withSlack(fs, secret), func(c *config.Config) {
		c.Policy.Rules[0].ApproverMFA = &policy.ApproverMFA{MaxAge: 10 * time.Minute}
	}))
	ctx := context.Background()
	alice := env.client(t, "alice")
	req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "INC-9: drain the queue"})
	if err != nil {
		t.Fatal(err)
	}
	dm := func(to string) func(slackCall) bool {
		return func(c slackCall) bool {
			return c.Method == "chat.postMessage" && c.Channel == "D_"+to && strings.Contains(c.Text, "alice requests")
		}
	}
	eventually(t, "DMs to bob and carol", func() bool {
		calls := fs.snapshot()
		return index(calls, dm("bob")) >= 0 && index(calls, dm("carol")) >= 0
	})
	calls := fs.snapshot()
	for _, who := range []string{"bob", "carol"} {
		c := calls[index(calls, dm(who))]
		for _, want := range []string{`"action_id":"open_portal"`, `"url":"` + env.app.URL() + `/requests/` + req.ID + `"`, "Approve in elevate",
			"multi-factor authentication within the last 10m"} {
			if !strings.Contains(c.Blocks, want) {
				t.Errorf("DM to %s lacks %s: %s", who, want, c.Blocks)
			}
		}
		for _, not := range []string{`"action_id":"approve"`, `"action_id":"reject"`} {
			if strings.Contains(c.Blocks, not) {
				t.Errorf("DM to %s has %s: %s", who, not, c.Blocks)
			}
		}
	}

	status, out := signedPost(t, env.app.URL(), secret, time.Now(), decision(fs, "U_bob", slack.ActionApprove, req.ID, "ok"))
	if status != http.StatusOK || out["ok"] != false || out["code"] != "approver_mfa_required" {
		t.Fatalf("bob's Slack approval: %d %v, want code approver_mfa_required", status, out)
	}
	fs.mu.Lock()
	told := strings.Join(fs.ephemeral, "\n")
	fs.mu.Unlock()
	if !strings.Contains(told, "which a Slack button can't prove: approve it in the portal") {
		t.Errorf("bob was not told to approve in the portal (ephemeral replies %q)", told)
	}
	got, err := alice.GetRequest(ctx, req.ID)
	if err != nil || got.Status != client.StatusPending || len(got.Approvals) != 0 {
		t.Fatalf("after the Slack approval: %+v, %v; want pending without approvals", got, err)
	}
}

var bobsSlackRow = regexp.MustCompile(`<tr data-notification="([^"]+)" data-status="[^"]*" data-channel="slack" data-recipient="bob"`)

// TestNotificationPageApproverMFA: the admin's view of an approver's Slack
// message under approver_mfa shows what was sent, the link to the portal,
// not Approve and Reject buttons.
func TestNotificationPageApproverMFA(t *testing.T) {
	fs := newFakeSlack(t)
	env := startPortal(t, awsemu.DemoSeed(), both(withSlack(fs, "secret"), func(c *config.Config) {
		c.Policy.Rules[0].ApproverMFA = &policy.ApproverMFA{MaxAge: 10 * time.Minute}
	}))
	r, err := env.app.Service().Submit(context.Background(), env.actor(t, "alice"), workflow.SubmitInput{AccountIDs: []string{"prod"},
		PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "INC-11"})
	if err != nil {
		t.Fatal(err)
	}
	erin := env.signedInClient(t, "erin")
	var id string
	eventually(t, "bob's Slack notification listed", func() bool {
		m := bobsSlackRow.FindStringSubmatch(last(get(t, erin, env.app.URL()+"/admin/notifications")).Body)
		if m != nil {
			id = m[1]
		}
		return m != nil
	})
	page := last(get(t, erin, env.app.URL()+"/admin/notifications/"+id))
	if page.Resp.StatusCode != http.StatusOK || !strings.Contains(page.Body, `href="`+env.app.URL()+`/requests/`+r.ID+`"`) ||
		!strings.Contains(page.Body, "Approve in elevate") || strings.Contains(page.Body, `data-action="approve"`) {
		t.Fatalf("bob's message as the admin sees it: %s %.4000s", page.Resp.Status, page.Body)
	}
}
