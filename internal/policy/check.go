package policy

import (
	"fmt"
	"iter"
	"maps"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// Check returns the problems of doc that do not depend on the directory:
// missing names, empty scopes and permission sets, negative numbers,
// conflicting settings. It is the one validator of a policy, whether it
// comes from the configuration file or from `policy apply`: New reports the
// same problems, and those of names the directory lacks besides.
func Check(doc Document) []Problem {
	var out []Problem
	for _, p := range New(doc, NewIndex(access.Directory{})).Problems() {
		if !p.unresolved {
			out = append(out, p)
		}
	}
	return out
}

// unresolved records a problem of a name the directory does not have, or
// has more than once (Check leaves these out).
func (e *Engine) unresolved(path, msg string) {
	e.problems = append(e.problems, Problem{Path: path, Message: msg, unresolved: true})
}

// unknown records that ref names nothing in the directory, suggesting the
// closest of keys (the index's lower-case names of that kind), spelled as
// the directory spells it (display).
func (e *Engine) unknown(path, msg, ref string, keys iter.Seq[string], display func(key string) string) {
	if s := closest(ref, keys); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", display(s))
	}
	e.unresolved(path, msg)
}

// Display names of the index's lower-case keys, for suggestions.
func (x *Index) userName(k string) string {
	if u := x.users[x.userByName[k]]; strings.EqualFold(u.UserName, k) {
		return u.UserName
	}
	return k // an email
}
func (x *Index) groupName(k string) string   { return x.groups[x.groupByName[k]].Name }
func (x *Index) setName(k string) string     { return x.sets[x.setByName[k]].Name }
func (x *Index) accountName(k string) string { return x.accounts[x.accountByName[k][0]].Name }
func (x *Index) ouName(k string) string      { return x.ous[x.ouByName[k][0]].Name }

// closest returns the name within a small edit distance of ref (at most a
// third of its length, and 3), the nearest first; "" when none is close.
// The keys of names and multi are lower case, as the index keeps them.
func closest(ref string, keys iter.Seq[string]) string {
	ref = strings.ToLower(ref)
	limit := min(3, max(1, len(ref)/3))
	best, bestD := "", limit+1
	try := func(k string) {
		if k == ref || k == "" {
			return
		}
		if d := editDistance(ref, k, limit); d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	for k := range keys {
		try(k)
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit+1 when it
// is larger than limit (it stops early).
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// DidYouMean returns " (did you mean NAME?)" for the directory's account
// (kind "account") or permission set (kind "permission set") whose name is
// closest to ref, or "" when none is close: for messages about a name the
// directory does not have.
func (e *Engine) DidYouMean(kind, ref string) string {
	var s string
	switch kind {
	case "account":
		if s = closest(ref, maps.Keys(e.x.accountByName)); s != "" {
			s = e.x.accountName(s)
		}
	case "permission set":
		if s = closest(ref, maps.Keys(e.x.setByName)); s != "" {
			s = e.x.setName(s)
		}
	}
	if s == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", s)
}
