package web

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/policy"
)

// postedRule is what a browser posts for a rule form as ruleFormOf shows it.
func postedRule(f ruleForm) url.Values {
	v := url.Values{"name": {f.Name}, "description": {f.Description}, "users": {f.Users}, "groups": {f.Groups},
		"accounts": {f.Accounts}, "ous": {f.OUs}, "permission_sets": {f.PermissionSets}, "max_duration": {f.MaxDuration},
		"approvals": {f.Approvals}, "approver_users": {f.ApproverUsers}, "approver_groups": {f.ApproverGroups}, "end_sessions": {f.EndSessions},
		"remind_before": {f.RemindBefore}, "extend_step": {f.ExtendStep}, "escalate_after": {f.EscalateAfter},
		"escalation_groups": {f.EscalationGroups}, "notify_groups": {f.NotifyGroups}, "notify_channels": {f.NotifyChannels},
		"require": {f.Require}, "auto_approve_if": {f.AutoApproveIf}}
	for name, on := range map[string]bool{"nested_ous": f.NestedOUs, "ticket_required": f.TicketRequired, "break_glass": f.BreakGlass,
		"end_when_ticket_closes": f.EndWhenClosing} {
		if on {
			v.Set(name, "1")
		}
	}
	return v
}

// TestRuleFormRoundTrip: every rule shown in the form and posted back
// unchanged is the same rule, conditions and reminders included, and the
// document it is in marshals to the same YAML.
func TestRuleFormRoundTrip(t *testing.T) {
	t.Parallel()
	yes := true
	rules := []policy.Rule{
		{Name: "minimal", Users: []string{"alice"}, Accounts: []string{"*"}, PermissionSets: []string{"*"}},
		{Name: "everything", Description: "Prod admin, on call", Users: []string{"alice", "bob@example.com"}, Groups: []string{"sre, platform", "oncall"},
			Accounts: []string{"prod", "444455556666"}, OUs: []string{"Workloads"}, NestedOUs: true, PermissionSets: []string{"AdministratorAccess"},
			MaxDuration: 26*time.Hour + 30*time.Minute + 15*time.Second, Approvals: 2, ApproverUsers: []string{"carol"}, ApproverGroups: []string{"approvers"},
			TicketRequired: true, EndWhenTicketCloses: true, EndSessions: &yes,
			RuleNotify:    policy.RuleNotify{RemindBefore: 10 * time.Minute, EscalateAfter: time.Hour, EscalationGroups: []string{"leads"}, NotifyChannels: []string{"slack:C01"}},
			Require:       &policy.Conditions{Ticket: &policy.TicketCondition{System: policy.Jira, Projects: []string{"OPS"}}, User: []policy.AttributeCondition{{Attribute: "department", Equals: "SRE"}}},
			AutoApproveIf: &policy.Conditions{OnCall: &policy.OnCallCondition{Provider: policy.PagerDuty, Schedule: "P123"}}},
		{Name: "break-glass", Groups: []string{"oncall"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"}, MaxDuration: time.Hour, BreakGlass: true},
		{Name: "no-reminder", Groups: []string{"oncall"}, Accounts: []string{"prod"}, PermissionSets: []string{"ReadOnlyAccess"},
			RuleNotify: policy.RuleNotify{RemindBefore: -5 * time.Minute, ExtendStep: 30 * time.Minute, NotifyGroups: []string{"sec"}}},
	}
	for _, want := range rules {
		t.Run(want.Name, func(t *testing.T) {
			t.Parallel()
			got, fe := applyRuleForm(want, readRuleForm(postedRule(ruleFormOf(want))))
			if fe != nil {
				t.Fatalf("errors: %v", fe)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
			}
			a, err := policy.Marshal(policy.Document{Rules: []policy.Rule{want}})
			if err != nil {
				t.Fatal(err)
			}
			b, err := policy.Marshal(policy.Document{Rules: []policy.Rule{got}})
			if err != nil {
				t.Fatal(err)
			}
			if string(a) != string(b) {
				t.Fatalf("the YAML differs:\n%s\n---\n%s", a, b)
			}
		})
	}
}

// TestApplyRuleForm: what each field of the form does to the rule, and
// the message beside the field when it is wrong.
func TestApplyRuleForm(t *testing.T) {
	t.Parallel()
	no := false
	base := policy.Rule{Name: "r", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"ReadOnlyAccess"},
		Require: &policy.Conditions{Ticket: &policy.TicketCondition{System: policy.Jira, Projects: []string{"OPS"}}}}
	valid := url.Values{"name": {"r"}, "users": {"alice"}, "accounts": {"prod"}, "permission_sets": {"ReadOnlyAccess"},
		"require": {"ticket:\n  system: jira\n  projects: [OPS]\n"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range valid {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name   string
		form   url.Values
		change func(r *policy.Rule) // what the form makes of base
		field  string               // the field with an error ("" none)
		says   string
	}{
		{name: "lists one per line, blanks and spaces dropped", form: with("groups", " engineers \r\n\r\nsre, platform\n", "accounts", "prod\nstaging\n"),
			change: func(r *policy.Rule) {
				r.Groups = []string{"engineers", "sre, platform"}
				r.Accounts = []string{"prod", "staging"}
			}},
		{name: "durations as people write them", form: with("max_duration", "1d 6h"), change: func(r *policy.Rule) { r.MaxDuration = 30 * time.Hour }},
		{name: "empty duration: the policy's maximum", form: with("max_duration", ""), change: func(*policy.Rule) {}},
		{name: "approvals", form: with("approvals", "2"), change: func(r *policy.Rule) { r.Approvals = 2 }},
		{name: "options", form: with("ticket_required", "1", "nested_ous", "1", "end_when_ticket_closes", "1", "end_sessions", "no"),
			change: func(r *policy.Rule) {
				r.TicketRequired, r.NestedOUs, r.EndWhenTicketCloses, r.EndSessions = true, true, true, &no
			}},
		{name: "own approvers", form: with("approver_groups", "approvers", "approver_users", "carol"),
			change: func(r *policy.Rule) { r.ApproverGroups, r.ApproverUsers = []string{"approvers"}, []string{"carol"} }},
		{name: "reminders and who is told", form: with("remind_before", "10m", "extend_step", "2h", "escalate_after", "30m",
			"escalation_groups", "leads", "notify_groups", "sec\naudit", "notify_channels", "slack:C01\nteams:ops"),
			change: func(r *policy.Rule) {
				r.RuleNotify = policy.RuleNotify{RemindBefore: 10 * time.Minute, ExtendStep: 2 * time.Hour, EscalateAfter: 30 * time.Minute,
					EscalationGroups: []string{"leads"}, NotifyGroups: []string{"sec", "audit"}, NotifyChannels: []string{"slack:C01", "teams:ops"}}
			}},
		{name: "no reminder", form: with("remind_before", "none"), change: func(r *policy.Rule) { r.RemindBefore = -time.Second }},
		{name: "conditions", form: with("require", "", "auto_approve_if", "on_call:\n  provider: pagerduty\n  schedule: P1\n"),
			change: func(r *policy.Rule) {
				r.Require, r.AutoApproveIf = nil, &policy.Conditions{OnCall: &policy.OnCallCondition{Provider: "pagerduty", Schedule: "P1"}}
			}},
		{name: "a bad condition", form: with("require", "tickets:\n  system: jira\n"), field: "require", says: "field tickets not found"},
		{name: "a negative reminder", form: with("remind_before", "-5m"), field: "remind_before", says: "none"},
		{name: "a bad escalation", form: with("escalate_after", "soon"), field: "escalate_after", says: "empty: never"},
		{name: "a bad duration", form: with("max_duration", "4 hours"), field: "max_duration", says: "write it like 30m"},
		{name: "negative approvals", form: with("approvals", "-1"), field: "approvals", says: "0 to 20"},
		{name: "too many approvals", form: with("approvals", "99"), field: "approvals", says: "0 to 20"},
		{name: "no name", form: with("name", " "), field: "name", says: "Give the rule a name"},
		{name: "nobody", form: with("users", ""), field: "groups", says: "at least one group or user"},
		{name: "nowhere", form: with("accounts", ""), field: "accounts", says: "at least one account or OU"},
		{name: "no permission set", form: with("permission_sets", "\n"), field: "permission_sets", says: "at least one permission set"},
		{name: "break-glass with approvals", form: with("break_glass", "1", "approvals", "1"), field: "approvals", says: "without approval"},
		{name: "an unknown end_sessions", form: with("end_sessions", "maybe"), field: "end_sessions", says: "default, yes or no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, fe := applyRuleForm(base, readRuleForm(tt.form))
			if tt.field != "" {
				if !strings.Contains(fe[tt.field], tt.says) {
					t.Fatalf("errors %v, want %q beside %s", fe, tt.says, tt.field)
				}
				return
			}
			if fe != nil {
				t.Fatalf("errors: %v", fe)
			}
			want := base
			tt.change(&want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
	// Ending with the ticket needs a ticket condition.
	if _, fe := applyRuleForm(base, readRuleForm(with("end_when_ticket_closes", "1", "require", ""))); !strings.Contains(fe["end_when_ticket_closes"], "ticket condition") {
		t.Fatalf("ending with a ticket without a ticket condition: %v", fe)
	}
}

// TestApproverRuleForm: an approver rule's round trip and its errors.
func TestApproverRuleForm(t *testing.T) {
	t.Parallel()
	want := policy.ApproverRule{Name: "prod", Accounts: []string{"prod"}, OUs: []string{"Prod"}, NestedOUs: true,
		PermissionSets: []string{"AdministratorAccess"}, Users: []string{"bob"}, Groups: []string{"approvers"}, Approvals: 2}
	f := approverRuleFormOf(want)
	v := url.Values{"name": {f.Name}, "accounts": {f.Accounts}, "ous": {f.OUs}, "nested_ous": {"1"}, "permission_sets": {f.PermissionSets},
		"users": {f.Users}, "groups": {f.Groups}, "approvals": {f.Approvals}}
	got, fe := applyApproverRuleForm(policy.ApproverRule{}, readApproverRuleForm(v))
	if fe != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip: %+v (%v), want %+v", got, fe, want)
	}
	for field, v := range map[string]url.Values{
		"name":      {"accounts": {"prod"}, "groups": {"g"}},
		"accounts":  {"name": {"n"}, "groups": {"g"}},
		"groups":    {"name": {"n"}, "accounts": {"prod"}},
		"approvals": {"name": {"n"}, "accounts": {"prod"}, "groups": {"g"}, "approvals": {"two"}},
	} {
		if _, fe := applyApproverRuleForm(policy.ApproverRule{}, readApproverRuleForm(v)); fe[field] == "" {
			t.Errorf("no error beside %s for %v: %v", field, v, fe)
		}
	}
}

// TestProblemFields: the policy engine's problems with the edited rule go
// beside the fields they are about; other rules' problems are left out.
func TestProblemFields(t *testing.T) {
	t.Parallel()
	ps := []policy.Problem{
		{Path: "rules[1].groups[0]", Message: `group "enginers" is not in the directory (did you mean "engineers"?)`},
		{Path: "rules[1].max_duration", Message: "10h0m0s is above the ceiling of 9h0m0s"},
		{Path: "rules[1]", Message: "no users or groups: name who may request"},
		{Path: "rules[1].require.ticket", Message: "no ticket system is configured"},
		{Path: "rules[1].unknown_part", Message: "something the form does not show"},
		{Path: "rules[0].accounts[0]", Message: `account "prdo" is not in the organization`},
		{Path: "approver_rules[1].users[0]", Message: `user "bobb" is not in the directory`},
	}
	fe := problemFields(ps, "rules", 1)
	want := map[string]string{
		"groups":       `Group "enginers" is not in the directory (did you mean "engineers"?). No users or groups: name who may request.`,
		"max_duration": "10h0m0s is above the ceiling of 9h0m0s.",
		"require":      "No ticket system is configured.",
		"":             "Something the form does not show.",
	}
	if !reflect.DeepEqual(map[string]string(fe), want) {
		t.Fatalf("got %q\nwant %q", fe, want)
	}
	if fe := problemFields(ps, "approver_rules", 1); fe["users"] == "" || len(fe) != 1 {
		t.Fatalf("approver rule problems: %v", fe)
	}
	if fe := problemFields(ps, "rules", 2); fe != nil {
		t.Fatalf("another rule's problems: %v", fe)
	}
}

func TestDurationField(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{0: "", time.Hour: "1h", 90 * time.Minute: "1h 30m", 24 * time.Hour: "1d",
		26*time.Hour + 30*time.Minute + 15*time.Second: "1d 2h 30m 15s", 1500 * time.Millisecond: "1.5s"} {
		if got := durationField(d); got != want {
			t.Errorf("durationField(%s) = %q, want %q", d, got, want)
		}
	}
}
