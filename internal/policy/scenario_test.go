package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// scenario is one decision the policy must take. doc and dir change the
// base document and directory (testDocument, testDirectory) for the case.
type scenario struct {
	name       string
	doc        func(*Document)
	dir        func(*access.Directory)
	q          Question
	allowed    bool
	rule       string
	approvals  int
	approvers  string // user names, comma-separated, sorted
	max        time.Duration
	ticket     bool
	breakGlass bool
	reason     string // substring of the refusal
	source     string // substring of ApproverSource
}

func q(user, account, ps string) Question {
	return Question{User: user, Account: account, PermissionSet: ps}
}

func bg(user, account, ps string) Question {
	return Question{User: user, Account: account, PermissionSet: ps, BreakGlass: true}
}

func moveAccount(id, parent string) func(*access.Directory) {
	return func(d *access.Directory) {
		for i := range d.Accounts {
			if d.Accounts[i].ID == id {
				d.Accounts[i].ParentID = parent
			}
		}
	}
}

func addRule(r Rule) func(*Document) { return func(d *Document) { d.Rules = append(d.Rules, r) } }

const h = time.Hour

var scenarios = []scenario{
	// Eligibility precedence.
	{name: "read-only anywhere needs no approval", q: q("alice", "prod", "ReadOnlyAccess"), allowed: true, rule: "ro-everywhere", max: 8 * h},
	{name: "same group in several rules: the one without approval wins", q: q("gina", "staging", "ReadOnlyAccess"), allowed: true, rule: "ro-everywhere", max: 8 * h},
	{name: "user in two groups with rules on the same pair: fewest approvals wins", q: q("alice", "prod", "AdministratorAccess"),
		allowed: true, rule: "oncall-admin-prod", approvals: 1, approvers: "carol,hank", max: 4 * h, source: "approver rule prod-account"},
	{name: "member of one group only gets that group's stricter rule", q: q("gina", "prod", "AdministratorAccess"),
		allowed: true, rule: "eng-admin-prod", approvals: 2, approvers: "carol,hank", max: 2 * h},
	{name: "no rule names the user", q: q("dave", "prod", "AdministratorAccess"), reason: "no rule lets dave request AdministratorAccess on account prod"},
	{name: "ties broken by rule name", doc: addRule(Rule{Name: "aa-ro", Groups: []string{"engineers"}, Accounts: []string{"*"}, PermissionSets: []string{"ReadOnlyAccess"}, MaxDuration: 8 * h}),
		q: q("alice", "prod", "ReadOnlyAccess"), allowed: true, rule: "aa-ro", max: 8 * h},
	{name: "equal approvals: the longer duration wins", doc: addRule(Rule{Name: "ro-long", Groups: []string{"engineers"}, Accounts: []string{"*"}, PermissionSets: []string{"ReadOnlyAccess"}, MaxDuration: 9 * h}),
		q: q("alice", "prod", "ReadOnlyAccess"), allowed: true, rule: "ro-long", max: 9 * h},
	{name: "no approval beats a longer duration with approval", doc: addRule(Rule{Name: "ro-long-approved", Groups: []string{"engineers"}, Accounts: []string{"*"}, PermissionSets: []string{"ReadOnlyAccess"}, MaxDuration: 9 * h, Approvals: 1}),
		q: q("alice", "prod", "ReadOnlyAccess"), allowed: true, rule: "ro-everywhere", max: 8 * h},
	{name: "rule maximum capped by the global ceiling", doc: func(d *Document) { d.Settings.MaxDuration = 2 * h },
		q: q("alice", "prod", "ReadOnlyAccess"), allowed: true, rule: "ro-everywhere", max: 2 * h},
	{name: "rule without maximum takes the ceiling, user rule with ticket", q: q("gina", "mgmt", "Billing"), allowed: true, rule: "billing-gina", max: 9 * h, ticket: true},
	{name: "global ticket setting applies to every rule", doc: func(d *Document) { d.Settings.TicketRequired = true },
		q: q("alice", "prod", "ReadOnlyAccess"), allowed: true, rule: "ro-everywhere", max: 8 * h, ticket: true},

	// Different approval per permission set on the same account.
	{name: "per permission set on prod: ReadOnly without approval", q: q("ivan", "prod", "ReadOnlyAccess"), allowed: true, rule: "ro-everywhere", max: 8 * h},
	{name: "per permission set on prod: Administrator with two approvals", q: q("ivan", "prod", "AdministratorAccess"), allowed: true, rule: "eng-admin-prod", approvals: 2, approvers: "carol,hank", max: 2 * h},
	{name: "per permission set on prod: PowerUser approved by the account's approver rule", q: q("alice", "prod", "PowerUserAccess"),
		allowed: true, rule: "power-workloads", approvals: 1, approvers: "carol,hank", max: 4 * h, source: "prod-account"},
	{name: "approver rule filtered on the permission set wins at its OU", q: q("alice", "staging", "PowerUserAccess"),
		allowed: true, rule: "power-workloads", approvals: 2, approvers: "hank,judy", max: 4 * h, source: "prod-ou-power"},
	{name: "approver rule filter does not apply to other permission sets", doc: addRule(Rule{Name: "admin-staging", Users: []string{"alice"}, Accounts: []string{"staging"}, PermissionSets: []string{"AdministratorAccess"}, Approvals: 1}),
		q: q("alice", "staging", "AdministratorAccess"), allowed: true, rule: "admin-staging", approvals: 1, approvers: "bob", max: 9 * h, source: "approver rule workloads"},

	// OUs, nested or not.
	{name: "nested OU rule covers an account two levels down", q: q("alice", "dev", "PowerUserAccess"),
		allowed: true, rule: "power-workloads", approvals: 1, approvers: "carol", max: 4 * h, source: "approver rule dev-ou"},
	{name: "nearest OU approver rule for an account directly in the OU", q: q("alice", "sandbox", "PowerUserAccess"),
		allowed: true, rule: "power-workloads", approvals: 1, approvers: "bob", max: 4 * h, source: "approver rule workloads"},
	{name: "account outside the nested OU", q: q("alice", "mgmt", "PowerUserAccess"), reason: "no rule lets alice request PowerUserAccess on account mgmt"},
	{name: "non-nested OU rule covers its direct accounts", q: q("carol", "audit", "PowerUserAccess"),
		allowed: true, rule: "power-security", approvals: 1, approvers: "hank,judy", max: 2 * h, source: "rule power-security"},
	{name: "non-nested OU rule ignores accounts in nested OUs", q: q("hank", "forensics", "PowerUserAccess"), reason: "no rule lets hank"},
	{name: "root OU with nested OUs is the whole organization",
		doc: addRule(Rule{Name: "audit-billing", Groups: []string{"auditors"}, OUs: []string{"Root"}, NestedOUs: true, PermissionSets: []string{"Billing"}}),
		q:   q("dave", "forensics", "Billing"), allowed: true, rule: "audit-billing", max: 9 * h},
	{name: "root OU without nested OUs: accounts deeper are out",
		doc: addRule(Rule{Name: "audit-billing", Groups: []string{"auditors"}, OUs: []string{"r-root"}, PermissionSets: []string{"Billing"}}),
		q:   q("dave", "forensics", "Billing"), reason: "no rule lets dave"},
	{name: "root OU without nested OUs: accounts directly under the root are in",
		doc: addRule(Rule{Name: "audit-billing", Groups: []string{"auditors"}, OUs: []string{"r-root"}, PermissionSets: []string{"Billing"}}),
		q:   q("dave", "mgmt", "Billing"), allowed: true, rule: "audit-billing", max: 9 * h},
	{name: "whole organization approver rule for an account under the root", q: q("bob", "mgmt", "PowerUserAccess"),
		allowed: true, rule: "bob-mgmt-power", approvals: 1, approvers: "carol", max: 9 * h, source: "root-approvers"},

	// A rule on an OU whose account moved.
	{name: "account moved out of the OU loses the OU's rule", dir: moveAccount("333333333333", "r-root"),
		q: q("alice", "dev", "PowerUserAccess"), reason: "no rule lets alice request PowerUserAccess on account dev"},
	{name: "account moved into an OU gains its rule and approvers", dir: moveAccount("666666666666", "ou-prod"),
		q: q("alice", "mgmt", "PowerUserAccess"), allowed: true, rule: "power-workloads", approvals: 2, approvers: "hank,judy", max: 4 * h},
	{name: "account moved between OUs: approvers follow the new OU", dir: moveAccount("333333333333", "ou-prod"),
		q: q("alice", "dev", "PowerUserAccess"), allowed: true, rule: "power-workloads", approvals: 2, approvers: "hank,judy", max: 4 * h, source: "prod-ou-power"},
	{name: "account moved into a flat OU matches the flat rule", dir: moveAccount("888888888888", "ou-sec"),
		q: q("hank", "forensics", "PowerUserAccess"), allowed: true, rule: "power-security", approvals: 1, approvers: "judy", max: 2 * h},

	// Approvers.
	{name: "own approvers override approver rules", q: q("alice", "dev", "AdministratorAccess"),
		allowed: true, rule: "admin-dev-own", approvals: 1, approvers: "bob", max: 3 * h, source: "rule admin-dev-own"},
	{name: "approver who is also the requester is removed, others remain", q: q("bob", "mgmt", "PowerUserAccess"),
		allowed: true, rule: "bob-mgmt-power", approvals: 1, approvers: "carol", max: 9 * h},
	{name: "the only approver is the requester", q: q("carol", "audit", "AdministratorAccess"),
		rule: "carol-self", approvals: 1, reason: "only 0 approver(s) remain once carol (the requester) is removed"},
	{name: "approver rule names only the requester", q: q("bob", "sandbox", "Billing"),
		rule: "bob-sandbox-billing", approvals: 1, reason: "once bob (the requester) is removed"},
	{name: "fewer approvers than approvals needed", q: q("ivan", "staging", "AdministratorAccess"),
		rule: "dba-staging", approvals: 3, reason: "needs 3 approval(s) but only 2 approver(s) remain"},
	{name: "disabled approvers do not count",
		doc: addRule(Rule{Name: "frank-approves", Users: []string{"dave"}, Accounts: []string{"audit"}, PermissionSets: []string{"ReadOnlyAccess"}, Approvals: 1, ApproverUsers: []string{"frank"}}),
		q:   q("dave", "audit", "ReadOnlyAccess"), rule: "frank-approves", approvals: 1, reason: "only 0 approver(s) remain"},
	{name: "approver rules at the same level are united, the most approvals needed",
		doc: func(d *Document) {
			d.ApproverRules = append(d.ApproverRules, ApproverRule{Name: "prod-account-2", Accounts: []string{"111111111111"}, Users: []string{"erin"}, Approvals: 2})
		},
		q: q("alice", "prod", "AdministratorAccess"), allowed: true, rule: "oncall-admin-prod", approvals: 2, approvers: "carol,erin,hank", max: 4 * h, source: "prod-account, prod-account-2"},
	{name: "no approvers anywhere", doc: func(d *Document) { d.ApproverRules = nil },
		q: q("alice", "prod", "AdministratorAccess"), rule: "oncall-admin-prod", approvals: 1, reason: "names no approvers, and no approver rule covers AdministratorAccess on account prod"},

	// Break-glass.
	{name: "break-glass request uses the break-glass rule", q: bg("alice", "prod", "AdministratorAccess"), allowed: true, rule: "breakglass-prod", max: h, breakGlass: true},
	{name: "break-glass rule is not offered for a normal request", q: q("judy", "prod", "AdministratorAccess"), reason: "no rule lets judy"},
	{name: "break-glass through another group of the rule", q: bg("judy", "prod", "AdministratorAccess"), allowed: true, rule: "breakglass-prod", max: h, breakGlass: true},
	{name: "break-glass request without a break-glass rule", q: bg("alice", "staging", "ReadOnlyAccess"), reason: "no break-glass rule lets alice"},

	// Resolving the question.
	{name: "names are case-insensitive", q: q("ALICE", "PROD", "readonlyaccess"), allowed: true, rule: "ro-everywhere", max: 8 * h},
	{name: "account by id, permission set by ARN", q: q("alice", "111111111111", "arn:aws:sso:::permissionSet/ssoins-1/ps-AdministratorAccess"),
		allowed: true, rule: "oncall-admin-prod", approvals: 1, approvers: "carol,hank", max: 4 * h},
	{name: "user by email", q: q("alice@example.com", "prod", "ReadOnlyAccess"), allowed: true, rule: "ro-everywhere", max: 8 * h},
	{name: "unknown user", q: q("zed", "prod", "ReadOnlyAccess"), reason: `user "zed" is not in the directory`},
	{name: "unknown account", q: q("alice", "nope", "ReadOnlyAccess"), reason: `account "nope" does not exist`},
	{name: "unknown permission set", q: q("alice", "prod", "Nope"), reason: `permission set "Nope" is not in the directory`},
	{name: "disabled requester", q: q("frank", "prod", "ReadOnlyAccess"), reason: "frank is disabled"},
	{name: "ambiguous account name", dir: func(d *access.Directory) {
		d.Accounts = append(d.Accounts, access.Account{ID: "999999999999", Name: "prod", State: "ACTIVE", ParentID: "r-root"})
	}, q: q("alice", "prod", "ReadOnlyAccess"), reason: "matches several accounts"},
	{name: "rule naming a group that does not exist matches nobody",
		doc: func(d *Document) {
			d.Rules = []Rule{{Name: "ghosts", Groups: []string{"ghosts"}, Accounts: []string{"*"}, PermissionSets: []string{"*"}}}
		},
		q: q("alice", "prod", "ReadOnlyAccess"), reason: "no rule lets alice"},
}

