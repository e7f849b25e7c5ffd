package workflow_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/aws"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// heldCreates is the real AWS provider (the SDK against the emulator) whose
// next create can be held after AWS accepted it, or have its answer lost:
// the moments a cancel or a crash can fall into.
type heldCreates struct {
	p *aws.Provider

	mu   sync.Mutex
	hold chan struct{} // the next create waits on it after AWS has it
	lose bool          // the next create's answer is lost (a transient error)
	sent chan struct{} // closed when a held create has reached AWS
}

func (h *heldCreates) CreateAssignment(ctx context.Context, a access.Assignment) (string, error) {
	h.mu.Lock()
	hold, sent, lose := h.hold, h.sent, h.lose
	h.hold, h.lose = nil, false
	h.mu.Unlock()
	id, err := h.p.CreateAssignment(ctx, a)
	if hold != nil {
		close(sent)
		<-hold
	}
	if lose && err == nil {
		return "", errors.New("answer lost: connection reset")
	}
	return id, err
}

func (h *heldCreates) DeleteAssignment(ctx context.Context, a access.Assignment, deadline time.Time) (string, error) {
	return h.p.DeleteAssignment(ctx, a, deadline)
}

func (h *heldCreates) AssignmentExists(ctx context.Context, a access.Assignment) (bool, error) {
	return h.p.AssignmentExists(ctx, a)
}

type orphanEnv struct {
	emu   *awsemu.Emulator
	aws   *heldCreates
	store store.Store
	svc   *workflow.Service
	sched *recordingScheduler
	alice access.Actor
}

