package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// disabledComment is the comment of the cancellations and ends that
// CloseRequestsOfDisabledUsers writes to the decision log.
const disabledComment = "the requester is disabled in, or removed from, IAM Identity Center"

// directoryActor is elevate acting on a directory change: an admin, so that
// it may cancel and end anyone's request.
var directoryActor = access.Actor{UserName: access.SystemActor.UserName, Via: access.ViaSystem, Admin: true}

// openStatuses are the statuses CloseRequestsOfDisabledUsers closes.
var openStatuses = []access.Status{access.StatusPending, access.StatusScheduled, access.StatusActive}

// DisabledReport says what CloseRequestsOfDisabledUsers did.
type DisabledReport struct {
	Users     []string // user ids of requesters found disabled or removed
	Cancelled []string // request ids cancelled (pending or scheduled)
	Ended     []string // request ids ended early (active: access revoked now)
}

// CloseRequestsOfDisabledUsers runs after a directory sync: every open
// request whose requester is disabled in the directory (UserStatus
// DISABLED) or no longer in it is cancelled (pending, scheduled) or ended
// with its access revoked at once (active), as elevate, with the reason in
// the decision log. Their tokens and sessions already stop working, because
// every authentication reads the synced user.
func (s *Service) CloseRequestsOfDisabledUsers(ctx context.Context) (DisabledReport, error) {
	var rep DisabledReport
	var ids []string
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		open, err := tx.ListRequests(ctx, access.RequestFilter{Statuses: openStatuses, Limit: 1000})
		if err != nil {
			return fmt.Errorf("list open requests: %w", err)
		}
		gone := map[string]bool{}
		for _, r := range open {
			if _, seen := gone[r.RequesterID]; seen {
				continue
			}
			u, err := tx.FindUserByID(ctx, r.RequesterID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				gone[r.RequesterID] = true
			case err != nil:
				return fmt.Errorf("find user %s: %w", r.RequesterID, err)
			default:
				gone[r.RequesterID] = !u.Active
			}
			if gone[r.RequesterID] {
				rep.Users = append(rep.Users, r.RequesterID)
			}
		}
		for _, uid := range rep.Users {
			theirs, err := tx.ListRequests(ctx, access.RequestFilter{Statuses: openStatuses, RequesterID: uid, Limit: 1000})
			if err != nil {
				return fmt.Errorf("list open requests of %s: %w", uid, err)
			}
			for _, r := range theirs {
				if r.Status != access.StatusActive || !r.EndRequested() {
					ids = append(ids, r.ID)
				}
			}
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("close requests of disabled users: %w", err)
	}
	var errs []error
	for _, id := range ids {
		st, err := s.closeFor(ctx, id, disabledComment, "requester_disabled")
		switch {
		case err != nil:
			errs = append(errs, err)
		case st == access.StatusCancelled:
			rep.Cancelled = append(rep.Cancelled, id)
		case st == access.StatusActive:
			rep.Ended = append(rep.Ended, id)
		}
	}
	if len(ids) > 0 {
		s.log.InfoContext(ctx, "closed requests of disabled users", "users", len(rep.Users),
			"cancelled", len(rep.Cancelled), "ended", len(rep.Ended), "errors", len(errs))
	}
	return rep, errors.Join(errs...)
}

// closeFor cancels or ends one request as elevate acting on a directory
// change, with the comment and the reason in the decision log, re-deciding
// on fresh state; it returns the status it acted on ("" when there was
// nothing to do).
func (s *Service) closeFor(ctx context.Context, id, comment, reason string) (access.Status, error) {
	var acted access.Status
	err := s.retryConflicts(ctx, func(tx store.Tx) error {
		acted = ""
		r, err := tx.FindRequestByID(ctx, id)
		if err != nil {
			return fmt.Errorf("find request: %w", err)
		}
		now := s.clock.Now()
		var next access.Request
		var ev access.Event
		switch {
		case r.Status == access.StatusPending || r.Status == access.StatusScheduled:
			next, ev, err = r.Cancel(directoryActor, comment, now)
		case r.Status == access.StatusActive && !r.EndRequested():
			next, ev, err = r.End(directoryActor, comment, now)
		default:
			return nil
		}
		if err != nil {
			return err
		}
		ev.Details["reason"] = reason
		if err := tx.UpdateRequest(ctx, &next); err != nil {
			return fmt.Errorf("update request: %w", err)
		}
		if err := s.appendEvents(ctx, tx, ev); err != nil {
			return err
		}
		if next.Status != r.Status {
			if err := s.scheduleFollowUp(ctx, tx, next); err != nil {
				return err
			}
		}
		if next.EndRequested() && !r.EndRequested() {
			if err := s.revokeNow(ctx, tx, next); err != nil {
				return err
			}
		}
		acted = r.Status
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("close request %s (%s): %w", id, reason, err)
	}
	if acted == access.StatusPending || acted == access.StatusScheduled {
		return access.StatusCancelled, nil
	}
	return acted, nil
}

// afterSync runs what must follow a successful directory sync. Failures are
// logged, not returned: the sync itself succeeded, and the next one retries.
func (s *Service) afterSync(ctx context.Context) {
	if _, err := s.CloseRequestsOfDisabledUsers(ctx); err != nil {
		s.log.ErrorContext(ctx, "after directory sync", "error", err)
	}
}
