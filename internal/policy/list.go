package policy

import (
	"iter"
	"slices"
	"time"

	"github.com/elevate/elevate/internal/access"
)

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

// rankBits is the width of a rule's rank in ListEligible's offers.
const rankBits = 20

// ListEligible lists every (account, permission set) pair the policy offers
// the user, with the least restrictive rule for each, ordered by account
// name, account id, then permission set name; break-glass offers come as
// separate entries after the regular one. Accounts that are not ACTIVE are
// left out, and so are the pairs AWS will not let elevate assign (Limits).
func (e *Engine) ListEligible(user string) []Eligible {
	var out []Eligible
	e.eachEligible(user, func(n int) { out = make([]Eligible, 0, n) }, func(el Eligible) bool {
		out = append(out, el)
		return true
	})
	return out
}

// Eligibles is ListEligible one pair at a time, without building the list:
// a caller that turns each pair into something else (or stops early)
// allocates nothing per pair here.
func (e *Engine) Eligibles(user string) iter.Seq[Eligible] {
	return func(yield func(Eligible) bool) { e.eachEligible(user, nil, yield) }
}

// eachEligible yields the pairs; size, when not nil, is first told how
// many there are at most.
func (e *Engine) eachEligible(user string, size func(n int), yield func(Eligible) bool) {
	x := e.x
	u, ok := x.user(user)
	if !ok || !x.users[u].Active {
		return
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
	if size != nil {
		size(len(keys))
	}
	for _, k := range keys {
		pair := k >> (rankBits + 1)
		a, s := x.acctAt[pair/nSets], x.setAt[pair%nSets]
		acct := &x.accounts[a]
		if acct.State != "" && acct.State != "ACTIVE" || e.limited(a, s) {
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
		if !yield(el) {
			return
		}
	}
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
