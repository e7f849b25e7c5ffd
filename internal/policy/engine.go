package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Problem is a part of the document that is wrong or does not resolve
// against the directory. Path names it (rules[2].accounts[0]); Line is its
// line in the YAML source when known.
type Problem struct {
	Path    string `json:"path"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", p.Line, p.Path, p.Message)
	}
	return p.Path + ": " + p.Message
}

// scope is a compiled account scope.
type scope struct {
	all      bool
	accounts map[int32]bool
	ous      map[int32]bool
	nested   bool
	ouNames  []string // as written, for explanations
	acctRefs []string
}

// level says how specifically the scope names the account: 0 the account
// itself, k >= 1 its k-th OU ancestor (1 the parent), len(chain) for the
// root or "*"; -1 when the account is out of scope.
func (sc *scope) level(x *Index, acct int32) int {
	if sc.accounts[acct] {
		return 0
	}
	chain := x.chain[acct]
	for k, ou := range chain {
		if sc.ous[ou] && (k == 0 || sc.nested) {
			return k + 1
		}
	}
	if sc.all {
		return max(len(chain), 1)
	}
	return -1
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

type setFilter struct {
	all  bool
	sets map[int32]bool
}

func (f setFilter) has(ps int32) bool { return f.all || f.sets[ps] }

type crule struct {
	Rule
	scope          scope
	sets           setFilter
	maxDur         time.Duration
	approverUsers  []int32
	approverGroups []int32
	own            bool    // has its own approvers
	expanded       []int32 // accounts in scope, sorted (nil when the whole organization)
	setList        []int32 // the permission sets, when not all
	rank           int32   // position from the least restrictive rule
}

type carule struct {
	ApproverRule
	scope    scope
	sets     setFilter
	filtered bool
	users    []int32
	groups   []int32
}

// Engine is a compiled policy over one directory snapshot. It is safe for
// concurrent use; build a new one when the policy or the directory changes.
type Engine struct {
	doc      Document
	x        *Index
	rules    []crule
	arules   []carule
	byUser   map[int32][]int32 // user -> rules naming them
	byGroup  map[int32][]int32 // group -> rules naming it
	arByAcct map[int32][]int32
	arByOU   map[int32][]int32
	arAll    []int32
	problems []Problem
	allOnce  sync.Once
	all      []int32
	byRank   []int32   // rules from the least restrictive
	offers   sync.Pool // *[]int64 buffers of ListEligible
}

// rankBits is the width of a rule's rank in ListEligible's offers.
const rankBits = 20

// New compiles the document against the directory. Names that do not
// resolve are reported by Problems and match nothing.
func New(doc Document, x *Index) *Engine {
	doc = doc.Normalize()
	e := &Engine{doc: doc, x: x, byUser: map[int32][]int32{}, byGroup: map[int32][]int32{},
		arByAcct: map[int32][]int32{}, arByOU: map[int32][]int32{}}
	subtree, direct := map[int32][]int32{}, map[int32][]int32{}
	for a, chain := range x.chain {
		for k, ou := range chain {
			subtree[ou] = append(subtree[ou], int32(a))
			if k == 0 {
				direct[ou] = append(direct[ou], int32(a))
			}
		}
	}
	seenName := map[string]int{}
	for i, r := range doc.Rules {
		path := fmt.Sprintf("rules[%d]", i)
		if r.Name == "" {
			e.problem(path+".name", "empty: every rule needs a name")
		} else if j, dup := seenName[strings.ToLower(r.Name)]; dup {
			e.problem(path+".name", fmt.Sprintf("%q is also the name of rules[%d]", r.Name, j))
		} else {
			seenName[strings.ToLower(r.Name)] = i
		}
		c := crule{Rule: r, maxDur: EffectiveMax(r.MaxDuration, doc.Settings.MaxDuration)}
		c.scope = e.compileScope(path, r.Accounts, r.OUs, r.NestedOUs, true)
		c.sets = e.compileSets(path, r.PermissionSets, true)
		if len(r.Users) == 0 && len(r.Groups) == 0 {
			e.problem(path, "no users or groups: name who may request")
		}
		for j, ref := range r.Users {
			if u, ok := x.user(ref); ok {
				e.byUser[u] = append(e.byUser[u], int32(i))
			} else {
				e.problem(fmt.Sprintf("%s.users[%d]", path, j), fmt.Sprintf("user %q is not in the directory", ref))
			}
		}
		for j, ref := range r.Groups {
			if g, ok := x.group(ref); ok {
				e.byGroup[g] = append(e.byGroup[g], int32(i))
			} else {
				e.problem(fmt.Sprintf("%s.groups[%d]", path, j), fmt.Sprintf("group %q is not in the directory", ref))
			}
		}
		c.approverUsers = e.resolveUsers(path+".approver_users", r.ApproverUsers)
		c.approverGroups = e.resolveGroups(path+".approver_groups", r.ApproverGroups)
		c.own = len(r.ApproverUsers) > 0 || len(r.ApproverGroups) > 0
		if r.Approvals < 0 {
			e.problem(path+".approvals", fmt.Sprintf("%d is negative", r.Approvals))
		}
		if r.MaxDuration < 0 {
			e.problem(path+".max_duration", fmt.Sprintf("%s is negative", r.MaxDuration))
		}
		if r.BreakGlass && r.Approvals > 0 {
			e.problem(path+".approvals", "a break_glass rule activates without approval: remove approvals or break_glass")
		}
		if !c.scope.all {
			set := map[int32]bool{}
			for a := range c.scope.accounts {
				set[a] = true
			}
			for ou := range c.scope.ous {
				list := direct[ou]
				if c.scope.nested {
					list = subtree[ou]
				}
				for _, a := range list {
					set[a] = true
				}
			}
			c.expanded = make([]int32, 0, len(set))
			for a := range set {
				c.expanded = append(c.expanded, a)
			}
			slices.Sort(c.expanded)
		}
		e.rules = append(e.rules, c)
	}
	e.byRank = make([]int32, len(e.rules))
	for i := range e.byRank {
		e.byRank[i] = int32(i)
	}
	slices.SortFunc(e.byRank, func(a, b int32) int {
		switch {
		case e.lessRestrictive(int(a), int(b)):
			return -1
		case e.lessRestrictive(int(b), int(a)):
			return 1
		}
		return cmp.Compare(a, b)
	})
	for rank, i := range e.byRank {
		e.rules[i].rank = int32(rank)
		for ps := range e.rules[i].sets.sets {
			e.rules[i].setList = append(e.rules[i].setList, ps)
		}
		slices.Sort(e.rules[i].setList)
	}
	e.offers.New = func() any { return new([]int64) }
	clear(seenName)
	for i, r := range doc.ApproverRules {
		path := fmt.Sprintf("approver_rules[%d]", i)
		if r.Name == "" {
			e.problem(path+".name", "empty: every approver rule needs a name")
		} else if j, dup := seenName[strings.ToLower(r.Name)]; dup {
			e.problem(path+".name", fmt.Sprintf("%q is also the name of approver_rules[%d]", r.Name, j))
		} else {
			seenName[strings.ToLower(r.Name)] = i
		}
		c := carule{ApproverRule: r, filtered: len(r.PermissionSets) > 0}
		c.scope = e.compileScope(path, r.Accounts, r.OUs, r.NestedOUs, true)
		c.sets = setFilter{all: true}
		if c.filtered {
			c.sets = e.compileSets(path, r.PermissionSets, false)
		}
		c.users = e.resolveUsers(path+".users", r.Users)
		c.groups = e.resolveGroups(path+".groups", r.Groups)
		if len(r.Users) == 0 && len(r.Groups) == 0 {
			e.problem(path, "no users or groups: name who approves")
		}
		if r.Approvals < 0 {
			e.problem(path+".approvals", fmt.Sprintf("%d is negative", r.Approvals))
		}
		for a := range c.scope.accounts {
			e.arByAcct[a] = append(e.arByAcct[a], int32(i))
		}
		for ou := range c.scope.ous {
			e.arByOU[ou] = append(e.arByOU[ou], int32(i))
		}
		if c.scope.all {
			e.arAll = append(e.arAll, int32(i))
		}
		e.arules = append(e.arules, c)
	}
	s := doc.Settings
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"settings.min_duration", s.MinDuration}, {"settings.max_duration", s.MaxDuration}, {"settings.approval_timeout", s.ApprovalTimeout}} {
		if d.v < 0 {
			e.problem(d.key, fmt.Sprintf("%s is negative", d.v))
		}
	}
	if s.MinDuration > s.MaxDuration {
		e.problem("settings.min_duration", fmt.Sprintf("%s is longer than settings.max_duration %s", s.MinDuration, s.MaxDuration))
	}
	return e
}

func (e *Engine) problem(path, msg string) {
	e.problems = append(e.problems, Problem{Path: path, Message: msg})
}

func (e *Engine) compileScope(path string, accounts, ous []string, nested, required bool) scope {
	sc := scope{accounts: map[int32]bool{}, ous: map[int32]bool{}, nested: nested, ouNames: ous}
	for j, ref := range accounts {
		if ref == All {
			sc.all = true
			continue
		}
		sc.acctRefs = append(sc.acctRefs, ref)
		is := e.x.accountsNamed(ref)
		switch {
		case len(is) == 0:
			e.problem(fmt.Sprintf("%s.accounts[%d]", path, j), fmt.Sprintf("account %q is not in the organization", ref))
		case len(is) > 1:
			e.problem(fmt.Sprintf("%s.accounts[%d]", path, j), fmt.Sprintf("account name %q matches %d accounts: use the account id", ref, len(is)))
		}
		for _, a := range is {
			sc.accounts[a] = true
		}
	}
	for j, ref := range ous {
		is := e.x.ou(ref)
		switch {
		case len(is) == 0:
			e.problem(fmt.Sprintf("%s.ous[%d]", path, j), fmt.Sprintf("OU %q is not in the organization", ref))
		case len(is) > 1:
			e.problem(fmt.Sprintf("%s.ous[%d]", path, j), fmt.Sprintf("OU name %q matches %d OUs: use the OU id", ref, len(is)))
		}
		for _, o := range is {
			sc.ous[o] = true
		}
	}
	if required && len(accounts) == 0 && len(ous) == 0 {
		e.problem(path, `no accounts or ous: name the scope, or accounts: ["*"] for the whole organization`)
	}
	return sc
}

func (e *Engine) compileSets(path string, refs []string, required bool) setFilter {
	f := setFilter{sets: map[int32]bool{}}
	if required && len(refs) == 0 {
		e.problem(path+".permission_sets", `empty: list permission set names, or "*"`)
	}
	for j, ref := range refs {
		if ref == All {
			f.all = true
			continue
		}
		if ps, ok := e.x.set(ref); ok {
			f.sets[ps] = true
		} else {
			e.problem(fmt.Sprintf("%s.permission_sets[%d]", path, j), fmt.Sprintf("permission set %q does not exist", ref))
		}
	}
	return f
}

func (e *Engine) resolveUsers(path string, refs []string) []int32 {
	var out []int32
	for j, ref := range refs {
		if u, ok := e.x.user(ref); ok {
			out = append(out, u)
		} else {
			e.problem(fmt.Sprintf("%s[%d]", path, j), fmt.Sprintf("user %q is not in the directory", ref))
		}
	}
	return out
}

func (e *Engine) resolveGroups(path string, refs []string) []int32 {
	var out []int32
	for j, ref := range refs {
		if g, ok := e.x.group(ref); ok {
			out = append(out, g)
		} else {
			e.problem(fmt.Sprintf("%s[%d]", path, j), fmt.Sprintf("group %q is not in the directory", ref))
		}
	}
	return out
}

// Problems lists what in the document is invalid or does not resolve.
func (e *Engine) Problems() []Problem { return slices.Clone(e.problems) }

// Document returns the normalized document the engine was built from.
func (e *Engine) Document() Document { return e.doc }

// Settings returns the document's settings, defaults filled in.
func (e *Engine) Settings() Settings { return e.doc.Settings }

// Index returns the directory index.
func (e *Engine) Index() *Index { return e.x }

// Question is what a decision is about: a user (id, name or email) asking
// for a permission set (name or ARN) on an account (id or name).
type Question struct {
	User          string
	Account       string
	PermissionSet string
	BreakGlass    bool // the user asks for break-glass access
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
	Reason            string
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

// Decide answers the question.
func (e *Engine) Decide(q Question) Decision {
	d, _ := e.decide(q, false)
	return d
}

// Explain answers the question and says why, rule by rule.
func (e *Engine) Explain(q Question) Explanation {
	d, ex := e.decide(q, true)
	ex.Decision = d
	return ex
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
		d.Reason = fmt.Sprintf("permission set %q does not exist", q.PermissionSet)
		return d, ex
	}
	d.PermissionSet = x.sets[ps]
	if !d.User.Active {
		d.Reason = fmt.Sprintf("user %s is disabled in the directory", d.User.UserName)
		return d, ex
	}

	best := -1
	if explain {
		for i := range e.rules {
			m, reasons := e.matchExplain(i, u, acct, ps, q.BreakGlass)
			ex.Rules = append(ex.Rules, RuleTrace{Rule: e.rules[i].Name, Matched: m, Reasons: reasons})
			if m && (best < 0 || e.lessRestrictive(i, best)) {
				best = i
			}
		}
	} else {
		for _, i := range e.candidates(u) {
			r := &e.rules[i]
			if r.BreakGlass == q.BreakGlass && r.sets.has(ps) && r.scope.level(x, acct) >= 0 && (best < 0 || e.lessRestrictive(int(i), best)) {
				best = int(i)
			}
		}
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
	if r.BreakGlass {
		d.Reviewers = e.reviewers(r, u, acct, ps)
	}
	if r.BreakGlass || r.Approvals == 0 {
		d.Allowed = true
		if explain {
			ex.ApproverRules = e.traceApproverRules(acct, ps, nil, "the selected rule needs no approval")
		}
		return d, ex
	}
	d.ApprovalRequired, d.ApprovalsRequired = true, r.Approvals
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

// Eligible is one way the policy offers a user to request a permission set
// on an account.
type Eligible struct {
	Account           access.Account
	PermissionSet     access.PermissionSet
	Rule              string
	MaxDuration       time.Duration
	ApprovalsRequired int
	TicketRequired    bool
	BreakGlass        bool
}

// ListEligible lists every (account, permission set) pair the policy offers
// the user, with the least restrictive rule for each, ordered by account
// name, account id, then permission set name; break-glass offers come as
// separate entries after the regular one. Accounts that are not ACTIVE are
// left out.
func (e *Engine) ListEligible(user string) []Eligible {
	x := e.x
	u, ok := x.user(user)
	if !ok || !x.users[u].Active {
		return nil
	}
	nSets := int64(len(x.sets))
	// Each offer is one integer: (account rank, set rank, break-glass) in
	// the high bits, the rule's restrictiveness rank in the low bits.
	// Sorting them orders the output and puts the least restrictive rule
	// of each pair first.
	bufp := e.offers.Get().(*[]int64)
	offers := (*bufp)[:0]
	for _, i := range e.candidates(u) {
		r := &e.rules[i]
		accts := r.expanded
		if r.scope.all {
			accts = e.allAccounts()
		}
		sets := r.setList
		if r.sets.all {
			sets = x.setAt
		}
		low := int64(r.rank)
		if r.BreakGlass {
			low |= 1 << rankBits
		}
		for _, a := range accts {
			base := int64(x.acctRank[a]) * nSets
			for _, s := range sets {
				offers = append(offers, (base+int64(x.setRank[s]))<<(rankBits+1)|low)
			}
		}
	}
	slices.Sort(offers)
	keys := offers[:0]
	last := int64(-1)
	for _, o := range offers {
		if k := o >> rankBits; k != last {
			keys, last = append(keys, o), k
		}
	}
	defer func() { *bufp = offers; e.offers.Put(bufp) }()
	out := make([]Eligible, 0, len(keys))
	for _, k := range keys {
		pair := k >> (rankBits + 1)
		a, s := x.acctAt[pair/nSets], x.setAt[pair%nSets]
		acct := &x.accounts[a]
		if acct.State != "" && acct.State != "ACTIVE" {
			continue
		}
		r := &e.rules[e.byRank[k&(1<<rankBits-1)]]
		el := Eligible{Account: *acct, PermissionSet: x.sets[s], Rule: r.Name, MaxDuration: r.maxDur,
			TicketRequired: r.TicketRequired || e.doc.Settings.TicketRequired, BreakGlass: r.BreakGlass}
		if !r.BreakGlass && r.Approvals > 0 {
			el.ApprovalsRequired = r.Approvals
			if !r.own {
				el.ApprovalsRequired = max(el.ApprovalsRequired, e.approverRulesApprovals(a, s))
			}
		}
		out = append(out, el)
	}
	return out
}

// allAccounts lists every account index (built once).
func (e *Engine) allAccounts() []int32 {
	e.allOnce.Do(func() {
		e.all = make([]int32, len(e.x.accounts))
		for a := range e.all {
			e.all[a] = int32(a)
		}
	})
	return e.all
}

// approverRulesApprovals is the most approvals the approver rules in
// effect for the account and permission set ask for (0 when none applies),
// without allocating: approverRulesFor for listings.
func (e *Engine) approverRulesApprovals(acct, ps int32) int {
	n, filtered := 0, false
	consider := func(i int32) {
		ar := &e.arules[i]
		if !ar.sets.has(ps) {
			return
		}
		switch {
		case ar.filtered && !filtered:
			n, filtered = ar.Approvals, true
		case ar.filtered == filtered:
			n = max(n, ar.Approvals)
		}
	}
	for _, i := range e.arByAcct[acct] {
		consider(i)
	}
	if n > 0 {
		return n
	}
	chain := e.x.chain[acct]
	for k, ou := range chain {
		for _, i := range e.arByOU[ou] {
			if k == 0 || e.arules[i].scope.nested {
				consider(i)
			}
		}
		if k == len(chain)-1 {
			for _, i := range e.arAll {
				consider(i)
			}
		}
		if n > 0 {
			return n
		}
	}
	if len(chain) == 0 {
		for _, i := range e.arAll {
			consider(i)
		}
	}
	return n
}
