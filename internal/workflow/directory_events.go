package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// Directory events: an identity store change (a user disabled or deleted,
// removed from a group) that reached elevate through the events queue
// between syncs. Queueing it is one transaction that inserts a durable
// directory_event job; the consumer deletes the queue's message only after
// that commits. The job re-reads that user from the identity store, applies
// what takes access away to the stored directory, and closes the user's
// requests the same way the sync does: every open request of a disabled or
// deleted user, and every open request the user is no longer eligible for.

// UserReader re-reads one user from the identity store: its status and the
// groups it is a direct member of; found is false when the user is gone.
// The directory source satisfies it when it can (aws.Provider does).
type UserReader interface {
	ReadUser(ctx context.Context, userID string) (u access.User, groupIDs []string, found bool, err error)
}

// notEligibleComment is the comment of the cancellations and ends of
// requests whose requester lost the eligibility they were granted under.
const notEligibleComment = "the requester is no longer eligible: a group membership was removed in IAM Identity Center"

// DirectoryEventReport says what RecheckUser did.
type DirectoryEventReport struct {
	Users     []string // user ids re-read
	Cancelled []string // request ids cancelled (pending or scheduled)
	Ended     []string // request ids ended early (active: access revoked now)
}

// QueueDirectoryEvent records a directory event as a durable job, in one
// transaction: the event's message may be deleted from the queue once it
// returns nil. An event that names no user (a membership or a group
// deleted) re-reads every user with an open request.
func (s *Service) QueueDirectoryEvent(ctx context.Context, ev access.DirectoryEvent) error {
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		// Expedite: a re-read already running may have read the directory
		// before this change; a second one is cheap and idempotent.
		return s.sched.Schedule(ctx, tx, Job{Kind: JobDirectoryEvent, UserID: ev.UserID, Expedite: true})
	})
	if err != nil {
		return fmt.Errorf("queue directory event %s %s: %w", ev.Name, ev.EventID, err)
	}
	return nil
}

// RecheckUser is the directory_event job: the targeted re-read of one user
// (every requester with an open request when userID is empty), the
// restriction of the stored directory, and the closing of the requests the
// user may no longer have. Its outcome is kept in the run status
// (access.RunDirectoryEvents).
func (s *Service) RecheckUser(ctx context.Context, userID string) error {
	started := s.clock.Now()
	rep, err := s.recheckUsers(ctx, userID)
	counts := map[string]int{"users": len(rep.Users), "cancelled": len(rep.Cancelled), "ended": len(rep.Ended)}
	if rerr := s.recordRun(context.WithoutCancel(ctx), access.RunDirectoryEvents, started, s.clock.Now(), counts, err); rerr != nil {
		err = errors.Join(err, rerr)
	}
	return err
}

func (s *Service) recheckUsers(ctx context.Context, userID string) (DirectoryEventReport, error) {
	var rep DirectoryEventReport
	reader, ok := s.dir.(UserReader)
	if !ok {
		return rep, errors.New("directory event: the directory source cannot re-read one user; the next sync applies the change")
	}
	ids := []string{userID}
	if userID == "" {
		if err := s.store.ReadTx(ctx, func(tx store.Tx) error {
			open, err := tx.ListRequests(ctx, access.RequestFilter{Statuses: openStatuses, Limit: 1000})
			if err != nil {
				return fmt.Errorf("list open requests: %w", err)
			}
			ids = ids[:0]
			for _, r := range open {
				if !slices.Contains(ids, r.RequesterID) {
					ids = append(ids, r.RequesterID)
				}
			}
			return nil
		}); err != nil {
			return rep, fmt.Errorf("directory event: %w", err)
		}
	}
	var errs []error
	for _, id := range ids {
		if err := s.recheckUser(ctx, reader, id, &rep); err != nil {
			errs = append(errs, err)
		}
	}
	if len(rep.Cancelled)+len(rep.Ended) > 0 || len(errs) > 0 {
		s.log.InfoContext(ctx, "directory event applied", "users", len(rep.Users), "cancelled", len(rep.Cancelled),
			"ended", len(rep.Ended), "errors", len(errs))
	}
	return rep, errors.Join(errs...)
}

// recheckUser re-reads one user (outside any transaction), restricts the
// stored directory in one transaction, then closes each request the user
// may no longer have in its own (closeFor).
func (s *Service) recheckUser(ctx context.Context, reader UserReader, userID string, rep *DirectoryEventReport) error {
	u, groups, found, err := reader.ReadUser(ctx, userID)
	if err != nil {
		return fmt.Errorf("directory event: %w", err)
	}
	rep.Users = append(rep.Users, userID)
	active := found && u.Active
	var toClose []string
	var reason, comment string
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		toClose = toClose[:0]
		if _, err := tx.RestrictUser(ctx, userID, active, groups, s.clock.Now()); err != nil {
			return fmt.Errorf("restrict user: %w", err)
		}
		theirs, err := tx.ListRequests(ctx, access.RequestFilter{Statuses: openStatuses, RequesterID: userID, Limit: 1000})
		if err != nil {
			return fmt.Errorf("list open requests: %w", err)
		}
		if !active {
			reason, comment = "requester_disabled", disabledComment
			for _, r := range theirs {
				if r.Status != access.StatusActive || !r.EndRequested() {
					toClose = append(toClose, r.ID)
				}
			}
			return nil
		}
		reason, comment = "not_eligible", notEligibleComment
		pol, err := s.policyEngine(ctx, tx)
		if err != nil {
			return err
		}
		for _, r := range theirs {
			if (r.Status != access.StatusActive || !r.EndRequested()) && !stillEligible(pol, *r) {
				toClose = append(toClose, r.ID)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("directory event: user %s: %w", userID, err)
	}
	var errs []error
	for _, id := range toClose {
		st, err := s.closeFor(ctx, id, comment, reason)
		switch {
		case err != nil:
			errs = append(errs, err)
		case st == access.StatusCancelled:
			rep.Cancelled = append(rep.Cancelled, id)
		case st == access.StatusActive:
			rep.Ended = append(rep.Ended, id)
		}
	}
	return errors.Join(errs...)
}

// stillEligible re-decides a request on the current directory: the
// requester must still be eligible, through any rule (break-glass
// included), for the permission set in every account of the request. A
// request is approved as a whole, so losing one account ends all of it.
// Conditions that held at the request (ticket, on-call) are not checked
// again: only the directory changed.
func stillEligible(pol *policy.Engine, r access.Request) bool {
	for _, acct := range r.AccountIDs() {
		q := policy.Question{User: r.RequesterID, Account: acct, PermissionSet: r.PermissionSetARN, Granted: true}
		if pol.Decide(q).Allowed {
			continue
		}
		q.BreakGlass = true
		if !pol.Decide(q).Allowed {
			return false
		}
	}
	return true
}
