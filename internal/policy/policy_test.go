package policy

import (
	"testing"
	"time"
)

func TestBest(t *testing.T) {
	rules := []Rule{
		{Name: "admin-prod", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"}, MaxDuration: 4 * time.Hour, Approvals: 1},
		{Name: "ro-all", Groups: []string{"engineers"}, Accounts: []string{"*"}, PermissionSets: []string{"ReadOnlyAccess"}, MaxDuration: 8 * time.Hour},
		{Name: "ro-prod-strict", Groups: []string{"engineers"}, Accounts: []string{"111111111111"}, PermissionSets: []string{"ReadOnlyAccess"}, MaxDuration: time.Hour, Approvals: 2},
		{Name: "b-admin-two", Groups: []string{"oncall"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"}, MaxDuration: 2 * time.Hour, Approvals: 1},
		{Name: "a-admin-two", Groups: []string{"oncall"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"}, MaxDuration: 2 * time.Hour, Approvals: 1},
		{Name: "no-ceiling", Users: []string{"zed"}, Accounts: []string{"*"}, PermissionSets: []string{"*"}},
	}
	prod := Target{AccountID: "111111111111", AccountName: "prod", PermissionSetName: "AdministratorAccess"}
	tests := []struct {
		name     string
		sub      Subject
		target   Target
		wantRule string
		wantMax  time.Duration
	}{
		{"user rule by account name", Subject{UserName: "alice"}, prod, "admin-prod", 4 * time.Hour},
		{"names match case-insensitively", Subject{UserName: "ALICE"}, Target{AccountID: "111111111111", AccountName: "Prod", PermissionSetName: "administratoraccess"}, "admin-prod", 4 * time.Hour},
		{"group in several rules: least restrictive wins", Subject{UserName: "x", Groups: []string{"engineers"}}, Target{AccountID: "111111111111", AccountName: "prod", PermissionSetName: "ReadOnlyAccess"}, "ro-all", 8 * time.Hour},
		{"ties broken by name", Subject{UserName: "x", Groups: []string{"oncall"}}, prod, "a-admin-two", 2 * time.Hour},
		{"equal approvals: the longer duration wins", Subject{UserName: "alice", Groups: []string{"oncall"}}, prod, "admin-prod", 4 * time.Hour},
		{"no rule for the permission set", Subject{UserName: "alice"}, Target{AccountID: "111111111111", AccountName: "prod", PermissionSetName: "ReadOnlyAccess"}, "", 0},
		{"no rule for the account", Subject{UserName: "alice"}, Target{AccountID: "222222222222", AccountName: "dev", PermissionSetName: "AdministratorAccess"}, "", 0},
		{"non-member gets nothing", Subject{UserName: "mallory"}, prod, "", 0},
		{"zero max takes the ceiling", Subject{UserName: "zed"}, prod, "no-ceiling", 9 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := Best(rules, tt.sub, tt.target, 9*time.Hour)
			if ok != (tt.wantRule != "") {
				t.Fatalf("ok = %v, rule %q", ok, r.Name)
			}
			if ok && (r.Name != tt.wantRule || r.MaxDuration != tt.wantMax) {
				t.Fatalf("got %s (%s), want %s (%s)", r.Name, r.MaxDuration, tt.wantRule, tt.wantMax)
			}
		})
	}
}

func TestEffectiveMax(t *testing.T) {
	for _, tt := range []struct{ rule, ceiling, want time.Duration }{
		{0, 9 * time.Hour, 9 * time.Hour}, {time.Hour, 9 * time.Hour, time.Hour}, {12 * time.Hour, 9 * time.Hour, 9 * time.Hour}, {time.Hour, 0, time.Hour},
	} {
		if got := EffectiveMax(tt.rule, tt.ceiling); got != tt.want {
			t.Errorf("EffectiveMax(%s, %s) = %s, want %s", tt.rule, tt.ceiling, got, tt.want)
		}
	}
}
