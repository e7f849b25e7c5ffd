package policy

import (
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/access"
)

func traceOf(ts []RuleTrace, name string) RuleTrace {
	for _, t := range ts {
		if t.Rule == name {
			return t
		}
	}
	return RuleTrace{}
}

func TestExplainListsEveryRuleWithWhy(t *testing.T) {
	doc := testDocument()
	e := New(doc, NewIndex(testDirectory()))
	ex := e.Explain(q("alice", "staging", "PowerUserAccess"))
	if len(ex.Rules) != len(doc.Rules) || len(ex.ApproverRules) != len(doc.ApproverRules) {
		t.Fatalf("explain considered %d rules and %d approver rules, want all %d and %d", len(ex.Rules), len(ex.ApproverRules), len(doc.Rules), len(doc.ApproverRules))
	}
	sel := traceOf(ex.Rules, "power-workloads")
	if !sel.Matched || !sel.Selected || !strings.Contains(strings.Join(sel.Reasons, "; "), "alice is in group engineers") ||
		!strings.Contains(strings.Join(sel.Reasons, "; "), "under OU Workloads (nested OUs included)") {
		t.Errorf("power-workloads: %+v", sel)
	}
	notSubject := traceOf(ex.Rules, "power-security")
	if notSubject.Matched || !strings.Contains(strings.Join(notSubject.Reasons, "; "), "alice is not named and is in none of its groups (security)") {
		t.Errorf("power-security: %+v", notSubject)
	}
	wrongSet := traceOf(ex.Rules, "ro-everywhere")
	if wrongSet.Matched || !strings.Contains(strings.Join(wrongSet.Reasons, "; "), "permission set PowerUserAccess is not listed (ReadOnlyAccess)") {
		t.Errorf("ro-everywhere: %+v", wrongSet)
	}
	outOfScope := traceOf(ex.Rules, "oncall-admin-prod")
	if outOfScope.Matched || !strings.Contains(strings.Join(outOfScope.Reasons, "; "), "account staging (222222222222, in Root/Workloads/Prod) is not in scope: the rule lists accounts prod") {
		t.Errorf("oncall-admin-prod: %+v", outOfScope)
	}
	glass := traceOf(ex.Rules, "breakglass-prod")
	if glass.Matched || !strings.Contains(strings.Join(glass.Reasons, "; "), "account staging") {
		t.Errorf("breakglass-prod: %+v", glass)
	}
	ar := traceOf(ex.ApproverRules, "prod-ou-power")
	if !ar.Selected || !strings.Contains(strings.Join(ar.Reasons, "; "), "most specific match: 2 approval(s) from sec-leads") {
		t.Errorf("prod-ou-power: %+v", ar)
	}
	shadowed := traceOf(ex.ApproverRules, "workloads")
	if !shadowed.Matched || shadowed.Selected || !strings.Contains(strings.Join(shadowed.Reasons, "; "), "more specific approver rule") {
		t.Errorf("workloads: %+v", shadowed)
	}
	if d := ex.Decision; !d.Allowed || d.Rule != "power-workloads" || len(d.Approvers) != 2 || d.Approvers[0].Via[0] != "group sec-leads" {
		t.Errorf("decision: %+v", d)
	}
}

func TestExplainNestedOffSaysSo(t *testing.T) {
	e := New(testDocument(), NewIndex(testDirectory()))
	ex := e.Explain(q("hank", "forensics", "PowerUserAccess"))
	tr := traceOf(ex.Rules, "power-security")
	if tr.Matched || !strings.Contains(strings.Join(tr.Reasons, "; "), "forensics is in a nested OU of Security and nested_ous is off") {
		t.Errorf("power-security: %+v", tr)
	}
	if ex.Decision.Allowed || !strings.Contains(ex.Decision.Reason, "no rule lets hank") {
		t.Errorf("decision: %+v", ex.Decision)
	}
}

func TestExplainOwnApproversOverride(t *testing.T) {
	e := New(testDocument(), NewIndex(testDirectory()))
	ex := e.Explain(q("alice", "dev", "AdministratorAccess"))
	tr := traceOf(ex.ApproverRules, "dev-ou")
	if !tr.Matched || tr.Selected || !strings.Contains(strings.Join(tr.Reasons, "; "), "names its own approvers, which override approver rules") {
		t.Errorf("dev-ou: %+v", tr)
	}
}

