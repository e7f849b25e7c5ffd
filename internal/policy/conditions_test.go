package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// condDirectory is testDirectory with directory attributes.
func condDirectory() access.Directory {
	d := testDirectory()
	attrs := map[string]map[string]string{
		"alice": {"department": "SRE", "costCenter": "CC-100", "title": "Senior SRE", "userType": "Employee"},
		"gina":  {"department": "Finance", "costCenter": "CC-200", "title": "Analyst", "userType": "Contractor"},
		"ivan":  {"department": "Data", "costCenter": "CC-150", "title": "DBA"},
	}
	for i, u := range d.Users {
		d.Users[i].Attributes = attrs[u.UserName]
	}
	return d
}

var (
	pdSched = OnCallSource{Provider: PagerDuty, Kind: KindSchedule, ID: "PSCHED1"}
	pdEP    = OnCallSource{Provider: PagerDuty, Kind: KindEscalationPolicy, ID: "PEP1"}
	ogSched = OnCallSource{Provider: Opsgenie, Kind: KindSchedule, ID: "og-sched-1"}
	jiraSrc = TicketSource{System: Jira}
	snowSrc = TicketSource{System: ServiceNow, Table: "incident"}
)

// condDocument has one rule per kind of condition.
func condDocument() Document {
	return Document{
		Settings: Settings{MinDuration: 60e9},
		Rules: []Rule{
			{Name: "oncall-prod", Groups: []string{"engineers"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"},
				MaxDuration: 2 * h, Approvals: 1, ApproverUsers: []string{"carol"},
				AutoApproveIf: &Conditions{OnCall: &OnCallCondition{Provider: PagerDuty, Schedule: "PSCHED1", EscalationLevels: []int{1}}}},
			{Name: "oncall-staging", Groups: []string{"engineers"}, Accounts: []string{"staging"}, PermissionSets: []string{"AdministratorAccess"},
				MaxDuration: 2 * h, Approvals: 1, ApproverUsers: []string{"carol"},
				AutoApproveIf: &Conditions{OnCall: &OnCallCondition{Provider: Opsgenie, Schedule: "og-sched-1"}}},
			{Name: "jira-dev", Groups: []string{"engineers"}, Accounts: []string{"dev"}, PermissionSets: []string{"PowerUserAccess"},
				Require: &Conditions{Ticket: &TicketCondition{System: Jira, Projects: []string{"OPS"}}}, EndWhenTicketCloses: true},
			{Name: "snow-sandbox", Groups: []string{"engineers"}, Accounts: []string{"sandbox"}, PermissionSets: []string{"PowerUserAccess"},
				Require: &Conditions{Ticket: &TicketCondition{System: ServiceNow, AssignedToRequester: true}}},
			{Name: "finance-billing", Groups: []string{"engineers"}, Accounts: []string{"mgmt"}, PermissionSets: []string{"Billing"},
				Require: &Conditions{User: []AttributeCondition{{Attribute: "department", In: []string{"Finance", "Accounting"}}}}},
			{Name: "employees-ro", Groups: []string{"engineers"}, Accounts: []string{"forensics"}, PermissionSets: []string{"ReadOnlyAccess"},
				Require: &Conditions{User: []AttributeCondition{{Attribute: "employeeType", Equals: "employee"}}}},
			{Name: "combo-audit", Groups: []string{"engineers"}, Accounts: []string{"audit"}, PermissionSets: []string{"ReadOnlyAccess"},
				Approvals: 1, ApproverUsers: []string{"carol"},
				Require: &Conditions{User: []AttributeCondition{{Attribute: "costCenter", Prefix: "CC-1"}}},
				AutoApproveIf: &Conditions{OnCall: &OnCallCondition{Provider: PagerDuty, EscalationPolicy: "PEP1"},
					User: []AttributeCondition{{Attribute: "title", Prefix: "senior"}}}},
		},
	}
}

func facts(oc map[OnCallSource]OnCallFact, tk map[TicketSource]TicketFact) *Facts {
	return &Facts{OnCall: oc, Tickets: tk}
}

func withFacts(qu Question, ticket string, f *Facts) Question {
	qu.Ticket, qu.Facts = ticket, f
	return qu
}

var (
	onCallL1   = map[OnCallSource]OnCallFact{pdSched: {Levels: []int{1}, Evidence: "until 18:00 UTC"}}
	onCallL2   = map[OnCallSource]OnCallFact{pdSched: {Levels: []int{2}}}
	notOnCall  = map[OnCallSource]OnCallFact{pdSched: {}}
	pdDown     = map[OnCallSource]OnCallFact{pdSched: {Err: "PagerDuty did not answer within 3s"}}
	ogOn       = map[OnCallSource]OnCallFact{ogSched: {Levels: []int{1}}}
	epOn       = map[OnCallSource]OnCallFact{pdEP: {Levels: []int{1}}}
	jiraOpen   = map[TicketSource]TicketFact{jiraSrc: {Found: true, Key: "OPS-1", Title: "DB failover", Project: "OPS", Status: "In Progress", StatusCategory: "indeterminate"}}
	jiraClosed = map[TicketSource]TicketFact{jiraSrc: {Found: true, Key: "OPS-2", Title: "Old", Project: "OPS", Status: "Done", StatusCategory: "done"}}
	jiraOther  = map[TicketSource]TicketFact{jiraSrc: {Found: true, Key: "HR-3", Title: "Hiring", Project: "HR", Status: "To Do", StatusCategory: "new"}}
	jiraNone   = map[TicketSource]TicketFact{jiraSrc: {Key: "OPS-404"}}
	snowMine   = map[TicketSource]TicketFact{snowSrc: {Found: true, Key: "INC0010001", Title: "Outage", Status: "2", Assignee: "alice@example.com"}}
	snowOther  = map[TicketSource]TicketFact{snowSrc: {Found: true, Key: "INC0010002", Title: "Other", Status: "2", Assignee: "bob@example.com"}}
	snowClosed = map[TicketSource]TicketFact{snowSrc: {Found: true, Key: "INC0010003", Title: "Done", Status: "7", Assignee: "alice@example.com"}}
	snowDown   = map[TicketSource]TicketFact{snowSrc: {Err: "ServiceNow answered 503 Service Unavailable"}}
)

func TestConditionScenarios(t *testing.T) {
	t.Parallel()
	for _, sc := range []struct {
		name      string
		q         Question
		allowed   bool
		rule      string
		auto      bool
		approvals int
		reason    string // substring of the refusal
		evidence  string // substring of the conditions' evidence, in Decide and in Explain
		fallback  string // substring of AutoApproveUnknown
	}{
		// On-call auto-approval.
		{name: "on call at level 1: auto-approved", q: withFacts(q("alice", "prod", "AdministratorAccess"), "", facts(onCallL1, nil)),
			allowed: true, rule: "oncall-prod", auto: true, evidence: "on call in PagerDuty schedule PSCHED1 at level 1: until 18:00 UTC"},
		{name: "not on call: the approvers decide", q: withFacts(q("alice", "prod", "AdministratorAccess"), "", facts(notOnCall, nil)),
			allowed: true, rule: "oncall-prod", approvals: 1, evidence: "not on call in PagerDuty schedule PSCHED1 now"},
		{name: "on call at the wrong level: the approvers decide", q: withFacts(q("alice", "prod", "AdministratorAccess"), "", facts(onCallL2, nil)),
			allowed: true, rule: "oncall-prod", approvals: 1, evidence: "at level 2, not at level 1"},
		{name: "PagerDuty down: normal approval, never auto", q: withFacts(q("alice", "prod", "AdministratorAccess"), "", facts(pdDown, nil)),
			allowed: true, rule: "oncall-prod", approvals: 1, evidence: "could not check PagerDuty schedule PSCHED1: PagerDuty did not answer within 3s",
			fallback: "auto-approval not used"},
		{name: "facts not gathered: normal approval", q: q("alice", "prod", "AdministratorAccess"),
			allowed: true, rule: "oncall-prod", approvals: 1, evidence: "was not checked", fallback: "auto-approval not used"},
		{name: "Opsgenie on call: auto-approved", q: withFacts(q("gina", "staging", "AdministratorAccess"), "", facts(ogOn, nil)),
			allowed: true, rule: "oncall-staging", auto: true, evidence: "Opsgenie schedule og-sched-1"},

		// Ticket require.
		{name: "Jira ticket open in the project", q: withFacts(q("alice", "dev", "PowerUserAccess"), "OPS-1", facts(nil, jiraOpen)),
			allowed: true, rule: "jira-dev", evidence: `ticket OPS-1 "DB failover" is In Progress (category indeterminate)`},
		{name: "Jira ticket closed", q: withFacts(q("alice", "dev", "PowerUserAccess"), "OPS-2", facts(nil, jiraClosed)),
			reason: `rule jira-dev requires conditions that do not hold: ticket OPS-2 "Old" is Done (category done), which is not open`},
		{name: "Jira ticket missing", q: withFacts(q("alice", "dev", "PowerUserAccess"), "OPS-404", facts(nil, jiraNone)),
			reason: "ticket OPS-404 does not exist in Jira"},
		{name: "Jira ticket in the wrong project", q: withFacts(q("alice", "dev", "PowerUserAccess"), "HR-3", facts(nil, jiraOther)),
			reason: `ticket HR-3 "Hiring" is in project HR, not OPS`},
		{name: "no ticket given", q: withFacts(q("alice", "dev", "PowerUserAccess"), "", facts(nil, jiraOpen)),
			reason: "the request names no ticket"},
		{name: "ServiceNow ticket assigned to the requester", q: withFacts(q("alice", "sandbox", "PowerUserAccess"), "INC0010001", facts(nil, snowMine)),
			allowed: true, rule: "snow-sandbox", evidence: "is in state 2 and is assigned to the requester"},
		{name: "ServiceNow ticket assigned to someone else", q: withFacts(q("alice", "sandbox", "PowerUserAccess"), "INC0010002", facts(nil, snowOther)),
			reason: "is assigned to bob@example.com, not the requester (alice@example.com)"},
		{name: "ServiceNow ticket closed", q: withFacts(q("alice", "sandbox", "PowerUserAccess"), "INC0010003", facts(nil, snowClosed)),
			reason: "is in state 7, which is not open"},
		{name: "ServiceNow down: refused with the reason", q: withFacts(q("alice", "sandbox", "PowerUserAccess"), "INC0010001", facts(nil, snowDown)),
			reason: "could not be checked, so the request is refused: could not check ticket INC0010001 in ServiceNow table incident: ServiceNow answered 503"},

		// Directory attributes.
		{name: "department in the list", q: q("gina", "mgmt", "Billing"), allowed: true, rule: "finance-billing", evidence: `department is "Finance"`},
		{name: "department not in the list", q: q("alice", "mgmt", "Billing"), reason: `department is "SRE"`},
		{name: "attribute missing", q: q("ivan", "forensics", "ReadOnlyAccess"), reason: "the requester has no employeeType in the directory"},
		{name: "employeeType equals, ignoring case", q: q("alice", "forensics", "ReadOnlyAccess"), allowed: true, rule: "employees-ro", evidence: `employeeType is "Employee"`},

		// Combinations.
		{name: "require holds, every auto condition holds: auto-approved", q: withFacts(q("alice", "audit", "ReadOnlyAccess"), "", facts(epOn, nil)),
			allowed: true, rule: "combo-audit", auto: true, evidence: `title is "Senior SRE"`},
		{name: "require holds, one auto condition fails: approvers", q: withFacts(q("alice", "audit", "ReadOnlyAccess"), "", facts(map[OnCallSource]OnCallFact{pdEP: {}}, nil)),
			allowed: true, rule: "combo-audit", approvals: 1, evidence: "not on call in PagerDuty escalation policy PEP1"},
		{name: "require fails: refused though on call", q: withFacts(q("gina", "audit", "ReadOnlyAccess"), "", facts(epOn, nil)),
			reason: `costCenter is "CC-200"`},
		{name: "auto condition false and another unknown: approvers, not refused", q: withFacts(q("ivan", "audit", "ReadOnlyAccess"), "", facts(map[OnCallSource]OnCallFact{pdEP: {Err: "401 Unauthorized"}}, nil)),
			allowed: true, rule: "combo-audit", approvals: 1, evidence: "could not check PagerDuty escalation policy PEP1: 401 Unauthorized"},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			e := New(condDocument(), NewIndex(condDirectory()))
			if ps := e.Problems(); len(ps) > 0 {
				t.Fatalf("problems: %v", ps)
			}
			ex := e.Explain(sc.q)
			for _, check := range []struct {
				how string
				d   Decision
			}{{"Decide", e.Decide(sc.q)}, {"Explain", ex.Decision}} {
				d := check.d
				if d.Allowed != sc.allowed {
					t.Fatalf("%s: allowed = %v (%s), want %v", check.how, d.Allowed, d.Reason, sc.allowed)
				}
				if d.Rule != sc.rule || d.AutoApproved != sc.auto || d.ApprovalsRequired != sc.approvals {
					t.Errorf("%s: rule %q auto %v approvals %d, want %q %v %d", check.how, d.Rule, d.AutoApproved, d.ApprovalsRequired, sc.rule, sc.auto, sc.approvals)
				}
				if sc.auto && (d.ApprovalRequired || len(d.Approvers) > 0) {
					t.Errorf("%s: auto-approved but approval required %v by %v", check.how, d.ApprovalRequired, d.Approvers)
				}
				if !strings.Contains(d.Reason, sc.reason) {
					t.Errorf("%s: reason = %q, want it to contain %q", check.how, d.Reason, sc.reason)
				}
				var ev []string
				for _, c := range d.Conditions {
					ev = append(ev, c.Evidence)
				}
				if !strings.Contains(strings.Join(ev, "; "), sc.evidence) {
					t.Errorf("%s: evidence %q, want it to contain %q", check.how, ev, sc.evidence)
				}
				if !strings.Contains(d.AutoApproveUnknown, sc.fallback) || (sc.fallback == "") != (d.AutoApproveUnknown == "") {
					t.Errorf("%s: auto-approval fallback %q, want %q", check.how, d.AutoApproveUnknown, sc.fallback)
				}
			}
			// Explain shows the evidence in the trace of the rule that has the conditions.
			want := sc.evidence
			if want == "" {
				want = sc.reason[strings.LastIndex(sc.reason, ": ")+2:]
			}
			var all []string
			for _, tr := range ex.Rules {
				all = append(all, tr.Reasons...)
			}
			if !strings.Contains(strings.Join(all, "\n"), want) {
				t.Errorf("explain's rule traces do not show %q:\n%s", want, strings.Join(all, "\n"))
			}
		})
	}
}

