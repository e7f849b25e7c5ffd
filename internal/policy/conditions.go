package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Conditions are facts about the requester and the request that a rule
// either requires (Rule.Require: the rule applies only when all hold) or
// uses to approve on its own (Rule.AutoApproveIf: the request needs no
// approver when all hold). Every condition given must hold (AND).
//
// The engine does no I/O: the caller gathers the facts the conditions name
// (Engine.Needs lists them) and passes them in Question.Facts. A fact that
// could not be gathered is unknown, and unknown never auto-approves.
type Conditions struct {
	OnCall *OnCallCondition     `yaml:"on_call,omitempty" json:"on_call,omitempty"`
	Ticket *TicketCondition     `yaml:"ticket,omitempty" json:"ticket,omitempty"`
	User   []AttributeCondition `yaml:"user,omitempty" json:"user,omitempty"`
}

// String shows the conditions in one line (plans and explanations).
func (c *Conditions) String() string {
	if c == nil {
		return "none"
	}
	var parts []string
	if c.OnCall != nil {
		parts = append(parts, c.OnCall.String())
	}
	if c.Ticket != nil {
		parts = append(parts, c.Ticket.String())
	}
	for _, a := range c.User {
		parts = append(parts, a.String())
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " AND ")
}

func (c *Conditions) empty() bool {
	return c == nil || (c.OnCall == nil && c.Ticket == nil && len(c.User) == 0)
}

// On-call providers and their kinds of rota.
const (
	PagerDuty = "pagerduty"
	Opsgenie  = "opsgenie"

	KindSchedule         = "schedule"
	KindEscalationPolicy = "escalation_policy"
)

// OnCallCondition holds when the requester is on call now in a PagerDuty
// schedule or escalation policy, or an Opsgenie schedule, named by id;
// with EscalationLevels, only at one of those levels.
type OnCallCondition struct {
	Provider         string `yaml:"provider" json:"provider"` // pagerduty or opsgenie
	Schedule         string `yaml:"schedule,omitempty" json:"schedule,omitempty"`
	EscalationPolicy string `yaml:"escalation_policy,omitempty" json:"escalation_policy,omitempty"` // PagerDuty only
	EscalationLevels []int  `yaml:"escalation_levels,omitempty" json:"escalation_levels,omitempty"`
}

// Source is the rota the condition asks about.
func (c *OnCallCondition) Source() OnCallSource {
	if c.EscalationPolicy != "" {
		return OnCallSource{Provider: c.Provider, Kind: KindEscalationPolicy, ID: c.EscalationPolicy}
	}
	return OnCallSource{Provider: c.Provider, Kind: KindSchedule, ID: c.Schedule}
}

func (c *OnCallCondition) String() string {
	s := "on call in " + c.Source().String()
	if len(c.EscalationLevels) > 0 {
		s += " at level " + joinInts(c.EscalationLevels)
	}
	return s
}

// OnCallSource names one rota: a provider's schedule or escalation policy.
type OnCallSource struct {
	Provider string // pagerduty, opsgenie
	Kind     string // schedule, escalation_policy
	ID       string
}

func (s OnCallSource) String() string {
	name := map[string]string{PagerDuty: "PagerDuty", Opsgenie: "Opsgenie"}[s.Provider]
	if name == "" {
		name = s.Provider
	}
	return fmt.Sprintf("%s %s %s", name, strings.ReplaceAll(s.Kind, "_", " "), s.ID)
}

// Ticket systems.
const (
	Jira       = "jira"
	ServiceNow = "servicenow"
)

// TicketCondition holds when the request's ticket exists and is open in
// Jira or ServiceNow, and, with AssignedToRequester, is assigned to the
// requester (by email).
type TicketCondition struct {
	System string `yaml:"system" json:"system"` // jira or servicenow
	// Jira: the project keys the ticket must belong to (empty: any), the
	// status names that count as open, or else the status categories
	// (new, indeterminate, done); with neither, any status whose category
	// is not done is open.
	Projects         []string `yaml:"projects,omitempty" json:"projects,omitempty"`
	Statuses         []string `yaml:"statuses,omitempty" json:"statuses,omitempty"`
	StatusCategories []string `yaml:"status_categories,omitempty" json:"status_categories,omitempty"`
	// ServiceNow: the table (default incident) and the state values that
	// count as open (default: any but 6 resolved, 7 closed, 8 canceled).
	Table               string   `yaml:"table,omitempty" json:"table,omitempty"`
	States              []string `yaml:"states,omitempty" json:"states,omitempty"`
	AssignedToRequester bool     `yaml:"assigned_to_requester,omitempty" json:"assigned_to_requester,omitempty"`
}

