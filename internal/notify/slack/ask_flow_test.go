package slack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify/slack"
)

func told(ws interface{ Ephemeral(string) []string }, user, part string) bool {
	for _, s := range ws.Ephemeral(user) {
		if strings.Contains(s, part) {
			return true
		}
	}
	return false
}

// TestSlashCommand: complete words submit at once and the user alone is
// told the request and its approvers; incomplete or ambiguous words open
// the modal filled in with a note of what is missing; help answers the
// usage; a Slack user whose email Slack has not confirmed is refused.
func TestSlashCommand(t *testing.T) {
	t.Parallel()
	env := newAskEnv(t, closed(), false)
	ws := env.ws

	st, body := ws.Command("U_alice", "/elevate", "prod AdministratorAccess 1h INC-42 redrive the DLQ")
	if st != http.StatusOK || len(body) != 0 {
		t.Fatalf("/elevate: %d %s", st, body)
	}
	eventually(t, "alice is told her request is pending, with its approvers", func() bool {
		return told(ws, "U_alice", "is waiting for approval") && told(ws, "U_alice", "Approvers: bob")
	})
	env.reqs.mu.Lock()
	if len(env.reqs.reqs) != 1 {
		t.Errorf("requests %v", env.reqs.reqs)
	}
	for _, r := range env.reqs.reqs {
		if r.Ticket != "INC-42" || r.Justification != "redrive the DLQ" || r.Duration != time.Hour || r.AccountIDs()[0] != prodAdmin.AccountID {
			t.Errorf("request %+v", r)
		}
	}
	env.reqs.mu.Unlock()
	if _, ok := ws.OpenedView("U_alice"); ok {
		t.Error("a complete command opened the modal")
	}

	for _, tc := range []struct{ text, notice, keep string }{
		{"prod AdministratorAccess 1h redrive the DLQ", "Add a ticket", "redrive the DLQ"},
		{"prod AdministratorAccess 9h INC-7 longer", "at most 4h", "INC-7"},
		{"staging AdministratorAccess 1h INC-7 why", "No account you may request is named", "INC-7"},
		{"prod ReadOnlyAccess 1h INC-7 why", "You may not request", "INC-7"},
	} {
		before, _ := ws.OpenedView("U_alice")
		if st, _ := ws.Command("U_alice", "/elevate", tc.text); st != http.StatusOK {
			t.Fatalf("%q: %d", tc.text, st)
		}
		eventually(t, "the modal opens filled in for "+tc.text, func() bool {
			v, ok := ws.OpenedView("U_alice")
			return ok && v.ID != before.ID && strings.Contains(v.Text(), tc.notice) && strings.Contains(v.Text(), tc.keep)
		})
	}

	st, body = ws.Command("U_alice", "/elevate", "help")
	var help map[string]string
	_ = json.Unmarshal(body, &help)
	if st != http.StatusOK || help["response_type"] != "ephemeral" || !strings.Contains(help["text"], "/elevate ACCOUNT") {
		t.Errorf("help: %d %s", st, body)
	}

	ws.Command("U_mallory", "/elevate", "prod AdministratorAccess 1h INC-42 mallory claims bob's email")
	eventually(t, "an unconfirmed email is refused", func() bool { return told(ws, "U_mallory", "not confirmed") })

	form := url.Values{"user_id": {"U_alice"}, "command": {"/elevate"}, "text": {"prod AdministratorAccess 1h INC-1 x"}}
	if st := ws.PostSignedWith("not-the-secret", "/slack/commands", "application/x-www-form-urlencoded", []byte(form.Encode())); st != http.StatusUnauthorized {
		t.Errorf("a command with a bad signature: %d, want 401", st)
	}
	if st := ws.PostSignedWith("not-the-secret", "/slack/events", "application/json", []byte(`{"type":"url_verification","challenge":"x"}`)); st != http.StatusUnauthorized {
		t.Errorf("an event with a bad signature: %d, want 401", st)
	}
	if st, body := ws.Post("/slack/events", "application/json", []byte(`{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)); st != http.StatusOK ||
		string(body) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification: %d %q", st, body)
	}
}

// TestAppHome: alice's App Home lists her pending request (Cancel) and her
// active access (End, Extend); the extension modal refuses a missing
// justification beside its field and then asks for the extension; bob's
// lists what waits for him; each button goes through the use case.
func TestAppHome(t *testing.T) {
	t.Parallel()
	env := newAskEnv(t, closed(), false)
	ws := env.ws
	env.pendingRequest(t, "req_pending")
	env.pendingRequest(t, "req_active")
	env.reqs.mu.Lock()
	active := env.reqs.reqs["req_active"]
	active.Status, active.ActivatedAt, active.EndsAt = access.StatusActive, time.Now(), time.Now().Add(time.Hour)
	active.Approvals = []access.Approval{{UserID: "u-bob", UserName: "bob", Verdict: access.VerdictApprove, At: time.Now()}}
	env.reqs.mu.Unlock()

	ws.OpenHome("U_alice")
	eventually(t, "alice's App Home", func() bool {
		h, ok := ws.Home("U_alice")
		return ok && strings.Contains(h.Text(), slack.ActionHomeCancel) && strings.Contains(h.Text(), slack.ActionHomeEnd) &&
			strings.Contains(h.Text(), slack.ActionHomeExtend)
	})
	ws.OpenHome("U_bob")
	eventually(t, "bob's App Home", func() bool {
		h, ok := ws.Home("U_bob")
		return ok && strings.Contains(h.Text(), "req_pending") && strings.Contains(h.Text(), slack.ActionHomeApprove)
	})

	ws.PressHome("U_alice", "elevate_home_act.req_active", slack.ActionHomeExtend, "req_active")
	var ext string
	eventually(t, "the extension modal opens", func() bool {
		v, ok := ws.OpenedView("U_alice")
		ext = v.ID
		return ok && v.CallbackID == slack.CallbackExtend
	})
	resp, _ := ws.Submit("U_alice", ext)
	if resp.ResponseAction != goslack.RAErrors || resp.Errors[slack.BlockJustification] == "" {
		t.Fatalf("extension without a justification: %+v", resp)
	}
	ws.Type(ext, slack.BlockJustification, slack.ActionJustification, "the migration runs long")
	if resp, _ = ws.Submit("U_alice", ext); resp.ResponseAction != goslack.RAClear {
		t.Fatalf("extension: %+v", resp)
	}
	eventually(t, "the App Home says the extension waits for approval", func() bool {
		h, _ := ws.Home("U_alice")
		return strings.Contains(h.Text(), "waits for approval")
	})

	ws.PressHome("U_alice", "elevate_home_act.req_pending", slack.ActionHomeCancel, "req_pending")
	eventually(t, "cancelled", func() bool {
		h, _ := ws.Home("U_alice")
		return strings.Contains(h.Text(), "You cancelled request req_pending")
	})
	ws.PressHome("U_alice", "elevate_home_act.req_active", slack.ActionHomeEnd, "req_active")
	eventually(t, "ended", func() bool {
		h, _ := ws.Home("U_alice")
		return strings.Contains(h.Text(), "You ended request req_active")
	})
	ws.PressHome("U_alice", "elevate_home_act.req_active", slack.ActionHomeApprove, "req_active")
	eventually(t, "alice may not approve her own request", func() bool {
		h, _ := ws.Home("U_alice")
		return strings.Contains(h.Text(), "your own request")
	})
	env.reqs.mu.Lock()
	defer env.reqs.mu.Unlock()
	if r := env.reqs.reqs["req_pending"]; r.Status != access.StatusCancelled {
		t.Errorf("req_pending is %s", r.Status)
	}
	if r := env.reqs.reqs["req_active"]; !r.EndRequested() || len(r.Extensions) != 1 {
		t.Errorf("req_active: end requested %v, extensions %d", r.EndRequested(), len(r.Extensions))
	}
}

// TestAppHomeStaysWithinSlackLimits: 40 pending requests (alice's, so her
// pending list and bob's approval list are both full) fit in one view of at
// most 100 blocks (the fake refuses more), with a link to the rest.
func TestAppHomeStaysWithinSlackLimits(t *testing.T) {
	t.Parallel()
	env := newAskEnv(t, closed(), false)
	for i := range 40 {
		env.pendingRequest(t, "req_many_"+string(rune('a'+i/26))+string(rune('a'+i%26)))
	}
	for _, u := range []string{"U_alice", "U_bob"} {
		env.ws.OpenHome(u)
		eventually(t, u+"'s App Home", func() bool {
			h, ok := env.ws.Home(u)
			return ok && strings.Contains(h.Text(), "and 26 more") && len(h.Blocks()) <= 100
		})
	}
}

// TestModalStaysWithinSlackLimits: an account with 150 permission sets and
// long names still makes a modal Slack accepts (at most 100 options, option
// texts of at most 75 characters).
func TestModalStaysWithinSlackLimits(t *testing.T) {
	t.Parallel()
	env := newAskEnv(t, closed(), false)
	ws := env.ws
	ws.Shortcut("U_alice", slack.CallbackRequest)
	var v struct{ ID string }
	eventually(t, "the modal", func() bool {
		o, ok := ws.OpenedView("U_alice")
		v.ID = o.ID
		return ok
	})
	long := strings.Repeat("x", 200)
	opt := &goslack.OptionBlockObject{Text: &goslack.TextBlockObject{Type: "plain_text", Text: "prod"}, Value: prodAdmin.AccountID}
	many := make([]slack.Offer, 150)
	for i := range many {
		many[i] = prodAdmin
		many[i].PermissionSet = long + string(rune('a'+i%26)) + string(rune('a'+i/26))
		many[i].PermissionSetARN = fmt.Sprintf("arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-%016d", i)
	}
	env.reqs.mu.Lock()
	env.reqs.offers = many
	env.reqs.mu.Unlock()
	ws.Select("U_alice", v.ID, slack.BlockAccount, slack.ActionAccount, "external_select", opt)
	eventually(t, "the permission sets appear", func() bool {
		o, _ := ws.View(v.ID)
		return strings.Contains(o.Text(), slack.BlockPermissionSet+"."+prodAdmin.AccountID)
	})
	if p := ws.Problems(); len(p) > 0 {
		t.Fatalf("Slack refused the modal: %v", p)
	}
}

// TestAppHomeApproverMFA: in bob's App Home, a request whose rule has
// approver_mfa links to the portal ("Approve in elevate") instead of
// carrying Approve and Reject; another request keeps its buttons.
func TestAppHomeApproverMFA(t *testing.T) {
	t.Parallel()
	env := newAskEnv(t, closed(), false)
	ws := env.ws
	env.pendingRequest(t, "req_mfa")
	env.pendingRequest(t, "req_plain")
	env.reqs.mu.Lock()
	env.reqs.approverMFA = map[string]time.Duration{"req_mfa": 15 * time.Minute}
	env.reqs.mu.Unlock()

	ws.OpenHome("U_bob")
	var text string
	eventually(t, "bob's App Home", func() bool {
		h, ok := ws.Home("U_bob")
		text = h.Text()
		return ok && strings.Contains(text, "req_mfa") && strings.Contains(text, "req_plain")
	})
	for _, want := range []string{
		`"block_id":"elevate_home_act.req_mfa","elements":[{"type":"button","text":{"type":"plain_text","text":"Approve in elevate","emoji":false},"action_id":"` +
			slack.ActionOpenLink + `","url":"https://elevate.example.com/requests/req_mfa"`,
		`"action_id":"` + slack.ActionHomeApprove + `","value":"req_plain"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("bob's App Home lacks %s: %s", want, text)
		}
	}
	for _, not := range []string{`"action_id":"` + slack.ActionHomeApprove + `","value":"req_mfa"`, `"action_id":"` + slack.ActionHomeReject + `","value":"req_mfa"`} {
		if strings.Contains(text, not) {
			t.Errorf("bob's App Home has %s: %s", not, text)
		}
	}
}
