package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu/iamsim"
)

// TestEndSessionsSurvivesSIGKILL kills the server (SIGKILL: no shutdown code
// runs) after AWS deleted the assignment and while the deny that ends the
// user's open session is being put in force (the permission set is being
// provisioned to the account), restarts it on the same database, and
// checks that nothing was lost: the request ends revoked only with the deny
// in force, and the independent simulator denies the session opened during
// the grant. SQLite, and PostgreSQL when ELEVATE_TEST_POSTGRES_URL is set.
func TestEndSessionsSurvivesSIGKILL(t *testing.T) {
	sim := iamsim.New(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			opts := harnessOptions{
				rules: `    - name: alice-staging
      users: [alice]
      accounts: [staging]
      permission_sets: [AdministratorAccess]
      max_duration: 1h
      approvals: 0
      end_sessions: true
`,
				extra: "end_sessions:\n  mechanism: inline\n",
			}
			if engine == "postgres" {
				opts.databaseURL = postgresDatabase(t)
			}
			h := newHarnessWith(t, opts)
			aliceTok, _ := h.setup()
			srv := h.serve()
			ctx := context.Background()
			alice := h.client(srv.url, aliceTok)
			req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"staging"},
				PermissionSet: "AdministratorAccess", Duration: time.Hour, Justification: "end sessions crash test"})
			if err != nil {
				t.Fatal(err)
			}
			active, err := alice.WaitFor(ctx, req.ID, func(r *client.Request) bool {
				return r.Status != client.StatusScheduled && r.Status != client.StatusPending
			}, 50*time.Millisecond)
			if err != nil || active.Status != client.StatusActive {
				t.Fatalf("not active: %v %+v", err, active)
			}
			staging, admin := h.emu.AccountID("staging"), h.emu.PermissionSetARN("AdministratorAccess")
			session, err := h.emu.OpenSession(h.emu.UserID("alice"), staging, admin)
			if err != nil {
				t.Fatal(err)
			}

			h.emu.SetProvisioningDelay(3 * time.Second)
			before := h.emu.Calls("ProvisionPermissionSet")
			if _, err := alice.End(ctx, req.ID, "done"); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "the deny is being provisioned", time.Minute, func() bool { return h.emu.Calls("ProvisionPermissionSet") > before })
			srv.kill(t)
			if h.emu.HasAssignment(staging, admin, h.emu.UserID("alice")) {
				t.Fatal("the assignment is still in AWS: the kill is not after the delete")
			}
			if got := h.emu.InlinePolicyInForce(staging, admin); strings.Contains(got, "ElevateEndSessions") {
				t.Fatal("the deny was already in force: the kill is not before it")
			}
			h.emu.SetProvisioningDelay(300 * time.Millisecond)

			srv = h.serve()
			alice = h.client(srv.url, aliceTok)
			wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			done, err := alice.WaitFor(wctx, req.ID, func(r *client.Request) bool { return r.Status.Terminal() }, 50*time.Millisecond)
			if err != nil {
				t.Fatalf("after restart: %v", err)
			}
			if done.Status != client.StatusRevoked {
				t.Fatalf("status %s (%s), want revoked", done.Status, done.Reason)
			}
			if got := h.emu.InlinePolicyInForce(staging, admin); !strings.Contains(got, "ElevateEndSessions") {
				t.Fatalf("after restart the deny is not in force: inline policy %q", got)
			}
			res, err := sim.Evaluate(ctx, []iamsim.Request{iamsim.SessionRequest(h.emu, session, time.Time{})})
			if err != nil {
				t.Fatal(err)
			}
			if res[0] != iamsim.ExplicitlyDenied {
				t.Fatalf("the session opened during the grant: %s, want ExplicitlyDenied", res[0])
			}
		})
	}
}
