package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/config"
)

// TestRevokeAheadEndsByTheEnd: with policy.revoke_ahead on, a grant's
// assignment is deleted in AWS (and the deletion recorded, after AWS said
// SUCCEEDED) no later than the request's end, and the grant reports the
// access cut short, the same figure as in its revocation event.
func TestRevokeAheadEndsByTheEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		env := start(t, func(c *config.Config) {
			engine(c)
			c.Policy.RevokeAhead = time.Minute
		})
		ctx := context.Background()
		alice, bob := env.client(t, "alice"), env.client(t, "bob")
		req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
			Duration: 8 * time.Second, Justification: "INC-7: ends by its end"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Approve(ctx, req.ID, "ok"); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, alice, req.ID, client.StatusActive)
		ended := waitStatus(t, alice, req.ID, client.StatusEnded)
		g := ended.Grants[0]
		if g.Status != "revoked" || g.RevokedAt == nil || ended.EndsAt == nil {
			t.Fatalf("grant %+v of request ending %v", g, ended.EndsAt)
		}
		if g.RevokedAt.After(*ended.EndsAt) {
			t.Fatalf("revoked at %s, %s after the end %s", g.RevokedAt, g.RevokedAt.Sub(*ended.EndsAt), ended.EndsAt)
		}
		want := ended.EndsAt.Sub(*g.RevokedAt).Round(time.Millisecond).Seconds()
		if g.CutShortSeconds <= 0 || g.CutShortSeconds != want {
			t.Errorf("cut_short_seconds %g, want ends_at - revoked_at = %g", g.CutShortSeconds, want)
		}
		evs, err := alice.RequestEvents(ctx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range evs {
			if e.Type == "grant.revoked" {
				found = true
				// The event's figure is from the time in memory, the API's
				// from the stored one: they may round a millisecond apart.
				cut, err := time.ParseDuration(e.Details["cut_short"])
				if err != nil || (cut-time.Duration(want*float64(time.Second))).Abs() > time.Millisecond || e.Details["revoked_ahead"] == "" {
					t.Errorf("grant.revoked details %v, want cut_short %gs and revoked_ahead", e.Details, want)
				}
			}
		}
		if !found {
			t.Error("no grant.revoked event")
		}
	})
}
