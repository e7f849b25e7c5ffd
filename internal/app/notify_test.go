package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/notify/slack"
	"github.com/elevate/elevate/internal/notify/webhook"
)

// slackCall is one call the fake Slack Web API received.
type slackCall struct {
	Method  string // chat.postMessage, chat.update, ...
	Channel string
	TS      string
	Text    string
	Blocks  string
}

// fakeSlack stands in for Slack's Web API (users.lookupByEmail, users.info,
// chat.postMessage, chat.update) and for the response_url of interactions;
// the app reaches it through the real slack-go client.
type fakeSlack struct {
	srv       *httptest.Server
	mu        sync.Mutex
	calls     []slackCall
	ephemeral []string
	seq       int
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func slackUser(name string) map[string]any {
	return map[string]any{"id": "U_" + name, "name": name, "is_email_confirmed": true, "profile": map[string]any{"email": name + "@example.com"}}
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/response" {
		var m struct{ Text string }
		_ = json.NewDecoder(r.Body).Decode(&m)
		f.mu.Lock()
		f.ephemeral = append(f.ephemeral, m.Text)
		f.mu.Unlock()
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer xoxb-") && r.FormValue("token") == "" {
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "not_authed"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	switch method {
	case "users.lookupByEmail":
		name, domain, _ := strings.Cut(r.FormValue("email"), "@")
		if domain != "example.com" {
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "users_not_found"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": slackUser(name)})
	case "users.info":
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": slackUser(strings.TrimPrefix(r.FormValue("user"), "U_"))})
	case "chat.postMessage", "chat.update":
		c := slackCall{Method: method, Channel: r.FormValue("channel"), TS: r.FormValue("ts"), Text: r.FormValue("text"), Blocks: r.FormValue("blocks")}
		if strings.HasPrefix(c.Channel, "U_") {
			c.Channel = "D_" + strings.TrimPrefix(c.Channel, "U_") // Slack answers with the DM's channel id
		}
		if method == "chat.postMessage" {
			f.seq++
			c.TS = fmt.Sprintf("1700000000.%06d", f.seq)
		}
		f.calls = append(f.calls, c)
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": c.Channel, "ts": c.TS, "text": c.Text})
	default:
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "unknown_method"})
	}
}

// snapshot returns the calls so far.
func (f *fakeSlack) snapshot() []slackCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// index returns the index of the first call matching, or -1.
func index(calls []slackCall, match func(slackCall) bool) int {
	return slices.IndexFunc(calls, match)
}

// eventually waits (up to 30s) until cond holds; it asserts an outcome, not a time.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func withSlack(f *fakeSlack, secret string) func(*config.Config) {
	return func(c *config.Config) {
		c.Notify.Slack.BotToken = "xoxb-test-token"
		c.Notify.Slack.SigningSecret = secret
		c.Notify.Slack.APIURL = f.srv.URL + "/api/"
	}
}

func both(fns ...func(*config.Config)) func(*config.Config) {
	return func(c *config.Config) {
		for _, fn := range fns {
			fn(c)
		}
	}
}

