package workflow

import (
	"context"
	"fmt"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// sweepBatch bounds how many open requests one sweep looks at.
const sweepBatch = 1000

// Sweep re-enqueues overdue work: the removal of active grants past their
// end, the creation of grants past their start, the removal of what an
// orphaned grant's create left (its grant job does it; in any request, a
// cancelled one too: until it is done, new grants for the assignment wait),
// and the expiry of pending requests past their deadline. The scheduler
// keeps one live job per grant, so a sweep never duplicates a job that
// still exists; it only replaces one that was lost. It runs periodically on
// the leader.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.clock.Now()
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		reqs, err := tx.ListRequests(ctx, access.RequestFilter{
			Statuses: []access.Status{access.StatusPending, access.StatusScheduled, access.StatusActive}, Limit: sweepBatch,
		})
		if err != nil {
			return fmt.Errorf("list open requests: %w", err)
		}
		var jobs []Job
		for _, r := range reqs {
			switch {
			case r.Status == access.StatusPending && !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt):
				jobs = append(jobs, Job{Kind: JobExpire, RequestID: r.ID})
			case r.Status == access.StatusScheduled && !now.Before(r.StartAt),
				r.Status == access.StatusActive:
				for _, g := range r.Grants {
					switch {
					case g.Status == access.GrantPending:
						jobs = append(jobs, Job{Kind: JobGrant, RequestID: r.ID, GrantID: g.ID})
					case g.Status == access.GrantActive && r.RevocationDue(now), g.Status == access.GrantRevoking && !g.Orphaned():
						jobs = append(jobs, Job{Kind: JobRevoke, RequestID: r.ID, GrantID: g.ID})
					}
				}
			}
		}
		open, err := tx.ManagedGrants(ctx, now) // every open grant, whatever its request's status
		if err != nil {
			return fmt.Errorf("list open grants: %w", err)
		}
		for _, g := range open {
			if g.Status == access.GrantRevoking && g.ActivatedAt.IsZero() { // access.Grant.Orphaned
				jobs = append(jobs, Job{Kind: JobGrant, RequestID: g.RequestID, GrantID: g.GrantID})
			}
		}
		if len(jobs) == 0 {
			return nil
		}
		if err := s.sched.Schedule(ctx, tx, jobs...); err != nil {
			return fmt.Errorf("schedule %d overdue jobs: %w", len(jobs), err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	// Access whose rule ends it with its ticket: the sweep's interval is
	// the ticket check's. A failure is logged; the next sweep retries.
	if _, err := s.EndClosedTickets(ctx); err != nil {
		s.log.ErrorContext(ctx, "sweep: end access of closed tickets", "error", err)
	}
	return nil
}
