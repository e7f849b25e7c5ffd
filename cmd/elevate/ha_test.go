package main

import (
	"context"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
)

// TestHATwoReplicas runs two `elevate serve` replicas (jobs.client_id
// replica-a and replica-b) on one PostgreSQL database, activates requests,
// SIGKILLs replica A while its revocations are being made, and checks that
// replica B alone removes every assignment: each request ends within 60 s of
// its end time and nothing of alice's is left in AWS. It needs PostgreSQL
// (ELEVATE_TEST_POSTGRES_URL) and a build that serves it; otherwise it skips.
func TestHATwoReplicas(t *testing.T) {
	db := postgresDatabase(t)
	h := newHarnessWith(t, harnessOptions{rules: autoRules, databaseURL: db, clientID: "replica-a"})
	aliceTok, _ := h.setup()
	configB := h.writeConfig("replica-b.yaml", "replica-b")

	a := h.serve()
	b := h.serveConfig(configB)
	ctx := context.Background()
	viaA, viaB := h.client(a.url, aliceTok), h.client(b.url, aliceTok)

	// Twelve requests, half through each replica, on eight assignments (so
	// some share), ending 4 to 7.5 s after they become active.
	var ids []string
	for i := range 12 {
		c := viaA
		if i%2 == 1 {
			c = viaB
		}
		req, err := c.CreateRequest(ctx, client.CreateRequestInput{
			AccountIDs:    []string{autoAccounts[i%len(autoAccounts)]},
			PermissionSet: autoSets[(i/len(autoAccounts))%len(autoSets)],
			Duration:      4*time.Second + time.Duration(i)*300*time.Millisecond,
			Justification: "ha test",
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, req.ID)
	}
	var lastEnd time.Time
	for _, id := range ids {
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		r, err := viaA.WaitFor(wctx, id, func(r *client.Request) bool {
			return r.Status != client.StatusPending && r.Status != client.StatusScheduled
		}, 50*time.Millisecond)
		cancel()
		if err != nil {
			t.Fatalf("request %s not active within 60 s: %v", id, err)
		}
		if r.Status != client.StatusActive && r.Status != client.StatusEnded {
			t.Fatalf("request %s is %s (%s), want active", id, r.Status, r.Reason)
		}
		if r.EndsAt.After(lastEnd) {
			lastEnd = *r.EndsAt
		}
	}

	// Slow deletions down so that A dies with some of them in flight.
	h.emu.SetProvisioningDelay(2 * time.Second)
	before := h.emu.Calls("DeleteAccountAssignment")
	waitUntil(t, "the first deletion starts", time.Minute, func() bool { return h.emu.Calls("DeleteAccountAssignment") > before })
	killed := time.Now()
	a.kill(t)
	h.emu.SetProvisioningDelay(300 * time.Millisecond)

	bound := 60 * time.Second
	deadline := maxTime(lastEnd, killed).Add(bound)
	final := map[string]*client.Request{}
	for _, id := range ids {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		r, err := viaB.WaitFor(wctx, id, func(r *client.Request) bool { return r.Status.Terminal() }, 100*time.Millisecond)
		cancel()
		if err != nil {
			last, _ := viaB.GetRequest(ctx, id)
			t.Fatalf("request %s did not end through replica B within %s of its end (A killed at %s): %v; now %+v",
				id, bound, killed.Format(time.RFC3339Nano), err, last)
		}
		final[id] = r
		if r.Status != client.StatusEnded {
			t.Errorf("request %s is %s (%s), want ended", id, r.Status, r.Reason)
		}
		for _, g := range r.Grants {
			if g.Status != "revoked" || g.RevokedAt == nil {
				t.Errorf("request %s: grant %s on %s is %s, want revoked", id, g.ID, g.AccountID, g.Status)
				continue
			}
			t.Logf("request %s grant %s (%s): revoked %s after its end", id, g.ID, g.Origin, g.RevokedAt.Sub(*r.EndsAt).Round(time.Millisecond))
		}
	}
	aliceID := h.emu.UserID("alice")
	for _, as := range h.emu.Assignments() {
		if as.PrincipalType == "USER" && as.PrincipalID == aliceID {
			t.Errorf("assignment %s/%s of alice outlived replica A's death; its grants:%s", as.AccountID, as.PermissionSetARN,
				grantsOn(final, as.AccountID, as.PermissionSetARN))
		}
	}
}