// TestSlackLifecycle follows one request through Slack: DMs with buttons to
// both approvers, both messages updated in place after bob approves, DMs to
// alice on the approval, on activation, before the end and at the end.
func TestSlackLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		fs := newFakeSlack(t)
		env := start(t, both(engine, withSlack(fs, "signing-secret"), func(c *config.Config) { c.Notify.WarnBefore = 2 * time.Second }))
		ctx := context.Background()
		alice, bob := env.client(t, "alice"), env.client(t, "bob")
		req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
			Duration: 4 * time.Second, Justification: "INC-7: rotate the keys"})
		if err != nil {
			t.Fatal(err)
		}
		dm := func(to, contains string) func(slackCall) bool {
			return func(c slackCall) bool {
				return c.Method == "chat.postMessage" && c.Channel == "D_"+to && strings.Contains(c.Text, contains)
			}
		}
		eventually(t, "DMs to bob and carol", func() bool {
			calls := fs.snapshot()
			return index(calls, dm("bob", "alice requests")) >= 0 && index(calls, dm("carol", "alice requests")) >= 0
		})
		calls := fs.snapshot()
		orig := map[string]slackCall{}
		for _, who := range []string{"bob", "carol"} {
			c := calls[index(calls, dm(who, "alice requests"))]
			for _, want := range []string{`"action_id":"approve"`, `"action_id":"reject"`, `"action_id":"comment"`, req.ID, "INC-7: rotate the keys"} {
				if !strings.Contains(c.Blocks, want) {
					t.Errorf("DM to %s lacks %s: %s", who, want, c.Blocks)
				}
			}
			orig[who] = c
		}
		if n := len(slices.DeleteFunc(slices.Clone(calls), func(c slackCall) bool { return c.Channel != "D_alice" })); n != 0 {
			t.Errorf("alice got %d messages about her own submission", n)
		}

		if _, err := bob.Approve(ctx, req.ID, "go ahead"); err != nil {
			t.Fatal(err)
		}
		updated := func(who string) func(slackCall) bool {
			return func(c slackCall) bool {
				return c.Method == "chat.update" && c.Channel == orig[who].Channel && c.TS == orig[who].TS &&
					strings.Contains(c.Blocks, "Approved: bob approved")
			}
		}
		eventually(t, "both approvers' messages updated in place", func() bool {
			calls := fs.snapshot()
			return index(calls, updated("bob")) >= 0 && index(calls, updated("carol")) >= 0
		})
		for _, who := range []string{"bob", "carol"} {
			calls := fs.snapshot()
			if c := calls[index(calls, updated(who))]; strings.Contains(c.Blocks, `"action_id":"approve"`) {
				t.Errorf("%s's updated message still has the buttons: %s", who, c.Blocks)
			}
		}
		eventually(t, "DMs to alice: approved, active, ending soon, ended", func() bool {
			return index(fs.snapshot(), dm("alice", "has ended")) >= 0
		})
		calls = fs.snapshot()
		approved, active := index(calls, dm("alice", "bob approved")), index(calls, dm("alice", "is active"))
		warning := index(calls, func(c slackCall) bool { // the reminder, with its Extend button
			return c.Method == "chat.postMessage" && c.Channel == "D_alice" && strings.Contains(c.Blocks, `"action_id":"extend"`)
		})
		ended := index(calls, dm("alice", "has ended"))
		if approved < 0 || active < 0 || warning < 0 || ended < 0 || !(active < warning && warning < ended) {
			t.Fatalf("alice's DMs: approved %d, active %d, warning %d, ended %d (want all, in that order)", approved, active, warning, ended)
		}
		if got := waitStatus(t, alice, req.ID, client.StatusEnded); got.Status != client.StatusEnded {
			t.Fatalf("status %s", got.Status)
		}
	})
}

