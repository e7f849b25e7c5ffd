package workflow_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// okAWS accepts every create and delete at once.
type okAWS struct{}

func (okAWS) CreateAssignment(context.Context, access.Assignment) (string, error) {
	return "aws-1", nil
}
func (okAWS) DeleteAssignment(context.Context, access.Assignment, time.Time) (string, error) {
	return "aws-2", nil
}
func (okAWS) AssignmentExists(context.Context, access.Assignment) (bool, error) { return false, nil }

// settableClock is a clock the test moves.
type settableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settableClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *settableClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// latenessObserver records the revocation lateness observations.
type latenessObserver struct {
	mu       sync.Mutex
	lateness []time.Duration
}

func (*latenessObserver) ObserveGrant(time.Duration, string)    {}
func (*latenessObserver) ObserveRevoke(time.Duration, string)   {}
func (*latenessObserver) ObserveApprovalToCreate(time.Duration) {}
func (o *latenessObserver) ObserveRevocationLateness(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lateness = append(o.lateness, d)
}

// TestRevocationLatenessOnlyForScheduledEnds: a request ended early is
// revoked before its scheduled end and records no lateness (it used to
// count as negative lateness); a revocation at the scheduled end records
// how late it was.
func TestRevocationLatenessOnlyForScheduledEnds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		early    bool
		late     time.Duration
		wantObs  int
		wantLate time.Duration
	}{
		{name: "ended early", early: true, wantObs: 0},
		{name: "scheduled end", late: 3 * time.Second, wantObs: 1, wantLate: 3 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := newDirStore(t)
			clock := &settableClock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
			obs := &latenessObserver{}
			svc, err := workflow.New(workflow.Settings{MinDuration: time.Minute, Rules: []policy.Rule{{
				Name: "r", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"Admin"}, MaxDuration: time.Hour}}},
				workflow.Deps{Store: st, Scheduler: &recordingScheduler{}, Provider: okAWS{}, Clock: clock, Observer: obs})
			if err != nil {
				t.Fatal(err)
			}
			alice := actor("u-alice", "alice")
			r, err := svc.Submit(ctx, alice, workflow.SubmitInput{AccountIDs: []string{"prod"}, PermissionSet: "Admin",
				Duration: 30 * time.Minute, Justification: "lateness"})
			if err != nil {
				t.Fatal(err)
			}
			grant := r.Grants[0].ID
			if err := svc.Activate(ctx, grant, 1); err != nil {
				t.Fatal(err)
			}
			if c.early {
				clock.Set(clock.Now().Add(5 * time.Minute))
				if _, err := svc.End(ctx, alice, r.ID, "done"); err != nil {
					t.Fatal(err)
				}
			} else {
				got, err := svc.GetRequest(ctx, access.SystemActor, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				clock.Set(got.EndsAt.Add(c.late))
			}
			if err := svc.Revoke(ctx, grant, 1); err != nil {
				t.Fatal(err)
			}
			obs.mu.Lock()
			defer obs.mu.Unlock()
			if len(obs.lateness) != c.wantObs || (c.wantObs == 1 && obs.lateness[0] != c.wantLate) {
				t.Errorf("lateness observations %v, want %d of %s", obs.lateness, c.wantObs, c.wantLate)
			}
		})
	}
}
