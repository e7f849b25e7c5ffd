package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/store"
)

// Absence event types.
const (
	// EventAwaySet records an approver's "away until, delegate to".
	EventAwaySet access.EventType = "user.away_set"
	// EventAwayCleared records an approver back before the end they set.
	EventAwayCleared access.EventType = "user.away_cleared"
)

// MaxAway bounds how far ahead an absence may end.
const MaxAway = 90 * 24 * time.Hour

// GetAway returns the actor's absence; ok is false when none lasts now.
func (s *Service) GetAway(ctx context.Context, actor access.Actor) (a access.Away, ok bool, err error) {
	if actor.UserID == "" {
		return access.Away{}, false, access.Errorf(access.CodeUnauthenticated, "sign in to see your absence")
	}
	err = s.store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		a, err = tx.FindAway(ctx, actor.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return access.Away{}, false, fmt.Errorf("get away: %w", err)
	}
	return a, a.Active(s.clock.Now()), nil
}

// SetAway records that the actor is away until until and that delegate (a
// user name, email or id) approves in their place until then. The delegate
// must be an active directory user other than the actor. It is audited.
func (s *Service) SetAway(ctx context.Context, actor access.Actor, until time.Time, delegate string) (access.Away, error) {
	if actor.UserID == "" {
		return access.Away{}, access.Errorf(access.CodeUnauthenticated, "sign in to set your absence")
	}
	now := s.clock.Now()
	switch {
	case until.IsZero():
		return access.Away{}, access.Errorf(access.CodeInvalid, "until is missing: give the end of your absence, such as 2026-12-24T09:00:00Z")
	case !until.After(now):
		return access.Away{}, access.Errorf(access.CodeInvalid, "until %s is in the past: give a time after now", until.UTC().Format(time.RFC3339))
	case until.After(now.Add(MaxAway)):
		return access.Away{}, access.Errorf(access.CodeInvalid, "until %s is more than %d days ahead: set a nearer end", until.UTC().Format(time.RFC3339), int(MaxAway.Hours()/24))
	}
	delegate = normalizeUser(delegate)
	if delegate == "" {
		return access.Away{}, access.Errorf(access.CodeInvalid, "delegate is missing: name who approves in your place")
	}
	var a access.Away
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		u, err := tx.FindUserByID(ctx, delegate)
		if errors.Is(err, store.ErrNotFound) {
			u, err = tx.FindUserByName(ctx, delegate)
		}
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			return access.Errorf(access.CodeNotFound, "delegate %q is not in the directory: name a user by user name or email", delegate)
		}
		if err != nil {
			return fmt.Errorf("find delegate %s: %w", delegate, err)
		}
		if u.ID == actor.UserID {
			return access.Errorf(access.CodeInvalid, "you cannot delegate to yourself: name someone else")
		}
		if !u.Active {
			return access.Errorf(access.CodeUserDisabled, "delegate %s is disabled in the directory: name someone else", u.UserName)
		}
		a = access.Away{UserID: actor.UserID, DelegateID: u.ID, DelegateName: u.UserName, Until: until.UTC(), SetAt: now}
		if err := tx.PutAway(ctx, a); err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, access.Event{Type: EventAwaySet, Actor: actor, At: now,
			Details: map[string]string{"user": actor.UserName, "delegate": u.UserName, "delegate_id": u.ID, "until": a.Until.Format(time.RFC3339)}})
	})
	if err != nil {
		return access.Away{}, fmt.Errorf("set away: %w", err)
	}
	s.log.InfoContext(ctx, "away set", "user", actor.UserName, "delegate", a.DelegateName, "until", a.Until)
	return a, nil
}

// ClearAway ends the actor's absence now (audited when there was one).
func (s *Service) ClearAway(ctx context.Context, actor access.Actor) error {
	if actor.UserID == "" {
		return access.Errorf(access.CodeUnauthenticated, "sign in to clear your absence")
	}
	now := s.clock.Now()
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		a, err := tx.FindAway(ctx, actor.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteAway(ctx, actor.UserID); err != nil {
			return err
		}
		if !a.Active(now) {
			return nil
		}
		return s.appendEvents(ctx, tx, access.Event{Type: EventAwayCleared, Actor: actor, At: now,
			Details: map[string]string{"user": actor.UserName, "delegate": a.DelegateName, "until": a.Until.UTC().Format(time.RFC3339)}})
	})
	if err != nil {
		return fmt.Errorf("clear away: %w", err)
	}
	return nil
}

// routeApprovers replaces the approvers of r who are away at now with
// their delegates (access.Route), and says in ev's details why each
// delegate is asked and who stands in for whom, for the decision log.
func routeApprovers(ctx context.Context, tx store.Tx, r *access.Request, ev *access.Event, now time.Time) error {
	if len(r.Approvers) == 0 {
		return nil
	}
	list, err := tx.ListAway(ctx, r.Approvers, now)
	if err != nil || len(list) == 0 {
		return err
	}
	away := make(map[string]access.Away, len(list))
	for _, a := range list {
		away[a.UserID] = a
	}
	routed, standIn := access.Route(r.Approvers, r.RequesterID, away, r.ApprovalsRequired)
	var log []string
	for _, id := range r.Approvers {
		a, ok := away[id]
		if !ok {
			continue
		}
		name := id
		if u, err := tx.FindUserByID(ctx, id); err == nil {
			name = u.UserName
		}
		if standIn[a.DelegateID] == id {
			ev.Details = withDetail(ev.Details, notify.DetailAskedBecause+a.DelegateID, a.Reason(name))
			log = append(log, fmt.Sprintf("%s->%s", name, a.DelegateName))
		} else {
			log = append(log, name+"->(not routed)")
		}
	}
	ev.Details = withDetail(ev.Details, "delegations", strings.Join(log, ","))
	r.Approvers = routed
	return nil
}
