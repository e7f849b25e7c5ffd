package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// appendEvents writes events to the decision log and plans their
// notifications, in tx: the notifications are recorded and one delivery job
// (JobNotify) for each is scheduled at its NotBefore in the same
// transaction, so a notification exists if and only if its event
// committed. Delivery itself happens later, in the job, so a channel that
// is down never blocks or fails a use case.
func (s *Service) appendEvents(ctx context.Context, tx store.Tx, evs ...access.Event) error {
	if err := appendEvents(ctx, tx, evs...); err != nil {
		return err
	}
	if s.notif == nil || len(evs) == 0 {
		return nil
	}
	ns, err := s.notif.plan(ctx, tx, evs, s.ruleSettings)
	if err != nil {
		return fmt.Errorf("plan notifications: %w", err)
	}
	if len(ns) == 0 {
		return nil
	}
	jobs := make([]Job, len(ns))
	for i, n := range ns {
		jobs[i] = Job{Kind: JobNotify, RequestID: n.RequestID, NotificationID: n.ID, At: n.NotBefore, Expedite: true}
	}
	if err := s.sched.Schedule(ctx, tx, jobs...); err != nil {
		return fmt.Errorf("schedule notifications: %w", err)
	}
	return nil
}

// ActorByEmail builds the actor for the active directory user with this
// email, as Authenticate does for a token: the Slack interaction endpoint
// maps a Slack user to the directory this way, so the same authorization
// applies as in the portal.
func (s *Service) ActorByEmail(ctx context.Context, email string, via access.Via) (access.Actor, error) {
	email = strings.TrimSpace(email)
	if email == "" || !strings.Contains(email, "@") {
		return access.Actor{}, access.Errorf(access.CodeUnauthenticated, "no email to match with the directory")
	}
	var actor access.Actor
	err := s.store.ReadTx(ctx, func(tx store.Tx) error {
		u, err := tx.FindUserByName(ctx, email)
		if errors.Is(err, store.ErrNotFound) {
			return access.Errorf(access.CodeUnauthenticated, "no directory user has the email %s", email)
		}
		if err != nil {
			return fmt.Errorf("find user by email: %w", err)
		}
		if !strings.EqualFold(u.Email, email) {
			return access.Errorf(access.CodeUnauthenticated, "no directory user has the email %s", email)
		}
		actor, err = s.actorFor(ctx, tx, u.ID, via)
		return err
	})
	return actor, err
}
