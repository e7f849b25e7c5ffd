package policy

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Scale of the portal benchmark: 5,000 accounts, 2,000
// permission sets, 1,000 rules, 20,000 groups.
const (
	benchAccounts = 5000
	benchSets     = 2000
	benchRules    = 1000
	benchGroups   = 20000
	benchUsers    = 10000
	benchBroad    = 200 // groups named by whole-organization rules; every user is in two
)

// benchPolicy builds a large organization: root -> 10 OUs -> 10 OUs each ->
// 50 accounts each; users in 20 random groups plus 2 broad ones; 50
// whole-organization rules, 450 OU rules (nested or not), 500 rules on
// lists of accounts; 200 approver rules on OUs and accounts plus one for
// the root.
func benchPolicy(tb testing.TB) (*Engine, []string) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var d access.Directory
	d.OUs = append(d.OUs, access.OU{ID: "r-root", Name: "Root"})
	var level1, level2 []string
	for i := range 10 {
		id := fmt.Sprintf("ou-%d", i)
		level1 = append(level1, id)
		d.OUs = append(d.OUs, access.OU{ID: id, Name: "ou" + fmt.Sprint(i), ParentID: "r-root"})
		for j := range 10 {
			sub := fmt.Sprintf("ou-%d-%d", i, j)
			level2 = append(level2, sub)
			d.OUs = append(d.OUs, access.OU{ID: sub, Name: fmt.Sprintf("ou%d-%d", i, j), ParentID: id})
		}
	}
	for i := range benchAccounts {
		d.Accounts = append(d.Accounts, access.Account{ID: fmt.Sprintf("%012d", i), Name: fmt.Sprintf("acct-%d", i), State: "ACTIVE", ParentID: level2[i%len(level2)]})
	}
	for i := range benchSets {
		d.PermissionSets = append(d.PermissionSets, access.PermissionSet{ARN: fmt.Sprintf("arn:ps-%d", i), Name: fmt.Sprintf("ps-%d", i)})
	}
	for i := range benchGroups {
		d.Groups = append(d.Groups, access.Group{ID: fmt.Sprintf("g-%d", i), Name: fmt.Sprintf("group-%d", i)})
	}
	users := make([]string, benchUsers)
	for i := range benchUsers {
		users[i] = fmt.Sprintf("user-%d", i)
		d.Users = append(d.Users, access.User{ID: fmt.Sprintf("u-%d", i), UserName: users[i], Active: true})
		for range 20 {
			d.Memberships = append(d.Memberships, access.Membership{GroupID: fmt.Sprintf("g-%d", rng.IntN(benchGroups)), UserID: fmt.Sprintf("u-%d", i)})
		}
		for range 2 {
			d.Memberships = append(d.Memberships, access.Membership{GroupID: fmt.Sprintf("g-%d", rng.IntN(benchBroad)), UserID: fmt.Sprintf("u-%d", i)})
		}
	}
	sets := func(n int) []string {
		var out []string
		for range n {
			out = append(out, fmt.Sprintf("ps-%d", rng.IntN(benchSets)))
		}
		return out
	}
	groups := func(lo, hi int) []string {
		var out []string
		for range 1 + rng.IntN(3) {
			out = append(out, fmt.Sprintf("group-%d", lo+rng.IntN(hi-lo)))
		}
		return out
	}
	doc := Document{}
	for i := range benchRules {
		r := Rule{Name: fmt.Sprintf("rule-%04d", i), PermissionSets: sets(1 + rng.IntN(5)), MaxDuration: time.Duration(1+rng.IntN(8)) * time.Hour, Approvals: rng.IntN(3)}
		switch {
		case i < 50:
			r.Groups, r.Accounts = groups(0, benchBroad), []string{All}
		case i < 500:
			r.Groups = groups(benchBroad, benchGroups)
			if i%2 == 0 {
				r.OUs, r.NestedOUs = []string{level1[rng.IntN(len(level1))]}, true
			} else {
				r.OUs = []string{level2[rng.IntN(len(level2))]}
			}
		default:
			r.Groups = groups(benchBroad, benchGroups)
			for range 1 + rng.IntN(20) {
				r.Accounts = append(r.Accounts, fmt.Sprintf("%012d", rng.IntN(benchAccounts)))
			}
		}
		if i%10 == 0 && r.Approvals > 0 {
			r.ApproverGroups = groups(benchBroad, benchGroups)
		}
		doc.Rules = append(doc.Rules, r)
	}
	doc.ApproverRules = append(doc.ApproverRules, ApproverRule{Name: "root", Accounts: []string{All}, Groups: []string{"group-0"}})
	for i := range 200 {
		ar := ApproverRule{Name: fmt.Sprintf("approvers-%03d", i), Groups: groups(0, benchGroups), Approvals: 1}
		if i < 100 {
			ar.OUs, ar.NestedOUs = []string{level2[i]}, true
		} else {
			ar.Accounts = []string{fmt.Sprintf("%012d", rng.IntN(benchAccounts))}
			ar.PermissionSets = sets(2)
		}
		doc.ApproverRules = append(doc.ApproverRules, ar)
	}
	e := New(doc, NewIndex(d))
	if p := e.Problems(); len(p) > 0 {
		tb.Fatalf("benchmark policy has problems: %v", p[:min(3, len(p))])
	}
	return e, users
}

