package workflow_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// stepClock is a clock the test moves.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *stepClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestSignInLink: a link signs its user in once; a second use and an
// expired link are refused as unauthenticated with the reason; an unknown
// user, an empty name and a made-up secret are refused.
func TestSignInLink(t *testing.T) {
	ctx := context.Background()
	st := newDirStore(t)
	clock := &stepClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	svc, err := workflow.New(workflow.Settings{MinDuration: time.Minute, Rules: []policy.Rule{}},
		workflow.Deps{Store: st, Scheduler: &recordingScheduler{}, Provider: noAWS{}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}

	secret, expires, err := svc.CreateSignInLink(ctx, "alice", "host user ops")
	if err != nil {
		t.Fatal(err)
	}
	if !expires.Equal(clock.Now().Add(10 * time.Minute)) {
		t.Errorf("expires %v, want in 10m", expires)
	}
	a, err := svc.UseSignInLink(ctx, secret)
	if err != nil || a.UserName != "alice" || a.UserID != "u-alice" {
		t.Fatalf("first use: %+v, %v; want alice", a, err)
	}
	if _, err := svc.UseSignInLink(ctx, secret); access.ErrorCode(err) != access.CodeUnauthenticated || !strings.Contains(err.Error(), "already used") {
		t.Errorf("second use: %v; want unauthenticated, already used", err)
	}

	late, _, err := svc.CreateSignInLink(ctx, "bob", "ops")
	if err != nil {
		t.Fatal(err)
	}
	clock.add(10 * time.Minute)
	if _, err := svc.UseSignInLink(ctx, late); access.ErrorCode(err) != access.CodeUnauthenticated || !strings.Contains(err.Error(), "expired") {
		t.Errorf("use after 10m: %v; want unauthenticated, expired", err)
	}

	if _, _, err := svc.CreateSignInLink(ctx, "mallory", "ops"); access.ErrorCode(err) != access.CodeNotFound || !strings.Contains(err.Error(), "not in the directory") {
		t.Errorf("unknown user: %v; want not_found naming the directory", err)
	}
	if _, _, err := svc.CreateSignInLink(ctx, " ", "ops"); access.ErrorCode(err) != access.CodeInvalid {
		t.Errorf("empty user: %v; want invalid_argument", err)
	}
	if _, err := svc.UseSignInLink(ctx, "sil_made-up"); access.ErrorCode(err) != access.CodeUnauthenticated {
		t.Errorf("made-up secret: %v; want unauthenticated", err)
	}
}
