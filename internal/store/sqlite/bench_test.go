package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// BenchmarkRequestCycle is the store's part of a create + approve cycle: one
// transaction creates a request with its grant and appends an event; a
// second reads it back, updates it and appends another, as Submit and
// Approve do. "cached" keeps each connection's statements prepared,
// "uncached" parses every statement on every call; both run in one process:
//
//	go test -run '^$' -bench RequestCycle -benchmem -count 5 ./internal/store/sqlite/
func BenchmarkRequestCycle(b *testing.B) {
	for _, mode := range []struct {
		name   string
		cached bool
	}{{"cached", true}, {"uncached", false}} {
		b.Run(mode.name, func(b *testing.B) {
			statementCache = mode.cached
			defer func() { statementCache = true }()
			s := openMigrated(b)
			ctx := context.Background()
			at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				id := fmt.Sprintf("r-%d", i)
				r := &access.Request{ID: id, RequesterID: "u-alice", RequesterName: "alice", Status: access.StatusPending,
					PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1", PermissionSetName: "AdministratorAccess",
					Justification: "INC-42", Duration: time.Hour, CreatedAt: at, UpdatedAt: at, ExpiresAt: at.Add(3 * time.Hour),
					ApprovalsRequired: 1, Approvers: []string{"u-bob"},
					Grants: []access.Grant{{ID: id + "-g", AccountID: "111122223333", Status: access.GrantPending}}}
				err := s.InTx(ctx, func(tx store.Tx) error {
					if err := tx.CreateRequest(ctx, r); err != nil {
						return err
					}
					return tx.AppendEvent(ctx, access.Event{Type: "request.created", RequestID: id, At: at, Actor: access.Actor{UserID: "u-alice"}})
				})
				if err != nil {
					b.Fatal(err)
				}
				err = s.InTx(ctx, func(tx store.Tx) error {
					got, err := tx.FindRequestByID(ctx, id)
					if err != nil {
						return err
					}
					got.Status = access.StatusScheduled
					got.Approvals = append(got.Approvals, access.Approval{UserID: "u-bob", UserName: "bob", Verdict: access.VerdictApprove, At: at})
					if err := tx.UpdateRequest(ctx, got); err != nil {
						return err
					}
					return tx.AppendEvent(ctx, access.Event{Type: "request.approved", RequestID: id, At: at, Actor: access.Actor{UserID: "u-bob"}})
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
