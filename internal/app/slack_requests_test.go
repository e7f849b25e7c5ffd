package app_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/notify/slack"
	"github.com/elevate/elevate/internal/notify/slack/slackfake"
)

const slackSecret = "slack-requests-signing-secret"

// slackWorkspace is a fake Slack workspace with alice, bob, carol and dave.
func slackWorkspace(t testing.TB) *slackfake.Workspace {
	var users []slackfake.User
	for _, n := range []string{"alice", "bob", "carol", "dave"} {
		users = append(users, slackfake.User{ID: "U_" + n, Name: n, Email: n + "@example.com"})
	}
	return slackfake.New(t, slackSecret, users...)
}

// withSlackRequests turns Slack on against the workspace, lets alice
// request ReadOnlyAccess on every account without approval, and makes
// AdministratorAccess on prod need a ticket.
func withSlackRequests(ws *slackfake.Workspace) func(*config.Config) {
	return func(c *config.Config) {
		c.Notify.Slack.BotToken = "xoxb-test-token"
		c.Notify.Slack.SigningSecret = slackSecret
		c.Notify.Slack.APIURL = ws.APIURL()
		c.AWS.OrganizationsCallsPerSecond = 10000
		c.AWS.IdentityStoreCallsPerSecond = 10000
		c.AWS.CallsPerSecond = 10000
		c.Policy.Rules[0].TicketRequired = true
		everyAccountReadOnly(c)
	}
}

// blockOf returns the first block of the view whose block_id starts with prefix.
func blockOf(v slackfake.View, prefix string) map[string]any {
	for _, b := range v.Blocks() {
		if id, _ := b["block_id"].(string); strings.HasPrefix(id, prefix) {
			return b
		}
	}
	return nil
}

// optionIn returns the option of the block's select whose text starts with text.
func optionIn(t *testing.T, b map[string]any, text string) *goslack.OptionBlockObject {
	t.Helper()
	el, _ := b["element"].(map[string]any)
	opts, _ := el["options"].([]any)
	for _, o := range opts {
		om := o.(map[string]any)
		txt := om["text"].(map[string]any)["text"].(string)
		if strings.HasPrefix(txt, text) {
			return &goslack.OptionBlockObject{Text: &goslack.TextBlockObject{Type: "plain_text", Text: txt}, Value: om["value"].(string)}
		}
	}
	t.Fatalf("no option %q in %v", text, b)
	return nil
}

