package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/config"
)

// TestRevocationFailingIsVisibleAndRetried: AWS refuses the deletion again
// and again; the request shows revocation_failed and the metric counts it;
// the revocation is never given up, and once AWS accepts it the request ends
// and the flag clears.
func TestRevocationFailingIsVisibleAndRetried(t *testing.T) {
	env := start(t, func(c *config.Config) { c.Jobs.MaxRetryDelay = 100 * time.Millisecond })
	ctx := context.Background()
	alice := env.client(t, "alice")
	env.emu.InjectError("DeleteAccountAssignment", "AccessDeniedException", 1000)
	r := env.approvedRequest(t, time.Second)

	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	failing, err := alice.WaitFor(wctx, r.ID, func(r *client.Request) bool { return r.RevocationFailed || r.Status.Terminal() }, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if !failing.RevocationFailed || failing.Status != client.StatusActive || failing.Grants[0].Error == "" {
		t.Fatalf("want an active request flagged revocation_failed with the error, got %s %v %q", failing.Status, failing.RevocationFailed, failing.Grants[0].Error)
	}
	if !env.aliceHasProdAdmin() {
		t.Fatal("the assignment is gone although AWS refused every deletion")
	}
	resp, err := http.Get(env.app.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `elevate_revocation_failed_requests{scope="all"} 1`) {
		t.Fatal("/metrics does not count the failing revocation")
	}

	env.emu.InjectError("DeleteAccountAssignment", "", 0) // AWS recovers
	ended := waitStatus(t, alice, r.ID, client.StatusEnded)
	if ended.RevocationFailed || env.aliceHasProdAdmin() {
		t.Fatalf("after recovery: flag %v, assignment %v", ended.RevocationFailed, env.aliceHasProdAdmin())
	}
	evs, err := alice.RequestEvents(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, e := range evs {
		seen = seen || e.Type == "grant.revocation_failing"
	}
	if !seen {
		t.Fatal("no grant.revocation_failing event in the decision log")
	}
}