func TestNeedsListsTheCandidateRulesFacts(t *testing.T) {
	t.Parallel()
	e := New(condDocument(), NewIndex(condDirectory()))
	n := e.Needs(q("alice", "prod", "AdministratorAccess"))
	if len(n.OnCall) != 3 || len(n.Tickets) != 2 {
		t.Errorf("needs = %+v, want the three rotas and two ticket sources of alice's rules", n)
	}
	if n := e.Needs(q("dave", "prod", "AdministratorAccess")); !n.Empty() {
		t.Errorf("dave is named by no rule with conditions: needs = %+v", n)
	}
	if tc, end := e.TicketConditionOf("jira-dev"); tc == nil || tc.System != Jira || !end {
		t.Errorf("ticket condition of jira-dev = %+v %v", tc, end)
	}
}

func TestConditionProblems(t *testing.T) {
	t.Parallel()
	base := Rule{Name: "r", Groups: []string{"engineers"}, Accounts: []string{"*"}, PermissionSets: []string{"*"}, Approvals: 1}
	for _, tt := range []struct {
		name string
		edit func(*Rule)
		want string
	}{
		{"unknown provider", func(r *Rule) { r.Require = &Conditions{OnCall: &OnCallCondition{Provider: "victorops", Schedule: "x"}} }, `"victorops" is not a provider`},
		{"pagerduty needs one rota", func(r *Rule) { r.Require = &Conditions{OnCall: &OnCallCondition{Provider: PagerDuty}} }, "exactly one of schedule and escalation_policy"},
		{"opsgenie has no escalation policy", func(r *Rule) {
			r.Require = &Conditions{OnCall: &OnCallCondition{Provider: Opsgenie, EscalationPolicy: "x"}}
		}, "names a schedule"},
		{"level zero", func(r *Rule) {
			r.Require = &Conditions{OnCall: &OnCallCondition{Provider: PagerDuty, Schedule: "P1", EscalationLevels: []int{0}}}
		}, "levels start at 1"},
		{"unknown ticket system", func(r *Rule) { r.Require = &Conditions{Ticket: &TicketCondition{System: "github"}} }, `"github" is not a ticket system`},
		{"jira with states", func(r *Rule) { r.Require = &Conditions{Ticket: &TicketCondition{System: Jira, States: []string{"1"}}} }, "ServiceNow's"},
		{"bad status category", func(r *Rule) {
			r.Require = &Conditions{Ticket: &TicketCondition{System: Jira, StatusCategories: []string{"open"}}}
		}, "not a Jira status category"},
		{"servicenow with projects", func(r *Rule) {
			r.Require = &Conditions{Ticket: &TicketCondition{System: ServiceNow, Projects: []string{"OPS"}}}
		}, "Jira's"},
		{"unknown attribute", func(r *Rule) {
			r.Require = &Conditions{User: []AttributeCondition{{Attribute: "shoeSize", Equals: "9"}}}
		}, `"shoeSize" is not a directory attribute`},
		{"two comparisons", func(r *Rule) {
			r.Require = &Conditions{User: []AttributeCondition{{Attribute: "department", Equals: "a", Prefix: "b"}}}
		}, "exactly one of equals, in and prefix"},
		{"empty conditions", func(r *Rule) { r.AutoApproveIf = &Conditions{} }, "no conditions"},
		{"auto-approve without approvals", func(r *Rule) {
			r.Approvals = 0
			r.AutoApproveIf = &Conditions{User: []AttributeCondition{{Attribute: "department", Equals: "SRE"}}}
		}, "nothing to approve"},
		{"end without a ticket", func(r *Rule) { r.EndWhenTicketCloses = true }, "needs require.ticket"},
		{"approver_mfa without max_age", func(r *Rule) { r.ApproverMFA = &ApproverMFA{} }, "rules[0].approver_mfa.max_age: 0s is shorter than a minute"},
		{"approver_mfa of seconds", func(r *Rule) { r.ApproverMFA = &ApproverMFA{MaxAge: 30 * time.Second} }, "30s is shorter than a minute"},
		{"approver_mfa of two days", func(r *Rule) { r.ApproverMFA = &ApproverMFA{MaxAge: 48 * time.Hour} }, "48h0m0s is longer than 24h0m0s"},
		{"approver_mfa of a fraction", func(r *Rule) { r.ApproverMFA = &ApproverMFA{MaxAge: time.Minute + time.Millisecond} }, "is not whole seconds"},
		{"approver_mfa without approvals", func(r *Rule) {
			r.Approvals = 0
			r.ApproverMFA = &ApproverMFA{MaxAge: 15 * time.Minute}
		}, "rules[0].approver_mfa: the rule needs no approval"},
		{"approver_mfa on break-glass", func(r *Rule) {
			r.BreakGlass = true
			r.ApproverMFA = &ApproverMFA{MaxAge: 15 * time.Minute}
		}, "a break_glass rule activates without approval: remove approver_mfa"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := base
			tt.edit(&r)
			e := New(Document{Rules: []Rule{r}}, NewIndex(condDirectory()))
			var got []string
			for _, p := range e.Problems() {
				got = append(got, p.String())
			}
			if !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Errorf("problems %q, want one containing %q", got, tt.want)
			}
		})
	}
}