func newOrphanEnv(t *testing.T, st store.Store) *orphanEnv {
	t.Helper()
	emu, p := newEmulatorProvider(t, awsemu.Options{ProvisioningDelay: 20 * time.Millisecond}, aws.Config{PollInterval: 10 * time.Millisecond})
	held, sched := &heldCreates{p: p}, &recordingScheduler{}
	svc, err := workflow.New(workflow.Settings{MinDuration: time.Minute, Rules: []policy.Rule{{
		Name: "auto", Users: []string{"alice"}, Accounts: []string{"staging", "dev"}, PermissionSets: []string{"PowerUserAccess"},
		MaxDuration: time.Hour,
	}}}, workflow.Deps{Store: st, Scheduler: sched, Provider: held, Directory: p, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("workflow.New: %v", err)
	}
	if _, err := svc.SyncDirectory(t.Context()); err != nil {
		t.Fatalf("SyncDirectory: %v", err)
	}
	return &orphanEnv{emu: emu, aws: held, store: st, svc: svc, sched: sched, alice: actor(emu.UserID("alice"), "alice")}
}

func (e *orphanEnv) submit(t *testing.T, accounts ...string) (*access.Request, []string) {
	t.Helper()
	r, err := e.svc.Submit(t.Context(), e.alice, workflow.SubmitInput{AccountIDs: accounts, PermissionSet: "PowerUserAccess",
		Duration: 30 * time.Minute, Justification: "orphan test"})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	var ids []string
	for _, g := range r.Grants {
		ids = append(ids, g.ID)
	}
	return r, ids
}

func (e *orphanEnv) grant(t *testing.T, grantID string) access.Grant {
	t.Helper()
	var g access.Grant
	if err := e.store.ReadTx(t.Context(), func(tx store.Tx) error {
		r, err := tx.FindRequestByGrantID(t.Context(), grantID)
		if err != nil {
			return err
		}
		g, _ = r.FindGrant(grantID)
		return nil
	}); err != nil {
		t.Fatalf("read grant %s: %v", grantID, err)
	}
	return g
}

// inAWS reports whether alice has PowerUserAccess on the account in the emulator.
func (e *orphanEnv) inAWS(t *testing.T, accountID string) bool {
	t.Helper()
	for _, a := range e.emu.Assignments() {
		if a.AccountID == accountID && a.PrincipalID == e.alice.UserID && a.PrincipalType == "USER" {
			return true
		}
	}
	return false
}

func (e *orphanEnv) standing(t *testing.T, accountID string) bool {
	t.Helper()
	var standing bool
	if err := e.store.ReadTx(t.Context(), func(tx store.Tx) error {
		d, err := tx.DirectorySnapshot(t.Context())
		if err != nil {
			return err
		}
		for _, ps := range d.PermissionSets {
			if ps.Name == "PowerUserAccess" {
				standing, err = tx.IsStanding(t.Context(), access.Assignment{AccountID: accountID, PermissionSetARN: ps.ARN, UserID: e.alice.UserID})
			}
		}
		return err
	}); err != nil {
		t.Fatalf("read standing assignments: %v", err)
	}
	return standing
}

const stagingID = "555566667777"

// TestOrphanedCreateNeverPassesForStanding: a grant closes after its create
// reached AWS but before it became active, so the assignment is in AWS with
// no active grant. Until that grant's job has removed it, a new grant for the
// same assignment must wait: it must neither take the assignment for a
// standing one (which elevate would then never delete) nor share it. Then
// the assignment is deleted, the new grant creates its own, and its end
// removes it: nothing is left in AWS.
func TestOrphanedCreateNeverPassesForStanding(t *testing.T) {
	for _, tc := range []struct {
		name string
		// close runs grant A's job up to the moment the request closes
		// and returns what finishes A's job.
		close func(t *testing.T, e *orphanEnv, reqID, grantID string) (finish func() error)
	}{
		{"cancelled while its create is in flight", func(t *testing.T, e *orphanEnv, reqID, grantID string) func() error {
			hold, sent := make(chan struct{}), make(chan struct{})
			e.aws.mu.Lock()
			e.aws.hold, e.aws.sent = hold, sent
			e.aws.mu.Unlock()
			done := make(chan error, 1)
			go func() { done <- e.svc.Activate(context.Background(), grantID, 1) }()
			<-sent
			if _, err := e.svc.Cancel(t.Context(), e.alice, reqID, ""); err != nil {
				t.Fatalf("Cancel: %v", err)
			}
			return func() error { close(hold); return <-done }
		}},
		{"cancelled after a create whose answer was lost", func(t *testing.T, e *orphanEnv, reqID, grantID string) func() error {
			e.aws.mu.Lock()
			e.aws.lose = true
			e.aws.mu.Unlock()
			if err := e.svc.Activate(t.Context(), grantID, 1); err == nil {
				t.Fatal("Activate with the create's answer lost: want an error (retry later), got nil")
			}
			if _, err := e.svc.Cancel(t.Context(), e.alice, reqID, ""); err != nil {
				t.Fatalf("Cancel: %v", err)
			}
			return func() error { return e.svc.Activate(t.Context(), grantID, 2) }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, st store.Store) {
				e := newOrphanEnv(t, st)
				a, aIDs := e.submit(t, "staging")
				finishA := tc.close(t, e, a.ID, aIDs[0])
				if !e.inAWS(t, stagingID) {
					t.Fatal("A's create did not reach AWS: the test sets up nothing")
				}
				if g := e.grant(t, aIDs[0]); g.Status != access.GrantRevoking {
					t.Fatalf("A after its request closed: %s, want revoking (its assignment may exist)", g.Status)
				}

				// B comes while A's assignment is in AWS with no active grant.
				b, bIDs := e.submit(t, "staging")
				var nd *workflow.NotDueError
				if err := e.svc.Activate(t.Context(), bIDs[0], 1); !errors.As(err, &nd) {
					t.Fatalf("Activate B while A's assignment is being removed: %v, want NotDueError (wait)", err)
				}
				if g := e.grant(t, bIDs[0]); g.Status != access.GrantPending {
					t.Fatalf("B: %s origin %q, want still pending", g.Status, g.Origin)
				}

				if err := finishA(); err != nil {
					t.Fatalf("A's grant job: %v", err)
				}
				ga := e.grant(t, aIDs[0])
				if ga.Status != access.GrantRevoked || ga.DeleteRequestID == "" || !ga.ActivatedAt.IsZero() {
					t.Fatalf("A: %s delete %q activated %v, want revoked by a delete, never active", ga.Status, ga.DeleteRequestID, ga.ActivatedAt)
				}
				if e.inAWS(t, stagingID) {
					t.Fatal("A's assignment is still in AWS after A's job finished")
				}

				if err := e.svc.Activate(t.Context(), bIDs[0], 2); err != nil {
					t.Fatalf("Activate B: %v", err)
				}
				if g := e.grant(t, bIDs[0]); g.Status != access.GrantActive || g.Origin != access.OriginCreated {
					t.Fatalf("B: %s origin %q, want active, created by elevate", g.Status, g.Origin)
				}
				if e.standing(t, stagingID) {
					t.Fatal("the assignment is recorded as standing")
				}
				if _, err := e.svc.End(t.Context(), e.alice, b.ID, "done"); err != nil {
					t.Fatalf("End B: %v", err)
				}
				if err := e.svc.Revoke(t.Context(), bIDs[0], 1); err != nil {
					t.Fatalf("Revoke B: %v", err)
				}
				if e.inAWS(t, stagingID) {
					t.Fatal("the assignment outlived every request")
				}
			})
		})
	}
}

