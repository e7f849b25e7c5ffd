package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// DefaultActivityDelay is how long after a grant's end its activity is
// first fetched: CloudTrail delivers events within about 15 minutes.
const DefaultActivityDelay = 15 * time.Minute

// ActivityOptions tune session activity. Zero fields take the defaults in
// their comments.
type ActivityOptions struct {
	// Source names the configured source, for display (cloudtrail_lake,
	// cloudwatch_logs).
	Source string
	// Delay is how long after the end of a grant (and of its window) the
	// activity is fetched, for CloudTrail's delivery lag. Default 15m.
	Delay time.Duration
	// Margin is how long after the grant's end its session's events still
	// count: sessions opened before the assignment was removed stay valid.
	// Default 0: the permission set's session duration.
	Margin time.Duration
}

// ActivitySourceName returns the configured source's name, "" when off.
func (s *Service) ActivitySourceName() string {
	if s.activitySrc == nil {
		return ""
	}
	return s.activityOpt.Source
}

// scheduleActivity runs in the transaction of every grant step: when the
// step revoked a grant that had been active, it marks the grant's activity
// pending and schedules its fetch at the end + Delay, so the job exists if
// and only if the revocation committed.
func (s *Service) scheduleActivity(ctx context.Context, tx store.Tx, before access.Grant, next access.Request) error {
	if s.activitySrc == nil || before.Status == access.GrantRevoked {
		return nil
	}
	g, ok := next.FindGrant(before.ID)
	if !ok || g.Status != access.GrantRevoked || g.ActivatedAt.IsZero() {
		return nil
	}
	if err := tx.MarkActivityPending(ctx, next.ID, g.ID, s.clock.Now()); err != nil {
		return fmt.Errorf("mark activity of grant %s pending: %w", g.ID, err)
	}
	job := Job{Kind: JobFetchActivity, RequestID: next.ID, GrantID: g.ID, At: g.RevokedAt.Add(s.activityOpt.Delay)}
	if err := s.sched.Schedule(ctx, tx, job); err != nil {
		return fmt.Errorf("schedule activity fetch of grant %s: %w", g.ID, err)
	}
	return nil
}

// FetchActivity fetches grant id's session activity and stores it with the
// grant. It is the body of the fetch_activity job: a returned error means
// "retry later" (the failure is recorded, as failed when final). When the
// grant's window (its end + the margin) reaches past what CloudTrail has
// delivered, one more fetch is scheduled at the window's end + Delay.
func (s *Service) FetchActivity(ctx context.Context, grantID string, attempt int, final bool) error {
	if s.activitySrc == nil {
		s.log.WarnContext(ctx, "activity fetch skipped: no activity source configured", "grant_id", grantID)
		return nil
	}
	var (
		r    *access.Request
		g    access.Grant
		ps   access.PermissionSet
		user access.User
	)
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		if r, g, err = loadGrant(ctx, tx, grantID); err != nil {
			return err
		}
		if ps, err = tx.FindPermissionSet(ctx, r.PermissionSetARN); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("find permission set %s: %w", r.PermissionSetName, err)
		}
		user, err = tx.FindUserByID(ctx, r.RequesterID)
		if errors.Is(err, store.ErrNotFound) { // removed since: the request still names them
			user, err = access.User{ID: r.RequesterID, UserName: r.RequesterName}, nil
		}
		if err != nil {
			return fmt.Errorf("find requester %s: %w", r.RequesterID, err)
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // the request was deleted (retention)
	}
	if err != nil {
		return fmt.Errorf("fetch activity of grant %s: %w", grantID, err)
	}
	if s.activityOpt.Margin > 0 {
		ps.SessionDuration = s.activityOpt.Margin
	}
	now := s.clock.Now()
	q, err := ActivityQueryFor(*r, g, ps, user, now)
	if err != nil {
		return s.recordActivityError(ctx, grantID, attempt, true, err)
	}
	evs, err := s.activitySrc.FetchActivity(ctx, q)
	if err != nil {
		return s.recordActivityError(ctx, grantID, attempt, final, err)
	}
	for i := range evs {
		evs[i] = cleanEvent(evs[i])
	}
	windowEnd := time.Time{}
	if g.Status == access.GrantRevoked && !g.RevokedAt.IsZero() {
		windowEnd = g.RevokedAt.Add(ps.SessionDuration)
	}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.PutActivityEvents(ctx, access.GrantActivity{GrantID: grantID, Attempts: attempt, FetchedAt: now,
			WindowStart: q.Start, WindowEnd: q.End, Events: evs}); err != nil {
			return err
		}
		if windowEnd.IsZero() || !q.End.Before(windowEnd) {
			return nil
		}
		// The window is not over yet: fetch once more when CloudTrail has
		// delivered all of it.
		return s.sched.Schedule(ctx, tx, Job{Kind: JobFetchActivity, RequestID: r.ID, GrantID: grantID, At: windowEnd.Add(s.activityOpt.Delay)})
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store activity of grant %s: %w", grantID, err)
	}
	s.log.InfoContext(ctx, "session activity fetched", "request_id", r.ID, "grant_id", grantID, "account_id", g.AccountID,
		"events", len(evs), "window_start", q.Start, "window_end", q.End)
	return nil
}

