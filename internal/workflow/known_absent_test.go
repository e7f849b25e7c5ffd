package workflow_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// countingAWS is okAWS that counts the existence checks and creates.
type countingAWS struct {
	okAWS
	checks, creates atomic.Int32
}

func (c *countingAWS) AssignmentExists(ctx context.Context, a access.Assignment) (bool, error) {
	c.checks.Add(1)
	return false, nil
}

func (c *countingAWS) CreateAssignment(ctx context.Context, a access.Assignment) (string, error) {
	c.creates.Add(1)
	return "aws-1", nil
}

// TestNoExistenceCheckAfterOwnRemoval: a grant of an assignment that
// elevate itself deleted less than access.RemovalKnownFor ago creates it
// without asking AWS whether it exists; the first grant, and one after that
// time, ask.
func TestNoExistenceCheckAfterOwnRemoval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := newDirStore(t)
	clock := &settableClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	aws := &countingAWS{}
	svc, err := workflow.New(workflow.Settings{MinDuration: time.Minute, Rules: []policy.Rule{{
		Name: "r", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"Admin"}, MaxDuration: time.Hour}}},
		workflow.Deps{Store: st, Scheduler: &recordingScheduler{}, Provider: aws, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	alice := actor("u-alice", "alice")
	cycle := func(wantChecks int32, what string) {
		t.Helper()
		before := aws.checks.Load()
		r, err := svc.Submit(ctx, alice, workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "Admin",
			Duration: 30 * time.Minute, Justification: "known absent"})
		if err != nil {
			t.Fatal(err)
		}
		grant := r.Grants[0].ID
		if err := svc.Activate(ctx, grant, 1); err != nil {
			t.Fatal(err)
		}
		got, err := svc.GetRequest(ctx, access.SystemActor, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != access.StatusActive || got.Grants[0].Origin != access.OriginCreated {
			t.Fatalf("%s: request %s, grant origin %q; want active, created", what, got.Status, got.Grants[0].Origin)
		}
		if n := aws.checks.Load() - before; n != wantChecks {
			t.Errorf("%s: %d existence checks, want %d", what, n, wantChecks)
		}
		clock.Set(clock.Now().Add(time.Minute))
		if _, err := svc.End(ctx, alice, r.ID, "done"); err != nil {
			t.Fatal(err)
		}
		if err := svc.Revoke(ctx, grant, 1); err != nil {
			t.Fatal(err)
		}
	}
	cycle(1, "first grant")
	clock.Set(clock.Now().Add(10 * time.Minute))
	cycle(0, "grant 10 minutes after elevate deleted it")
	clock.Set(clock.Now().Add(access.RemovalKnownFor + time.Minute))
	cycle(1, "grant longer after elevate deleted it")
	if n := aws.creates.Load(); n != 3 {
		t.Errorf("%d creates, want 3", n)
	}
}