// TestOrphanKeptForAnotherCreator: a two-account request ends while its
// second grant's create has no answer yet, and a new request for that
// account has already sent its own create. The second grant's job then
// abandons it without deleting (the new grant needs the assignment), and the
// new grant's end removes it.
func TestOrphanKeptForAnotherCreator(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := newOrphanEnv(t, st)
		const devID = "666677778888"
		a, aIDs := e.submit(t, "staging", "dev")
		if err := e.svc.Activate(t.Context(), aIDs[0], 1); err != nil {
			t.Fatalf("Activate A on staging: %v", err)
		}
		e.aws.mu.Lock()
		e.aws.lose = true
		e.aws.mu.Unlock()
		if err := e.svc.Activate(t.Context(), aIDs[1], 1); err == nil {
			t.Fatal("Activate A on dev with the answer lost: want an error")
		}
		// B's grant sees A's pending create and creates too (idempotent).
		b, bIDs := e.submit(t, "dev")
		if err := e.svc.Activate(t.Context(), bIDs[0], 1); err != nil {
			t.Fatalf("Activate B: %v", err)
		}
		if g := e.grant(t, bIDs[0]); g.Status != access.GrantActive || g.Origin != access.OriginCreated {
			t.Fatalf("B: %s origin %q, want active, created", g.Status, g.Origin)
		}
		if _, err := e.svc.End(t.Context(), e.alice, a.ID, "done"); err != nil {
			t.Fatalf("End A: %v", err)
		}
		if err := e.svc.Activate(t.Context(), aIDs[1], 2); err != nil {
			t.Fatalf("A's dev grant job after the end: %v", err)
		}
		if g := e.grant(t, aIDs[1]); g.Status != access.GrantRevoked || g.DeleteRequestID != "" || !g.ActivatedAt.IsZero() {
			t.Fatalf("A on dev: %s delete %q activated %v, want revoked without a delete, never active", g.Status, g.DeleteRequestID, g.ActivatedAt)
		}
		if !e.inAWS(t, devID) {
			t.Fatal("B's assignment was deleted by A's abandoned grant")
		}
		if err := e.svc.Revoke(t.Context(), aIDs[0], 1); err != nil {
			t.Fatalf("Revoke A on staging: %v", err)
		}
		if _, err := e.svc.End(t.Context(), e.alice, b.ID, "done"); err != nil {
			t.Fatalf("End B: %v", err)
		}
		if err := e.svc.Revoke(t.Context(), bIDs[0], 1); err != nil {
			t.Fatalf("Revoke B: %v", err)
		}
		if e.inAWS(t, devID) || e.inAWS(t, stagingID) {
			t.Fatal("an assignment outlived every request")
		}
	})
}

// TestSweepReenqueuesAnOrphansJob: the grant job of an orphaned grant of a
// cancelled request is lost (the request is terminal, so the open-request
// sweep never sees it); the sweep still re-enqueues it, and that job removes
// the assignment, so new grants for it are not held up for ever.
func TestSweepReenqueuesAnOrphansJob(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := newOrphanEnv(t, st)
		a, aIDs := e.submit(t, "staging")
		e.aws.mu.Lock()
		e.aws.lose = true
		e.aws.mu.Unlock()
		if err := e.svc.Activate(t.Context(), aIDs[0], 1); err == nil {
			t.Fatal("Activate with the create's answer lost: want an error")
		}
		if _, err := e.svc.Cancel(t.Context(), e.alice, a.ID, ""); err != nil {
			t.Fatalf("Cancel: %v", err)
		}
		e.sched.mu.Lock()
		e.sched.jobs = nil // the grant job is lost
		e.sched.mu.Unlock()
		if err := e.svc.Sweep(t.Context()); err != nil {
			t.Fatalf("Sweep: %v", err)
		}
		var again []workflow.Job
		e.sched.mu.Lock()
		for _, j := range e.sched.jobs {
			if j.GrantID == aIDs[0] {
				again = append(again, j)
			}
		}
		e.sched.mu.Unlock()
		if len(again) != 1 || again[0].Kind != workflow.JobGrant {
			t.Fatalf("sweep scheduled %+v for the orphan, want its grant job once", again)
		}
		if err := e.svc.Activate(t.Context(), aIDs[0], 2); err != nil {
			t.Fatalf("the re-enqueued grant job: %v", err)
		}
		if g := e.grant(t, aIDs[0]); g.Status != access.GrantRevoked || g.DeleteRequestID == "" {
			t.Fatalf("orphan after its job: %s delete %q, want revoked by a delete", g.Status, g.DeleteRequestID)
		}
		if e.inAWS(t, stagingID) {
			t.Fatal("the orphan's assignment is still in AWS")
		}
	})
}
