package policy

import (
	"time"

	"github.com/elevate/elevate/internal/access"
)

// testDirectory is a small organization:
//
//	Root (r-root): mgmt
//	  Workloads: sandbox
//	    Prod: prod, staging
//	    Dev: dev, old (suspended)
//	  Security: audit
//	    Forensics: forensics
func testDirectory() access.Directory {
	ou := func(id, name, parent string) access.OU { return access.OU{ID: id, Name: name, ParentID: parent} }
	acct := func(id, name, parent string) access.Account {
		return access.Account{ID: id, Name: name, State: "ACTIVE", ParentID: parent}
	}
	ps := func(name string) access.PermissionSet {
		return access.PermissionSet{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-" + name, Name: name}
	}
	user := func(name string, active bool) access.User {
		return access.User{ID: "u-" + name, UserName: name, Email: name + "@example.com", Active: active}
	}
	d := access.Directory{
		OUs: []access.OU{ou("r-root", "Root", ""), ou("ou-work", "Workloads", "r-root"), ou("ou-prod", "Prod", "ou-work"),
			ou("ou-dev", "Dev", "ou-work"), ou("ou-sec", "Security", "r-root"), ou("ou-for", "Forensics", "ou-sec")},
		Accounts: []access.Account{acct("666666666666", "mgmt", "r-root"), acct("555555555555", "sandbox", "ou-work"),
			acct("111111111111", "prod", "ou-prod"), acct("222222222222", "staging", "ou-prod"), acct("333333333333", "dev", "ou-dev"),
			acct("444444444444", "audit", "ou-sec"), acct("888888888888", "forensics", "ou-for"),
			{ID: "777777777777", Name: "old", State: "SUSPENDED", ParentID: "ou-dev"}},
		PermissionSets: []access.PermissionSet{ps("AdministratorAccess"), ps("ReadOnlyAccess"), ps("PowerUserAccess"), ps("Billing")},
		Users: []access.User{user("alice", true), user("bob", true), user("carol", true), user("dave", true), user("erin", true),
			user("frank", false), user("gina", true), user("hank", true), user("ivan", true), user("judy", true)},
		Groups: []access.Group{{ID: "g-eng", Name: "engineers"}, {ID: "g-oncall", Name: "oncall"}, {ID: "g-appr", Name: "approvers"},
			{ID: "g-sec", Name: "security"}, {ID: "g-secl", Name: "sec-leads"}, {ID: "g-admins", Name: "admins"},
			{ID: "g-aud", Name: "auditors"}, {ID: "g-dba", Name: "dba"}, {ID: "g-sre", Name: "sre"}},
	}
	member := func(g string, users ...string) {
		for _, u := range users {
			d.Memberships = append(d.Memberships, access.Membership{GroupID: g, UserID: "u-" + u})
		}
	}
	member("g-eng", "alice", "gina", "ivan")
	member("g-oncall", "alice")
	member("g-appr", "bob", "carol", "frank")
	member("g-sec", "carol", "hank")
	member("g-secl", "hank", "judy")
	member("g-admins", "erin")
	member("g-aud", "dave")
	member("g-dba", "ivan")
	member("g-sre", "judy")
	return d
}

// testDocument is the scenario table's base policy.
func testDocument() Document {
	h := time.Hour
	return Document{
		Settings: Settings{MinDuration: time.Minute},
		Rules: []Rule{
			{Name: "ro-everywhere", Groups: []string{"engineers"}, Accounts: []string{"*"}, PermissionSets: []string{"ReadOnlyAccess"}, MaxDuration: 8 * h},
			{Name: "ro-prod-strict", Groups: []string{"engineers"}, OUs: []string{"Prod"}, PermissionSets: []string{"ReadOnlyAccess"}, MaxDuration: h, Approvals: 2},
			{Name: "oncall-admin-prod", Groups: []string{"oncall"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"}, MaxDuration: 4 * h, Approvals: 1},
			{Name: "eng-admin-prod", Groups: []string{"engineers"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"}, MaxDuration: 2 * h, Approvals: 2},
			{Name: "power-workloads", Groups: []string{"engineers"}, OUs: []string{"Workloads"}, NestedOUs: true, PermissionSets: []string{"PowerUserAccess"}, MaxDuration: 4 * h, Approvals: 1},
			{Name: "power-security", Groups: []string{"security"}, OUs: []string{"Security"}, PermissionSets: []string{"PowerUserAccess"}, MaxDuration: 2 * h, Approvals: 1, ApproverGroups: []string{"sec-leads"}},
			{Name: "billing-gina", Users: []string{"gina"}, Accounts: []string{"mgmt"}, PermissionSets: []string{"Billing"}, TicketRequired: true},
			{Name: "admin-dev-own", Groups: []string{"engineers"}, OUs: []string{"Dev"}, PermissionSets: []string{"AdministratorAccess"}, MaxDuration: 3 * h, Approvals: 1, ApproverUsers: []string{"bob"}},
			{Name: "breakglass-prod", Groups: []string{"oncall", "sre"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"}, MaxDuration: h, BreakGlass: true},
			{Name: "dba-staging", Groups: []string{"dba"}, Accounts: []string{"staging"}, PermissionSets: []string{"AdministratorAccess"}, Approvals: 3, ApproverUsers: []string{"bob", "carol"}},
			{Name: "carol-self", Users: []string{"carol"}, Accounts: []string{"audit"}, PermissionSets: []string{"AdministratorAccess"}, Approvals: 1, ApproverUsers: []string{"carol"}},
			{Name: "bob-mgmt-power", Users: []string{"bob"}, Accounts: []string{"mgmt"}, PermissionSets: []string{"PowerUserAccess"}, Approvals: 1},
			{Name: "bob-sandbox-billing", Users: []string{"bob"}, Accounts: []string{"sandbox"}, PermissionSets: []string{"Billing"}, Approvals: 1},
		},
		ApproverRules: []ApproverRule{
			{Name: "root-approvers", Accounts: []string{"*"}, Groups: []string{"approvers"}},
			{Name: "prod-account", Accounts: []string{"prod"}, Groups: []string{"security"}},
			{Name: "workloads", OUs: []string{"Workloads"}, NestedOUs: true, Users: []string{"bob"}},
			{Name: "prod-ou-power", OUs: []string{"Prod"}, PermissionSets: []string{"PowerUserAccess"}, Groups: []string{"sec-leads"}, Approvals: 2},
			{Name: "dev-ou", OUs: []string{"Dev"}, Users: []string{"carol"}},
		},
	}
}
