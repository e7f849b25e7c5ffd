package policy

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Problem is a part of the document that is wrong or does not resolve
// against the directory. Path names it (rules[2].accounts[0]); Line is its
// line in the YAML source when known.
type Problem struct {
	Path    string `json:"path"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
	// unresolved: the problem is a name the directory lacks (Check leaves
	// these out).
	unresolved bool
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
				e.unknown(fmt.Sprintf("%s.users[%d]", path, j), fmt.Sprintf("user %q is not in the directory", ref), ref, maps.Keys(x.userByName), x.userName)
			}
		}
		for j, ref := range r.Groups {
			if g, ok := x.group(ref); ok {
				e.byGroup[g] = append(e.byGroup[g], int32(i))
			} else {
				e.unknown(fmt.Sprintf("%s.groups[%d]", path, j), fmt.Sprintf("group %q is not in the directory", ref), ref, maps.Keys(x.groupByName), x.groupName)
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
		e.checkNotify(path, r)
		e.checkConditions(path, r)
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
			e.unknown(fmt.Sprintf("%s.accounts[%d]", path, j), fmt.Sprintf("account %q is not in the organization", ref), ref, maps.Keys(e.x.accountByName), e.x.accountName)
		case len(is) > 1:
			e.unresolved(fmt.Sprintf("%s.accounts[%d]", path, j), fmt.Sprintf("account name %q matches %d accounts: use the account id", ref, len(is)))
		}
		for _, a := range is {
			sc.accounts[a] = true
		}
	}
	for j, ref := range ous {
		is := e.x.ou(ref)
		switch {
		case len(is) == 0:
			e.unknown(fmt.Sprintf("%s.ous[%d]", path, j), fmt.Sprintf("OU %q is not in the organization", ref), ref, maps.Keys(e.x.ouByName), e.x.ouName)
		case len(is) > 1:
			e.unresolved(fmt.Sprintf("%s.ous[%d]", path, j), fmt.Sprintf("OU name %q matches %d OUs: use the OU id", ref, len(is)))
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
			e.unknown(fmt.Sprintf("%s.permission_sets[%d]", path, j), fmt.Sprintf("permission set %q is not in the directory%s", ref, e.x.undescribedNote()), ref, maps.Keys(e.x.setByName), e.x.setName)
		}
	}
	return f
}

// resolveUsers resolves user references, reporting those not in the
// directory.
func (e *Engine) resolveUsers(path string, refs []string) []int32 {
	return e.resolve(path, refs, "user", e.x.user, e.x.userByName, e.x.userName)
}

// resolveGroups resolves group references, reporting those not in the
// directory.
func (e *Engine) resolveGroups(path string, refs []string) []int32 {
	return e.resolve(path, refs, "group", e.x.group, e.x.groupByName, e.x.groupName)
}

// resolve looks each reference up with find; one that does not resolve is a
// problem at path[j] naming its kind.
func (e *Engine) resolve(path string, refs []string, kind string, find func(string) (int32, bool), names map[string]int32, display func(string) string) []int32 {
	var out []int32
	for j, ref := range refs {
		if id, ok := find(ref); ok {
			out = append(out, id)
		} else {
			e.unknown(fmt.Sprintf("%s[%d]", path, j), fmt.Sprintf("%s %q is not in the directory", kind, ref), ref, maps.Keys(names), display)
		}
	}
	return out
}
