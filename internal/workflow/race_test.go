package workflow_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlite"
	"github.com/elevate/elevate/internal/workflow"
)

// recordingScheduler records the jobs a use case schedules (the real queue
// is exercised by the end-to-end tests).
type recordingScheduler struct {
	mu   sync.Mutex
	jobs []workflow.Job
}

func (s *recordingScheduler) Schedule(_ context.Context, _ store.Tx, jobs ...workflow.Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs = append(s.jobs, jobs...)
	return nil
}

// noAWS fails any AWS call: these tests never reach the provider.
type noAWS struct{}

func (noAWS) CreateAssignment(context.Context, access.Assignment) (string, error) {
	return "", errors.New("unexpected AWS call")
}
func (noAWS) DeleteAssignment(context.Context, access.Assignment, time.Time) (string, error) {
	return "", errors.New("unexpected AWS call")
}
func (noAWS) AssignmentExists(context.Context, access.Assignment) (bool, error) {
	return false, errors.New("unexpected AWS call")
}

var dir = access.Directory{
	Accounts:       []access.Account{{ID: "111111111111", Name: "prod", State: "ACTIVE"}},
	PermissionSets: []access.PermissionSet{{ARN: "arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-0000000000000001", Name: "Admin", SessionDuration: time.Hour}},
	Users: []access.User{
		{ID: "u-alice", UserName: "alice", Email: "alice@example.com", Active: true},
		{ID: "u-bob", UserName: "bob", Email: "bob@example.com", Active: true},
		{ID: "u-carol", UserName: "carol", Email: "carol@example.com", Active: true},
	},
	Groups:      []access.Group{{ID: "g-approvers", Name: "approvers"}},
	Memberships: []access.Membership{{GroupID: "g-approvers", UserID: "u-bob"}, {GroupID: "g-approvers", UserID: "u-carol"}},
}

func newService(t *testing.T, approvals int) (*workflow.Service, *recordingScheduler) {
	t.Helper()
	svc, _, sched := newServiceWithRule(t, policy.Rule{
		Name: "r", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"Admin"},
		MaxDuration: time.Hour, Approvals: approvals, ApproverGroups: []string{"approvers"},
	})
	return svc, sched
}

// newServiceWithRule is a service on a real SQLite store holding dir, whose
// policy is the one rule.
func newServiceWithRule(t *testing.T, rule policy.Rule) (*workflow.Service, store.Store, *recordingScheduler) {
	t.Helper()
	st := newDirStore(t)
	sched := &recordingScheduler{}
	svc, err := workflow.New(workflow.Settings{MinDuration: time.Minute, Rules: []policy.Rule{rule}},
		workflow.Deps{Store: st, Scheduler: sched, Provider: noAWS{}})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st, sched
}

// newDirStore is a migrated SQLite store holding dir.
func newDirStore(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "elevate.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, dir, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	return st
}

func actor(id, name string) access.Actor {
	return access.Actor{UserID: id, UserName: name, Via: access.ViaAPI}
}

func submit(t *testing.T, svc *workflow.Service) *access.Request {
	t.Helper()
	r, err := svc.Submit(context.Background(), actor("u-alice", "alice"), workflow.SubmitInput{
		AccountIDs: []string{"prod"}, PermissionSet: "Admin", Duration: 30 * time.Minute, Justification: "race"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTwoApproversRace: bob and carol approve a one-approval request at the
// same moment; exactly one approval counts and the other is refused.
func TestTwoApproversRace(t *testing.T) {
	for i := 0; i < 20; i++ {
		svc, _ := newService(t, 1)
		r := submit(t, svc)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for j, a := range []access.Actor{actor("u-bob", "bob"), actor("u-carol", "carol")} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[j] = svc.Approve(context.Background(), a, r.ID, "")
			}()
		}
		wg.Wait()
		got, err := svc.GetRequest(context.Background(), access.SystemActor, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != access.StatusScheduled || len(got.Approvals) != 1 {
			t.Fatalf("status %s with %d approvals, want scheduled with 1", got.Status, len(got.Approvals))
		}
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("both or neither approval succeeded: %v / %v", errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil && access.ErrorCode(err) != access.CodeAlreadyDecided {
				t.Fatalf("the loser got %v, want already_decided", err)
			}
		}
	}
}

// TestApproveCancelRace: an approval and a cancel at the same moment end in
// one outcome; grant jobs exist only when the approval won.
func TestApproveCancelRace(t *testing.T) {
	outcomes := map[access.Status]int{}
	for i := 0; i < 20; i++ {
		svc, sched := newService(t, 1)
		r := submit(t, svc)
		var approveErr, cancelErr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, approveErr = svc.Approve(context.Background(), actor("u-bob", "bob"), r.ID, "")
		}()
		go func() {
			defer wg.Done()
			_, cancelErr = svc.Cancel(context.Background(), actor("u-alice", "alice"), r.ID, "")
		}()
		wg.Wait()
		got, err := svc.GetRequest(context.Background(), access.SystemActor, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		outcomes[got.Status]++
		grantJobs := 0
		for _, j := range sched.jobs {
			if j.Kind == workflow.JobGrant {
				grantJobs++
			}
		}
		switch got.Status {
		case access.StatusCancelled:
			// The approval lost, or came first and the cancel still won
			// (cancelling a scheduled request is allowed); either way no
			// assignment may be created.
			if cancelErr != nil {
				t.Fatalf("cancelled, but the cancel failed: %v", cancelErr)
			}
		case access.StatusScheduled:
			if approveErr != nil || cancelErr == nil || grantJobs != 1 {
				t.Fatalf("scheduled: approve %v, cancel %v, %d grant jobs", approveErr, cancelErr, grantJobs)
			}
		default:
			t.Fatalf("status %s after approve/cancel race", got.Status)
		}
		if got.Status == access.StatusCancelled && got.Grants[0].Status != access.GrantRevoked {
			t.Fatalf("cancelled request's grant is %s", got.Grants[0].Status)
		}
	}
	t.Logf("outcomes: %v", outcomes)
}
