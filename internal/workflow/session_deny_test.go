package workflow_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/aws"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/awsemu/iamsim"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/workflow"
)

// crashingEnder is the real provider whose next policy write is lost, as
// if the process died right before it: the moment between the deletion of
// the assignment and the deny.
type crashingEnder struct {
	p      *aws.Provider
	mu     sync.Mutex
	crash  bool
	refuse bool // every write fails (AWS refuses it)
}

func (c *crashingEnder) died() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.crash || c.refuse
	c.crash = false
	return d
}

func (c *crashingEnder) ApplySCPDeny(ctx context.Context, ds []access.SessionDeny) error {
	if c.died() {
		return errors.New("killed")
	}
	return c.p.ApplySCPDeny(ctx, ds)
}

func (c *crashingEnder) ApplyInlineDeny(ctx context.Context, ps string, ds []access.SessionDeny, to []string) error {
	if c.died() {
		return errors.New("killed")
	}
	return c.p.ApplyInlineDeny(ctx, ps, ds, to)
}

// fallbackCounter counts the fallbacks from the SCP.
type fallbackCounter struct {
	latenessObserver
	mu        sync.Mutex
	fallbacks int
}

func (o *fallbackCounter) ObserveSessionDenyFallback() { o.mu.Lock(); o.fallbacks++; o.mu.Unlock() }

type denyEnv struct {
	emu   *awsemu.Emulator
	p     *aws.Provider
	ender *crashingEnder
	clock *settableClock
	store store.Store
	svc   *workflow.Service
	obs   *fallbackCounter
	mech  access.SessionDenyMechanism
	alice access.Actor
}

var denyStart = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func newDenyEnv(t *testing.T, st store.Store, mech access.SessionDenyMechanism) *denyEnv {
	t.Helper()
	clock := &settableClock{now: denyStart}
	emu, p := newEmulatorProvider(t, awsemu.Options{Now: clock.Now}, aws.Config{PollInterval: 2 * time.Millisecond})
	e := &denyEnv{emu: emu, p: p, ender: &crashingEnder{p: p}, clock: clock, store: st, obs: &fallbackCounter{}, mech: mech,
		alice: actor(emu.UserID("alice"), "alice")}
	e.svc = e.service(t)
	if _, err := e.svc.SyncDirectory(t.Context()); err != nil {
		t.Fatalf("SyncDirectory: %v", err)
	}
	return e
}

// service is a workflow service on the environment's store: a new one is
// what a restarted process has.
func (e *denyEnv) service(t *testing.T) *workflow.Service {
	t.Helper()
	on := true
	svc, err := workflow.New(workflow.Settings{MinDuration: time.Minute, Rules: []policy.Rule{{
		Name: "ends-sessions", Users: []string{"alice"}, Accounts: []string{"prod", "staging"},
		PermissionSets: []string{"AdministratorAccess", "ReadOnlyAccess"}, MaxDuration: time.Hour, EndSessions: &on,
	}}}, workflow.Deps{Store: e.store, Scheduler: &recordingScheduler{}, Provider: e.p, Directory: e.p, Clock: e.clock,
		Logger: slog.New(slog.DiscardHandler), Observer: e.obs, SessionEnder: e.ender,
		SessionDeny: workflow.SessionDenyOptions{Mechanism: e.mech}})
	if err != nil {
		t.Fatalf("workflow.New: %v", err)
	}
	return svc
}

func (e *denyEnv) advance(d time.Duration) { e.clock.Set(e.clock.Now().Add(d)) }

// grant submits and activates alice's grant and returns its request and
// grant ids.
func (e *denyEnv) grant(t *testing.T, account, ps string) (string, string) {
	t.Helper()
	r, err := e.svc.Submit(t.Context(), e.alice, workflow.SubmitInput{AccountIDs: []string{account}, PermissionSet: ps,
		Duration: 30 * time.Minute, Justification: "end sessions test"})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	g := r.Grants[0].ID
	if err := e.svc.Activate(t.Context(), g, 1); err != nil {
		t.Fatalf("Activate: %v", err)
	}
	return r.ID, g
}

func (e *denyEnv) end(t *testing.T, reqID string) {
	t.Helper()
	if _, err := e.svc.End(t.Context(), e.alice, reqID, "done"); err != nil {
		t.Fatalf("End: %v", err)
	}
}

