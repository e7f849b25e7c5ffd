package policy

import (
	"strings"
	"testing"
	"time"
)

const sampleYAML = `settings:
  approval_timeout: 2h
  max_duration: 8h
  min_duration: 5m
  ticket_required: false
  admins_group: admins
  auditors_group: auditors
rules:
  - name: ro
    groups: [engineers]
    accounts: ["*"]
    permission_sets: [ReadOnlyAccess]
    max_duration: 8h
  - name: admin-prod
    groups: [oncall, nobody]
    accounts: [prod, 000000000000]
    permission_sets: [AdministratorAccess]
    approvals: 1
approver_rules:
  - name: everyone
    accounts: ["*"]
    groups: [approvers]
`

func TestParseReportsUnresolvedNamesWithLines(t *testing.T) {
	src, err := Parse([]byte(sampleYAML))
	if err != nil {
		t.Fatal(err)
	}
	if src.Doc.Settings.ApprovalTimeout != 2*time.Hour || src.Doc.Rules[0].MaxDuration != 8*time.Hour {
		t.Errorf("durations: %+v", src.Doc.Settings)
	}
	problems := src.Locate(New(src.Doc, NewIndex(testDirectory())).Problems())
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		`line 16: rules[1].accounts[1]: account "000000000000" is not in the organization`,
		`line 15: rules[1].groups[1]: group "nobody" is not in the directory`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseRejectsUnknownKeys(t *testing.T) {
	_, err := Parse([]byte("rules:\n  - name: x\n    acounts: [prod]\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "acounts") {
		t.Errorf("err = %v, want the unknown key and its line", err)
	}
}

func TestInvalidDocumentProblems(t *testing.T) {
	doc := Document{Settings: Settings{MinDuration: 10 * time.Hour}, Rules: []Rule{
		{Name: "a", PermissionSets: []string{"ReadOnlyAccess"}},
		{Name: "a", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"ReadOnlyAccess"}, BreakGlass: true, Approvals: 1},
	}}
	var got []string
	for _, p := range New(doc, NewIndex(testDirectory())).Problems() {
		got = append(got, p.String())
	}
	for _, want := range []string{"rules[0]: no accounts or ous", "rules[0]: no users or groups", `rules[1].name: "a" is also the name of rules[0]`,
		"rules[1].approvals: a break_glass rule activates without approval", "settings.min_duration: 10h0m0s is longer than settings.max_duration 9h0m0s"} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("problems %q lack %q", got, want)
		}
	}
}

func TestMarshalRoundTripAndPlanNoChanges(t *testing.T) {
	doc := testDocument()
	out, err := Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	src, err := Parse(out)
	if err != nil {
		t.Fatalf("parse exported document: %v\n%s", err, out)
	}
	if changes := Plan(doc, src.Doc); len(changes) != 0 {
		t.Errorf("export then plan: %v", changes)
	}
	if s := FormatPlan(nil); !strings.Contains(s, "No changes") {
		t.Errorf("empty plan prints %q", s)
	}
	again, _ := Marshal(src.Doc)
	if string(again) != string(out) {
		t.Errorf("export is not stable:\n%s\n---\n%s", out, again)
	}
}

func TestPlanListsAddedChangedRemoved(t *testing.T) {
	cur := testDocument()
	next := testDocument()
	next.Settings.ApprovalTimeout = time.Hour
	next.Rules = next.Rules[1:]                      // ro-everywhere removed
	next.Rules[0].Approvals = 3                      // ro-prod-strict changed
	next.Rules[1].Groups = []string{"oncall", "sre"} // oncall-admin-prod changed
	next.Rules = append(next.Rules, Rule{Name: "new-rule", Users: []string{"bob"}, Accounts: []string{"dev"}, PermissionSets: []string{"Billing"}})
	next.ApproverRules = next.ApproverRules[:4] // dev-ou removed
	out := FormatPlan(Plan(cur, next))
	for _, want := range []string{
		"~ settings changed\n    approval_timeout: 3h0m0s -> 1h0m0s",
		"~ rule ro-prod-strict changed\n    approvals: 2 -> 3",
		"~ rule oncall-admin-prod changed\n    groups: [oncall] -> [oncall, sre]",
		"+ rule new-rule added",
		"- rule ro-everywhere removed",
		"- approver rule dev-ou removed",
		"Plan: 1 to add, 3 to change, 2 to remove.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}
