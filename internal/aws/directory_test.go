package aws

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
)

func TestFetchDirectory(t *testing.T) {
	t.Parallel()
	for _, pageSize := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("page_size=%d", pageSize), func(t *testing.T) {
			t.Parallel()
			env := newEnv(t, awsemu.Options{PageSize: pageSize})
			dir, err := env.p.FetchDirectory(t.Context())
			if err != nil {
				t.Fatalf("FetchDirectory: %v", err)
			}
			checkDemoDirectory(t, env.emu, dir)
			if pageSize == 1 && env.emu.Calls("ListUsers") < 5 {
				t.Errorf("ListUsers calls = %d; with page size 1 the provider should page", env.emu.Calls("ListUsers"))
			}
		})
	}
}

// checkDemoDirectory checks dir against awsemu.DemoSeed.
func checkDemoDirectory(t *testing.T, emu *awsemu.Emulator, dir access.Directory) {
	t.Helper()

	// OUs: the root plus five, each with its parent.
	ouByName := map[string]access.OU{}
	var roots []access.OU
	for _, ou := range dir.OUs {
		if ou.ParentID == "" {
			roots = append(roots, ou)
			continue
		}
		ouByName[ou.Name] = ou
	}
	if len(roots) != 1 || len(dir.OUs) != 6 {
		t.Fatalf("OUs = %+v; want one root and five OUs", dir.OUs)
	}
	root := roots[0].ID
	wantParent := map[string]string{"Security": root, "Workloads": root, "Sandbox": root,
		"Prod": ouByName["Workloads"].ID, "NonProd": ouByName["Workloads"].ID}
	for name, parent := range wantParent {
		ou, ok := ouByName[name]
		if !ok || ou.ID == "" || ou.ParentID != parent {
			t.Errorf("OU %s = %+v; want parent %s", name, ou, parent)
		}
	}

	// Accounts, each under the right parent.
	wantAccounts := map[string]string{ // name -> parent OU name ("" = root)
		"management": "", "audit": "Security", "log-archive": "Security", "prod": "Prod",
		"staging": "NonProd", "dev": "NonProd", "sandbox-1": "Sandbox", "sandbox-2": "Sandbox",
	}
	if len(dir.Accounts) != len(wantAccounts) {
		t.Errorf("%d accounts, want %d: %+v", len(dir.Accounts), len(wantAccounts), dir.Accounts)
	}
	for _, a := range dir.Accounts {
		ouName, ok := wantAccounts[a.Name]
		if !ok {
			t.Errorf("unexpected account %+v", a)
			continue
		}
		parent := root
		if ouName != "" {
			parent = ouByName[ouName].ID
		}
		if a.ID != emu.AccountID(a.Name) || a.ParentID != parent || a.State != "ACTIVE" || a.Email != "aws-"+a.Name+"@example.com" {
			t.Errorf("account %+v; want id %s, parent %s (%s), state ACTIVE", a, emu.AccountID(a.Name), parent, ouName)
		}
	}

	// Permission sets with their session durations.
	wantPS := map[string]time.Duration{"AdministratorAccess": time.Hour, "ReadOnlyAccess": 8 * time.Hour, "PowerUserAccess": 4 * time.Hour}
	if len(dir.PermissionSets) != len(wantPS) {
		t.Errorf("permission sets = %+v; want %d", dir.PermissionSets, len(wantPS))
	}
	for _, ps := range dir.PermissionSets {
		if d, ok := wantPS[ps.Name]; !ok || ps.SessionDuration != d || ps.ARN != emu.PermissionSetARN(ps.Name) || ps.Description == "" {
			t.Errorf("permission set %+v; want session %s and ARN %s", ps, d, emu.PermissionSetARN(ps.Name))
		}
	}

	// Directory attributes: core and the enterprise extension's.
	for _, u := range dir.Users {
		if u.UserName != "alice" {
			if len(u.Attributes) != 0 {
				t.Errorf("%s has attributes %v; the demo gives none", u.UserName, u.Attributes)
			}
			continue
		}
		want := map[string]string{"title": "Site Reliability Engineer", "userType": "Employee", "department": "SRE", "costCenter": "CC-100",
			"division": "Engineering", "organization": "Platform", "employeeNumber": "1001", "manager": emu.UserID("carol")}
		if !maps.Equal(u.Attributes, want) {
			t.Errorf("alice's attributes = %v, want %v", u.Attributes, want)
		}
	}

	// Users with their emails.
	wantUsers := map[string]string{"alice": "Alice Anders", "bob": "Bob Baker", "carol": "Carol Chen", "dave": "Dave Dixon", "erin": "Erin Evans"}
	if len(dir.Users) != len(wantUsers) {
		t.Errorf("users = %+v; want %d", dir.Users, len(wantUsers))
	}
	for _, u := range dir.Users {
		if name, ok := wantUsers[u.UserName]; !ok || u.ID != emu.UserID(u.UserName) || u.DisplayName != name ||
			u.Email != u.UserName+"@example.com" || !u.Active {
			t.Errorf("user %+v; want id %s, display name %q, email %s@example.com, active", u, emu.UserID(u.UserName), name, u.UserName)
		}
	}

	// Groups and memberships.
	wantGroups := map[string][]string{"engineers": {"alice"}, "approvers": {"bob", "carol"}, "auditors": {"dave"}, "admins": {"erin"}}
	if len(dir.Groups) != len(wantGroups) {
		t.Errorf("groups = %+v; want %d", dir.Groups, len(wantGroups))
	}
	for _, g := range dir.Groups {
		if _, ok := wantGroups[g.Name]; !ok || g.ID != emu.GroupID(g.Name) {
			t.Errorf("group %+v; want id %s", g, emu.GroupID(g.Name))
		}
	}
	var want, got []access.Membership
	for g, users := range wantGroups {
		for _, u := range users {
			want = append(want, access.Membership{GroupID: emu.GroupID(g), UserID: emu.UserID(u)})
		}
	}
	got = slices.Clone(dir.Memberships)
	cmp := func(a, b access.Membership) int {
		if a.GroupID != b.GroupID {
			if a.GroupID < b.GroupID {
				return -1
			}
			return 1
		}
		switch {
		case a.UserID < b.UserID:
			return -1
		case a.UserID > b.UserID:
			return 1
		}
		return 0
	}
	slices.SortFunc(want, cmp)
	slices.SortFunc(got, cmp)
	if !slices.Equal(got, want) {
		t.Errorf("memberships = %+v\nwant %+v", got, want)
	}
}