func (e *denyEnv) deny(t *testing.T, grantID string) access.SessionDeny {
	t.Helper()
	var d access.SessionDeny
	if err := e.store.ReadTx(t.Context(), func(tx store.Tx) error {
		var err error
		d, err = tx.FindSessionDeny(t.Context(), grantID)
		return err
	}); err != nil {
		t.Fatalf("find the session deny of %s: %v", grantID, err)
	}
	return d
}

func (e *denyEnv) grantStatus(t *testing.T, grantID string) access.GrantStatus {
	t.Helper()
	var g access.Grant
	if err := e.store.ReadTx(t.Context(), func(tx store.Tx) error {
		r, err := tx.FindRequestByGrantID(t.Context(), grantID)
		if err == nil {
			g, _ = r.FindGrant(grantID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return g.Status
}

func (e *denyEnv) events(t *testing.T, grantID string) []access.EventType {
	t.Helper()
	var out []access.EventType
	if err := e.store.ReadTx(t.Context(), func(tx store.Tx) error {
		r, err := tx.FindRequestByGrantID(t.Context(), grantID)
		if err != nil {
			return err
		}
		evs, err := tx.ListEvents(t.Context(), r.ID)
		for _, ev := range evs {
			if ev.GrantID == grantID {
				out = append(out, ev.Type)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func (e *denyEnv) session(t *testing.T, account, ps string) awsemu.Session {
	t.Helper()
	s, err := e.emu.OpenSession(e.alice.UserID, e.emu.AccountID(account), e.emu.PermissionSetARN(ps))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func evaluate(t *testing.T, sim *iamsim.Simulator, e *denyEnv, sessions ...awsemu.Session) []string {
	t.Helper()
	reqs := make([]iamsim.Request, len(sessions))
	for i, s := range sessions {
		reqs[i] = iamsim.SessionRequest(e.emu, s, time.Time{})
	}
	got, err := sim.Evaluate(t.Context(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestEndSessionsAtRevoke, for each mechanism and engine: alice's grant
// ends early; her session opened during the grant is denied by the
// independent simulator once the revocation is complete, a session of her
// next grant is allowed at once, and the statement is gone after the
// permission set's session duration.
func TestEndSessionsAtRevoke(t *testing.T) {
	sim := iamsim.New(t)
	for _, mech := range []access.SessionDenyMechanism{access.DenyViaSCP, access.DenyViaInline} {
		t.Run(string(mech), func(t *testing.T) {
			forEachStore(t, func(t *testing.T, st store.Store) {
				e := newDenyEnv(t, st, mech)
				reqID, gID := e.grant(t, "prod", "AdministratorAccess")
				old := e.session(t, "prod", "AdministratorAccess")
				if got := evaluate(t, sim, e, old); got[0] != iamsim.Allowed {
					t.Fatalf("session during the grant: %s", got[0])
				}
				e.advance(5 * time.Minute)
				e.end(t, reqID)
				if err := e.svc.Revoke(t.Context(), gID, 1); err != nil {
					t.Fatalf("Revoke: %v", err)
				}
				if s := e.grantStatus(t, gID); s != access.GrantRevoked {
					t.Fatalf("grant %s, want revoked", s)
				}
				d := e.deny(t, gID)
				if d.Mechanism != mech || d.InForceAt.IsZero() || d.RevokedAt.IsZero() || d.ExpiresAt != d.RevokedAt.Add(time.Hour) {
					t.Fatalf("deny = %+v", d)
				}
				if got := evaluate(t, sim, e, old); got[0] != iamsim.ExplicitlyDenied {
					t.Fatalf("the session opened before the revocation: %s, want ExplicitlyDenied", got[0])
				}
				e.advance(time.Minute)
				_, g2 := e.grant(t, "prod", "AdministratorAccess")
				fresh := e.session(t, "prod", "AdministratorAccess")
				got := evaluate(t, sim, e, fresh, old)
				if got[0] != iamsim.Allowed || got[1] != iamsim.ExplicitlyDenied {
					t.Fatalf("after a new grant: new session %s (want Allowed), old session %s (want ExplicitlyDenied)", got[0], got[1])
				}
				evs := fmt.Sprint(e.events(t, gID))
				if !strings.Contains(evs, string(access.EventSessionsDenied)) {
					t.Fatalf("events of the grant: %s", evs)
				}

				// Not yet due: the removal waits for the session duration.
				var nd *workflow.NotDueError
				if err := e.svc.ExpireSessionDeny(t.Context(), gID); !errors.As(err, &nd) || !nd.Until.Equal(d.ExpiresAt) {
					t.Fatalf("early removal: %v, want NotDueError until %s", err, d.ExpiresAt)
				}
				e.clock.Set(d.ExpiresAt)
				if err := e.svc.ExpireSessionDeny(t.Context(), gID); err != nil {
					t.Fatalf("ExpireSessionDeny: %v", err)
				}
				if d := e.deny(t, gID); d.RemovedAt.IsZero() {
					t.Fatalf("deny not removed: %+v", d)
				}
				if got := evaluate(t, sim, e, old); got[0] != iamsim.Allowed {
					t.Fatalf("after removal the policy still denies the old session: %s", got[0])
				}
				if evs := fmt.Sprint(e.events(t, gID)); !strings.Contains(evs, string(access.EventSessionsDenyRemoved)) {
					t.Fatalf("events of the grant: %s", evs)
				}
				if ds, err := workflow.ReadSessionDenies(t.Context(), st); err != nil || len(ds) != 0 {
					t.Fatalf("pending denies after removal: %v, %v", ds, err)
				}
				_ = g2
			})
		})
	}
}

// TestEndSessionsCrashBetweenDeleteAndDeny: the process dies after AWS
// deleted the assignment and before the deny was written. The grant stays
// revoking (the revocation is not complete); the restarted process's revoke
// job writes the deny without deleting again, and then records the grant
// revoked. Nothing is lost.
func TestEndSessionsCrashBetweenDeleteAndDeny(t *testing.T) {
	sim := iamsim.New(t)
	for _, mech := range []access.SessionDenyMechanism{access.DenyViaSCP, access.DenyViaInline} {
		t.Run(string(mech), func(t *testing.T) {
			forEachStore(t, func(t *testing.T, st store.Store) {
				e := newDenyEnv(t, st, mech)
				reqID, gID := e.grant(t, "staging", "ReadOnlyAccess")
				old := e.session(t, "staging", "ReadOnlyAccess")
				e.advance(time.Minute)
				e.end(t, reqID)
				e.ender.mu.Lock()
				e.ender.crash = true
				e.ender.mu.Unlock()
				if err := e.svc.Revoke(t.Context(), gID, 1); err == nil {
					t.Fatal("Revoke with the process killed before the deny: want an error")
				}
				if e.emu.HasAssignment(e.emu.AccountID("staging"), e.emu.PermissionSetARN("ReadOnlyAccess"), e.alice.UserID) {
					t.Fatal("the assignment is still in AWS: the crash is not between the delete and the deny")
				}
				if s := e.grantStatus(t, gID); s != access.GrantRevoking {
					t.Fatalf("grant after the crash: %s, want revoking (not complete without the deny)", s)
				}
				if d := e.deny(t, gID); d.RevokedAt.IsZero() || !d.InForceAt.IsZero() {
					t.Fatalf("deny after the crash = %+v, want revoked, not in force", d)
				}
				deletes := e.emu.Calls("DeleteAccountAssignment")

				restarted := e.service(t)
				e.advance(10 * time.Second)
				if err := restarted.Revoke(t.Context(), gID, 2); err != nil {
					t.Fatalf("Revoke after restart: %v", err)
				}
				if s := e.grantStatus(t, gID); s != access.GrantRevoked {
					t.Fatalf("grant after restart: %s, want revoked", s)
				}
				if d := e.deny(t, gID); d.InForceAt.IsZero() {
					t.Fatalf("deny after restart = %+v, want in force", d)
				}
				if n := e.emu.Calls("DeleteAccountAssignment"); n != deletes {
					t.Fatalf("the restarted job deleted again: %d delete calls, had %d", n, deletes)
				}
				if got := evaluate(t, sim, e, old); got[0] != iamsim.ExplicitlyDenied {
					t.Fatalf("the session after restart: %s, want ExplicitlyDenied", got[0])
				}
			})
		})
	}
}

// TestEndSessionsSCPOverflow: 300 revocations within an hour, of distinct
// users over three permission sets and four accounts, do not fit one SCP:
// elevate keeps what fits in the SCP, moves the rest to the permission
// sets' inline policies, and says so (an event per statement, the metric);
// every statement is in force, and the SCP stays within its limit.
func TestEndSessionsSCPOverflow(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := newDenyEnv(t, st, access.DenyViaSCP)
		sets := []string{"AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess"}
		accounts := []string{"prod", "staging", "dev", "sandbox-1"}
		// 299 revocations whose statements were stored and not yet written
		// (their revoke jobs wait their turn), one every 12 s ...
		if err := st.InTx(t.Context(), func(tx store.Tx) error {
			for i := range 299 {
				at := denyStart.Add(time.Duration(i) * 12 * time.Second)
				ps := sets[i%3]
				if err := tx.CreateSessionDeny(t.Context(), access.SessionDeny{GrantID: fmt.Sprintf("grt_synthetic%03d", i), RequestID: "req_synthetic",
					Mechanism: access.DenyViaSCP, AccountID: e.emu.AccountID(accounts[i%4]), PermissionSetARN: e.emu.PermissionSetARN(ps),
					PermissionSetName: ps, UserID: fmt.Sprintf("9067%06d-1b2c3d4e-5f6a-7b8c-9d0e-%012d", i, i), SessionDuration: time.Hour,
					CreatedAt: at, RevokedAt: at, ExpiresAt: at.Add(time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// ... and the 300th, a real one, within the hour.
		e.clock.Set(denyStart.Add(59*time.Minute + 50*time.Second))
		reqID, gID := e.grant(t, "prod", "AdministratorAccess")
		e.end(t, reqID)
		if err := e.svc.Revoke(t.Context(), gID, 1); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		ds, err := workflow.ReadSessionDenies(t.Context(), st)
		if err != nil {
			t.Fatal(err)
		}
		var inSCP, inline int
		for _, d := range ds {
			if d.InForceAt.IsZero() {
				t.Fatalf("statement not in force: %+v", d)
			}
			switch d.Mechanism {
			case access.DenyViaSCP:
				inSCP++
			case access.DenyViaInline:
				inline++
				if !strings.Contains(d.Fallback, "service control policy is full") {
					t.Fatalf("fallback without its reason: %+v", d)
				}
			}
		}
		if len(ds) != 300 || inline == 0 || inSCP == 0 {
			t.Fatalf("%d statements: %d in the SCP, %d inline", len(ds), inSCP, inline)
		}
		e.obs.mu.Lock()
		fallbacks := e.obs.fallbacks
		e.obs.mu.Unlock()
		if fallbacks != inline {
			t.Fatalf("fallback metric %d, want %d", fallbacks, inline)
		}
		if evs := fmt.Sprint(e.events(t, gID)); !strings.Contains(evs, string(access.EventSessionsDenyFallback)) {
			t.Fatalf("the real revocation's events: %s (its statement is the newest: it moves first)", evs)
		}
		t.Logf("300 revocations in an hour: %d in the SCP, %d in inline policies", inSCP, inline)
		for _, lvl := range e.emu.EffectiveSCPs(e.emu.AccountID("prod")) {
			for name, doc := range lvl.Policies {
				if len(doc) > aws.SCPMaxChars {
					t.Fatalf("SCP %s has %d characters", name, len(doc))
				}
			}
		}
	})
}

// TestEndSessionsRefusedFlagsRevocationFailed: when the deny cannot be
// written (AWS refuses it, say a missing permission), the revocation is not
// complete: the grant stays revoking, and from the third attempt on the
// request is flagged revocation_failed, as for a failing delete.
func TestEndSessionsRefusedFlagsRevocationFailed(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := newDenyEnv(t, st, access.DenyViaInline)
		reqID, gID := e.grant(t, "prod", "AdministratorAccess")
		e.end(t, reqID)
		e.ender.mu.Lock()
		e.ender.refuse = true
		e.ender.mu.Unlock()
		for attempt := 1; attempt <= workflow.RevocationFailingAfter; attempt++ {
			if err := e.svc.Revoke(t.Context(), gID, attempt); err == nil {
				t.Fatalf("attempt %d: Revoke with the deny refused returned nil", attempt)
			}
		}
		if s := e.grantStatus(t, gID); s != access.GrantRevoking {
			t.Fatalf("grant %s, want revoking", s)
		}
		var failed bool
		if err := st.ReadTx(t.Context(), func(tx store.Tx) error {
			r, err := tx.FindRequestByID(t.Context(), reqID)
			failed = err == nil && r.RevocationFailed
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if !failed {
			t.Fatal("the request is not flagged revocation_failed")
		}
		e.ender.mu.Lock()
		e.ender.refuse = false
		e.ender.mu.Unlock()
		if err := e.svc.Revoke(t.Context(), gID, workflow.RevocationFailingAfter+1); err != nil {
			t.Fatalf("Revoke once AWS accepts: %v", err)
		}
		if s := e.grantStatus(t, gID); s != access.GrantRevoked {
			t.Fatalf("grant %s, want revoked", s)
		}
	})
}
