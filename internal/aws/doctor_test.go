package aws

import (
	"slices"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/awsemu"
)

func TestDoctor(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{})
	checks := env.p.Doctor(t.Context())
	byName := map[string]Check{}
	for _, c := range checks {
		t.Logf("%-45s %-4s %s", c.Name, c.Status, c.Detail)
		if !slices.Contains([]string{CheckOK, CheckWarn, CheckFail}, c.Status) {
			t.Errorf("check %s has status %q", c.Name, c.Status)
		}
		byName[c.Name] = c
	}
	for _, name := range []string{
		"sts:GetCallerIdentity", "sso:ListInstances", "organizations:DescribeOrganization", "management-account",
		"organizations:ListAccounts", "sso:ListPermissionSets", "sso:DescribePermissionSet",
		"identitystore:ListUsers", "identitystore:ListGroups", "sso:ListAccountAssignments",
	} {
		c, ok := byName[name]
		if !ok {
			t.Errorf("no check %s", name)
			continue
		}
		if c.Status == CheckFail {
			t.Errorf("check %s failed against the emulator: %s", name, c.Detail)
		}
	}
	if c := byName["sts:GetCallerIdentity"]; c.Status == CheckWarn && !strings.Contains(c.Detail, "could not call sts:GetCallerIdentity") {
		t.Errorf("sts warning = %q", c.Detail)
	}
	if c := byName["sso:ListInstances"]; c.Status != CheckOK || !strings.Contains(c.Detail, env.emu.IdentityStoreID()) {
		t.Errorf("ListInstances check = %+v; want ok with the identity store id", c)
	}
	mgmt := env.emu.AccountID("management")
	switch c := byName["management-account"]; {
	case byName["sts:GetCallerIdentity"].Status != CheckOK:
		if c.Status != CheckWarn || !strings.Contains(c.Detail, mgmt) {
			t.Errorf("management check without a caller = %+v", c)
		}
	case c.Status == CheckOK:
		if !strings.Contains(c.Detail, "running in the management account "+mgmt) {
			t.Errorf("management check = %+v", c)
		}
	default:
		if !strings.Contains(c.Detail, "delegated administrator") {
			t.Errorf("management check = %+v", c)
		}
	}
}

func TestDoctorDelegatedAdministrator(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{})
	mgmt := env.emu.AccountID("management")
	c := env.p.managementCheck(t.Context(), env.emu.AccountID("audit"), mgmt)
	t.Logf("%s", c.Detail)
	if c.Status != CheckWarn || !strings.Contains(c.Detail, "delegated administrator") || !strings.Contains(c.Detail, "management account "+mgmt) ||
		!strings.Contains(c.Detail, "cannot be managed") {
		t.Errorf("delegated-admin check = %+v", c)
	}
	if env.emu.Calls("ListPermissionSetsProvisionedToAccount") == 0 {
		t.Error("the permission sets provisioned to the management account were not listed")
	}
	if c := env.p.managementCheck(t.Context(), mgmt, mgmt); c.Status != CheckOK || !strings.Contains(c.Detail, "running in the management account") {
		t.Errorf("management check in the management account = %+v", c)
	}
}

func TestDoctorNamesRefusedPermissions(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{})
	env.emu.InjectError("ListUsers", "AccessDeniedException", 1)
	env.emu.InjectError("DescribeOrganization", "AccessDeniedException", 1)
	fails := map[string]string{}
	for _, c := range env.p.Doctor(t.Context()) {
		if c.Status == CheckFail {
			fails[c.Name] = c.Detail
		}
	}
	for _, action := range []string{"identitystore:ListUsers", "organizations:DescribeOrganization"} {
		if d, ok := fails[action]; !ok || !strings.Contains(d, "permission "+action+" denied") {
			t.Errorf("refused %s: check detail %q", action, d)
		}
	}
	if len(fails) != 2 {
		t.Errorf("failed checks = %v, want exactly the two refused", fails)
	}
}

// TestDoctorAgainstDelegatedAdministrator runs Doctor where the emulator
// treats the caller as Identity Center's delegated administrator, with a
// permission set provisioned to the management account.
func TestDoctorAgainstDelegatedAdministrator(t *testing.T) {
	t.Parallel()
	seed := awsemu.DemoSeed()
	probe, err := awsemu.New(seed, awsemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, awsemu.Options{CallerAccountID: probe.AccountID("audit")})
	mgmt := env.emu.ManagementAccountID()
	if err := env.emu.SetProvisioned(mgmt, "AdministratorAccess", true); err != nil {
		t.Fatal(err)
	}
	for _, c := range env.p.Doctor(t.Context()) {
		t.Logf("%-45s %-4s %s", c.Name, c.Status, c.Detail)
		if c.Name == "sso:DescribePermissionSet" && c.Status == CheckFail && !strings.Contains(c.Detail, "permission sso:DescribePermissionSet denied") {
			t.Errorf("refused DescribePermissionSet: %q", c.Detail)
		}
	}
	// STS is not emulated: check the comparison with the known caller.
	c := env.p.managementCheck(t.Context(), env.emu.CallerAccountID(), mgmt)
	t.Logf("%s", c.Detail)
	if c.Status != CheckWarn || !strings.Contains(c.Detail, "delegated administrator (account "+env.emu.CallerAccountID()+")") {
		t.Errorf("management check = %+v", c)
	}
	if !strings.Contains(c.Detail, env.emu.PermissionSetARN("AdministratorAccess")) && !strings.Contains(c.Detail, "could not list them") {
		t.Errorf("management check neither lists the provisioned permission set nor says why: %q", c.Detail)
	}
}