func TestFetchDirectoryRetriesThrottling(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{PageSize: 2})
	env.emu.InjectError("ListAccountsForParent", "TooManyRequestsException", 2)
	env.emu.InjectError("DescribePermissionSet", "ThrottlingException", 2)
	env.emu.InjectError("ListGroupMemberships", "InternalServerException", 1)
	dir, err := env.p.FetchDirectory(t.Context())
	if err != nil {
		t.Fatalf("FetchDirectory: %v", err)
	}
	checkDemoDirectory(t, env.emu, dir)
}

func TestFetchDirectoryError(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{})
	env.emu.InjectError("ListUsers", "AccessDeniedException", 1)
	if _, err := env.p.FetchDirectory(t.Context()); err == nil || errorCode(err) != "AccessDeniedException" {
		t.Fatalf("FetchDirectory err = %v; want the AccessDeniedException, wrapped", err)
	}
}

func TestParseISODuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT1H", time.Hour, true},
		{"PT12H", 12 * time.Hour, true},
		{"PT8H", 8 * time.Hour, true},
		{"PT30M", 30 * time.Minute, true},
		{"PT1H30M", 90 * time.Minute, true},
		{"PT90M", 90 * time.Minute, true},
		{"PT45S", 45 * time.Second, true},
		{"PT1.5S", 1500 * time.Millisecond, true},
		{"PT0.000000001S", time.Nanosecond, true},
		{"PT1H2M3S", time.Hour + 2*time.Minute + 3*time.Second, true},
		{"P1D", 24 * time.Hour, true},
		{"P1DT2H", 26 * time.Hour, true},
		{"P2W", 14 * 24 * time.Hour, true},
		{"P0D", 0, true},
		{"PT0S", 0, true},
		{"", 0, false},
		{"P", 0, false},
		{"PT", 0, false},
		{"P1DT", 0, false},
		{"1H", 0, false},
		{"T1H", 0, false},
		{"pt1h", 0, false},
		{"PT1h", 0, false},
		{"-PT1H", 0, false},
		{"P-1D", 0, false},
		{"PT+1H", 0, false},
		{"PT 1H", 0, false},
		{"PT1H ", 0, false},
		{"P1Y", 0, false},
		{"P1M", 0, false},
		{"P1H", 0, false},
		{"PT1D", 0, false},
		{"PT1W", 0, false},
		{"PT1M1H", 0, false},
		{"PT1H1H", 0, false},
		{"P1D1W", 0, false},
		{"P1W1D", 0, false},
		{"PT1.5H", 0, false},
		{"PT1.5M", 0, false},
		{"PT.5S", 0, false},
		{"PT1.S", 0, false},
		{"PT1..5S", 0, false},
		{"PT1.2.3S", 0, false},
		{"PTH", 0, false},
		{"PT1", 0, false},
		{"PT1HT1M", 0, false},
		{"P1DT1H1", 0, false},
		{"PT9999999999999999999H", 0, false},
		{"PT9223372036H", 0, false},
		{"P999999999D", 0, false},
	}
	for _, tt := range tests {
		got, err := parseISODuration(tt.in)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("parseISODuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if !tt.ok && err == nil {
			t.Errorf("parseISODuration(%q) = %v; want an error", tt.in, got)
		}
	}
}
