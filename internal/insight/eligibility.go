package insight

import (
	"sort"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Eligibility use states.
const (
	// NeverRequested: the user may ask for the pair and did not in the window.
	NeverRequested = "never_requested"
	// NeverUsed: the user asked in the window, but no grant of theirs for
	// the pair was used (none granted, or each one's activity shows no call).
	NeverUsed = "never_used"
)

// Eligible is one (user, account, permission set) the policy offers.
type Eligible struct {
	UserID            string `json:"user_id"`
	UserName          string `json:"user_name"`
	AccountID         string `json:"account_id"`
	AccountName       string `json:"account_name"`
	PermissionSetARN  string `json:"permission_set_arn"`
	PermissionSetName string `json:"permission_set_name"`
	Rule              string `json:"rule"`
}

// UnusedEligibility is an eligible pair not used in the window.
type UnusedEligibility struct {
	Eligible
	State    string `json:"state"` // NeverRequested or NeverUsed
	Requests int    `json:"requests"`
	Grants   int    `json:"grants"`
	// LastRequested is the latest request in the window; nil when none.
	LastRequested *time.Time `json:"last_requested"`
}

type pairKey struct{ user, account, ps string }

// UnusedEligibilityOf returns the eligible pairs that went unused in the
// window: never requested, or requested with no grant used. A pair with a
// grant whose use can't be told yet (Pending, Unknown) and none used is
// left out: it may well have been used. Never-used pairs come first, then
// never-requested ones, each in the eligible list's order.
func UnusedEligibilityOf(eligible []Eligible, requested []access.RequestedPair, grants []Grant) []UnusedEligibility {
	req := map[pairKey]access.RequestedPair{}
	for _, r := range requested {
		req[pairKey{r.RequesterID, r.AccountID, r.PermissionSetARN}] = r
	}
	type use struct{ grants, used, undecided int }
	uses := map[pairKey]*use{}
	for _, g := range grants {
		k := pairKey{g.RequesterID, g.AccountID, g.PermissionSetARN}
		u := uses[k]
		if u == nil {
			u = &use{}
			uses[k] = u
		}
		u.grants++
		switch g.State {
		case Used:
			u.used++
		case Pending, Unknown:
			u.undecided++
		}
	}
	out := []UnusedEligibility{}
	seen := map[pairKey]bool{}
	for _, e := range eligible {
		k := pairKey{e.UserID, e.AccountID, e.PermissionSetARN}
		if seen[k] { // a pair offered by several rules (break-glass too) once
			continue
		}
		seen[k] = true
		r, asked := req[k]
		u := uses[k]
		if u == nil {
			u = &use{}
		}
		if u.used > 0 || u.undecided > 0 {
			continue
		}
		ue := UnusedEligibility{Eligible: e, State: NeverRequested, Requests: r.Requests, Grants: u.grants}
		if asked || u.grants > 0 {
			ue.State = NeverUsed
		}
		if asked && !r.Last.IsZero() {
			t := r.Last.UTC()
			ue.LastRequested = &t
		}
		out = append(out, ue)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].State == NeverUsed && out[j].State != NeverUsed })
	return out
}