// reportPercentiles adds p50 and p99 of the samples to the benchmark.
func reportPercentiles(b *testing.B, samples []time.Duration) {
	slices.Sort(samples)
	p := func(q float64) float64 { return float64(samples[int(q*float64(len(samples)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(float64(samples[len(samples)-1].Microseconds())/1000, "max-ms")
}

// BenchmarkListEligible lists every pair the policy offers one user, for
// users taken in turn.
func BenchmarkListEligible(b *testing.B) {
	e, users := benchPolicy(b)
	samples := make([]time.Duration, 0, b.N)
	pairs := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		pairs += len(e.ListEligible(users[i%len(users)]))
		samples = append(samples, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64(pairs)/float64(len(samples)), "pairs/op")
	reportPercentiles(b, samples)
}

// BenchmarkDecide takes one request decision (rules, approver rules,
// approvers resolved), for pairs the users are offered.
func BenchmarkDecide(b *testing.B) {
	e, users := benchPolicy(b)
	var qs []Question
	for _, u := range users[:500] {
		if l := e.ListEligible(u); len(l) > 0 {
			el := l[len(l)/2]
			qs = append(qs, Question{User: u, Account: el.Account.ID, PermissionSet: el.PermissionSet.Name, BreakGlass: el.BreakGlass})
		}
	}
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if d := e.Decide(qs[i%len(qs)]); d.Rule == "" {
			b.Fatalf("no rule for %+v: %s", qs[i%len(qs)], d.Reason)
		}
		samples = append(samples, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, samples)
}

// BenchmarkCompile builds the engine from the document and the directory
// (once per directory sync or policy change).
func BenchmarkCompile(b *testing.B) {
	for b.Loop() {
		benchPolicy(b)
	}
}

// BenchmarkEligibles walks every pair the policy offers one user, one at a
// time (what the workflow's eligibility listing does), for users taken in
// turn: no list of pairs is built.
func BenchmarkEligibles(b *testing.B) {
	e, users := benchPolicy(b)
	samples := make([]time.Duration, 0, b.N)
	pairs := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		for range e.Eligibles(users[i%len(users)]) {
			pairs++
		}
		samples = append(samples, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64(pairs)/float64(len(samples)), "pairs/op")
	reportPercentiles(b, samples)
}

// BenchmarkEligiblesPage is what one call of the paged eligibility listing
// (workflow.PageEligibility, GET /api/v1/eligibility) asks of the engine:
// walk the stream to the cursor's pair, then keep the next 1,000 pairs.
// The cursor is a user's pair halfway through the list, so the walk
// covers most of it.
func BenchmarkEligiblesPage(b *testing.B) {
	e, users := benchPolicy(b)
	type cursor struct {
		acct, arn string
		bg        bool
	}
	cursors := make([]cursor, len(users))
	for i, u := range users {
		if l := e.ListEligible(u); len(l) > 0 {
			m := l[len(l)/2]
			cursors[i] = cursor{m.Account.ID, m.PermissionSet.ARN, m.BreakGlass}
		}
	}
	const limit = 1000
	page := make([]Eligible, 0, limit)
	samples := make([]time.Duration, 0, b.N)
	pairs := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		c := cursors[i%len(users)]
		page = page[:0]
		found := c.acct == ""
		for el := range e.Eligibles(users[i%len(users)]) {
			if !found {
				found = el.Account.ID == c.acct && el.PermissionSet.ARN == c.arn && el.BreakGlass == c.bg
				continue
			}
			if len(page) == limit {
				break
			}
			page = append(page, el)
		}
		pairs += len(page)
		samples = append(samples, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64(pairs)/float64(len(samples)), "pairs/op")
	reportPercentiles(b, samples)
}