// DefaultServiceNowTable is the table of a ServiceNow ticket condition that names none.
const DefaultServiceNowTable = "incident"

// serviceNowClosed are the states of the incident table that are not open.
var serviceNowClosed = []string{"6", "7", "8"}

// Source is where the condition looks the ticket up.
func (c *TicketCondition) Source() TicketSource {
	if c.System == ServiceNow {
		t := c.Table
		if t == "" {
			t = DefaultServiceNowTable
		}
		return TicketSource{System: ServiceNow, Table: t}
	}
	return TicketSource{System: c.System}
}

func (c *TicketCondition) String() string {
	s := "ticket open in " + c.Source().String()
	if len(c.Projects) > 0 {
		s += " project " + strings.Join(c.Projects, "|")
	}
	if c.AssignedToRequester {
		s += " assigned to the requester"
	}
	return s
}

// TicketSource names where tickets are looked up: a Jira site, or a
// ServiceNow table.
type TicketSource struct {
	System string // jira, servicenow
	Table  string // servicenow only
}

func (s TicketSource) String() string {
	if s.System == ServiceNow {
		return "ServiceNow table " + s.Table
	}
	if s.System == Jira {
		return "Jira"
	}
	return s.System
}

// AttributeCondition compares one directory attribute of the requester:
// exactly one of Equals, In and Prefix is set; comparisons ignore case.
type AttributeCondition struct {
	Attribute string   `yaml:"attribute" json:"attribute"`
	Equals    string   `yaml:"equals,omitempty" json:"equals,omitempty"`
	In        []string `yaml:"in,omitempty" json:"in,omitempty"`
	Prefix    string   `yaml:"prefix,omitempty" json:"prefix,omitempty"`
}

func (a AttributeCondition) String() string {
	switch {
	case len(a.In) > 0:
		return fmt.Sprintf("%s in [%s]", a.Attribute, strings.Join(a.In, ", "))
	case a.Prefix != "":
		return fmt.Sprintf("%s starts with %q", a.Attribute, a.Prefix)
	}
	return fmt.Sprintf("%s = %q", a.Attribute, a.Equals)
}

// Attributes are the directory attributes a user condition may name: the
// core attributes of an identity store user and those of the enterprise
// extension (aws:identitystore:enterprise). employeeType is the core
// userType under the name people use for it.
var Attributes = []string{
	"userName", "displayName", "email", "title", "userType", "employeeType", "nickName", "locale", "preferredLanguage", "timezone",
	"department", "costCenter", "division", "organization", "employeeNumber", "manager",
}

// attributeKey maps a condition's attribute name to the key of
// access.User.Attributes.
func attributeKey(name string) string {
	if name == "employeeType" {
		return "userType"
	}
	return name
}

// Outcome is a condition's value: true, false, or unknown when its fact
// could not be gathered.
type Outcome string

// Outcomes.
const (
	True    Outcome = "true"
	False   Outcome = "false"
	Unknown Outcome = "unknown"
)

// and combines outcomes: false wins, then unknown.
func and(a, b Outcome) Outcome {
	switch {
	case a == False || b == False:
		return False
	case a == Unknown || b == Unknown:
		return Unknown
	}
	return True
}

// ConditionResult is one condition as evaluated, with its evidence.
type ConditionResult struct {
	Use       string  `json:"use"` // require or auto_approve_if
	Condition string  `json:"condition"`
	Outcome   Outcome `json:"outcome"`
	Evidence  string  `json:"evidence"`
}

func (c ConditionResult) String() string {
	return fmt.Sprintf("%s %s: %s (%s)", c.Use, c.Condition, c.Outcome, c.Evidence)
}

// Facts are what the caller gathered for the conditions (Engine.Needs).
type Facts struct {
	OnCall  map[OnCallSource]OnCallFact
	Tickets map[TicketSource]TicketFact
}

// OnCallFact says whether the requester is on call in one rota now.
type OnCallFact struct {
	// Err, when set, makes the fact unknown and says why (the provider is
	// down, slow, refused the credentials, or the rota does not exist).
	Err string
	// Levels are the escalation levels at which the requester is on call
	// now; none: not on call.
	Levels   []int
	Evidence string // what the provider answered, for people
}

