package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Question is what a decision is about: a user (id, name or email) asking
// for a permission set (name or ARN) on an account (id or name).
type Question struct {
	User          string
	Account       string
	PermissionSet string
	BreakGlass    bool // the user asks for break-glass access
	// Ticket is the request's ticket key, and Facts what the caller
	// gathered for the rules' conditions (Engine.Needs); without them a
	// condition is unknown.
	Ticket string
	Facts  *Facts
	// Granted says the request was already granted under the rule (an
	// extension re-decides its limits): its require conditions held then
	// and are not checked again (the ticket is re-checked on its own).
	Granted bool
}

// Approver is a user who may approve, and why: "user" when a rule names
// them, else the groups they are a member of.
type Approver struct {
	UserID   string   `json:"user_id"`
	UserName string   `json:"user_name"`
	Via      []string `json:"via"`
}

// Decision is the outcome of a Question.
type Decision struct {
	Allowed bool   // the request may be made
	Rule    string // the rule that allows it
	// Reason says why the request is refused when Allowed is false.
	Reason string
	// Limit is set when AWS will not let elevate assign the pair (the
	// management account, or a permission set managed there, seen from a
	// delegated administrator): Reason then says so in words.
	Limit             string
	MaxDuration       time.Duration
	ApprovalRequired  bool
	ApprovalsRequired int
	// ApproverSource names where the approvers come from: "rule NAME" (its
	// own approvers) or "approver rule NAME[, NAME]".
	ApproverSource   string
	Approvers        []Approver // the requester removed
	RequesterRemoved bool       // the requester was among the approvers
	TicketRequired   bool
	BreakGlass       bool
	// Reviewers review a break-glass use afterwards: the rule's own
	// approvers, else those of the approver rules that would apply (the
	// requester removed). Set for break-glass decisions only.
	Reviewers []Approver
	// Notify is the rule's reminder, escalation and notify lists, with
	// their defaults.
	Notify RuleNotify
	// AutoApproved is set when the rule's auto_approve_if conditions hold:
	// no approval is needed. Conditions are the selected rule's conditions
	// as evaluated (and, on a refusal by require, those that refused), with
	// their evidence; AutoApproveUnknown says why auto-approval was not
	// used when a condition was unknown.
	AutoApproved       bool
	Conditions         []ConditionResult
	AutoApproveUnknown string
	// EndWhenTicketCloses: the selected rule ends the access when its
	// ticket closes.
	EndWhenTicketCloses bool
	// ApproverMFA is how recent an approver's multi-factor sign-in must be
	// (the selected rule's approver_mfa.max_age) when approval is
	// required; 0: any approver's session or token will do.
	ApproverMFA time.Duration

	User          access.User
	Account       access.Account
	PermissionSet access.PermissionSet
}

// ApproverIDs returns the approvers' user ids.
func (d Decision) ApproverIDs() []string {
	ids := make([]string, len(d.Approvers))
	for i, a := range d.Approvers {
		ids[i] = a.UserID
	}
	return ids
}

// Decide answers the question.
func (e *Engine) Decide(q Question) Decision {
	d, _ := e.decide(q, false)
	return d
}

