package policy

import (
	"slices"
	"strings"
)

// Reach is who a rule makes eligible for what, counted on the directory:
// the active users it names directly or through its groups, the active
// accounts in its scope and the permission sets it offers (leaving out what
// AWS will not let elevate assign), and a few of each by name.
type Reach struct {
	Rule           string `json:"rule"`
	BreakGlass     bool   `json:"break_glass"`
	Users          int    `json:"users"`
	Groups         int    `json:"groups"` // groups it names that are in the directory
	Accounts       int    `json:"accounts"`
	PermissionSets int    `json:"permission_sets"`
	// Combinations is Users × Accounts × PermissionSets.
	Combinations         int64    `json:"combinations"`
	SampleUsers          []string `json:"sample_users"`
	SampleAccounts       []string `json:"sample_accounts"`
	SamplePermissionSets []string `json:"sample_permission_sets"`
}

// Offer is one (user, account, permission set) a policy makes requestable,
// with the least restrictive rule that offers it.
type Offer struct {
	User          string `json:"user"`
	Account       string `json:"account"`
	AccountID     string `json:"account_id"`
	PermissionSet string `json:"permission_set"`
	Rule          string `json:"rule"`
	BreakGlass    bool   `json:"break_glass,omitempty"`
}

// Preview is who a whole policy makes eligible: each rule's reach, and over
// all rules the distinct users, accounts and permission sets and the
// distinct (user, account, permission set) offers with a sample of them.
type Preview struct {
	Rules          []Reach `json:"rules"`
	Users          int     `json:"users"`
	Accounts       int     `json:"accounts"`
	PermissionSets int     `json:"permission_sets"`
	// Offers counts the distinct regular offers and BreakGlassOffers the
	// break-glass ones, as ListEligible would list them for every user.
	// When the rules together reach more than PreviewExactLimit
	// combinations they are not listed one by one: Exact is false and
	// Offers is the sum of the rules' combinations, an upper bound.
	Offers           int64   `json:"offers"`
	BreakGlassOffers int64   `json:"break_glass_offers"`
	Exact            bool    `json:"exact"`
	Sample           []Offer `json:"sample"`
}

// PreviewExactLimit bounds the combinations Preview lists one by one to
// count the distinct offers exactly (about a tenth of a second of work).
const PreviewExactLimit = 500_000

// Preview computes who the policy makes eligible, with samples of up to
// samples names per list.
func (e *Engine) Preview(samples int) Preview {
	x := e.x
	var p Preview
	allUsers, allAccts, allSets := map[int32]bool{}, map[int32]bool{}, map[int32]bool{}
	var sum int64
	for i := range e.rules {
		r := &e.rules[i]
		users := e.ruleUsers(i)
		accts := r.expanded
		if r.scope.all {
			accts = e.allAccounts()
		}
		accts = slices.DeleteFunc(slices.Clone(accts), func(a int32) bool {
			acct := &x.accounts[a]
			return acct.State != "" && acct.State != "ACTIVE" || acct.Limit != ""
		})
		sets := r.setList
		if r.sets.all {
			sets = x.setAt
		}
		sets = slices.DeleteFunc(slices.Clone(sets), func(s int32) bool { return x.sets[s].Limit != "" })
		groups := 0
		for _, ref := range r.Groups {
			if _, ok := x.group(ref); ok {
				groups++
			}
		}
		rc := Reach{Rule: r.Name, BreakGlass: r.BreakGlass, Users: len(users), Groups: groups, Accounts: len(accts), PermissionSets: len(sets),
			Combinations: int64(len(users)) * int64(len(accts)) * int64(len(sets))}
		rc.SampleUsers = names(users, samples, func(a, b int32) bool { return x.users[a].UserName < x.users[b].UserName }, func(u int32) string { return x.users[u].UserName })
		rc.SampleAccounts = names(accts, samples, func(a, b int32) bool { return x.acctRank[a] < x.acctRank[b] }, func(a int32) string { return x.accounts[a].Name })
		rc.SamplePermissionSets = names(sets, samples, func(a, b int32) bool { return x.setRank[a] < x.setRank[b] }, func(s int32) string { return x.sets[s].LimitedName() })
		p.Rules = append(p.Rules, rc)
		if rc.Combinations == 0 {
			continue
		}
		sum += rc.Combinations
		for _, u := range users {
			allUsers[u] = true
		}
		for _, a := range accts {
			allAccts[a] = true
		}
		for _, s := range sets {
			allSets[s] = true
		}
	}
	p.Users, p.Accounts, p.PermissionSets = len(allUsers), len(allAccts), len(allSets)
	if sum > PreviewExactLimit {
		p.Offers = sum
		return p
	}
	p.Exact = true
	users := make([]int32, 0, len(allUsers))
	for u := range allUsers {
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b int32) int { return strings.Compare(x.users[a].UserName, x.users[b].UserName) })
	for _, u := range users {
		for el := range e.Eligibles(x.users[u].ID) {
			if el.BreakGlass {
				p.BreakGlassOffers++
			} else {
				p.Offers++
			}
			if len(p.Sample) < samples {
				p.Sample = append(p.Sample, Offer{User: x.users[u].UserName, Account: el.Account.Name, AccountID: el.Account.ID,
					PermissionSet: el.PermissionSet.LimitedName(), Rule: el.Rule, BreakGlass: el.BreakGlass})
			}
		}
	}
	return p
}

// ruleUsers lists the active users rule i names directly or through one of
// its groups, once each.
func (e *Engine) ruleUsers(i int) []int32 {
	x := e.x
	seen := map[int32]bool{}
	var out []int32
	add := func(u int32) {
		if !seen[u] && x.users[u].Active {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, ref := range e.rules[i].Users {
		if u, ok := x.user(ref); ok {
			add(u)
		}
	}
	for _, ref := range e.rules[i].Groups {
		if g, ok := x.group(ref); ok {
			for _, u := range x.groupMembers[g] {
				add(u)
			}
		}
	}
	return out
}

// names returns the names of the first n items in the order less gives,
// without sorting them all: the sample of a rule over every account of a
// large organization costs one pass.
func names(items []int32, n int, less func(a, b int32) bool, name func(int32) string) []string {
	first := make([]int32, 0, n+1)
	for _, it := range items {
		if len(first) == n && (n == 0 || !less(it, first[n-1])) {
			continue
		}
		i, _ := slices.BinarySearchFunc(first, it, func(e, t int32) int {
			if less(e, t) {
				return -1
			}
			return 1
		})
		first = slices.Insert(first, i, it)
		if len(first) > n {
			first = first[:n]
		}
	}
	out := make([]string, len(first))
	for i, it := range first {
		out[i] = name(it)
	}
	return out
}
