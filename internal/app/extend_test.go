package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/config"
)

// TestExtendMovesTheEndWithoutDroppingAccess: an active request is extended,
// the extension is approved like the request, and access stays until the
// new end.
func TestExtendMovesTheEndWithoutDroppingAccess(t *testing.T) {
	forEachEngine(t, testExtend)
}

func testExtend(t *testing.T, engine func(*config.Config)) {
	env := start(t, engine)
	ctx := context.Background()
	alice, bob, carol := env.client(t, "alice"), env.client(t, "bob"), env.client(t, "carol")
	r := env.approvedRequest(t, 3*time.Second)
	oldEnd := *r.EndsAt

	if _, err := bob.Extend(ctx, r.ID, time.Minute, "not mine"); apiCode(err) != "forbidden" {
		t.Fatalf("extension by an approver: %v", err)
	}
	if _, err := alice.Extend(ctx, r.ID, 5*time.Hour, "too long"); apiCode(err) != "invalid_argument" {
		t.Fatalf("extension past the rule's maximum: %v", err)
	}
	ext, err := alice.Extend(ctx, r.ID, 4*time.Second, "the migration is slower than planned")
	if err != nil {
		t.Fatal(err)
	}
	if len(ext.Extensions) != 1 || ext.Extensions[0].Status != "pending" || !ext.EndsAt.Equal(oldEnd) {
		t.Fatalf("pending extension: %+v ends %v", ext.Extensions, ext.EndsAt)
	}
	if _, err := alice.Approve(ctx, r.ID, ""); apiCode(err) != "self_approval" {
		t.Fatalf("requester approving her own extension: %v", err)
	}
	got, err := carol.Approve(ctx, r.ID, "ok")
	if err != nil {
		t.Fatal(err)
	}
	if got.Extensions[0].Status != "approved" || !got.EndsAt.Equal(oldEnd.Add(4*time.Second)) || got.Length() != 7*time.Second {
		t.Fatalf("after approval: %+v ends %v length %s", got.Extensions, got.EndsAt, got.Length())
	}
	// Past the old end, access is still there.
	time.Sleep(time.Until(oldEnd.Add(time.Second)))
	if now, _ := alice.GetRequest(ctx, r.ID); now.Status != client.StatusActive || !env.aliceHasProdAdmin() {
		t.Fatalf("after the old end: %s, assignment %v", now.Status, env.aliceHasProdAdmin())
	}
	ended := waitStatus(t, alice, r.ID, client.StatusEnded)
	if ended.Grants[0].RevokedAt.Before(*got.EndsAt) {
		t.Fatalf("revoked at %v, before the new end %v", ended.Grants[0].RevokedAt, got.EndsAt)
	}
	if env.aliceHasProdAdmin() {
		t.Fatal("assignment outlived the extended end")
	}
}
