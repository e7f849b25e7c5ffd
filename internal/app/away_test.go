package app_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/config"
)

// TestAwayRoutesApprovals: bob sets "away, delegate to dave" with the CLI;
// the API answers as openapi.json says; alice's next request asks dave
// (not bob), dave approves it; bob clears the absence and is asked again.
func TestAwayRoutesApprovals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		env := start(t, engine)
		ctx := context.Background()
		until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		out, err := runCLI(t, env, "bob", "away", "--until", until.Format(time.RFC3339), "--delegate", "dave")
		if err != nil || !strings.Contains(out, "dave approves in your place") {
			t.Fatalf("elevate away: %q, %v", out, err)
		}
		if _, err := runCLI(t, env, "bob", "away", "--until", "soon", "--delegate", "dave"); err == nil {
			t.Error("elevate away --until soon is accepted")
		}
		status, body := apiCall(t, env, "bob", "GET", "/api/v1/me/away", nil)
		var a client.Away
		if err := json.Unmarshal(body, &a); status != 200 || err != nil || !a.Away || a.Delegate != "dave" || !a.Until.Equal(until) {
			t.Fatalf("GET /me/away: %d %s", status, body)
		}
		if status, body := apiCall(t, env, "bob", "PUT", "/api/v1/me/away", map[string]string{"until": until.Format(time.RFC3339), "delegate": "bob"}); status != 400 {
			t.Errorf("delegate to oneself: %d %s", status, body)
		}

		alice := env.client(t, "alice")
		req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
			Duration: time.Hour, Justification: "INC-5: look at the logs"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, ap := range req.Approvers {
			names = append(names, ap.UserName)
		}
		if !slices.Contains(names, "dave") || slices.Contains(names, "bob") {
			t.Fatalf("approvers %v: want dave in bob's place", names)
		}
		if _, err := env.client(t, "bob").Approve(ctx, req.ID, ""); err == nil {
			t.Error("bob, away, approved")
		}
		if _, err := env.client(t, "dave").Approve(ctx, req.ID, "for bob"); err != nil {
			t.Fatalf("dave approves: %v", err)
		}

		if status, body := apiCall(t, env, "bob", "DELETE", "/api/v1/me/away", nil); status != 200 {
			t.Fatalf("DELETE /me/away: %d %s", status, body)
		}
		if out, err := runCLI(t, env, "bob", "away"); err != nil || !strings.Contains(out, "Not away") {
			t.Errorf("elevate away after clearing: %q, %v", out, err)
		}
		next, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
			Duration: time.Hour, Justification: "INC-6: again"})
		if err != nil {
			t.Fatal(err)
		}
		names = names[:0]
		for _, ap := range next.Approvers {
			names = append(names, ap.UserName)
		}
		if !slices.Contains(names, "bob") || slices.Contains(names, "dave") {
			t.Errorf("approvers after bob is back %v", names)
		}
	})
}
