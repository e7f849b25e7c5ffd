package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// TestDoctorNamesRulesCoveringLimits: doctor's "policy limits" check names,
// by rule name, each rule that covers the management account or a
// permission set managed there, with the account's and the permission
// set's names and the reason, when elevate runs as a delegated administrator.
func TestDoctorNamesRulesCoveringLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st := migratedStore(t, dir)
	d := access.Directory{
		Accounts: []access.Account{
			{ID: "111111111111", Name: "management", Limit: access.LimitManagementAccount},
			{ID: "222222222222", Name: "prod"},
		},
		PermissionSets: []access.PermissionSet{
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-ro", Name: "ReadOnlyAccess"},
			{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-billing", Name: "Billing", Limit: access.LimitManagementProvisioned},
		},
		Groups: []access.Group{{ID: "g-dev", Name: "dev"}},
	}
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, d, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Policy.Rules = []policy.Rule{
		{Name: "everything-read-only", Groups: []string{"dev"}, Accounts: []string{"*"}, PermissionSets: []string{"ReadOnlyAccess"}},
		{Name: "prod-billing", Groups: []string{"dev"}, Accounts: []string{"prod"}, PermissionSets: []string{"Billing"}},
		{Name: "prod-read-only", Groups: []string{"dev"}, Accounts: []string{"prod"}, PermissionSets: []string{"ReadOnlyAccess"}},
	}
	var details []string
	for _, c := range limitChecks(ctx, cfg, st.(app.Store)) {
		if c.Name != "policy limits" {
			t.Errorf("check %q, want policy limits", c.Name)
		}
		details = append(details, c.Detail)
	}
	joined := strings.Join(details, "\n")
	for _, want := range []string{
		"rule everything-read-only:", "management (111111111111)", "delegated administrator",
		"rule prod-billing:", "Billing",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("doctor's limit checks lack %q:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "prod-read-only") {
		t.Errorf("a rule that covers no limited pair is named:\n%s", joined)
	}
}