func TestConditionsRoundTripThroughYAML(t *testing.T) {
	t.Parallel()
	src := `settings: {}
rules:
  - name: oncall
    groups: [engineers]
    accounts: [prod]
    permission_sets: [AdministratorAccess]
    approvals: 1
    auto_approve_if:
      on_call: {provider: pagerduty, schedule: PSCHED1, escalation_levels: [1]}
      user:
        - {attribute: department, in: [SRE, Platform]}
    require:
      ticket: {system: jira, projects: [OPS], assigned_to_requester: true}
    end_when_ticket_closes: true
`
	s, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := s.Doc.Rules[0]
	if r.AutoApproveIf.OnCall.Schedule != "PSCHED1" || r.AutoApproveIf.User[0].In[1] != "Platform" || !r.Require.Ticket.AssignedToRequester || !r.EndWhenTicketCloses {
		t.Fatalf("parsed rule = %+v", r)
	}
	out, err := Marshal(s.Doc)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if ch := Plan(s.Doc, again.Doc); len(ch) != 0 {
		t.Errorf("round trip changed the document: %v", ch)
	}
	next := again.Doc
	next.Rules[0].AutoApproveIf.OnCall.EscalationLevels = []int{1, 2}
	ch := Plan(s.Doc, next)
	if len(ch) != 1 || !strings.Contains(ch[0].String(), "auto_approve_if: on call in PagerDuty schedule PSCHED1 at level 1 AND department in [SRE, Platform] -> on call in PagerDuty schedule PSCHED1 at level 1|2") {
		t.Errorf("plan = %v", ch)
	}
	if _, err := Parse([]byte(strings.Replace(src, "escalation_levels", "levels", 1))); err == nil {
		t.Error("an unknown key in a condition should be an error")
	}
}

