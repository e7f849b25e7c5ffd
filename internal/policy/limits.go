package policy

import (
	"fmt"
	"strings"
)

// LimitNote names a rule that covers an (account, permission set) pair
// AWS will not let elevate assign: the management account, or a
// permission set managed in the management account, when elevate runs as
// a delegated administrator. Such pairs are never eligible; the note tells
// the admin which rule offers them in vain.
type LimitNote struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (n LimitNote) String() string { return "rule " + n.Rule + ": " + n.Message }

// limit returns why the pair cannot be assigned, in words ("" when it can).
func (e *Engine) limit(acct, ps int32) string {
	a, p := &e.x.accounts[acct], &e.x.sets[ps]
	switch {
	case a.Limit != "":
		return fmt.Sprintf("elevate cannot grant access in account %s (%s): %s", a.Name, a.ID, a.Limit)
	case p.Limit != "":
		return fmt.Sprintf("elevate cannot grant permission set %s: %s", p.LimitedName(), p.Limit)
	}
	return ""
}

// limited reports whether the pair cannot be assigned.
func (e *Engine) limited(acct, ps int32) bool {
	return e.x.accounts[acct].Limit != "" || e.x.sets[ps].Limit != ""
}

// Limits lists, rule by rule, the limited accounts the rule's scope covers
// and the limited permission sets it lists (or offers through "*").
func (e *Engine) Limits() []LimitNote {
	var out []LimitNote
	x := e.x
	for i := range e.rules {
		r := &e.rules[i]
		for a := range x.accounts {
			acct := &x.accounts[a]
			if acct.Limit == "" || r.scope.level(x, int32(a)) < 0 { //nolint:gosec // G115: an index of the directory, far below the type's range
				continue
			}
			_, how := r.scope.explain(x, int32(a))                                    //nolint:gosec // G115: as above
			if r.scope.level(x, int32(a)) == max(len(x.chain[a]), 1) && r.scope.all { //nolint:gosec // G115: as above
				how = `accounts: ["*"] covers the whole organization, the management account included`
			}
			out = append(out, LimitNote{Rule: r.Name, Message: fmt.Sprintf(
				"covers the management account %s (%s) (%s), where elevate cannot grant: %s; requests for it are refused",
				acct.Name, acct.ID, how, acct.Limit)})
		}
		for s := range x.sets {
			set := &x.sets[s]
			if set.Limit == "" || !r.sets.has(int32(s)) { //nolint:gosec // G115: as above
				continue
			}
			how := "lists"
			if !r.sets.sets[int32(s)] { //nolint:gosec // G115: as above
				how = `offers through "*"`
			}
			out = append(out, LimitNote{Rule: r.Name, Message: fmt.Sprintf(
				"%s permission set %s (%s), which elevate cannot grant: %s; requests for it are refused",
				how, set.LimitedName(), set.ARN, set.Limit)})
		}
	}
	return out
}

// FormatLimits renders limit notes for people, one per line ("" when none).
func FormatLimits(notes []LimitNote) string {
	if len(notes) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Delegated administrator limits (these pairs are never eligible):\n")
	for _, n := range notes {
		b.WriteString("  ! " + n.String() + "\n")
	}
	return b.String()
}