// TicketFact is the request's ticket as its system reports it.
type TicketFact struct {
	Err            string // set: unknown, and why
	Found          bool
	Key            string
	Title          string
	URL            string
	Project        string // Jira project key
	Status         string // Jira status name; ServiceNow state value
	StatusCategory string // Jira status category key: new, indeterminate, done
	Assignee       string // the assignee's email, empty when unassigned
}

// Needs are the facts a question's conditions ask for.
type Needs struct {
	OnCall  []OnCallSource
	Tickets []TicketSource
}

// Empty reports whether no fact is needed.
func (n Needs) Empty() bool { return len(n.OnCall) == 0 && len(n.Tickets) == 0 }

// Needs lists the facts the conditions of the rules that could apply to
// the question ask for: the caller gathers them before deciding.
func (e *Engine) Needs(q Question) Needs {
	var n Needs
	u, ok := e.x.user(q.User)
	if !ok {
		return n
	}
	for _, i := range e.candidates(u) {
		r := &e.rules[i]
		for _, c := range []*Conditions{r.Require, r.AutoApproveIf} {
			if c.empty() {
				continue
			}
			if c.OnCall != nil && !slices.Contains(n.OnCall, c.OnCall.Source()) {
				n.OnCall = append(n.OnCall, c.OnCall.Source())
			}
			if c.Ticket != nil && !slices.Contains(n.Tickets, c.Ticket.Source()) {
				n.Tickets = append(n.Tickets, c.Ticket.Source())
			}
		}
	}
	return n
}

// TicketConditionOf returns the ticket condition a rule requires, and
// whether access under it ends when the ticket closes.
func (e *Engine) TicketConditionOf(rule string) (*TicketCondition, bool) {
	for i := range e.rules {
		if r := &e.rules[i]; r.Name == rule && r.Require != nil && r.Require.Ticket != nil {
			return r.Require.Ticket, r.EndWhenTicketCloses
		}
	}
	return nil, false
}

// evalConditions evaluates a rule's conditions of one use for the
// question; nil conditions are true with no results.
func (e *Engine) evalConditions(use string, c *Conditions, u int32, q Question) (Outcome, []ConditionResult) {
	if c.empty() {
		return True, nil
	}
	if q.Granted && use == "require" {
		return True, []ConditionResult{{Use: use, Condition: c.String(), Outcome: True, Evidence: "held when the request was granted"}}
	}
	out := True
	var rs []ConditionResult
	add := func(cond string, o Outcome, ev string) {
		out = and(out, o)
		rs = append(rs, ConditionResult{Use: use, Condition: cond, Outcome: o, Evidence: ev})
	}
	user := e.x.users[u]
	if c.OnCall != nil {
		o, ev := evalOnCall(c.OnCall, q.Facts)
		add(c.OnCall.String(), o, ev)
	}
	if c.Ticket != nil {
		o, ev := EvalTicket(c.Ticket, q.Ticket, lookupTicket(q.Facts, c.Ticket.Source()), user.Email)
		add(c.Ticket.String(), o, ev)
	}
	for _, a := range c.User {
		o, ev := evalAttribute(a, user)
		add(a.String(), o, ev)
	}
	return out, rs
}

func lookupTicket(f *Facts, src TicketSource) *TicketFact {
	if f == nil {
		return nil
	}
	if t, ok := f.Tickets[src]; ok {
		return &t
	}
	return nil
}

func evalOnCall(c *OnCallCondition, f *Facts) (Outcome, string) {
	src := c.Source()
	var fact OnCallFact
	ok := false
	if f != nil {
		fact, ok = f.OnCall[src]
	}
	switch {
	case !ok:
		return Unknown, fmt.Sprintf("%s was not checked (no %s integration configured)", src, src.Provider)
	case fact.Err != "":
		return Unknown, fmt.Sprintf("could not check %s: %s", src, fact.Err)
	case len(fact.Levels) == 0:
		return False, withEvidence(fmt.Sprintf("not on call in %s now", src), fact.Evidence)
	case len(c.EscalationLevels) > 0 && !slices.ContainsFunc(fact.Levels, func(l int) bool { return slices.Contains(c.EscalationLevels, l) }):
		return False, withEvidence(fmt.Sprintf("on call in %s at level %s, not at level %s", src, joinInts(fact.Levels), joinInts(c.EscalationLevels)), fact.Evidence)
	}
	return True, withEvidence(fmt.Sprintf("on call in %s at level %s", src, joinInts(fact.Levels)), fact.Evidence)
}

