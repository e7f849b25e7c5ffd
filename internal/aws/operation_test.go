package aws

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
)

// waiter is what the job queue looks for in an error to resume a job
// later instead of counting a failed attempt.
type waiter interface{ Waiting() bool }

func isWaiting(err error) bool {
	var w waiter
	return errors.As(err, &w) && w.Waiting()
}

// skewedEnv is a provider on an emulator whose provisioning takes an hour
// until finish is called, which makes every operation in progress done and
// the next ones immediate.
func skewedEnv(t *testing.T, mod ...func(*Config)) (env testEnv, finish func()) {
	t.Helper()
	var skew atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	env = newEnv(t, awsemu.Options{ProvisioningDelay: time.Hour, Now: now}, mod...)
	return env, func() {
		env.emu.SetProvisioningDelay(0)
		skew.Add(int64(2 * time.Hour))
	}
}

// behind is the number of callers waiting for a's operation to finish
// before theirs can start.
func (e testEnv) behind(a access.Assignment) int {
	e.p.ops.mu.Lock()
	defer e.p.ops.mu.Unlock()
	if op := e.p.ops.byKey[keyOf(a)]; op != nil {
		return op.behind
	}
	return 0
}

// holdTheSlot starts a creation that holds the only in-flight slot until
// the emulator's provisioning finishes; its outcome comes on the channel.
func (e testEnv) holdTheSlot(t *testing.T) <-chan error {
	held := createIn(t.Context(), e.p, e.assignment("prod", "ReadOnlyAccess", "bob"))
	waitFor(t, func() bool { return e.emu.Calls("DescribeAccountAssignmentCreationStatus") > 0 })
	return held
}

// createIn runs CreateAssignment in a goroutine.
func createIn(ctx context.Context, p *Provider, a access.Assignment) <-chan error {
	errc := make(chan error, 1)
	go func() {
		_, err := p.CreateAssignment(ctx, a)
		errc <- err
	}()
	return errc
}

// TestRetryJoinsTheCreationInFlight: a caller (a grant job) whose deadline
// comes after its create was sent, while AWS is still provisioning, gets an
// error that says it was only waiting, not a failure; its retry joins the
// creation still in flight instead of sending a second create, and gets
// its outcome.
func TestRetryJoinsTheCreationInFlight(t *testing.T) {
	t.Parallel()
	env, finish := skewedEnv(t)
	a := env.assignment("dev", "AdministratorAccess", "alice")

	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	first := createIn(ctx, env.p, a)
	waitFor(t, func() bool { return env.emu.Calls("DescribeAccountAssignmentCreationStatus") > 0 })
	cancel() // the job's deadline
	if err := <-first; !isWaiting(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateAssignment cut off while AWS provisions = %v; want a waiting error wrapping context.Canceled", err)
	}

	retry := createIn(t.Context(), env.p, a)
	finish()
	if err := <-retry; err != nil {
		t.Fatalf("retried CreateAssignment = %v", err)
	}
	if n := env.emu.Calls("CreateAccountAssignment"); n != 1 {
		t.Errorf("CreateAccountAssignment calls = %d, want 1: the retry sent a second create", n)
	}
	if !env.has(a) {
		t.Error("assignment missing after the creation finished")
	}
}

// TestWaitingForASlotIsNotAFailure: the only in-flight slot is held long
// past a caller's deadline. The caller gets a waiting error (nothing was
// sent), and its creation keeps its place: the retry joins it, and one
// create is sent when the slot frees.
func TestWaitingForASlotIsNotAFailure(t *testing.T) {
	t.Parallel()
	env, finish := skewedEnv(t, func(c *Config) { c.MaxInFlight = 1 })
	held := env.holdTheSlot(t)
	a := env.assignment("dev", "AdministratorAccess", "alice")

	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	first := createIn(ctx, env.p, a)
	waitFor(t, func() bool { return env.p.Stats().Waiting == 1 })
	cancel()
	if err := <-first; !isWaiting(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateAssignment waiting for a slot = %v; want a waiting error wrapping context.Canceled", err)
	}
	if n := env.emu.Calls("CreateAccountAssignment"); n != 1 {
		t.Fatalf("CreateAccountAssignment calls while the slot is held = %d, want 1 (the holder's)", n)
	}

	retry := createIn(t.Context(), env.p, a)
	finish()
	for _, errc := range []<-chan error{held, retry} {
		if err := <-errc; err != nil {
			t.Fatalf("CreateAssignment = %v", err)
		}
	}
	if n := env.emu.Calls("CreateAccountAssignment"); n != 2 {
		t.Errorf("CreateAccountAssignment calls = %d, want 2 (one per assignment)", n)
	}
}