func TestScenarios(t *testing.T) {
	if len(scenarios) < 40 {
		t.Fatalf("the scenario table has %d cases, want at least 40", len(scenarios))
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			doc, dir := testDocument(), testDirectory()
			if sc.doc != nil {
				sc.doc(&doc)
			}
			if sc.dir != nil {
				sc.dir(&dir)
			}
			e := New(doc, NewIndex(dir))
			for _, check := range []struct {
				how string
				d   Decision
			}{{"Decide", e.Decide(sc.q)}, {"Explain", e.Explain(sc.q).Decision}} {
				d := check.d
				if d.Allowed != sc.allowed {
					t.Fatalf("%s: allowed = %v (%s), want %v", check.how, d.Allowed, d.Reason, sc.allowed)
				}
				if d.Rule != sc.rule {
					t.Errorf("%s: rule = %q, want %q", check.how, d.Rule, sc.rule)
				}
				if d.ApprovalsRequired != sc.approvals || d.ApprovalRequired != (sc.approvals > 0) {
					t.Errorf("%s: approvals = %d (required %v), want %d", check.how, d.ApprovalsRequired, d.ApprovalRequired, sc.approvals)
				}
				if sc.allowed {
					var names []string
					for _, a := range d.Approvers {
						names = append(names, a.UserName)
					}
					if got := strings.Join(names, ","); got != sc.approvers {
						t.Errorf("%s: approvers = %q, want %q", check.how, got, sc.approvers)
					}
					if d.MaxDuration != sc.max {
						t.Errorf("%s: max duration = %s, want %s", check.how, d.MaxDuration, sc.max)
					}
					if d.TicketRequired != sc.ticket || d.BreakGlass != sc.breakGlass {
						t.Errorf("%s: ticket %v break-glass %v, want %v %v", check.how, d.TicketRequired, d.BreakGlass, sc.ticket, sc.breakGlass)
					}
					if d.Reason != "" {
						t.Errorf("%s: allowed with a reason: %s", check.how, d.Reason)
					}
				}
				if !strings.Contains(d.Reason, sc.reason) {
					t.Errorf("%s: reason = %q, want it to contain %q", check.how, d.Reason, sc.reason)
				}
				if !strings.Contains(d.ApproverSource, sc.source) {
					t.Errorf("%s: approver source = %q, want it to contain %q", check.how, d.ApproverSource, sc.source)
				}
			}
		})
	}
}

