package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/notify/slack"
)

// TestSlackReminderExtendAndEnd: before the end alice gets a reminder DM
// with "Extend 30m" and "End now"; pressing Extend asks for the rule's
// step through the Extend use case, so bob must approve it like any
// extension; then End now ends the access.
func TestSlackReminderExtendAndEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		const secret = "reminder-signing-secret"
		fs := newFakeSlack(t)
		env := start(t, both(engine, withSlack(fs, secret), func(c *config.Config) {
			c.Policy.Rules[0].RemindBefore = time.Hour - 2*time.Second // two seconds after activation
			c.Policy.Rules[0].ExtendStep = 30 * time.Minute
		}))
		ctx := context.Background()
		alice, bob := env.client(t, "alice"), env.client(t, "bob")
		r := env.approvedRequest(t, time.Hour)
		endsAt := *r.EndsAt

		var reminder slackCall
		eventually(t, "the reminder DM to alice", func() bool {
			calls := fs.snapshot()
			i := index(calls, func(c slackCall) bool {
				return c.Method == "chat.postMessage" && c.Channel == "D_alice" && strings.Contains(c.Blocks, `"action_id":"extend"`)
			})
			if i >= 0 {
				reminder = calls[i]
			}
			return i >= 0
		})
		var blocks []struct {
			BlockID  string `json:"block_id"`
			Elements []struct {
				ActionID string          `json:"action_id"`
				Value    string          `json:"value"`
				Text     json.RawMessage `json:"text"` // a text object in buttons, a string in context blocks
			} `json:"elements"`
		}
		if err := json.Unmarshal([]byte(reminder.Blocks), &blocks); err != nil {
			t.Fatal(err)
		}
		buttons := map[string]string{}
		for _, b := range blocks {
			if b.BlockID == slack.BlockRemind {
				for _, e := range b.Elements {
					var label struct{ Text string }
					_ = json.Unmarshal(e.Text, &label)
					buttons[e.ActionID+" "+label.Text] = e.Value
				}
			}
		}
		extendValue, ok := buttons["extend Extend 30m"]
		if !ok || buttons["end_now End now"] != r.ID {
			t.Fatalf("reminder buttons %v, want Extend 30m and End now", buttons)
		}

		press := func(who, action, value string) map[string]any {
			p := decision(fs, "U_"+who, action, value, "")
			p["actions"] = []map[string]any{{"type": "button", "action_id": action, "block_id": slack.BlockRemind, "value": value}}
			status, out := signedPost(t, env.app.URL(), secret, time.Now(), p)
			if status != 200 {
				t.Fatalf("%s presses %s: status %d %v", who, action, status, out)
			}
			return out
		}
		// Only the requester may extend.
		if out := press("bob", slack.ActionExtend, extendValue); out["ok"] != false || out["code"] != "forbidden" {
			t.Errorf("bob presses alice's Extend: %v, want forbidden", out)
		}
		if out := press("alice", slack.ActionExtend, extendValue); out["ok"] != true {
			t.Fatalf("alice presses Extend: %v", out)
		}
		got, err := alice.GetRequest(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Extensions) != 1 || got.Extensions[0].Status != "pending" || got.Extensions[0].DurationSeconds != 1800 || !got.EndsAt.Equal(endsAt) {
			t.Fatalf("after Extend: extensions %+v, ends %v; want one pending 30m, the end unchanged", got.Extensions, got.EndsAt)
		}
		if _, err := bob.Approve(ctx, r.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		if got, err = alice.GetRequest(ctx, r.ID); err != nil || !got.EndsAt.Equal(endsAt.Add(30*time.Minute)) {
			t.Fatalf("after bob approves the extension: ends %v (%v), want %v", got.EndsAt, err, endsAt.Add(30*time.Minute))
		}

		if out := press("alice", slack.ActionEnd, r.ID); out["ok"] != true {
			t.Fatalf("alice presses End now: %v", out)
		}
		if got := waitStatus(t, alice, r.ID, client.StatusRevoked); got.Status != client.StatusRevoked || got.EndRequestedBy != "alice" {
			t.Fatalf("after End now: status %s, ended by %q", got.Status, got.EndRequestedBy)
		}
	})
}