// TestDeletionDropsAnUnsentCreation: a deletion of an assignment whose
// creation still waits for a slot drops the creation (it is never sent),
// and a deletion never overtakes a creation already sent.
func TestDeletionDropsAnUnsentCreation(t *testing.T) {
	t.Parallel()
	env, finish := skewedEnv(t, func(c *Config) { c.MaxInFlight = 1 })
	held := env.holdTheSlot(t)
	a := env.assignment("dev", "AdministratorAccess", "alice")

	created := createIn(t.Context(), env.p, a)
	waitFor(t, func() bool { return env.p.Stats().Waiting == 1 })
	deleted := make(chan error, 1)
	go func() {
		_, err := env.p.DeleteAssignment(t.Context(), a, time.Time{})
		deleted <- err
	}()
	if err := <-created; err == nil || !errors.Is(err, errSuperseded) {
		t.Fatalf("creation superseded by a deletion = %v", err)
	}
	finish()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err != nil {
		t.Fatalf("DeleteAssignment = %v", err)
	}
	if n := env.emu.Calls("CreateAccountAssignment"); n != 1 {
		t.Errorf("CreateAccountAssignment calls = %d, want 1 (the holder's only)", n)
	}

	// A creation sent, then a deletion: the deletion waits for the
	// creation's outcome before it is sent.
	env.emu.SetProvisioningDelay(time.Hour)
	b := env.assignment("dev", "ReadOnlyAccess", "alice")
	deletes := env.emu.Calls("DeleteAccountAssignment")
	createdB := createIn(t.Context(), env.p, b)
	waitFor(t, func() bool { return env.emu.Calls("CreateAccountAssignment") == 2 })
	deletedB := make(chan error, 1)
	go func() {
		_, err := env.p.DeleteAssignment(t.Context(), b, time.Time{})
		deletedB <- err
	}()
	waitFor(t, func() bool { return env.behind(b) == 1 })
	if n := env.emu.Calls("DeleteAccountAssignment") - deletes; n != 0 {
		t.Fatalf("DeleteAccountAssignment sent while the creation was in flight (%d calls)", n)
	}
	finish()
	if err := <-createdB; err != nil {
		t.Fatalf("CreateAssignment = %v", err)
	}
	if err := <-deletedB; err != nil {
		t.Fatalf("DeleteAssignment = %v", err)
	}
	if env.has(b) {
		t.Error("assignment left after create then delete")
	}
}

// TestWaitingForTheRateLimiterIsNotAFailure: a call whose context ends
// while it waits for the rate limiter gets a waiting error through the SDK
// (not retried, not turned into the SDK's own cancellation error).
func TestWaitingForTheRateLimiterIsNotAFailure(t *testing.T) {
	t.Parallel()
	// One call per 1000 s, no burst: discovery's ListInstances takes the only token.
	env := newEnv(t, awsemu.Options{}, func(c *Config) { c.CallsPerSecond, c.CallBurst = 0.001, 1 })
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond) // ends while it waits
	defer cancel()
	_, err := env.p.AssignmentExists(ctx, env.assignment("dev", "AdministratorAccess", "alice"))
	if !isWaiting(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("AssignmentExists waiting for the rate limiter = %v; want a waiting error wrapping context.DeadlineExceeded", err)
	}
	if n := env.emu.Calls("ListAccountAssignments"); n != 0 {
		t.Errorf("ListAccountAssignments calls = %d, want 0", n)
	}
}