func TestRequesterRemovedIsReported(t *testing.T) {
	e := New(testDocument(), NewIndex(testDirectory()))
	if d := e.Decide(q("bob", "mgmt", "PowerUserAccess")); !d.RequesterRemoved {
		t.Error("bob approves through the approvers group: RequesterRemoved should be true")
	}
	if d := e.Decide(q("alice", "prod", "AdministratorAccess")); d.RequesterRemoved {
		t.Error("alice is no approver of prod: RequesterRemoved should be false")
	}
}

func TestApproversSayWhichGroupsTheyComeThrough(t *testing.T) {
	doc := testDocument()
	doc.ApproverRules[1].Users = []string{"carol"} // prod-account: carol by name and through security
	e := New(doc, NewIndex(testDirectory()))
	d := e.Decide(q("alice", "prod", "AdministratorAccess"))
	want := map[string][]string{"carol": {"user", "group security"}, "hank": {"group security"}}
	if len(d.Approvers) != len(want) {
		t.Fatalf("approvers = %+v", d.Approvers)
	}
	for _, a := range d.Approvers {
		if !slices.Equal(a.Via, want[a.UserName]) {
			t.Errorf("%s via %v, want %v", a.UserName, a.Via, want[a.UserName])
		}
		if a.UserID != "u-"+a.UserName {
			t.Errorf("%s has id %s", a.UserName, a.UserID)
		}
	}
}

func TestEffectiveMax(t *testing.T) {
	for _, tt := range []struct{ rule, ceiling, want time.Duration }{
		{0, 9 * h, 9 * h}, {h, 9 * h, h}, {12 * h, 9 * h, 9 * h}, {h, 0, h},
	} {
		if got := EffectiveMax(tt.rule, tt.ceiling); got != tt.want {
			t.Errorf("EffectiveMax(%s, %s) = %s, want %s", tt.rule, tt.ceiling, got, tt.want)
		}
	}
}
