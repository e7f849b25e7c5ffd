package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
)

// TestDelegatedAdminLimits: elevate runs as the delegated administrator
// (the audit account). The management account, and a permission set that
// becomes provisioned to it (so AWS refuses to describe it), are never
// eligible; a request for either is refused at submit with
// delegated_admin_limit and nothing is sent to AWS; explain and policy plan
// name the rule, the permission set and the management account, and say why.
func TestDelegatedAdminLimits(t *testing.T) {
	t.Parallel()
	seed := awsemu.DemoSeed()
	env := startWith(t, seed, startOptions{caller: "222233334444"}, func(c *config.Config) {
		c.Jobs.ReconcileInterval = -1
		c.Policy.Rules = append(c.Policy.Rules, policy.Rule{
			Name: "org-readonly", Users: []string{"alice"}, Accounts: []string{"*"},
			PermissionSets: []string{"ReadOnlyAccess", "PowerUserAccess"}, MaxDuration: 4 * time.Hour,
			Approvals: 1, ApproverGroups: []string{"approvers"},
		})
	})
	ctx := context.Background()
	alice, erin := env.client(t, "alice"), env.client(t, "erin")
	mgmt := env.emu.ManagementAccountID()

	// PowerUserAccess becomes provisioned to the management account after
	// the first sync read its name; the next sync can no longer describe it.
	if err := env.emu.SetProvisioned(mgmt, "PowerUserAccess", true); err != nil {
		t.Fatal(err)
	}
	if _, err := env.app.Service().SyncDirectory(ctx); err != nil {
		t.Fatal(err)
	}
	if n := env.emu.Stats().Errors["AccessDeniedException"]; n == 0 {
		t.Fatal("the sync never met AWS's refusal to describe the permission set")
	}

	elig, err := alice.Eligibility(ctx)
	if err != nil {
		t.Fatal(err)
	}
	readonlyProd := false
	for _, e := range elig {
		if e.Account.ID == mgmt || e.PermissionSet.Name == "PowerUserAccess" {
			t.Errorf("eligible for %s on %s: the delegated administrator cannot grant it", e.PermissionSet.Name, e.Account.Name)
		}
		readonlyProd = readonlyProd || e.Account.Name == "prod" && e.PermissionSet.Name == "ReadOnlyAccess"
	}
	if !readonlyProd {
		t.Fatalf("ReadOnlyAccess on prod is missing from the eligibility %+v", elig)
	}

	creates := env.emu.Stats().Calls["CreateAccountAssignment"]
	for _, tc := range []struct {
		name, account, permissionSet string
		want                         []string
	}{
		{"management account", "management", "ReadOnlyAccess", []string{"management (" + mgmt + ")", "management account", "delegated administrator"}},
		{"managed permission set", "prod", "PowerUserAccess", []string{"PowerUserAccess", "managed in the management account"}},
	} {
		_, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{tc.account}, PermissionSet: tc.permissionSet,
			Duration: time.Hour, Justification: "delegated admin test"})
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Code != string(access.CodeDelegatedAdminLimit) || ce.Status != 422 {
			t.Fatalf("%s: err = %v, want delegated_admin_limit (422)", tc.name, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(ce.Message, w) {
				t.Errorf("%s: message %q lacks %q", tc.name, ce.Message, w)
			}
		}
		if strings.Contains(ce.Message, "does not exist") {
			t.Errorf("%s: message %q says the permission set does not exist", tc.name, ce.Message)
		}
	}
	if got := env.emu.Stats().Calls["CreateAccountAssignment"]; got != creates {
		t.Errorf("%d CreateAccountAssignment calls for refused requests, want none", got-creates)
	}

	ex, err := alice.Explain(ctx, client.ExplainInput{Account: "management", PermissionSet: "ReadOnlyAccess"})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Allowed || !strings.Contains(ex.Reason, "management account") {
		t.Errorf("explain: allowed %v, reason %q", ex.Allowed, ex.Reason)
	}

	doc, err := erin.ExportPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := erin.PlanPolicy(ctx, doc.Document)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Problems) != 0 {
		t.Errorf("plan problems: %+v (the permission set must still resolve by name)", plan.Problems)
	}
	var sawAccount, sawSet bool
	for _, l := range plan.Limits {
		if l.Rule != "org-readonly" {
			continue
		}
		sawAccount = sawAccount || strings.Contains(l.Message, "management account management ("+mgmt+")") && strings.Contains(l.Message, `"*"`)
		sawSet = sawSet || strings.Contains(l.Message, "PowerUserAccess") && strings.Contains(l.Message, "managed in the management account")
	}
	if !sawAccount || !sawSet || !strings.Contains(plan.Text, "org-readonly") {
		t.Errorf("plan limits %+v, text %q: want rule org-readonly named with the management account and PowerUserAccess", plan.Limits, plan.Text)
	}
}
