package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/config"
)

// TestTeamsChannelsHearAboutRequests: a Teams channel configured for every
// request and one a rule names in notify_channels each get the submitted
// card, with a button to the request's portal page; a configured channel
// the rule does not name gets nothing.
func TestTeamsChannelsHearAboutRequests(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		var mu sync.Mutex
		got := map[string][]string{} // channel -> card texts
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got[strings.TrimPrefix(r.URL.Path, "/")] = append(got[strings.TrimPrefix(r.URL.Path, "/")], string(b))
			mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		}))
		t.Cleanup(srv.Close)
		env := start(t, both(engine, func(c *config.Config) {
			c.Notify.Teams.Channels = "all=" + srv.URL + "/all?sig=1, secops=" + srv.URL + "/secops?sig=2, other=" + srv.URL + "/other?sig=3"
			c.Notify.Teams.AllRequests = []string{"all"}
			c.Policy.Rules[0].NotifyChannels = []string{"teams:secops"}
		}))
		req, err := env.client(t, "alice").CreateRequest(context.Background(), client.CreateRequestInput{AccountIDs: []string{"prod"},
			PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "INC-9: check the queue"})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "the submitted card in both channels", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got["all"]) > 0 && len(got["secops"]) > 0
		})
		mu.Lock()
		defer mu.Unlock()
		for _, ch := range []string{"all", "secops"} {
			var env struct {
				Attachments []struct {
					Content struct {
						Actions []struct{ URL string }
					}
				}
			}
			if err := json.Unmarshal([]byte(got[ch][0]), &env); err != nil || len(env.Attachments) != 1 || len(env.Attachments[0].Content.Actions) != 1 ||
				!strings.HasSuffix(env.Attachments[0].Content.Actions[0].URL, "/requests/"+req.ID) || !strings.Contains(got[ch][0], "alice requests") {
				t.Errorf("%s got %s (%v)", ch, got[ch][0], err)
			}
		}
		if len(got["other"]) != 0 {
			t.Errorf("a channel the rule does not name got %d cards", len(got["other"]))
		}
	})
}

// TestSlackNotifyChannelAndGroup: a rule's notify channel (slack:C…) gets
// the submission without buttons, and its notify group's member (dave) a
// DM without buttons; dave's approval is refused.
func TestSlackNotifyChannelAndGroup(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		fs := newFakeSlack(t)
		env := start(t, both(engine, withSlack(fs, "signing-secret"), func(c *config.Config) {
			c.Policy.Rules[0].NotifyChannels = []string{"slack:C0SECOPS"}
			c.Policy.Rules[0].NotifyGroups = []string{"auditors"}
		}))
		ctx := context.Background()
		req, err := env.client(t, "alice").CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"},
			PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "INC-10: the queue again"})
		if err != nil {
			t.Fatal(err)
		}
		var channel, dm slackCall
		eventually(t, "the channel message and dave's DM", func() bool {
			calls := fs.snapshot()
			c := index(calls, func(c slackCall) bool { return c.Channel == "C0SECOPS" && strings.Contains(c.Text, "alice requests") })
			d := index(calls, func(c slackCall) bool { return c.Channel == "D_dave" && strings.Contains(c.Text, "alice requests") })
			if c >= 0 && d >= 0 {
				channel, dm = calls[c], calls[d]
				return true
			}
			return false
		})
		for _, c := range []slackCall{channel, dm} {
			if strings.Contains(c.Blocks, `"action_id":"approve"`) || !strings.Contains(c.Blocks, req.ID) {
				t.Errorf("message to %s: %s; want the request without buttons", c.Channel, c.Blocks)
			}
		}
		if _, err := env.client(t, "dave").Approve(ctx, req.ID, ""); err == nil {
			t.Error("dave (notify group) approved")
		}
	})
}
