package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/notify/slack"
)

// apiStatus GETs path with token and returns the status and error code.
func apiStatus(t *testing.T, appURL, token, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, appURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error struct{ Code string } }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Error.Code
}

// TestDisabledUser disables alice (and carol, an approver) in Identity
// Center and removes bob from it; at the next sync alice's pending request
// is cancelled and her active one ended with its AWS assignment removed,
// both by elevate with the reason in the decision log; her and bob's tokens
// answer 401 user_disabled; her portal session ends and she can't sign in
// again; carol can't decide in Slack.
func TestDisabledUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		const secret = "disabled-signing-secret"
		fs := newFakeSlack(t)
		env := startPortal(t, awsemu.DemoSeed(), both(engine, withSlack(fs, secret)))
		ctx := context.Background()
		tokens := map[string]string{}
		for _, u := range []string{"alice", "bob", "erin"} {
			tok, _, err := env.app.Service().CreateToken(ctx, u, "test", 0)
			if err != nil {
				t.Fatal(err)
			}
			tokens[u] = tok
		}
		cl := func(u string) *client.Client {
			c, err := client.New(env.app.URL(), tokens[u])
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		alice, bob, erin := cl("alice"), cl("bob"), cl("erin")
		in := client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "INC-9"}
		active, err := alice.CreateRequest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Approve(ctx, active.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, erin, active.ID, client.StatusActive)
		in.Justification = "INC-10"
		pending, err := alice.CreateRequest(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		session := env.signedInClient(t, "alice")
		prod, ps, aliceID := env.emu.AccountID("prod"), env.emu.PermissionSetARN("AdministratorAccess"), env.emu.UserID("alice")
		if !env.emu.HasAssignment(prod, ps, aliceID) {
			t.Fatal("no assignment while active")
		}

		for _, u := range []string{"alice", "carol"} {
			if err := env.emu.SetUserDisabled(u, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := env.emu.RemoveUser("bob"); err != nil {
			t.Fatal(err)
		}
		if _, err := env.app.Service().SyncDirectory(ctx); err != nil {
			t.Fatal(err)
		}

		for _, u := range []string{"alice", "bob"} {
			if st, code := apiStatus(t, env.app.URL(), tokens[u], "/api/v1/me"); st != http.StatusUnauthorized || code != "user_disabled" {
				t.Errorf("%s's token after the sync: %d %s, want 401 user_disabled", u, st, code)
			}
		}
		if st, _ := apiStatus(t, env.app.URL(), tokens["erin"], "/api/v1/me"); st != http.StatusOK {
			t.Errorf("erin's token stopped working: %d", st)
		}
		got, err := erin.GetRequest(ctx, pending.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != client.StatusCancelled {
			t.Errorf("pending request is %s, want cancelled", got.Status)
		}
		ended := waitStatus(t, erin, active.ID, client.StatusEnded, client.StatusRevoked)
		if env.emu.HasAssignment(prod, ps, aliceID) {
			t.Error("the assignment is still in AWS after the request ended")
		}
		for id, typ := range map[string]string{pending.ID: "request.cancelled", ended.ID: "request.end_requested"} {
			evs, err := erin.RequestEvents(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(evs, func(e client.Event) bool {
				return e.Type == typ && e.Actor.Via == "system" && e.Details["reason"] == "requester_disabled"
			}) {
				t.Errorf("request %s: no %s by elevate with reason requester_disabled in %+v", id, typ, evs)
			}
		}

		resp, err := session.Get(env.app.URL() + "/requests")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("alice's portal session after the sync: %s, want 401", resp.Status)
		}
		resp, err = session.PostForm(env.app.URL()+"/auth/demo", url.Values{"user": {"alice"}, "next": {"/request"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("alice signing in again: %s, want 401", resp.Status)
		}
		status, out := signedPost(t, env.app.URL(), secret, time.Now(), decision(fs, "U_carol", slack.ActionApprove, pending.ID, ""))
		if status != http.StatusOK || out["ok"] != false || out["code"] != "user_disabled" {
			t.Errorf("carol deciding in Slack: %d %v, want code user_disabled", status, out)
		}
	})
}