func TestListEligible(t *testing.T) {
	e := New(testDocument(), NewIndex(testDirectory()))
	got := map[string]Eligible{}
	for _, el := range e.ListEligible("alice") {
		key := el.Account.Name + "/" + el.PermissionSet.Name
		if el.BreakGlass {
			key += "/break-glass"
		}
		if _, dup := got[key]; dup {
			t.Errorf("%s listed twice", key)
		}
		got[key] = el
	}
	want := map[string]struct {
		rule      string
		approvals int
	}{
		"prod/ReadOnlyAccess": {"ro-everywhere", 0}, "staging/ReadOnlyAccess": {"ro-everywhere", 0}, "mgmt/ReadOnlyAccess": {"ro-everywhere", 0},
		"forensics/ReadOnlyAccess": {"ro-everywhere", 0}, "audit/ReadOnlyAccess": {"ro-everywhere", 0}, "dev/ReadOnlyAccess": {"ro-everywhere", 0},
		"sandbox/ReadOnlyAccess": {"ro-everywhere", 0}, "prod/AdministratorAccess": {"oncall-admin-prod", 1},
		"prod/AdministratorAccess/break-glass": {"breakglass-prod", 0}, "dev/AdministratorAccess": {"admin-dev-own", 1},
		"prod/PowerUserAccess": {"power-workloads", 1}, "staging/PowerUserAccess": {"power-workloads", 2},
		"dev/PowerUserAccess": {"power-workloads", 1}, "sandbox/PowerUserAccess": {"power-workloads", 1},
	}
	for k, w := range want {
		el, ok := got[k]
		if !ok {
			t.Errorf("%s is missing", k)
			continue
		}
		if el.Rule != w.rule || el.ApprovalsRequired != w.approvals {
			t.Errorf("%s: rule %s approvals %d, want %s %d", k, el.Rule, el.ApprovalsRequired, w.rule, w.approvals)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s is listed but not offered (the suspended account old must not be listed)", k)
		}
	}
	// Each listed pair agrees with Decide.
	for k, el := range got {
		d := e.Decide(Question{User: "alice", Account: el.Account.ID, PermissionSet: el.PermissionSet.Name, BreakGlass: el.BreakGlass})
		if d.Rule != el.Rule {
			t.Errorf("%s: listed rule %s, Decide says %s", k, el.Rule, d.Rule)
		}
	}
	if l := e.ListEligible("dave"); len(l) != 0 {
		t.Errorf("dave is eligible for %d pairs, want none", len(l))
	}
}

// TestLimits: the pairs a delegated administrator cannot assign are never
// eligible, Decide and Explain refuse them naming the limit (Explain still
// traces the rules but selects none), and Limits names each rule that
// covers them.
func TestLimits(t *testing.T) {
	t.Parallel()
	dir := access.Directory{
		OUs: []access.OU{{ID: "r-root", Name: "Root"}},
		Accounts: []access.Account{
			{ID: "111122223333", Name: "management", State: "ACTIVE", ParentID: "r-root", Limit: access.LimitManagementAccount},
			{ID: "444455556666", Name: "prod", State: "ACTIVE", ParentID: "r-root"},
		},
		PermissionSets: []access.PermissionSet{
			{ARN: "arn:ps-ro", Name: "ReadOnlyAccess"},
			{ARN: "arn:ps-pu", Name: "PowerUserAccess", Limit: access.LimitManagementProvisioned},
			{ARN: "arn:ps-x", Limit: access.LimitNotDescribable}, // never described: known by ARN only
		},
		Users: []access.User{{ID: "u-alice", UserName: "alice", Active: true}},
	}
	e := New(Document{Rules: []Rule{{Name: "org", Users: []string{"alice"}, Accounts: []string{All}, PermissionSets: []string{All}}}}, NewIndex(dir))
	var got []string
	for _, el := range e.ListEligible("alice") {
		got = append(got, el.Account.Name+"/"+el.PermissionSet.Name)
	}
	if len(got) != 1 || got[0] != "prod/ReadOnlyAccess" {
		t.Errorf("eligible %v, want only prod/ReadOnlyAccess", got)
	}
	for _, tc := range []struct {
		name, account, set, want string
	}{
		{"management account", "management", "ReadOnlyAccess", "account management (111122223333): it is the management account"},
		{"provisioned to the management account", "prod", "PowerUserAccess", "permission set PowerUserAccess: it is managed in the management account"},
		{"not describable", "prod", "arn:ps-x", "permission set arn:ps-x: it is managed in the management account"},
	} {
		q := Question{User: "alice", Account: tc.account, PermissionSet: tc.set}
		if d := e.Decide(q); d.Allowed || d.Limit == "" || !strings.Contains(d.Reason, tc.want) {
			t.Errorf("%s: Decide = allowed %v, reason %q; want refused with %q", tc.name, d.Allowed, d.Reason, tc.want)
		}
		ex := e.Explain(q)
		if ex.Decision.Allowed || !strings.Contains(ex.Decision.Reason, tc.want) || len(ex.Rules) != 1 || !ex.Rules[0].Matched || ex.Rules[0].Selected {
			t.Errorf("%s: Explain = %+v", tc.name, ex)
		}
	}
	notes := e.Limits()
	if len(notes) != 3 {
		t.Fatalf("limits %+v, want the management account and two permission sets", notes)
	}
	for _, n := range notes {
		if n.Rule != "org" {
			t.Errorf("limit names rule %q, want org", n.Rule)
		}
	}
	if !strings.Contains(notes[0].Message, `accounts: ["*"]`) || !strings.Contains(notes[1].Message, "PowerUserAccess") {
		t.Errorf("limits %+v", notes)
	}
}
