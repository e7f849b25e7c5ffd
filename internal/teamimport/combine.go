package teamimport

import (
	"fmt"
	"slices"
	"time"
)

// combinationNotes finds the pairs of imported rules that elevate decides
// unlike TEAM. TEAM unites a user's matching policies field by field: the
// longest maximum duration of any, and no approval when any policy needs
// none. elevate picks one rule, the least restrictive (no approval first,
// then the longest duration), so where a rule without approval and a
// shorter maximum overlaps one with approval and a longer maximum, the
// user gets the shorter maximum without approval and can no longer ask
// for the longer time with approval.
func (im *importer) combinationNotes() []string {
	rules := im.res.Document.Rules
	var notes []string
	for _, a := range im.eligible {
		for _, b := range im.eligible {
			ra, rb := rules[a.index], rules[b.index]
			if ra.Approvals >= rb.Approvals || ra.MaxDuration >= rb.MaxDuration {
				continue
			}
			users, accounts, sets := common(a.users, b.users), common(a.accounts, b.accounts), common(a.sets, b.sets)
			if len(users) == 0 || len(accounts) == 0 || len(sets) == 0 {
				continue
			}
			acct := im.dir.accounts[accounts[0]]
			notes = append(notes, fmt.Sprintf("rules %s (no approval, up to %s) and %s (approval, up to %s) both cover %d user(s), such as %s, on %d account(s) × %d permission set(s), such as %s with %s: "+
				"TEAM let them request up to %s without approval; elevate picks %s, so they get up to %s without approval and cannot ask for longer. Raise %s's max_duration if they should",
				ra.Name, hoursOf(ra.MaxDuration), rb.Name, hoursOf(rb.MaxDuration), len(users), im.dir.users[users[0]].UserName,
				len(accounts), len(sets), acct.Name, im.dir.sets[sets[0]].Name, hoursOf(rb.MaxDuration), ra.Name, hoursOf(ra.MaxDuration), ra.Name))
		}
	}
	return notes
}

// common returns the keys of both sets, sorted.
func common(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func hoursOf(d time.Duration) string { return fmt.Sprintf("%dh", int(d.Hours())) }
