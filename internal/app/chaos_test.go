package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
)

// TestChaos: with half of all AWS calls throttled and 5% answered with a
// server error, every one of 30 grants is created and every one is revoked
// (nothing discarded, nothing left in AWS), and the figures are printed.
func TestChaos(t *testing.T) {
	const n = 30
	users := []string{"alice", "carol", "erin"}
	accounts := []string{"prod", "staging", "dev", "sandbox-1", "sandbox-2"}
	sets := []string{"AdministratorAccess", "PowerUserAccess"}
	env := start(t, func(c *config.Config) {
		c.Jobs.ReconcileInterval = -1
		c.Policy.Rules = []policy.Rule{{
			Name: "chaos", Users: users, Accounts: accounts, PermissionSets: sets, MaxDuration: time.Hour,
			Approvals: 1, ApproverGroups: []string{"approvers"},
		}}
	})
	ctx := context.Background()
	bob := env.client(t, "bob")
	env.emu.SetFault("*", awsemu.Fault{ThrottleRate: 0.5, ServerErrorRate: 0.05})

	type made struct {
		user, id string
		asg      awsemu.Assignment
	}
	var reqs []made
	for i := 0; len(reqs) < n; i++ {
		u, a, p := users[i%len(users)], accounts[(i/len(users))%len(accounts)], sets[(i/(len(users)*len(accounts)))%len(sets)]
		r, err := env.client(t, u).CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{a}, PermissionSet: p,
			Duration: 4 * time.Second, Justification: fmt.Sprintf("chaos %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bob.Approve(ctx, r.ID, ""); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, made{u, r.ID, awsemu.Assignment{AccountID: env.emu.AccountID(a), PermissionSetARN: env.emu.PermissionSetARN(p),
			PrincipalType: "USER", PrincipalID: env.emu.UserID(u)}})
	}
	for _, r := range reqs {
		got := waitLong(t, env.client(t, r.user), r.id, client.StatusEnded)
		if got.Grants[0].Status != "revoked" || got.Grants[0].AWSCreateRequestID == "" || got.Grants[0].AWSDeleteRequestID == "" {
			t.Errorf("request %s: grant %+v, want created and revoked in AWS", r.id, got.Grants[0])
		}
		if got.RevocationFailed {
			t.Errorf("request %s still flagged revocation_failed", r.id)
		}
		if env.emu.HasAssignment(r.asg.AccountID, r.asg.PermissionSetARN, r.asg.PrincipalID) {
			t.Errorf("request %s ended but its assignment is still in AWS", r.id)
		}
	}
	es, ps := env.emu.Stats(), env.app.Provider().Stats()
	if es.Throttled == 0 || ps.Retries == 0 {
		t.Fatalf("no faults were injected: emulator throttled %d, provider retries %d", es.Throttled, ps.Retries)
	}
	t.Logf("chaos: %d grants and %d revocations completed; emulator: %d calls, %d throttled, errors by code %v; "+
		"provider: %d sso-admin calls, %d throttles seen, %d retries, %.1f sso-admin calls per create/delete",
		n, n, sumCalls(es.Calls), es.Throttled, es.Errors, ps.ServiceCalls("sso"), ps.Throttles, ps.Retries, ps.CallsPerOperation())
}

func sumCalls(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// waitLong is waitStatus with room for retries under injected faults.
func waitLong(t *testing.T, c *client.Client, id string, want client.Status) *client.Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := c.WaitFor(ctx, id, func(r *client.Request) bool { return r.Status == want || r.Status.Terminal() }, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("waiting for %s to be %s: %v", id, want, err)
	}
	if r.Status != want {
		t.Fatalf("request %s is %s (%s), want %s", id, r.Status, r.Reason, want)
	}
	return r
}
