package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu/iamsim"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
)

// TestEndSessionsThroughTheServer: with end_sessions on, ending a request
// through the API runs the revoke job on the job queue, which ends alice's
// open session (the independent simulator denies it) before the request
// shows revoked; the statement is listed as pending for admins, and a new
// grant's session works at once. Both mechanisms, both engines.
func TestEndSessionsThroughTheServer(t *testing.T) {
	sim := iamsim.New(t)
	for _, mech := range []string{config.EndSessionsSCP, config.EndSessionsInline} {
		t.Run(mech, func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
				on := true
				env := start(t, func(c *config.Config) {
					engine(c)
					c.EndSessions.Mechanism = mech
					c.Policy.Rules[0].EndSessions = &on
					c.Policy.Rules = append(c.Policy.Rules, policy.Rule{Name: "alice-readonly", Users: []string{"alice"},
						Accounts: []string{"prod"}, PermissionSets: []string{"ReadOnlyAccess"}, MaxDuration: time.Hour})
				})
				ctx := context.Background()
				alice, bob := env.client(t, "alice"), env.client(t, "bob")
				prod, admin := env.emu.AccountID("prod"), env.emu.PermissionSetARN("AdministratorAccess")
				grant := func() *client.Request {
					t.Helper()
					r, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{prod}, PermissionSet: "AdministratorAccess",
						Duration: time.Hour, Justification: "end sessions"})
					if err != nil {
						t.Fatal(err)
					}
					if _, err := bob.Approve(ctx, r.ID, ""); err != nil {
						t.Fatal(err)
					}
					return waitStatus(t, alice, r.ID, client.StatusActive)
				}
				r := grant()
				old, err := env.emu.OpenSession(env.emu.UserID("alice"), prod, admin)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := alice.End(ctx, r.ID, "done"); err != nil {
					t.Fatal(err)
				}
				waitStatus(t, alice, r.ID, client.StatusRevoked)
				ds, err := env.app.Service().PendingSessionDenies(ctx, access.Actor{UserName: "ops", Admin: true})
				if err != nil {
					t.Fatal(err)
				}
				if len(ds) != 1 || ds[0].InForceAt.IsZero() || string(ds[0].Mechanism) != mech || ds[0].UserID != env.emu.UserID("alice") {
					t.Fatalf("pending statements when the request shows revoked: %+v", ds)
				}
				if _, err := env.app.Service().PendingSessionDenies(ctx, access.Actor{UserName: "alice"}); err == nil {
					t.Fatal("a non-admin read the pending statements")
				}
				// A later grant: its session works at once; the old one stays denied.
				time.Sleep(time.Until(ds[0].DenyTime().Add(10 * time.Millisecond))) // sessions issue in whole seconds
				grant()
				fresh, err := env.emu.OpenSession(env.emu.UserID("alice"), prod, admin)
				if err != nil {
					t.Fatal(err)
				}
				got, err := sim.Evaluate(ctx, []iamsim.Request{iamsim.SessionRequest(env.emu, old, time.Time{}), iamsim.SessionRequest(env.emu, fresh, time.Time{})})
				if err != nil {
					t.Fatal(err)
				}
				if got[0] != iamsim.ExplicitlyDenied || got[1] != iamsim.Allowed {
					t.Fatalf("old session %s (want ExplicitlyDenied), new session %s (want Allowed)", got[0], got[1])
				}
			})
		})
	}
}
