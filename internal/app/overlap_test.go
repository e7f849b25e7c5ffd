package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
)

func (e *testEnv) aliceHasProdAdmin() bool {
	return e.emu.HasAssignment(e.emu.AccountID("prod"), e.emu.PermissionSetARN("AdministratorAccess"), e.emu.UserID("alice"))
}

func (e *testEnv) approvedRequest(t *testing.T, d time.Duration) *client.Request {
	t.Helper()
	ctx := context.Background()
	req, err := e.client(t, "alice").CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"},
		PermissionSet: "AdministratorAccess", Duration: d, Justification: "overlap test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client(t, "bob").Approve(ctx, req.ID, ""); err != nil {
		t.Fatal(err)
	}
	return waitStatus(t, e.client(t, "alice"), req.ID, client.StatusActive)
}

// TestOverlappingGrantsShareTheAssignment: two requests for the same account,
// permission set and user overlap; when the first ends, the user keeps the
// assignment until the second ends.
func TestOverlappingGrantsShareTheAssignment(t *testing.T) {
	forEachEngine(t, testOverlappingGrantsShareTheAssignment)
}

func testOverlappingGrantsShareTheAssignment(t *testing.T, engine func(*config.Config)) {
	env := start(t, engine)
	alice := env.client(t, "alice")
	first := env.approvedRequest(t, 3*time.Second)
	second := env.approvedRequest(t, time.Hour)
	if got := first.Grants[0].Origin; got != "created" {
		t.Fatalf("first grant origin %q, want created", got)
	}
	if got := second.Grants[0].Origin; got != "shared" {
		t.Fatalf("second grant origin %q, want shared", got)
	}
	ended := waitStatus(t, alice, first.ID, client.StatusEnded)
	if ended.Grants[0].Status != "revoked" {
		t.Fatalf("first grant %+v", ended.Grants[0])
	}
	if !env.aliceHasProdAdmin() {
		t.Fatal("the first request's end removed the assignment the second still needs")
	}
	if r, _ := alice.GetRequest(context.Background(), second.ID); r.Status != client.StatusActive {
		t.Fatalf("second request is %s", r.Status)
	}
	if _, err := alice.End(context.Background(), second.ID, "done"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, alice, second.ID, client.StatusRevoked)
	if env.aliceHasProdAdmin() {
		t.Fatal("the assignment outlived the last grant that needed it")
	}
}

// TestStandingAssignmentIsNeverDeleted: an assignment that existed before
// elevate is used by a grant but never deleted by elevate.
func TestStandingAssignmentIsNeverDeleted(t *testing.T) {
	seed := awsemu.DemoSeed()
	seed.Assignments = append(seed.Assignments, awsemu.SeedAssignment{Account: "prod", PermissionSet: "AdministratorAccess", User: "alice"})
	env := startSeeded(t, seed, nil)
	if !env.aliceHasProdAdmin() {
		t.Fatal("seeded standing assignment missing")
	}
	r := env.approvedRequest(t, 2*time.Second)
	if got := r.Grants[0].Origin; got != "standing" {
		t.Fatalf("grant origin %q, want standing", got)
	}
	ended := waitStatus(t, env.client(t, "alice"), r.ID, client.StatusEnded)
	if ended.Grants[0].AWSDeleteRequestID != "" {
		t.Fatalf("elevate sent a delete for a standing assignment: %+v", ended.Grants[0])
	}
	if !env.aliceHasProdAdmin() {
		t.Fatal("elevate deleted a standing assignment")
	}
	if n := env.emu.Calls("DeleteAccountAssignment"); n != 0 {
		t.Fatalf("%d DeleteAccountAssignment calls", n)
	}
}
