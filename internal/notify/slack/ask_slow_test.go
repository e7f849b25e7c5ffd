package slack_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify/slack"
	"github.com/elevate/elevate/internal/notify/slack/slackfake"
)

// pendingRequest stores a request of alice's that bob may approve.
func (e *askEnv) pendingRequest(t *testing.T, id string) {
	t.Helper()
	r, _, err := access.NewRequest(access.NewRequestInput{ID: id, GrantIDs: []string{"grt_" + id}, AccountIDs: []string{prodAdmin.AccountID},
		PermissionSetARN: prodAdmin.PermissionSetARN, PermissionSetName: prodAdmin.PermissionSet, Duration: time.Hour,
		Justification: "seeded", Ticket: "INC-1"}, users["alice@example.com"],
		access.Eligibility{Rule: "r", Approvers: []string{"u-bob"}, ApprovalsRequired: 1, TicketRequired: true},
		access.Limits{MaxDuration: 4 * time.Hour, ApprovalTimeout: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.reqs.mu.Lock()
	e.reqs.reqs[id] = &r
	e.reqs.mu.Unlock()
}

// TestAcknowledgedWhileDatabaseAndSlackAreSlow drives every kind of
// interaction while the database (the use cases) and Slack's users.info
// hang: each is answered before Slack's 3 seconds run out (the fake fails
// the test otherwise) and before the slow work is done (it cannot be: the
// gate is still shut), the modals open while their triggers are valid, and
// the outcomes reach the user once the work is done.
func TestAcknowledgedWhileDatabaseAndSlackAreSlow(t *testing.T) {
	gate := make(chan struct{})
	env := newAskEnv(t, gate, true)
	ws := env.ws
	open := true
	release := func() {
		if open {
			close(gate)
			open = false
		}
	}
	t.Cleanup(release)
	env.pendingRequest(t, "req_slow_dm")
	env.pendingRequest(t, "req_slow_home")

	if st, body := ws.Command("U_alice", "/elevate", ""); st != http.StatusOK || len(body) != 0 {
		t.Fatalf("/elevate: %d %s", st, body)
	}
	var modal slackfake.View
	eventually(t, "the modal opens while the database is slow", func() bool {
		var ok bool
		modal, ok = ws.OpenedView("U_alice")
		return ok
	})

	if st, _ := ws.Command("U_alice", "/elevate", "prod AdministratorAccess 1h INC-42 redrive the DLQ"); st != http.StatusOK {
		t.Fatalf("/elevate with words: %d", st)
	}
	var typed slackfake.View
	eventually(t, "the modal opens with what was typed before the trigger expires", func() bool {
		v, ok := ws.OpenedView("U_alice")
		typed = v
		return ok && v.ID != modal.ID && strings.Contains(v.Text(), "redrive the DLQ") && strings.Contains(v.Text(), "INC-42")
	})

	if st, _ := ws.Shortcut("U_bob", slack.CallbackRequest); st != http.StatusOK {
		t.Fatalf("shortcut: %d", st)
	}
	eventually(t, "the shortcut's modal opens", func() bool { _, ok := ws.OpenedView("U_bob"); return ok })

	if opts := ws.Suggest("U_alice", modal.ID, slack.BlockAccount, slack.ActionAccount, "pro"); len(opts) != 0 {
		t.Errorf("suggestions while the database hangs: %d", len(opts))
	}
	prod := &goslack.OptionBlockObject{Text: &goslack.TextBlockObject{Type: "plain_text", Text: "prod (444455556666)"}, Value: prodAdmin.AccountID}
	if st, _ := ws.Select("U_alice", modal.ID, slack.BlockAccount, slack.ActionAccount, "external_select", prod); st != http.StatusOK {
		t.Fatalf("block_actions: %d", st)
	}
	ws.Type(modal.ID, slack.BlockJustification, slack.ActionJustification, "redrive the DLQ")
	resp, st := ws.Submit("U_alice", modal.ID)
	if st != http.StatusOK || resp.ResponseAction != goslack.RAUpdate {
		t.Fatalf("view_submission: %d %+v", st, resp)
	}
	if v, _ := ws.View(modal.ID); !strings.Contains(v.Text(), "Sending your request") {
		t.Errorf("the modal does not say the request is being sent: %s", v.Text())
	}

	if st, _ := ws.OpenHome("U_bob"); st != http.StatusOK {
		t.Fatalf("app_home_opened: %d", st)
	}
	if st, _ := ws.PressHome("U_bob", "elevate_home_act.req_slow_home", slack.ActionHomeApprove, "req_slow_home"); st != http.StatusOK {
		t.Fatalf("App Home approve: %d", st)
	}
	st, body := ws.PressMessage("U_bob", slack.BlockDecide, slack.ActionApprove, "req_slow_dm")
	if st != http.StatusOK || !strings.Contains(string(body), "accepted") {
		t.Fatalf("approve from a DM: %d %s", st, body)
	}
	env.reqs.mu.Lock()
	for id, r := range env.reqs.reqs {
		if len(r.Approvals) != 0 {
			t.Errorf("request %s was decided while the database hung", id)
		}
	}
	env.reqs.mu.Unlock()

	release()
	eventually(t, "the sent modal shows the outcome", func() bool {
		v, _ := ws.View(modal.ID)
		return strings.Contains(v.Text(), "Not sent") && strings.Contains(v.Text(), "Choose a permission set")
	})
	eventually(t, "the typed modal fills: the account and its permission set", func() bool {
		v, _ := ws.View(typed.ID)
		return strings.Contains(v.Text(), slack.BlockPermissionSet+"."+prodAdmin.AccountID) && !strings.Contains(v.Text(), "Add a ticket")
	})
	eventually(t, "bob is told the DM decision through the response_url", func() bool {
		for _, s := range ws.Ephemeral("U_bob") {
			if strings.Contains(s, "You approved request req_slow_dm") {
				return true
			}
		}
		return false
	})
	eventually(t, "bob's App Home shows his approval from the App Home", func() bool {
		h, ok := ws.Home("U_bob")
		return ok && strings.Contains(h.Text(), "You approved request req_slow_home")
	})
	for _, d := range ws.Acks() {
		t.Logf("acknowledged in %s", d)
	}
}