// recordActivityError stores a failed attempt (pending while retried,
// failed when final) and returns the error for the job to retry.
func (s *Service) recordActivityError(ctx context.Context, grantID string, attempt int, final bool, cause error) error {
	status := access.ActivityPending
	if final {
		status = access.ActivityFailed
	}
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		return tx.PutActivityError(ctx, access.GrantActivity{GrantID: grantID, Status: status, Error: cause.Error(), Attempts: attempt})
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return errors.Join(fmt.Errorf("fetch activity of grant %s: %w", grantID, cause), fmt.Errorf("record the failure: %w", err))
	}
	if final {
		s.log.ErrorContext(ctx, "session activity fetch failed", "grant_id", grantID, "attempt", attempt, "error", cause)
		return nil
	}
	return fmt.Errorf("fetch activity of grant %s: %w", grantID, cause)
}

// cleanEvent makes an event's text storable everywhere: valid UTF-8, no NUL
// (PostgreSQL text refuses it), Raw within access.MaxActivityRaw.
func cleanEvent(e access.ActivityEvent) access.ActivityEvent {
	clean := func(s string) string { return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "") }
	e.EventID, e.Source, e.Name, e.Region = clean(e.EventID), clean(e.Source), clean(e.Name), clean(e.Region)
	e.SourceIP, e.ErrorCode, e.Principal = clean(e.SourceIP), clean(e.ErrorCode), clean(e.Principal)
	e.UserAgent, e.RequestID, e.Raw = clean(e.UserAgent), clean(e.RequestID), clean(e.Raw)
	if len(e.Raw) > access.MaxActivityRaw {
		e.Raw = strings.ToValidUTF8(e.Raw[:access.MaxActivityRaw], "")
	}
	if e.EventID == "" {
		e.EventID = fmt.Sprintf("%s|%s|%s", e.Time.UTC().Format(time.RFC3339Nano), e.Source, e.Name)
	}
	return e
}

// RefreshActivity schedules a fetch now of the activity of each grant of
// the request that has been active (on demand while
// active). The requester, the request's approvers, auditors and admins may.
func (s *Service) RefreshActivity(ctx context.Context, actor access.Actor, id string) error {
	err := s.retryConflicts(ctx, func(tx store.Tx) error {
		r, err := tx.FindRequestByID(ctx, id)
		if err != nil {
			return notFound(err, "request %s does not exist", id)
		}
		if !r.VisibleTo(actor) {
			// Not found, like GetRequest: a caller who may not see the
			// request learns nothing about whether it exists.
			return access.Errorf(access.CodeNotFound, "request %s does not exist", id)
		}
		if s.activitySrc == nil {
			return access.Errorf(access.CodeIllegalTransition, "session activity is off: set activity.source to cloudtrail_lake or cloudwatch_logs")
		}
		now := s.clock.Now()
		var jobs []Job
		for _, g := range r.Grants {
			if g.ActivatedAt.IsZero() {
				continue
			}
			if err := tx.MarkActivityPending(ctx, r.ID, g.ID, now); err != nil {
				return fmt.Errorf("mark activity of grant %s pending: %w", g.ID, err)
			}
			jobs = append(jobs, Job{Kind: JobFetchActivity, RequestID: r.ID, GrantID: g.ID, Expedite: true})
		}
		if len(jobs) == 0 {
			return access.Errorf(access.CodeIllegalTransition, "request %s has no grant that was ever active: there is no activity to fetch", id)
		}
		if err := s.sched.Schedule(ctx, tx, jobs...); err != nil {
			return fmt.Errorf("schedule activity fetch: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("refresh activity of request %s: %w", id, err)
	}
	return nil
}

// RequestActivity returns the stored activity of a request's grants. The
// requester, the request's approvers, auditors and admins may see it;
// anyone else is refused (forbidden), an unknown request is not_found.
func (s *Service) RequestActivity(ctx context.Context, actor access.Actor, id string) (*access.Request, []access.GrantActivity, error) {
	var (
		req *access.Request
		out []access.GrantActivity
	)
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		r, err := tx.FindRequestByID(ctx, id)
		if err != nil {
			return notFound(err, "request %s does not exist", id)
		}
		if !r.VisibleTo(actor) {
			return access.Errorf(access.CodeNotFound, "request %s does not exist", id)
		}
		req = r
		out, err = tx.ListActivity(ctx, id)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("activity of request %s: %w", id, err)
	}
	return req, out, nil
}