func (e *Engine) decide(q Question, explain bool) (Decision, Explanation) {
	var d Decision
	var ex Explanation
	x := e.x
	u, ok := x.user(q.User)
	if !ok {
		d.Reason = fmt.Sprintf("user %q is not in the directory", q.User)
		return d, ex
	}
	d.User = x.users[u]
	acct, ok := x.account(q.Account)
	if !ok {
		if len(x.accountsNamed(q.Account)) > 1 {
			d.Reason = fmt.Sprintf("account name %q matches several accounts: use the account id", q.Account)
		} else {
			d.Reason = fmt.Sprintf("account %q does not exist in the organization", q.Account)
		}
		return d, ex
	}
	d.Account = x.accounts[acct]
	ps, ok := x.set(q.PermissionSet)
	if !ok {
		d.Reason = fmt.Sprintf("permission set %q is not in the directory%s", q.PermissionSet, x.undescribedNote())
		return d, ex
	}
	d.PermissionSet = x.sets[ps]
	if why := e.limit(acct, ps); why != "" {
		d.Limit, d.Reason = why, why
		if !explain {
			return d, ex
		}
	}
	if !d.User.Active {
		d.Reason = fmt.Sprintf("user %s is disabled in the directory", d.User.UserName)
		return d, ex
	}

	best, bestEff := -1, 0
	var refused []ConditionResult // the conditions of a rule that matched but whose require failed
	refusedRule := ""
	consider := func(i int) (bool, []string) {
		r := &e.rules[i]
		o, rs := e.evalConditions("require", r.Require, u, q)
		var notes []string
		for _, c := range rs {
			notes = append(notes, c.String())
		}
		if o != True {
			if refusedRule == "" || e.lessRestrictive(i, e.ruleIndex(refusedRule)) {
				refused, refusedRule = failing(rs), r.Name
			}
			return false, notes
		}
		eff := r.Approvals
		if !r.AutoApproveIf.empty() {
			ao, ars := e.evalConditions("auto_approve_if", r.AutoApproveIf, u, q)
			for _, c := range ars {
				notes = append(notes, c.String())
			}
			if ao == True {
				eff = 0
			}
		}
		if best < 0 || eff < bestEff || (eff == bestEff && e.lessRestrictive(i, best)) {
			best, bestEff = i, eff
		}
		return true, notes
	}
	if explain {
		for i := range e.rules {
			m, reasons := e.matchExplain(i, u, acct, ps, q.BreakGlass)
			if m {
				ok, notes := consider(i)
				m = ok
				reasons = append(reasons, notes...)
			}
			ex.Rules = append(ex.Rules, RuleTrace{Rule: e.rules[i].Name, Matched: m, Reasons: reasons})
		}
	} else {
		for _, i := range e.candidates(u) {
			r := &e.rules[i]
			if r.BreakGlass == q.BreakGlass && r.sets.has(ps) && r.scope.level(x, acct) >= 0 {
				consider(int(i))
			}
		}
	}
	if best < 0 && refusedRule != "" {
		d.Conditions = refused
		d.Reason = requireRefusal(refusedRule, refused)
		return d, ex
	}
	if best < 0 {
		kind := "rule"
		if q.BreakGlass {
			kind = "break-glass rule"
		}
		d.Reason = fmt.Sprintf("no %s lets %s request %s on account %s (%s)", kind, d.User.UserName, d.PermissionSet.Name, d.Account.Name, d.Account.ID)
		return d, ex
	}
	r := &e.rules[best]
	if explain {
		ex.Rules[best].Selected = true
	}
	d.Rule, d.MaxDuration, d.BreakGlass = r.Name, r.maxDur, r.BreakGlass
	d.TicketRequired = r.TicketRequired || e.doc.Settings.TicketRequired
	d.Notify = r.WithDefaults()
	d.TicketRequired = r.TicketRequired || e.doc.Settings.TicketRequired || (r.Require != nil && r.Require.Ticket != nil)
	d.EndWhenTicketCloses = r.EndWhenTicketCloses
	if !r.Require.empty() || !r.AutoApproveIf.empty() {
		_, d.Conditions = e.evalConditions("require", r.Require, u, q)
		if !r.AutoApproveIf.empty() {
			ao, ars := e.evalConditions("auto_approve_if", r.AutoApproveIf, u, q)
			d.Conditions = append(d.Conditions, ars...)
			switch ao {
			case True:
				d.AutoApproved = true
			case Unknown:
				d.AutoApproveUnknown = "auto-approval not used, the approvers decide: " + unknownEvidence(ars)
			}
		}
	}
	if r.BreakGlass {
		d.Reviewers = e.reviewers(r, u, acct, ps)
	}
	if r.BreakGlass || r.Approvals == 0 || d.AutoApproved {
		d.Allowed = true
		if explain {
			note := "the selected rule needs no approval"
			if d.AutoApproved {
				note = "the selected rule's auto_approve_if conditions hold"
			}
			ex.ApproverRules = e.traceApproverRules(acct, ps, nil, note)
		}
		return d, ex
	}
	d.ApprovalRequired, d.ApprovalsRequired = true, r.Approvals
	if r.ApproverMFA != nil {
		d.ApproverMFA = r.ApproverMFA.MaxAge
	}
	var users, groups []int32
	if r.own {
		users, groups = r.approverUsers, r.approverGroups
		d.ApproverSource = "rule " + r.Name
		if explain {
			ex.ApproverRules = e.traceApproverRules(acct, ps, nil, "rule "+r.Name+" names its own approvers, which override approver rules")
		}
	} else {
		chosen := e.approverRulesFor(acct, ps)
		if explain {
			ex.ApproverRules = e.traceApproverRules(acct, ps, chosen, "")
		}
		if len(chosen) == 0 {
			d.Reason = fmt.Sprintf("rule %s needs %d approval(s) but names no approvers, and no approver rule covers %s on account %s (%s)",
				r.Name, r.Approvals, d.PermissionSet.Name, d.Account.Name, x.ouPath(acct))
			return d, ex
		}
		var names []string
		for _, i := range chosen {
			ar := &e.arules[i]
			names = append(names, ar.Name)
			users = append(users, ar.users...)
			groups = append(groups, ar.groups...)
			d.ApprovalsRequired = max(d.ApprovalsRequired, ar.Approvals)
		}
		d.ApproverSource = "approver rule " + strings.Join(names, ", ")
	}
	d.Approvers, d.RequesterRemoved = e.approvers(users, groups, u)
	if len(d.Approvers) < d.ApprovalsRequired {
		removed := ""
		if d.RequesterRemoved {
			removed = fmt.Sprintf(" once %s (the requester) is removed", d.User.UserName)
		}
		d.Reason = fmt.Sprintf("%s needs %d approval(s) but only %d approver(s) remain%s (approvers from %s): ask an admin to add approvers",
			d.PermissionSet.Name+" on "+d.Account.Name, d.ApprovalsRequired, len(d.Approvers), removed, d.ApproverSource)
		return d, ex
	}
	d.Allowed = true
	return d, ex
}

