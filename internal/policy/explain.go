package policy

import (
	"fmt"
	"slices"
	"strings"
)

// RuleTrace is one rule as explain considered it.
type RuleTrace struct {
	Rule     string   `json:"rule"`
	Matched  bool     `json:"matched"`
	Selected bool     `json:"selected"`
	Reasons  []string `json:"reasons"`
}

// Explanation is a decision with every rule considered and why it matched
// or not.
type Explanation struct {
	Decision      Decision
	Rules         []RuleTrace
	ApproverRules []RuleTrace
}

// Explain answers the question and says why, rule by rule.
func (e *Engine) Explain(q Question) Explanation {
	d, ex := e.decide(q, true)
	if d.Limit != "" {
		// The rules are traced all the same, but the limit decides: no rule
		// is in effect and no one would approve.
		d.Allowed, d.Reason, d.Rule = false, d.Limit, ""
		d.ApprovalRequired, d.ApprovalsRequired, d.Approvers, d.ApproverSource = false, 0, nil, ""
		for i := range ex.Rules {
			ex.Rules[i].Selected = false
		}
	}
	ex.Decision = d
	return ex
}

// explain says in words why the account is or is not in scope.
func (sc *scope) explain(x *Index, acct int32) (bool, string) {
	a := x.accounts[acct]
	if sc.accounts[acct] {
		return true, fmt.Sprintf("account %s (%s) is listed", a.Name, a.ID)
	}
	chain := x.chain[acct]
	for k, ou := range chain {
		if !sc.ous[ou] {
			continue
		}
		if k == 0 {
			return true, fmt.Sprintf("account %s is directly in OU %s", a.Name, x.ous[ou].Name)
		}
		if sc.nested {
			return true, fmt.Sprintf("account %s is under OU %s (nested OUs included)", a.Name, x.ous[ou].Name)
		}
	}
	if sc.all {
		return true, "the rule covers the whole organization"
	}
	why := fmt.Sprintf("account %s (%s, in %s) is not in scope", a.Name, a.ID, x.ouPath(acct))
	var listed []string
	if len(sc.acctRefs) > 0 {
		listed = append(listed, "accounts "+strings.Join(sc.acctRefs, ", "))
	}
	if len(sc.ouNames) > 0 {
		ous := "OUs " + strings.Join(sc.ouNames, ", ")
		if !sc.nested {
			ous += " (without nested OUs)"
		}
		listed = append(listed, ous)
	}
	if len(listed) > 0 {
		why += ": the rule lists " + strings.Join(listed, "; ")
	}
	for k, ou := range chain {
		if k > 0 && sc.ous[ou] && !sc.nested {
			why += fmt.Sprintf("; %s is in a nested OU of %s and nested_ous is off", a.Name, x.ous[ou].Name)
		}
	}
	return false, why
}

// matchExplain checks one rule and says why it matches or not.
func (e *Engine) matchExplain(i int, u, acct, ps int32, breakGlass bool) (bool, []string) {
	r := &e.rules[i]
	x := e.x
	user := x.users[u]
	ok := true
	var reasons []string
	named := slices.Contains(e.byUser[u], int32(i)) //nolint:gosec // G115: bounded: a count of rules or a length far below the type's range
	var via []string
	for _, g := range x.userGroups[u] {
		if slices.Contains(e.byGroup[g], int32(i)) { //nolint:gosec // G115: bounded: a count of rules or a length far below the type's range
			via = append(via, x.groups[g].Name)
		}
	}
	switch {
	case named:
		reasons = append(reasons, fmt.Sprintf("%s is named in users", user.UserName))
	case len(via) > 0:
		slices.Sort(via)
		reasons = append(reasons, fmt.Sprintf("%s is in group %s", user.UserName, strings.Join(via, ", ")))
	default:
		ok = false
		reasons = append(reasons, fmt.Sprintf("%s is not named and is in none of its groups (%s)", user.UserName, orNone(r.Groups)))
	}
	in, why := r.scope.explain(x, acct)
	ok = ok && in
	reasons = append(reasons, why)
	if r.sets.has(ps) {
		reasons = append(reasons, fmt.Sprintf("permission set %s is listed", x.sets[ps].Name))
	} else {
		ok = false
		reasons = append(reasons, fmt.Sprintf("permission set %s is not listed (%s)", x.sets[ps].Name, orNone(r.PermissionSets)))
	}
	switch {
	case r.BreakGlass && !breakGlass:
		ok = false
		reasons = append(reasons, "break-glass rule: applies only to break-glass requests")
	case !r.BreakGlass && breakGlass:
		ok = false
		reasons = append(reasons, "not a break-glass rule, and this is a break-glass request")
	}
	if ok {
		reasons = append(reasons, fmt.Sprintf("allows up to %s with %d approval(s)", r.maxDur, r.Approvals))
	}
	return ok, reasons
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

// traceApproverRules explains every approver rule for the account and
// permission set. chosen are those in effect; note overrides all of them.
func (e *Engine) traceApproverRules(acct, ps int32, chosen []int32, note string) []RuleTrace {
	var out []RuleTrace
	for i := range e.arules {
		ar := &e.arules[i]
		t := RuleTrace{Rule: ar.Name}
		in, why := ar.scope.explain(e.x, acct)
		t.Reasons = append(t.Reasons, why)
		if !ar.sets.has(ps) {
			in = false
			t.Reasons = append(t.Reasons, fmt.Sprintf("filters on permission sets %s", strings.Join(ar.PermissionSets, ", ")))
		}
		t.Matched = in
		switch {
		case note != "":
			t.Reasons = append(t.Reasons, "not used: "+note)
		case slices.Contains(chosen, int32(i)):
			t.Selected = true
			t.Reasons = append(t.Reasons, fmt.Sprintf("most specific match: %d approval(s) from %s", ar.Approvals, orNone(append(slices.Clone(ar.Users), ar.Groups...))))
		case in:
			t.Reasons = append(t.Reasons, "not used: a more specific approver rule covers the account")
		}
		out = append(out, t)
	}
	return out
}