// TestSlackRequestModalEndToEnd: alice opens the modal with /elevate, types
// into the account select (5,008 eligible accounts: at most 100 options),
// chooses prod and AdministratorAccess (the approvers appear), submits
// without the ticket the rule needs (refused beside the ticket field),
// adds it and sees her request pending with its approvers; bob approves it
// from his App Home.
func TestSlackRequestModalEndToEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		ws := slackWorkspace(t)
		env := startWith(t, manyAccountsSeed(5000), startOptions{}, both(engine, withSlackRequests(ws)))
		ws.AppURL = env.app.URL()
		ctx := context.Background()
		alice := env.client(t, "alice")

		st, body := ws.Command("U_alice", "/elevate", "")
		if st != http.StatusOK || len(strings.TrimSpace(string(body))) != 0 {
			t.Fatalf("/elevate: %d %q, want 200 and an empty body (nothing posted in the channel)", st, body)
		}
		var v slackfake.View
		eventually(t, "the modal opens", func() bool {
			var ok bool
			v, ok = ws.OpenedView("U_alice")
			return ok
		})
		if v.CallbackID != slack.CallbackRequest || blockOf(v, slack.BlockAccount) == nil {
			t.Fatalf("opened view %s", v.Text())
		}

		// The first keystroke after start lists the eligible pairs and may
		// compile the policy engine; when that is slower than the ack budget
		// (a loaded machine, the race detector) Slack gets no options, as
		// designed, and the next keystroke gets them from the finished lookup.
		eventually(t, "the first keystroke's lookup is done", func() bool {
			return len(ws.Suggest("U_alice", v.ID, slack.BlockAccount, slack.ActionAccount, "")) > 0
		})
		for _, tc := range []struct {
			query string
			want  int // -1: between 1 and 100
		}{{"", 100}, {"acct-0", 100}, {"acct-0421", 10}, {"100000004321", 1}, {"no-such-account", 0}, {"PROD", 1}} {
			start := time.Now()
			opts := ws.Suggest("U_alice", v.ID, slack.BlockAccount, slack.ActionAccount, tc.query)
			t.Logf("suggestions for %q: %d options in %s (round trip, server included)", tc.query, len(opts), time.Since(start))
			if len(opts) != tc.want {
				t.Errorf("suggestions for %q: %d options, want %d", tc.query, len(opts), tc.want)
			}
			for _, o := range opts {
				if !strings.Contains(strings.ToLower(o.Text.Text), strings.ToLower(tc.query)) {
					t.Errorf("suggestion %q does not match %q", o.Text.Text, tc.query)
				}
			}
		}
		prod := ws.Suggest("U_alice", v.ID, slack.BlockAccount, slack.ActionAccount, "prod")
		if len(prod) != 1 || prod[0].Value != "444455556666" {
			t.Fatalf("prod suggestions %+v", prod)
		}
		if st, _ := ws.Select("U_alice", v.ID, slack.BlockAccount, slack.ActionAccount, "external_select", prod[0]); st != http.StatusOK {
			t.Fatalf("choosing prod: %d", st)
		}
		eventually(t, "the permission sets of prod appear", func() bool {
			v, _ = ws.View(v.ID)
			return blockOf(v, slack.BlockPermissionSet+".444455556666") != nil
		})
		psBlock := slack.BlockPermissionSet + ".444455556666"
		admin := optionIn(t, blockOf(v, psBlock), "AdministratorAccess")
		if !strings.Contains(admin.Text.Text, "1 approval") {
			t.Errorf("the permission set option does not say it needs approval: %q", admin.Text.Text)
		}
		if st, _ := ws.Select("U_alice", v.ID, psBlock, slack.ActionPermissionSet, "static_select", admin); st != http.StatusOK {
			t.Fatalf("choosing AdministratorAccess: %d", st)
		}
		eventually(t, "the approvers are shown before submitting", func() bool {
			v, _ = ws.View(v.ID)
			b := blockOf(v, slack.BlockApprovers)
			return b != nil && strings.Contains(v.Text(), "bob, carol")
		})
		if !strings.Contains(v.Text(), "Ticket (required for this access)") {
			t.Errorf("the ticket field does not say it is required: %s", v.Text())
		}
		durEl := blockOf(v, slack.BlockDuration)["element"].(map[string]any)
		for _, o := range durEl["options"].([]any) {
			d, _ := time.ParseDuration(o.(map[string]any)["value"].(string))
			if d > 4*time.Hour {
				t.Errorf("duration choice %s is longer than the rule's 4h", d)
			}
		}

		ws.Type(v.ID, slack.BlockJustification, slack.ActionJustification, "redrive the DLQ")
		resp, st := ws.Submit("U_alice", v.ID)
		if st != http.StatusOK || resp.ResponseAction != goslack.RAErrors || !strings.Contains(resp.Errors[slack.BlockTicket], "ticket") {
			t.Fatalf("submit without a ticket: %d %+v, want errors beside %s", st, resp, slack.BlockTicket)
		}
		if rs, err := alice.ListRequests(ctx, client.ListOptions{}); err != nil || len(rs) != 0 {
			t.Fatalf("a refused submission left requests: %v %v", rs, err)
		}

		ws.Type(v.ID, slack.BlockTicket, slack.ActionTicket, "INC-42")
		resp, st = ws.Submit("U_alice", v.ID)
		if st != http.StatusOK || resp.ResponseAction != goslack.RAUpdate || resp.View == nil {
			t.Fatalf("submit: %d %+v", st, resp)
		}
		v, _ = ws.View(v.ID)
		if !strings.Contains(v.Text(), "is waiting for approval") || !strings.Contains(v.Text(), "bob, carol") {
			t.Errorf("the modal does not show the pending request and its approvers: %s", v.Text())
		}
		rs, err := alice.ListRequests(ctx, client.ListOptions{})
		if err != nil || len(rs) != 1 {
			t.Fatalf("requests %v %v", rs, err)
		}
		req := rs[0]
		if req.Status != client.StatusPending || req.Ticket != "INC-42" || req.Justification != "redrive the DLQ" ||
			req.PermissionSet.Name != "AdministratorAccess" || !slices.Equal(req.AccountIDs, []string{"444455556666"}) || req.Length() != time.Hour {
			t.Fatalf("request %+v", req)
		}
		if !strings.Contains(v.Text(), req.ID) {
			t.Errorf("the modal does not name %s", req.ID)
		}

		if st, _ := ws.OpenHome("U_bob"); st != http.StatusOK {
			t.Fatalf("app_home_opened: %d", st)
		}
		var home slackfake.View
		eventually(t, "bob's App Home lists the request with Approve", func() bool {
			var ok bool
			home, ok = ws.Home("U_bob")
			return ok && strings.Contains(home.Text(), req.ID) && strings.Contains(home.Text(), slack.ActionHomeApprove)
		})
		if st, _ := ws.PressHome("U_bob", "elevate_home_act."+req.ID, slack.ActionHomeApprove, req.ID); st != http.StatusOK {
			t.Fatalf("approve from App Home: %d", st)
		}
		got := waitStatus(t, alice, req.ID, client.StatusScheduled, client.StatusActive)
		if len(got.Approvals) != 1 || got.Approvals[0].UserName != "bob" {
			t.Fatalf("approvals %+v", got.Approvals)
		}
		evs, err := alice.RequestEvents(ctx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(evs, func(e client.Event) bool { return e.Type == "request.approved" && e.Actor.Via == "slack" }) {
			t.Errorf("no approval via slack in %+v", evs)
		}
		eventually(t, "bob's App Home says he approved and no longer offers the buttons", func() bool {
			home, _ = ws.Home("U_bob")
			return strings.Contains(home.Text(), "You approved request "+req.ID) && !strings.Contains(home.Text(), slack.ActionHomeApprove)
		})
		for _, d := range ws.Acks() {
			if d > slackfake.AckTimeout {
				t.Errorf("an acknowledgement took %s", d)
			}
		}
	})
}
