package policy

import (
	"strings"
	"testing"
	"time"
)

func TestRuleNotifyParsesAndReachesTheDecision(t *testing.T) {
	t.Parallel()
	src, err := Parse([]byte(`settings:
  approval_timeout: 2h
rules:
  - name: admin-prod
    groups: [oncall]
    accounts: [prod]
    permission_sets: [AdministratorAccess]
    approvals: 1
    approver_groups: [approvers]
    remind_before: 20m
    extend_step: 30m
    escalate_after: 30m
    escalation_groups: [sec-leads]
    notify_groups: [security]
    notify_channels: ["slack:C0123", "teams:secops"]
`))
	if err != nil {
		t.Fatal(err)
	}
	e := New(src.Doc, NewIndex(testDirectory()))
	if p := e.Problems(); len(p) > 0 {
		t.Fatalf("problems: %+v", p)
	}
	d := e.Decide(Question{User: "alice", Account: "prod", PermissionSet: "AdministratorAccess"})
	want := RuleNotify{RemindBefore: 20 * time.Minute, ExtendStep: 30 * time.Minute, EscalateAfter: 30 * time.Minute,
		EscalationGroups: []string{"sec-leads"}, NotifyGroups: []string{"security"}, NotifyChannels: []string{"slack:C0123", "teams:secops"}}
	if !d.Allowed || d.Notify.RemindBefore != want.RemindBefore || d.Notify.ExtendStep != want.ExtendStep ||
		d.Notify.EscalateAfter != want.EscalateAfter || strings.Join(d.Notify.EscalationGroups, ",") != "sec-leads" ||
		strings.Join(d.Notify.NotifyGroups, ",") != "security" || strings.Join(d.Notify.NotifyChannels, ",") != "slack:C0123,teams:secops" {
		t.Errorf("decision notify = %+v, want %+v", d.Notify, want)
	}
	out, err := Marshal(src.Doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"remind_before: 20m0s", "escalation_groups:", "notify_channels:"} {
		if !strings.Contains(string(out), k) {
			t.Errorf("marshalled document lacks %q:\n%s", k, out)
		}
	}
}

func TestRuleNotifyDefaults(t *testing.T) {
	t.Parallel()
	d := New(testDocument(), NewIndex(testDirectory())).Decide(Question{User: "alice", Account: "prod", PermissionSet: "ReadOnlyAccess"})
	if d.Notify.RemindBefore != 0 || d.Notify.ExtendStep != DefaultExtendStep || d.Notify.EscalateAfter != 0 {
		t.Errorf("defaults = %+v", d.Notify)
	}
}

func TestRuleNotifyValidation(t *testing.T) {
	t.Parallel()
	base := func(n RuleNotify) Document {
		return Document{Settings: Settings{ApprovalTimeout: time.Hour}, Rules: []Rule{{Name: "r", Groups: []string{"engineers"},
			Accounts: []string{"prod"}, PermissionSets: []string{"ReadOnlyAccess"}, RuleNotify: n}}}
	}
	for _, tc := range []struct {
		name     string
		n        RuleNotify
		path, in string
	}{
		{"escalation without groups", RuleNotify{EscalateAfter: time.Minute}, "rules[0].escalation_groups", "needs the groups"},
		{"groups without time", RuleNotify{EscalationGroups: []string{"security"}}, "rules[0].escalate_after", "missing"},
		{"after the timeout", RuleNotify{EscalateAfter: 2 * time.Hour, EscalationGroups: []string{"security"}}, "rules[0].escalate_after", "approval_timeout"},
		{"negative step", RuleNotify{ExtendStep: -time.Minute}, "rules[0].extend_step", "negative"},
		{"unknown group", RuleNotify{NotifyGroups: []string{"nope"}}, "rules[0].notify_groups[0]", "not in the directory"},
		{"bad channel", RuleNotify{NotifyChannels: []string{"#general"}}, "rules[0].notify_channels[0]", "slack:CHANNEL_ID or teams:NAME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var found bool
			for _, p := range New(base(tc.n), NewIndex(testDirectory())).Problems() {
				found = found || (p.Path == tc.path && strings.Contains(p.Message, tc.in))
			}
			if !found {
				t.Errorf("no problem at %s containing %q: %+v", tc.path, tc.in, New(base(tc.n), NewIndex(testDirectory())).Problems())
			}
		})
	}
}