// TestPlanValidatesConditionsWithLines: what `policy plan` reports about a
// bad condition names its path and line; a schedule id is not checked here
// (doctor asks the provider).
func TestPlanValidatesConditionsWithLines(t *testing.T) {
	t.Parallel()
	src, err := Parse([]byte(`settings: {}
rules:
  - name: r
    groups: [engineers]
    accounts: ["*"]
    permission_sets: ["*"]
    approvals: 1
    auto_approve_if:
      on_call:
        provider: pagerduty
        schedule: PNOSUCHID
    require:
      ticket:
        system: jira
        table: incident
      user:
        - attribute: departement
          equals: SRE
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range src.Locate(Check(src.Doc)) {
		got = append(got, p.String())
	}
	want := []string{
		"line 13: rules[0].require.ticket: table and states are ServiceNow's: a Jira condition uses projects, statuses or status_categories",
		`line 17: rules[0].require.user[0].attribute: "departement" is not a directory attribute`,
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("problems:\n%s\nwant one containing %q", all, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d problems, want %d (an unknown schedule id is doctor's): %q", len(got), len(want), got)
	}
}

// TestApproverMFA: approver_mfa is read from YAML (and refused with the
// line when malformed), shown by plan, decided for the rule's requests
// (Decision.ApproverMFA, explain) and found by rule name for the approval.
func TestApproverMFA(t *testing.T) {
	t.Parallel()
	src := `settings: {}
rules:
  - name: prod-admin
    groups: [engineers]
    accounts: [prod]
    permission_sets: [AdministratorAccess]
    approvals: 1
    approver_users: [carol]
    approver_mfa: {max_age: 15m}
  - name: dev
    groups: [engineers]
    accounts: [dev]
    permission_sets: [AdministratorAccess]
    approvals: 1
    approver_users: [carol]
`
	s, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	e := New(s.Doc, NewIndex(condDirectory()))
	if ps := e.Problems(); len(ps) != 0 {
		t.Fatalf("problems: %v", ps)
	}
	for _, tc := range []struct {
		account string
		want    time.Duration
	}{{"prod", 15 * time.Minute}, {"dev", 0}} {
		d := e.Decide(Question{User: "alice", Account: tc.account, PermissionSet: "AdministratorAccess"})
		if !d.Allowed || d.ApproverMFA != tc.want {
			t.Errorf("%s: allowed %v (%s), approver MFA %v; want allowed, %v", tc.account, d.Allowed, d.Reason, d.ApproverMFA, tc.want)
		}
		if ex := e.Explain(Question{User: "alice", Account: tc.account, PermissionSet: "AdministratorAccess"}); ex.Decision.ApproverMFA != tc.want {
			t.Errorf("%s: explain's approver MFA %v, want %v", tc.account, ex.Decision.ApproverMFA, tc.want)
		}
	}
	for rule, want := range map[string]time.Duration{"prod-admin": 15 * time.Minute, "dev": 0, "gone": 0, "": 0} {
		if got := e.ApproverMFAOf(rule); got != want {
			t.Errorf("ApproverMFAOf(%q) = %v, want %v", rule, got, want)
		}
	}

	next := s.Doc
	next.Rules = append([]Rule(nil), s.Doc.Rules...)
	next.Rules[0].ApproverMFA = &ApproverMFA{MaxAge: 5 * time.Minute}
	next.Rules[1].ApproverMFA = &ApproverMFA{MaxAge: time.Hour}
	got := Plan(s.Doc, next)
	var lines []string
	for _, c := range got {
		lines = append(lines, c.String())
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"approver_mfa: max_age 15m0s -> max_age 5m0s", "approver_mfa: none -> max_age 1h0m0s"} {
		if !strings.Contains(all, want) {
			t.Errorf("plan %q, want %q", all, want)
		}
	}
	out, err := Marshal(next)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if ch := Plan(next, again.Doc); len(ch) != 0 {
		t.Errorf("round trip through YAML changed approver_mfa: %v", ch)
	}

	for _, bad := range []string{"approver_mfa: {max_age: soon}", "approver_mfa: {maxage: 15m}"} {
		if _, err := Parse([]byte(strings.Replace(src, "approver_mfa: {max_age: 15m}", bad, 1))); err == nil || !strings.Contains(err.Error(), "line 9") {
			t.Errorf("%s: error %v, want one naming line 9", bad, err)
		}
	}
}