// EvalTicket decides a ticket condition from the ticket's fact (nil: not
// gathered); requesterEmail is compared with the assignee. Activation and
// the ticket check use it too.
func EvalTicket(c *TicketCondition, key string, t *TicketFact, requesterEmail string) (Outcome, string) {
	src := c.Source()
	key = strings.TrimSpace(key)
	switch {
	case key == "":
		return False, "the request names no ticket: give the ticket key"
	case t == nil:
		return Unknown, fmt.Sprintf("ticket %s was not checked (no %s integration configured)", key, src.System)
	case t.Err != "":
		return Unknown, fmt.Sprintf("could not check ticket %s in %s: %s", key, src, t.Err)
	case !t.Found:
		return False, fmt.Sprintf("ticket %s does not exist in %s", key, src)
	}
	desc := fmt.Sprintf("ticket %s %q", t.Key, t.Title)
	if c.System == Jira {
		if len(c.Projects) > 0 && !containsFold(c.Projects, t.Project) {
			return False, fmt.Sprintf("%s is in project %s, not %s", desc, t.Project, strings.Join(c.Projects, ", "))
		}
		open := t.StatusCategory != "done"
		switch {
		case len(c.Statuses) > 0:
			open = containsFold(c.Statuses, t.Status)
		case len(c.StatusCategories) > 0:
			open = containsFold(c.StatusCategories, t.StatusCategory)
		}
		if !open {
			return False, fmt.Sprintf("%s is %s (category %s), which is not open", desc, t.Status, t.StatusCategory)
		}
		desc += fmt.Sprintf(" is %s (category %s)", t.Status, t.StatusCategory)
	} else {
		open := !slices.Contains(serviceNowClosed, t.Status)
		if len(c.States) > 0 {
			open = slices.Contains(c.States, t.Status)
		}
		if !open {
			return False, fmt.Sprintf("%s is in state %s, which is not open", desc, t.Status)
		}
		desc += " is in state " + t.Status
	}
	if c.AssignedToRequester {
		switch {
		case t.Assignee == "":
			return False, desc + " and is assigned to no one, not the requester"
		case !strings.EqualFold(t.Assignee, requesterEmail):
			return False, fmt.Sprintf("%s and is assigned to %s, not the requester (%s)", desc, t.Assignee, requesterEmail)
		}
		desc += " and is assigned to the requester"
	}
	return True, desc
}

