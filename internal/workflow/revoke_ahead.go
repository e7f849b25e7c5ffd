package workflow

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// MaxRevokeAhead bounds the revoke_ahead setting: access is never cut
// short by more than this, whatever the burst.
const MaxRevokeAhead = time.Hour

// DefaultDeletionEnvelope is what revocation planning assumes of AWS when
// the provider does not say: a deletion takes about 2 s, and at most 10 are
// in flight (one may start every 200 ms at capacity).
var DefaultDeletionEnvelope = access.Envelope{Latency: 2 * time.Second, Spacing: 200 * time.Millisecond}

// envelopeProvider is a Provider that says what AWS allows for deletions
// as it has observed it (the provisioning time it learned, its in-flight
// and rate limits).
type envelopeProvider interface {
	DeletionEnvelope() access.Envelope
}

// deletionEnvelope returns the envelope revocation planning uses: the
// provider's, with a margin of one latency for what its estimate may miss
// (a burst's chain of deletions falling behind the plan, a slower one).
func (s *Service) deletionEnvelope() access.Envelope {
	env := DefaultDeletionEnvelope
	if p, ok := s.provider.(envelopeProvider); ok {
		if e := p.DeletionEnvelope(); e.Latency > 0 && e.Spacing > 0 {
			env = e
		}
	}
	env.Margin = max(env.Margin, env.Latency)
	return env
}

// revokeStart returns when grant g of r, active and ending at its
// scheduled end, is to be revoked: its end, or with revoke_ahead the start
// that access.PlanRevokeStart plans from the other active grants' ends, so
// that its assignment is gone by its end even when many end together.
func (s *Service) revokeStart(ctx context.Context, r access.Request, g access.Grant) (time.Time, error) {
	ahead := s.settings.RevokeAhead
	if ahead <= 0 || r.EndsAt.IsZero() || r.EndRequested() {
		return r.EndsAt, nil
	}
	if at, ok := s.revokePlans.get(r.EndsAt, g.ID); ok {
		return at, nil
	}
	// Grants ending up to two bounds later can still push this one's
	// start earlier through the chain of starts before theirs.
	var ends []access.GrantEnd
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		ends, err = tx.ActiveGrantEnds(ctx, r.EndsAt, r.EndsAt.Add(2*ahead))
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("plan the revocation of grant %s ahead of its end: %w", g.ID, err)
	}
	if !slices.ContainsFunc(ends, func(e access.GrantEnd) bool { return e.GrantID == g.ID }) {
		ends = append(ends, access.GrantEnd{GrantID: g.ID, EndsAt: r.EndsAt})
	}
	starts := access.PlanRevokeStarts(ends, s.deletionEnvelope(), ahead)
	s.revokePlans.put(r.EndsAt, ends, starts)
	return starts[g.ID], nil
}

// revokePlanTTL is how long a plan is reused for the other grants ending
// at the same instant: the jobs of a burst of N ends would otherwise each
// read and sort the N ends.
const revokePlanTTL = time.Second

// revokePlanCache keeps the last plan made: the starts of the grants that
// end at one instant (the plan is exact for those; a grant ending later
// may have later ends beyond the window read).
type revokePlanCache struct {
	mu     sync.Mutex
	end    time.Time
	made   time.Time
	starts map[string]time.Time
}

func (c *revokePlanCache) get(end time.Time, grantID string) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.end.Equal(end) || time.Since(c.made) > revokePlanTTL {
		return time.Time{}, false
	}
	at, ok := c.starts[grantID]
	return at, ok
}

func (c *revokePlanCache) put(end time.Time, ends []access.GrantEnd, starts map[string]time.Time) {
	kept := make(map[string]time.Time)
	for _, e := range ends {
		if e.EndsAt.Equal(end) {
			kept[e.GrantID] = starts[e.GrantID]
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.end, c.made, c.starts = end, time.Now(), kept
}

// revokeJobAt is when the revoke job of a request ending at its scheduled
// end is scheduled: at the end, or with revoke_ahead as early as the bound
// allows, so that the job plans its start (revokeStart) in time.
func (s *Service) revokeJobAt(r access.Request) time.Time {
	if s.settings.RevokeAhead > 0 && !r.EndsAt.IsZero() && !r.EndRequested() {
		return r.EndsAt.Add(-s.settings.RevokeAhead)
	}
	return r.EndsAt
}
