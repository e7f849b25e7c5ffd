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
// envelope env, but never more than ahead before its end.
//
// The plan fills AWS's capacity backwards from the latest end: the grants
// are taken latest end first (ties by grant id, highest first), and each
// starts Latency + Margin before its end, or Spacing before the one taken
// just before it if that is earlier, so that no two start closer than
// Spacing. Every grant computes the same order from the same ends, so the
// plans of a burst do not collide. Only grants ending at or after end can
// push id's start earlier; the others are skipped.
func PlanRevokeStart(id string, end time.Time, others []GrantEnd, env Envelope, ahead time.Duration) time.Time {
	if ahead <= 0 {
		return end
	}
	later := make([]GrantEnd, 0, len(others)+1)
	later = append(later, GrantEnd{GrantID: id, EndsAt: end})
	for _, o := range others {
		if o.GrantID != id && !o.EndsAt.Before(end) {
			later = append(later, o)
		}
	}
	slices.SortFunc(later, func(a, b GrantEnd) int {
		if c := b.EndsAt.Compare(a.EndsAt); c != 0 {
			return c
		}
		return cmp.Compare(b.GrantID, a.GrantID)
	})
	lead := env.Latency + env.Margin
	var prev time.Time
	for i, g := range later {
		at := g.EndsAt.Add(-lead)
		if i > 0 {
			if chained := prev.Add(-env.Spacing); chained.Before(at) {
				at = chained
			}
		}
		if earliest := g.EndsAt.Add(-ahead); at.Before(earliest) {
			at = earliest
		}
		if g.GrantID == id {
			return at
		}
		prev = at
	}
	return end // not reached: id is in later
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