func evalAttribute(a AttributeCondition, u access.User) (Outcome, string) {
	var v string
	switch a.Attribute {
	case "userName":
		v = u.UserName
	case "displayName":
		v = u.DisplayName
	case "email":
		v = u.Email
	default:
		v = u.Attributes[attributeKey(a.Attribute)]
	}
	if v == "" {
		return False, fmt.Sprintf("the requester has no %s in the directory", a.Attribute)
	}
	var hold bool
	switch {
	case len(a.In) > 0:
		hold = containsFold(a.In, v)
	case a.Prefix != "":
		hold = strings.HasPrefix(strings.ToLower(v), strings.ToLower(a.Prefix))
	default:
		hold = strings.EqualFold(v, a.Equals)
	}
	if hold {
		return True, fmt.Sprintf("%s is %q", a.Attribute, v)
	}
	return False, fmt.Sprintf("%s is %q", a.Attribute, v)
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

func joinInts(l []int) string {
	s := make([]string, len(l))
	for i, v := range l {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, "|")
}

func withEvidence(s, ev string) string {
	if ev == "" {
		return s
	}
	return s + ": " + ev
}

// checkConditions reports what is wrong in a rule's conditions.
func (e *Engine) checkConditions(path string, r Rule) {
	for _, c := range []struct {
		key  string
		cond *Conditions
	}{{"require", r.Require}, {"auto_approve_if", r.AutoApproveIf}} {
		if c.cond == nil {
			continue
		}
		p := path + "." + c.key
		if c.cond.empty() {
			e.problem(p, "no conditions: give on_call, ticket or user, or remove "+c.key)
			continue
		}
		if oc := c.cond.OnCall; oc != nil {
			e.checkOnCall(p+".on_call", oc)
		}
		if tc := c.cond.Ticket; tc != nil {
			e.checkTicket(p+".ticket", tc)
		}
		for j, a := range c.cond.User {
			e.checkAttribute(fmt.Sprintf("%s.user[%d]", p, j), a)
		}
	}
	if !r.AutoApproveIf.empty() {
		switch {
		case r.BreakGlass:
			e.problem(path+".auto_approve_if", "a break_glass rule activates without approval: remove auto_approve_if")
		case r.Approvals == 0:
			e.problem(path+".auto_approve_if", "the rule needs no approval: auto_approve_if has nothing to approve; set approvals or remove it")
		}
	}
	if r.EndWhenTicketCloses && (r.Require == nil || r.Require.Ticket == nil) {
		e.problem(path+".end_when_ticket_closes", "needs require.ticket: name the ticket system the request's ticket is checked in")
	}
	if m := r.ApproverMFA; m != nil {
		switch {
		case m.MaxAge < time.Minute:
			e.problem(path+".approver_mfa.max_age", fmt.Sprintf("%s is shorter than a minute: give how recent the approver's multi-factor sign-in must be, like 15m", m.MaxAge))
		case m.MaxAge > MaxApproverMFAAge:
			e.problem(path+".approver_mfa.max_age", fmt.Sprintf("%s is longer than %s: a fresh sign-in is minutes old, like 15m", m.MaxAge, MaxApproverMFAAge))
		case m.MaxAge%time.Second != 0:
			e.problem(path+".approver_mfa.max_age", fmt.Sprintf("%s is not whole seconds", m.MaxAge))
		}
		switch {
		case r.BreakGlass:
			e.problem(path+".approver_mfa", "a break_glass rule activates without approval: remove approver_mfa")
		case r.Approvals == 0:
			e.problem(path+".approver_mfa", "the rule needs no approval: approver_mfa has no approver to ask; set approvals or remove it")
		}
	}
}

// ApproverMFAOf returns how recent the multi-factor sign-in of an approver
// of the named rule's requests must be; 0 when the rule asks for none (or
// is gone).
func (e *Engine) ApproverMFAOf(rule string) time.Duration { return e.doc.ApproverMFAOf(rule) }

// ApproverMFAOf is Engine.ApproverMFAOf on the document alone.
func (d Document) ApproverMFAOf(rule string) time.Duration {
	for _, r := range d.Rules {
		if r.Name == rule && r.ApproverMFA != nil {
			return r.ApproverMFA.MaxAge
		}
	}
	return 0
}

func (e *Engine) checkOnCall(p string, c *OnCallCondition) {
	switch c.Provider {
	case PagerDuty:
		if (c.Schedule == "") == (c.EscalationPolicy == "") {
			e.problem(p, "give exactly one of schedule and escalation_policy (PagerDuty ids such as PABC123)")
		}
	case Opsgenie:
		if c.Schedule == "" || c.EscalationPolicy != "" {
			e.problem(p, "an Opsgenie condition names a schedule (its id) and no escalation_policy")
		}
	default:
		e.problem(p+".provider", fmt.Sprintf("%q is not a provider: use pagerduty or opsgenie", c.Provider))
	}
	for j, l := range c.EscalationLevels {
		if l < 1 {
			e.problem(fmt.Sprintf("%s.escalation_levels[%d]", p, j), fmt.Sprintf("%d is not a level: levels start at 1", l))
		}
	}
}

func (e *Engine) checkTicket(p string, c *TicketCondition) {
	switch c.System {
	case Jira:
		if c.Table != "" || len(c.States) > 0 {
			e.problem(p, "table and states are ServiceNow's: a Jira condition uses projects, statuses or status_categories")
		}
		if len(c.Statuses) > 0 && len(c.StatusCategories) > 0 {
			e.problem(p, "give statuses or status_categories, not both")
		}
		for j, sc := range c.StatusCategories {
			if !slices.Contains([]string{"new", "indeterminate", "done"}, strings.ToLower(sc)) {
				e.problem(fmt.Sprintf("%s.status_categories[%d]", p, j), fmt.Sprintf("%q is not a Jira status category: use new, indeterminate or done", sc))
			}
		}
	case ServiceNow:
		if len(c.Projects) > 0 || len(c.Statuses) > 0 || len(c.StatusCategories) > 0 {
			e.problem(p, "projects, statuses and status_categories are Jira's: a ServiceNow condition uses table and states")
		}
		if c.Table != "" && !validTable(c.Table) {
			e.problem(p+".table", fmt.Sprintf("%q is not a table name: letters, digits and underscores", c.Table))
		}
	default:
		e.problem(p+".system", fmt.Sprintf("%q is not a ticket system: use jira or servicenow", c.System))
	}
}

func validTable(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

func (e *Engine) checkAttribute(p string, a AttributeCondition) {
	if !slices.Contains(Attributes, a.Attribute) {
		e.problem(p+".attribute", fmt.Sprintf("%q is not a directory attribute: use one of %s", a.Attribute, strings.Join(Attributes, ", ")))
	}
	n := 0
	for _, set := range []bool{a.Equals != "", len(a.In) > 0, a.Prefix != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		e.problem(p, "give exactly one of equals, in and prefix")
	}
}

// ruleIndex returns the index of the rule named name (-1: none).
func (e *Engine) ruleIndex(name string) int {
	for i := range e.rules {
		if e.rules[i].Name == name {
			return i
		}
	}
	return -1
}

// failing keeps the results that did not hold.
func failing(rs []ConditionResult) []ConditionResult {
	return slices.DeleteFunc(slices.Clone(rs), func(c ConditionResult) bool { return c.Outcome == True })
}

// requireRefusal says why a rule's require refused the request: a
// condition that does not hold, or one that could not be checked.
func requireRefusal(rule string, rs []ConditionResult) string {
	var no, unknown []string
	for _, c := range rs {
		if c.Outcome == Unknown {
			unknown = append(unknown, c.Evidence)
		} else {
			no = append(no, c.Evidence)
		}
	}
	if len(no) > 0 {
		return fmt.Sprintf("rule %s requires conditions that do not hold: %s", rule, strings.Join(no, "; "))
	}
	return fmt.Sprintf("rule %s requires conditions that could not be checked, so the request is refused: %s; try again later or ask an admin", rule, strings.Join(unknown, "; "))
}

func unknownEvidence(rs []ConditionResult) string {
	var out []string
	for _, c := range rs {
		if c.Outcome == Unknown {
			out = append(out, c.Evidence)
		}
	}
	return strings.Join(out, "; ")
}

// normalize returns a trimmed copy of the conditions (nil stays nil).
func (c *Conditions) normalize() *Conditions {
	if c == nil {
		return nil
	}
	out := &Conditions{}
	if c.OnCall != nil {
		oc := *c.OnCall
		oc.Provider = strings.ToLower(strings.TrimSpace(oc.Provider))
		oc.Schedule, oc.EscalationPolicy = strings.TrimSpace(oc.Schedule), strings.TrimSpace(oc.EscalationPolicy)
		oc.EscalationLevels = slices.Compact(slices.Sorted(slices.Values(oc.EscalationLevels)))
		if len(oc.EscalationLevels) == 0 {
			oc.EscalationLevels = nil
		}
		out.OnCall = &oc
	}
	if c.Ticket != nil {
		tc := *c.Ticket
		tc.System = strings.ToLower(strings.TrimSpace(tc.System))
		tc.Table = strings.TrimSpace(tc.Table)
		tc.Projects, tc.Statuses, tc.StatusCategories, tc.States = clean(tc.Projects), clean(tc.Statuses), clean(tc.StatusCategories), clean(tc.States)
		out.Ticket = &tc
	}
	for _, a := range c.User {
		a.Attribute, a.Equals, a.Prefix, a.In = strings.TrimSpace(a.Attribute), strings.TrimSpace(a.Equals), strings.TrimSpace(a.Prefix), clean(a.In)
		out.User = append(out.User, a)
	}
	return out
}

// Sources lists every rota and ticket source the document's rules name,
// each once (doctor checks them).
func (d Document) Sources() Needs {
	var n Needs
	for _, r := range d.Normalize().Rules {
		for _, c := range []*Conditions{r.Require, r.AutoApproveIf} {
			if c.empty() {
				continue
			}
			if c.OnCall != nil && !slices.Contains(n.OnCall, c.OnCall.Source()) {
				n.OnCall = append(n.OnCall, c.OnCall.Source())
			}
			if c.Ticket != nil && !slices.Contains(n.Tickets, c.Ticket.Source()) {
				n.Tickets = append(n.Tickets, c.Ticket.Source())
			}
		}
	}
	return n
}

// EndsWithTickets reports whether any rule ends access when its ticket
// closes (the ticket check has nothing to do otherwise).
func (e *Engine) EndsWithTickets() bool {
	for i := range e.rules {
		if e.rules[i].EndWhenTicketCloses {
			return true
		}
	}
	return false
}