// signedPost posts an interaction payload signed with secret at ts.
func signedPost(t *testing.T, appURL, secret string, ts time.Time, payload map[string]any) (int, map[string]any) {
	t.Helper()
	p, _ := json.Marshal(payload)
	body := "payload=" + url.QueryEscape(string(p))
	stamp := strconv.FormatInt(ts.Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, appURL+"/slack/interactions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", slack.Sign(secret, stamp, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func decision(fs *fakeSlack, slackUserID, action, requestID, comment string) map[string]any {
	return map[string]any{
		"type": "block_actions", "user": map[string]any{"id": slackUserID}, "response_url": fs.srv.URL + "/response",
		"actions": []map[string]any{{"type": "button", "action_id": action, "block_id": slack.BlockDecide, "value": requestID}},
		"state": map[string]any{"values": map[string]any{slack.BlockComment: map[string]any{
			slack.ActionComment: map[string]any{"type": "plain_text_input", "value": comment}}}},
	}
}

// TestSlackInteractions posts interaction payloads: a bad signature, a
// replayed old timestamp, alice approving her own request and a
// non-approver are refused and change nothing; bob's signed approval approves.
func TestSlackInteractions(t *testing.T) {
	const secret = "interaction-signing-secret"
	fs := newFakeSlack(t)
	env := start(t, withSlack(fs, secret))
	ctx := context.Background()
	alice := env.client(t, "alice")
	req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "INC-8"})
	if err != nil {
		t.Fatal(err)
	}
	events := func() int {
		evs, err := alice.RequestEvents(ctx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	before := events()
	now := time.Now()
	for _, tc := range []struct {
		name     string
		secret   string
		at       time.Time
		payload  map[string]any
		status   int
		wantCode string
	}{
		{"bad signature", "not-the-secret", now, decision(fs, "U_bob", slack.ActionApprove, req.ID, ""), http.StatusUnauthorized, "unauthenticated"},
		{"replayed old timestamp", secret, now.Add(-6 * time.Minute), decision(fs, "U_bob", slack.ActionApprove, req.ID, ""), http.StatusUnauthorized, "unauthenticated"},
		{"alice approves her own request", secret, now, decision(fs, "U_alice", slack.ActionApprove, req.ID, "me"), http.StatusOK, "self_approval"},
		{"dave is no approver", secret, now, decision(fs, "U_dave", slack.ActionApprove, req.ID, ""), http.StatusOK, "forbidden"},
		{"dave may not reject either", secret, now, decision(fs, "U_dave", slack.ActionReject, req.ID, "no"), http.StatusOK, "forbidden"},
	} {
		status, out := signedPost(t, env.app.URL(), tc.secret, tc.at, tc.payload)
		if status != tc.status || out["ok"] != false || out["code"] != tc.wantCode {
			t.Errorf("%s: %d %v, want %d code %s", tc.name, status, out, tc.status, tc.wantCode)
		}
		got, err := alice.GetRequest(ctx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != client.StatusPending || len(got.Approvals) != 0 || events() != before {
			t.Fatalf("%s changed the request: %s, approvals %+v", tc.name, got.Status, got.Approvals)
		}
	}
	fs.mu.Lock()
	told := slices.Clone(fs.ephemeral)
	fs.mu.Unlock()
	if !slices.ContainsFunc(told, func(s string) bool { return strings.Contains(s, "your own request") }) {
		t.Errorf("alice was not told why (ephemeral replies %q)", told)
	}

	status, out := signedPost(t, env.app.URL(), secret, time.Now(), decision(fs, "U_bob", slack.ActionApprove, req.ID, "approved from Slack"))
	if status != http.StatusOK || out["ok"] != true {
		t.Fatalf("bob's approval: %d %v", status, out)
	}
	got := waitStatus(t, alice, req.ID, client.StatusScheduled, client.StatusActive)
	if len(got.Approvals) != 1 || got.Approvals[0].Comment != "approved from Slack" {
		t.Fatalf("approvals %+v", got.Approvals)
	}
	evs, err := alice.RequestEvents(ctx, req.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(evs, func(e client.Event) bool { return e.Type == "request.approved" && e.Actor.Via == "slack" }) {
		t.Errorf("no approval via slack in %+v", evs)
	}
}

// adminNotifications lists notifications as erin (an admin).
func adminNotifications(t *testing.T, env *testEnv, query string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.app.URL()+"/api/v1/admin/notifications?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+env.tokens["erin"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Items []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("admin notifications: %d %v", resp.StatusCode, err)
	}
	return out.Items
}

func metricsText(t *testing.T, env *testEnv) string {
	t.Helper()
	resp, err := http.Get(env.app.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestSlackDownDoesNotBlockAccess kills Slack before anything happens: the
// request is still approved, activated and revoked, while every Slack
// delivery fails, is counted in /metrics and listed for the admins.
func TestSlackDownDoesNotBlockAccess(t *testing.T) {
	fs := newFakeSlack(t)
	fs.srv.Close() // Slack is down: every call is refused
	env := start(t, withSlack(fs, "secret"))
	ctx := context.Background()
	alice, bob := env.client(t, "alice"), env.client(t, "bob")
	req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "INC-9"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Approve(ctx, req.ID, ""); err != nil {
		t.Fatalf("approve while Slack is down: %v", err)
	}
	waitStatus(t, alice, req.ID, client.StatusActive)
	if env.emu.HasAssignment(env.emu.AccountID("prod"), env.emu.PermissionSetARN("AdministratorAccess"), env.emu.UserID("alice")) != true {
		t.Fatal("active without the assignment")
	}
	if _, err := alice.End(ctx, req.ID, "done"); err != nil {
		t.Fatalf("end while Slack is down: %v", err)
	}
	waitStatus(t, alice, req.ID, client.StatusRevoked)
	if env.emu.HasAssignment(env.emu.AccountID("prod"), env.emu.PermissionSetARN("AdministratorAccess"), env.emu.UserID("alice")) {
		t.Fatal("revoked but the assignment is still there")
	}
	// Nothing reached Slack, yet the request went all the way.
	for _, n := range adminNotifications(t, env, "request_id="+req.ID) {
		if n["status"] == "sent" {
			t.Errorf("a Slack delivery succeeded while Slack was down: %v", n)
		}
	}
	eventually(t, "failed Slack deliveries listed for admins", func() bool {
		items := adminNotifications(t, env, "status=failed&request_id="+req.ID)
		return slices.ContainsFunc(items, func(n map[string]any) bool { return n["event"] == "request.submitted" && n["channel"] == "slack" }) &&
			slices.ContainsFunc(items, func(n map[string]any) bool { return n["event"] == "request.revoked" && n["channel"] == "slack" })
	})
	failed := adminNotifications(t, env, "status=failed")
	if e, _ := failed[0]["last_error"].(string); !strings.Contains(e, "slack") {
		t.Errorf("last_error %q does not say what failed", e)
	}
	if m := metricsText(t, env); !strings.Contains(m, `elevate_notifications_total{channel="slack",outcome="failed"}`) {
		t.Errorf("/metrics does not count the failed Slack deliveries")
	}
}

// TestWebhookRetriedUntilReceiverIsUp points the webhook at a receiver that
// is down: the delivery fails and is retried until the receiver is up, which
// then checks the signature as documented.
func TestWebhookRetriedUntilReceiverIsUp(t *testing.T) {
	const secret = "webhook-secret"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // down
	env := start(t, func(c *config.Config) {
		c.Notify.Webhook.URL = "http://" + addr + "/hooks/elevate"
		c.Notify.Webhook.Secret = secret
	})
	ctx := context.Background()
	alice := env.client(t, "alice")
	req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "INC-10"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "a failed webhook delivery", func() bool {
		return len(adminNotifications(t, env, "status=failed&request_id="+req.ID)) > 0
	})

	type delivery struct {
		payload webhook.Payload
		err     error
	}
	got := make(chan delivery, 10)
	ln, err = net.Listen("tcp", addr) // up again
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	recv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// What a receiver does: check the signature and the age, then decode.
		err := webhook.Verify(secret, r.Header.Get(webhook.HeaderTimestamp), r.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute)
		var p webhook.Payload
		if err == nil {
			err = json.Unmarshal(body, &p)
		}
		if err == nil && p.ID != r.Header.Get(webhook.HeaderDelivery) {
			err = fmt.Errorf("delivery header %q, payload id %q", r.Header.Get(webhook.HeaderDelivery), p.ID)
		}
		got <- delivery{p, err}
	})}
	go func() { _ = recv.Serve(ln) }()
	t.Cleanup(func() { _ = recv.Close() })

	select {
	case d := <-got:
		if d.err != nil {
			t.Fatalf("receiver's check: %v", d.err)
		}
		if d.payload.Event.Type != "request.submitted" || d.payload.Request.ID != req.ID || d.payload.Request.Requester != "alice" ||
			d.payload.Request.Justification != "INC-10" || !strings.HasSuffix(d.payload.Request.URL, "/requests/"+req.ID) {
			t.Fatalf("payload %+v", d.payload)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the webhook was never retried to the receiver")
	}
	eventually(t, "the delivery recorded as sent after retries", func() bool {
		for _, n := range adminNotifications(t, env, "request_id="+req.ID) {
			if n["channel"] == "webhook" && n["status"] == "sent" && n["attempts"].(float64) >= 2 {
				return true
			}
		}
		return false
	})
}
