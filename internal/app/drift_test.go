package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
)

// TestReconcileDrift: both kinds of drift, made behind elevate's back in the
// emulator, are found and handled by one reconciliation run: an assignment
// re-created after its request ended is deleted and reported, and an active
// grant whose assignment was deleted is reported. A standing assignment and
// a healthy active grant are left alone.
func TestReconcileDrift(t *testing.T) {
	forEachEngine(t, testReconcileDrift)
}

func testReconcileDrift(t *testing.T, engine func(*config.Config)) {
	env := start(t, func(c *config.Config) {
		engine(c)
		c.Jobs.ReconcileInterval = -1 // this test runs reconciliation itself
		c.Policy.Rules = append(c.Policy.Rules, policy.Rule{
			Name: "alice-dev", Users: []string{"alice"}, Accounts: []string{"dev"},
			PermissionSets: []string{"AdministratorAccess"}, MaxDuration: 4 * time.Hour,
			Approvals: 1, ApproverGroups: []string{"approvers"},
		})
	})
	ctx := context.Background()
	alice, bob := env.client(t, "alice"), env.client(t, "bob")
	psARN := env.emu.PermissionSetARN("AdministratorAccess")
	aliceID := env.emu.UserID("alice")
	prod, dev := env.emu.AccountID("prod"), env.emu.AccountID("dev")
	asg := func(account string) awsemu.Assignment {
		return awsemu.Assignment{AccountID: account, PermissionSetARN: psARN, PrincipalType: "USER", PrincipalID: aliceID}
	}
	approved := func(account string, d time.Duration) *client.Request {
		t.Helper()
		r, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{account}, PermissionSet: "AdministratorAccess",
			Duration: d, Justification: "drift test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Approve(ctx, r.ID, ""); err != nil {
			t.Fatal(err)
		}
		return waitStatus(t, alice, r.ID, client.StatusActive)
	}

	// An ended request whose assignment someone re-creates afterwards.
	ended := approved("dev", 2*time.Second)
	waitStatus(t, alice, ended.ID, client.StatusEnded)
	if env.emu.HasAssignment(dev, psARN, aliceID) {
		t.Fatal("the ended request's assignment is still in AWS")
	}
	env.emu.PutAssignment(asg(dev))

	// An active request whose assignment someone deletes.
	active := approved("prod", time.Hour)
	if !env.emu.DropAssignment(asg(prod)) {
		t.Fatal("the active request had no assignment to delete")
	}

	rep, err := env.app.Service().Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pairs != 2 || rep.Reads != 2 || len(rep.Errors) != 0 {
		t.Fatalf("report: %d pairs, %d reads, errors %v; want 2 pairs (the managed ones only), 2 reads, no errors", rep.Pairs, rep.Reads, rep.Errors)
	}
	wantRemoved := access.Assignment{AccountID: dev, PermissionSetARN: psARN, UserID: aliceID}
	if len(rep.Removed) != 1 || rep.Removed[0] != wantRemoved {
		t.Fatalf("removed %+v, want %+v", rep.Removed, wantRemoved)
	}
	if len(rep.Missing) != 1 || rep.Missing[0].RequestID != active.ID || rep.Missing[0].GrantID != active.Grants[0].ID {
		t.Fatalf("missing %+v, want grant %s of %s", rep.Missing, active.Grants[0].ID, active.ID)
	}
	if env.emu.HasAssignment(dev, psARN, aliceID) {
		t.Fatal("the leftover assignment is still in AWS after reconciliation")
	}
	hasEvent := func(reqID, typ string) int {
		t.Helper()
		evs, err := alice.RequestEvents(ctx, reqID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Type == typ {
				n++
			}
		}
		return n
	}
	if hasEvent(ended.ID, string(access.EventDriftRemoved)) != 1 {
		t.Errorf("request %s has no %s event", ended.ID, access.EventDriftRemoved)
	}
	if hasEvent(active.ID, string(access.EventDriftMissing)) != 1 {
		t.Errorf("request %s has no %s event", active.ID, access.EventDriftMissing)
	}
	if r, err := alice.GetRequest(ctx, active.ID); err != nil || r.Status != client.StatusActive {
		t.Fatalf("the drifted request: %v %v; want it still active (reported, not changed)", r, err)
	}

	// A second run: nothing left to remove; the missing grant is still
	// reported (log, metric) but its event is not repeated.
	rep, err = env.app.Service().Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Removed) != 0 || len(rep.Missing) != 1 {
		t.Fatalf("second run: removed %v missing %v", rep.Removed, rep.Missing)
	}
	if n := hasEvent(active.ID, string(access.EventDriftMissing)); n != 1 {
		t.Errorf("%d %s events after two runs, want 1", n, access.EventDriftMissing)
	}

	st, found, err := env.app.Service().RunStatus(ctx, access.RunReconcile)
	if err != nil || !found {
		t.Fatalf("run status: %v found=%v", err, found)
	}
	if st.Error != "" || st.Counts["missing"] != 1 || st.Counts["pairs"] != 2 || st.LastSuccessAt.IsZero() {
		t.Fatalf("run status %+v", st)
	}
	resp, err := http.Get(env.app.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{`elevate_reconcile_drift_total{kind="missing"} 2`, `elevate_reconcile_drift_total{kind="removed"} 1`,
		`elevate_reconcile_runs_total 2`} {
		if !strings.Contains(string(body), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

// TestReconcileKeepsStanding: reconciliation never deletes a
// standing assignment, even when elevate granted on top of it.
func TestReconcileKeepsStanding(t *testing.T) {
	env := start(t, func(c *config.Config) { c.Jobs.ReconcileInterval = -1 })
	ctx := context.Background()
	alice, bob := env.client(t, "alice"), env.client(t, "bob")
	psARN := env.emu.PermissionSetARN("AdministratorAccess")
	aliceID, prod := env.emu.UserID("alice"), env.emu.AccountID("prod")
	// alice holds the assignment before elevate: standing.
	env.emu.PutAssignment(awsemu.Assignment{AccountID: prod, PermissionSetARN: psARN, PrincipalType: "USER", PrincipalID: aliceID})
	r, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: 2 * time.Second, Justification: "standing"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Approve(ctx, r.ID, ""); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, alice, r.ID, client.StatusEnded)
	rep, err := env.app.Service().Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Removed) != 0 || len(rep.Missing) != 0 {
		t.Fatalf("removed %v missing %v; want nothing", rep.Removed, rep.Missing)
	}
	if !env.emu.HasAssignment(prod, psARN, aliceID) {
		t.Fatal("reconciliation deleted a standing assignment")
	}
}
