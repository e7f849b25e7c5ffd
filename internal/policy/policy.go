// Package policy evaluates elevate's rules: who may request which permission
// set on which account, for how long, and with whose approval. It is pure:
// the caller passes the rules and the facts from the directory.
package policy

import (
	"slices"
	"strings"
	"time"
)

// Rule is an eligibility rule: the subjects it names may request the
// permission sets it names on the accounts it names.
type Rule struct {
	Name           string        `yaml:"name" json:"name"`
	Users          []string      `yaml:"users,omitempty" json:"users,omitempty"`                     // user names
	Groups         []string      `yaml:"groups,omitempty" json:"groups,omitempty"`                   // group names
	Accounts       []string      `yaml:"accounts" json:"accounts"`                                   // account ids or names; "*" for all
	PermissionSets []string      `yaml:"permission_sets" json:"permission_sets"`                     // names; "*" for all
	MaxDuration    time.Duration `yaml:"max_duration" json:"max_duration"`                           // 0: the global ceiling
	Approvals      int           `yaml:"approvals" json:"approvals"`                                 // approvals needed; 0: none
	ApproverUsers  []string      `yaml:"approver_users,omitempty" json:"approver_users,omitempty"`   // user names
	ApproverGroups []string      `yaml:"approver_groups,omitempty" json:"approver_groups,omitempty"` // group names
	TicketRequired bool          `yaml:"ticket_required,omitempty" json:"ticket_required,omitempty"`
}

// Subject is who asks: their user name and the names of their groups.
type Subject struct {
	UserName string
	Groups   []string
}

// Target is what is asked for.
type Target struct {
	AccountID         string
	AccountName       string
	PermissionSetName string
}

func matchName(list []string, values ...string) bool {
	for _, item := range list {
		if item == "*" {
			return true
		}
		for _, v := range values {
			if v != "" && strings.EqualFold(item, v) {
				return true
			}
		}
	}
	return false
}

// Matches reports whether the rule offers target to subject.
func (r Rule) Matches(s Subject, t Target) bool {
	subject := matchName(r.Users, s.UserName) || slices.ContainsFunc(s.Groups, func(g string) bool { return matchName(r.Groups, g) })
	return subject && matchName(r.Accounts, t.AccountID, t.AccountName) && matchName(r.PermissionSets, t.PermissionSetName)
}

// Best returns the least restrictive rule that offers target to subject: no
// approval first, then fewest approvals, then longest duration, then name.
// ceiling caps each rule's duration (and stands in for a zero MaxDuration).
func Best(rules []Rule, s Subject, t Target, ceiling time.Duration) (Rule, bool) {
	var best Rule
	found := false
	for _, r := range rules {
		if !r.Matches(s, t) {
			continue
		}
		r.MaxDuration = EffectiveMax(r.MaxDuration, ceiling)
		if !found || lessRestrictive(r, best) {
			best, found = r, true
		}
	}
	return best, found
}

// EffectiveMax is the rule's maximum duration capped by the global ceiling.
func EffectiveMax(ruleMax, ceiling time.Duration) time.Duration {
	if ruleMax <= 0 || (ceiling > 0 && ruleMax > ceiling) {
		return ceiling
	}
	return ruleMax
}

func lessRestrictive(a, b Rule) bool {
	if a.Approvals != b.Approvals {
		return a.Approvals < b.Approvals
	}
	if a.MaxDuration != b.MaxDuration {
		return a.MaxDuration > b.MaxDuration
	}
	return a.Name < b.Name
}
