package workflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// TestGrantJobHonoursALimitLearnedAfterApproval: a request approved before a
// directory sync learned that elevate may not assign in its account (a
// delegated administrator and the management account) fails its grant with
// the reason when the grant job runs, and never calls AWS (the provider here
// fails any call).
func TestGrantJobHonoursALimitLearnedAfterApproval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, st, _ := newServiceWithRule(t, policy.Rule{Name: "r", Users: []string{"alice"}, Accounts: []string{"prod"},
		PermissionSets: []string{"Admin"}, MaxDuration: time.Hour})
	r := submit(t, svc)
	if r.Status != access.StatusScheduled && r.Status != access.StatusActive {
		t.Fatalf("request is %s, want scheduled", r.Status)
	}
	limited := dir
	limited.Accounts = []access.Account{{ID: "111111111111", Name: "prod", State: "ACTIVE", Limit: access.LimitManagementAccount}}
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, limited, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if err := svc.Activate(ctx, r.Grants[0].ID, 1); err != nil {
		t.Fatalf("Activate: %v (an AWS call was attempted, or the limit was not honoured)", err)
	}
	got, err := svc.GetRequest(ctx, actor("u-alice", "alice"), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	g := got.Grants[0]
	if g.Status != access.GrantFailed || !strings.Contains(g.Error, "management account") {
		t.Errorf("grant %s (%q), want failed with the management-account limit", g.Status, g.Error)
	}
}