// reviewers returns who reviews a break-glass use of rule r: its own
// approvers, else the approvers of the approver rules that cover the
// account and permission set; the requester is never among them.
func (e *Engine) reviewers(r *crule, u, acct, ps int32) []Approver {
	users, groups := r.approverUsers, r.approverGroups
	if !r.own {
		users, groups = nil, nil
		for _, i := range e.approverRulesFor(acct, ps) {
			users = append(users, e.arules[i].users...)
			groups = append(groups, e.arules[i].groups...)
		}
	}
	out, _ := e.approvers(users, groups, u)
	return out
}

// candidates returns the rules that name the user or one of their groups.
func (e *Engine) candidates(u int32) []int32 {
	out := slices.Clone(e.byUser[u])
	for _, g := range e.x.userGroups[u] {
		out = append(out, e.byGroup[g]...)
	}
	if len(out) > 1 {
		slices.Sort(out)
		out = slices.Compact(out)
	}
	return out
}

// lessRestrictive orders allowing rules: no approval, then fewest
// approvals, then the longest duration, then the name.
func (e *Engine) lessRestrictive(i, j int) bool {
	a, b := &e.rules[i], &e.rules[j]
	if a.Approvals != b.Approvals {
		return a.Approvals < b.Approvals
	}
	if a.maxDur != b.maxDur {
		return a.maxDur > b.maxDur
	}
	return a.Name < b.Name
}

// approverRulesFor returns the approver rules of the most specific level
// that covers the account and permission set: the account, then its nearest
// OU, then the parents, then the root. At one level, rules that filter on
// the permission set win over rules that do not.
func (e *Engine) approverRulesFor(acct, ps int32) []int32 {
	var found []int32
	pick := func(ids []int32, ok func(*carule) bool) {
		for _, i := range ids {
			if ar := &e.arules[i]; ar.sets.has(ps) && ok(ar) {
				found = append(found, i)
			}
		}
	}
	pick(e.arByAcct[acct], func(*carule) bool { return true })
	if len(found) > 0 {
		return preferFiltered(e, found)
	}
	chain := e.x.chain[acct]
	for k, ou := range chain {
		pick(e.arByOU[ou], func(ar *carule) bool { return k == 0 || ar.scope.nested })
		if k == len(chain)-1 {
			pick(e.arAll, func(*carule) bool { return true })
		}
		if len(found) > 0 {
			return preferFiltered(e, found)
		}
	}
	if len(chain) == 0 {
		pick(e.arAll, func(*carule) bool { return true })
	}
	return preferFiltered(e, found)
}

func preferFiltered(e *Engine, ids []int32) []int32 {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	filtered := slices.DeleteFunc(slices.Clone(ids), func(i int32) bool { return !e.arules[i].filtered })
	if len(filtered) > 0 {
		return filtered
	}
	return ids
}

// approvers resolves users and group members to active approvers, with the
// groups each comes through, the requester removed.
func (e *Engine) approvers(users, groups []int32, requester int32) ([]Approver, bool) {
	via := map[int32][]string{}
	var order []int32
	add := func(u int32, how string) {
		if !e.x.users[u].Active {
			return
		}
		if _, ok := via[u]; !ok {
			order = append(order, u)
		}
		if !slices.Contains(via[u], how) {
			via[u] = append(via[u], how)
		}
	}
	for _, u := range users {
		add(u, "user")
	}
	for _, g := range groups {
		for _, u := range e.x.groupMembers[g] {
			add(u, "group "+e.x.groups[g].Name)
		}
	}
	removed := false
	out := make([]Approver, 0, len(order))
	for _, u := range order {
		if u == requester {
			removed = true
			continue
		}
		out = append(out, Approver{UserID: e.x.users[u].ID, UserName: e.x.users[u].UserName, Via: via[u]})
	}
	slices.SortFunc(out, func(a, b Approver) int { return cmp.Compare(a.UserName, b.UserName) })
	return out, removed
}
