package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/aws"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/store"
)

// TestDoctorShowsEndedSessions: doctor's "ended sessions" check counts the
// statements in force (and those that fell back to inline policies) and
// warns, one line each, about those not yet in force; with the feature off
// and nothing stored it says nothing.
func TestDoctorShowsEndedSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st := migratedStore(t, dir)
	cfg := config.Default()
	cfg.DataDir = dir
	if got := sessionDenyChecks(ctx, cfg, st.(app.Store)); len(got) != 0 {
		t.Fatalf("feature off, nothing stored: %+v", got)
	}
	now := time.Now()
	base := access.SessionDeny{Mechanism: access.DenyViaSCP, AccountID: "222222222222", PermissionSetARN: "arn:ps", PermissionSetName: "Admin",
		SessionDuration: time.Hour, CreatedAt: now, RevokedAt: now, ExpiresAt: now.Add(time.Hour)}
	inForce, fallback, pending := base, base, base
	inForce.GrantID, inForce.UserID, inForce.InForceAt = "g1", "u-1", now
	fallback.GrantID, fallback.UserID, fallback.InForceAt, fallback.Mechanism, fallback.Fallback = "g2", "u-2", now, access.DenyViaInline, "full"
	pending.GrantID, pending.UserID = "g3", "u-3"
	if err := st.InTx(ctx, func(tx store.Tx) error {
		for _, d := range []access.SessionDeny{inForce, fallback, pending} {
			if err := tx.CreateSessionDeny(ctx, d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	cfg.EndSessions.Mechanism = config.EndSessionsSCP
	checks := sessionDenyChecks(ctx, cfg, st.(app.Store))
	if len(checks) != 2 || checks[0].Status != aws.CheckOK || checks[1].Status != aws.CheckWarn {
		t.Fatalf("checks = %+v", checks)
	}
	if !strings.Contains(checks[0].Detail, "2 statements in force") || !strings.Contains(checks[0].Detail, "1 in inline policies") {
		t.Errorf("summary: %s", checks[0].Detail)
	}
	if !strings.Contains(checks[1].Detail, "u-3") || !strings.Contains(checks[1].Detail, "not yet in force") || !strings.Contains(checks[1].Detail, "Admin") {
		t.Errorf("pending line: %s", checks[1].Detail)
	}
}
