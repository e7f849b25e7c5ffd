package app_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
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

// TestDriftMissingShown: an active grant's assignment deleted behind
// elevate's back shows as drift in the API (request and grant) and is
// notified once to the requester and once to the admins, however many runs
// find it; the request stays active.
func TestDriftMissingShown(t *testing.T) {
	t.Parallel()
	env, r, asg := driftedGrant(t, false)
	ctx := context.Background()
	alice := env.client(t, "alice")
	for range 2 { // the second run finds it again: no new event or notification
		if rep, err := env.app.Service().Reconcile(ctx); err != nil || len(rep.Missing) != 1 {
			t.Fatalf("reconcile: %+v %v; want one missing grant", rep, err)
		}
	}
	got, err := alice.GetRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != client.StatusActive || got.DriftMissingSince == nil || got.Grants[0].DriftMissingSince == nil {
		t.Fatalf("request %s: status %s, drift %v, grant drift %v; want active with drift", r.ID, got.Status, got.DriftMissingSince, got.Grants[0].DriftMissingSince)
	}
	perRecipient := map[string]int{}
	for _, n := range adminNotifications(t, env, "request_id="+r.ID) {
		if n["event"] == string(access.EventDriftMissing) {
			perRecipient[fmt.Sprint(n["recipient"])]++
		}
	}
	want := map[string]int{"alice": 1, "erin": 1} // the requester and the admins group
	if !maps.Equal(perRecipient, want) {
		t.Errorf("drift notifications per recipient %v, want %v", perRecipient, want)
	}

	// Someone re-creates the assignment in AWS by hand: the next run clears
	// the drift mark and records it.
	env.emu.PutAssignment(asg)
	if rep, err := env.app.Service().Reconcile(ctx); err != nil || len(rep.Missing) != 0 {
		t.Fatalf("reconcile after the assignment is back: %+v %v; want nothing missing", rep, err)
	}
	if got, err = alice.GetRequest(ctx, r.ID); err != nil || got.DriftMissingSince != nil || got.Grants[0].DriftMissingSince != nil {
		t.Fatalf("after the assignment is back: %+v %v; want no drift shown", got, err)
	}
	evs, err := alice.RequestEvents(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(evs, func(e client.Event) bool { return e.Type == string(access.EventDriftResolved) }) {
		t.Errorf("no %s event in %+v", access.EventDriftResolved, evs)
	}
}

// TestDriftMissingRepaired: with reconcile.repair_missing, one run
// re-creates an active grant's missing assignment, audits it, counts it,
// and leaves no drift shown.
func TestDriftMissingRepaired(t *testing.T) {
	t.Parallel()
	env, r, asg := driftedGrant(t, true)
	ctx := context.Background()
	rep, err := env.app.Service().Reconcile(ctx)
	if err != nil || len(rep.Repaired) != 1 || len(rep.Missing) != 0 {
		t.Fatalf("reconcile: %+v %v; want one repaired", rep, err)
	}
	if !env.emu.HasAssignment(asg.AccountID, asg.PermissionSetARN, asg.PrincipalID) {
		t.Fatal("the missing assignment was not re-created")
	}
	alice := env.client(t, "alice")
	got, err := alice.GetRequest(ctx, r.ID)
	if err != nil || got.DriftMissingSince != nil || got.Status != client.StatusActive {
		t.Fatalf("after repair: %+v %v; want active without drift", got, err)
	}
	evs, err := alice.RequestEvents(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(evs, func(e client.Event) bool { return e.Type == string(access.EventDriftRepaired) }) {
		t.Errorf("no %s event in %+v", access.EventDriftRepaired, evs)
	}
	if !strings.Contains(metricsText(t, env), `elevate_reconcile_drift_total{kind="repaired"} 1`) {
		t.Error("metrics lack the repaired count")
	}
}

// driftedGrant starts elevate (repair: reconcile.repair_missing), makes
// alice's request active on prod, then deletes its assignment directly in
// the emulator.
func driftedGrant(t *testing.T, repair bool) (*testEnv, *client.Request, awsemu.Assignment) {
	t.Helper()
	env := start(t, func(c *config.Config) {
		c.Jobs.ReconcileInterval = -1 // the test runs reconciliation itself
		c.Notify.Log = true
		c.Reconcile.RepairMissing = repair
	})
	ctx := context.Background()
	alice, bob := env.client(t, "alice"), env.client(t, "bob")
	r, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "drift"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Approve(ctx, r.ID, ""); err != nil {
		t.Fatal(err)
	}
	r = waitStatus(t, alice, r.ID, client.StatusActive)
	asg := awsemu.Assignment{AccountID: env.emu.AccountID("prod"), PermissionSetARN: env.emu.PermissionSetARN("AdministratorAccess"),
		PrincipalType: "USER", PrincipalID: env.emu.UserID("alice")}
	if !env.emu.DropAssignment(asg) {
		t.Fatal("the active request had no assignment to delete")
	}
	return env, r, asg
}
