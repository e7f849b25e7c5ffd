package access

import (
	"cmp"
	"slices"
	"time"
)

// GrantEnd is one active grant's scheduled end, for planning revocations
// ahead of a burst of ends.
type GrantEnd struct {
	GrantID string
	EndsAt  time.Time
}

// Envelope is what AWS allows for deletions, as revocation planning sees
// it: a deletion takes Latency from its call until the assignment is gone,
// and at capacity (in-flight operations, the call rate) one deletion can
// start every Spacing. Margin is added to each plan for what the estimate
// may miss (a slower deletion, a job that starts late).
type Envelope struct {
	Latency time.Duration
	Spacing time.Duration
	Margin  time.Duration
}

// PlanRevokeStart returns when the revocation of grant id, ending at end,
// should start so that its assignment is gone by its end, given the other
// active grants' ends (others; id itself is ignored there) and AWS's
// envelope env, but never more than ahead before its end. It is
// PlanRevokeStarts' plan for id.
func PlanRevokeStart(id string, end time.Time, others []GrantEnd, env Envelope, ahead time.Duration) time.Time {
	if ahead <= 0 {
		return end
	}
	all := make([]GrantEnd, 0, len(others)+1)
	all = append(all, GrantEnd{GrantID: id, EndsAt: end})
	for _, o := range others {
		if o.GrantID != id && !o.EndsAt.Before(end) {
			all = append(all, o)
		}
	}
	return PlanRevokeStarts(all, env, ahead)[id]
}

// PlanRevokeStarts plans the start of every grant's revocation in ends
// (see PlanRevokeStart). It fills AWS's capacity backwards from the latest
// end: the grants are taken latest end first (ties by grant id, highest
// first), and each starts Latency + Margin before its end, or Spacing
// before the one taken just before it if that is earlier, so that no two
// start closer than Spacing; none starts more than ahead before its end.
// A grant's start depends only on the grants taken before it (ending at
// the same time or later), so every grant of a burst computes the same
// plan from the same ends, and the plans do not collide.
func PlanRevokeStarts(ends []GrantEnd, env Envelope, ahead time.Duration) map[string]time.Time {
	out := make(map[string]time.Time, len(ends))
	if ahead <= 0 {
		for _, g := range ends {
			out[g.GrantID] = g.EndsAt
		}
		return out
	}
	sorted := slices.Clone(ends)
	slices.SortFunc(sorted, func(a, b GrantEnd) int {
		if c := b.EndsAt.Compare(a.EndsAt); c != 0 {
			return c
		}
		return cmp.Compare(b.GrantID, a.GrantID)
	})
	lead := env.Latency + env.Margin
	var prev time.Time
	for i, g := range sorted {
		at := g.EndsAt.Add(-lead)
		if i > 0 {
			if chained := prev.Add(-env.Spacing); chained.Before(at) {
				at = chained
			}
		}
		if earliest := g.EndsAt.Add(-ahead); at.Before(earliest) {
			at = earliest
		}
		out[g.GrantID] = at
		prev = at
	}
	return out
}

// CutShort returns how long before the request's scheduled end the grant's
// access ended because elevate revoked it ahead of that end (revoke_ahead):
// the scheduled end minus the recorded revocation, for a grant revoked at
// its request's scheduled end (not one ended early by a person or a rule)
// by an AWS deletion; zero otherwise (a kept assignment's access went on).
func (g Grant) CutShort(r Request) time.Duration {
	if g.Status != GrantRevoked || g.RevokedAt.IsZero() || g.DeleteRequestID == "" || r.EndsAt.IsZero() || r.EndRequested() {
		return 0
	}
	return max(r.EndsAt.Sub(g.RevokedAt), 0)
}
