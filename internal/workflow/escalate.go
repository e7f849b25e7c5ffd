package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/store"
)

// EventEscalated is a pending request escalated to its rule's
// escalation_groups (notify.EventEscalated).
const EventEscalated = notify.EventEscalated

// escalation returns when the pending request r escalates and to which
// groups; a zero time when it never does: its rule has no escalate_after,
// the time is not before the request expires, or it escalated already
// (the decision log has the event: it escalates once).
func (s *Service) escalation(ctx context.Context, tx store.Tx, r access.Request) (time.Time, []string, error) {
	n, err := s.ruleNotify(ctx, tx, r.Rule)
	if err != nil || n.EscalateAfter <= 0 || len(n.EscalationGroups) == 0 || r.CreatedAt.IsZero() {
		return time.Time{}, nil, err
	}
	at := r.CreatedAt.Add(n.EscalateAfter)
	if !r.ExpiresAt.IsZero() && !at.Before(r.ExpiresAt) {
		return time.Time{}, nil, nil
	}
	evs, err := tx.ListEvents(ctx, r.ID)
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("events of %s: %w", r.ID, err)
	}
	if slices.ContainsFunc(evs, func(e access.Event) bool { return e.Type == EventEscalated }) {
		return time.Time{}, nil, nil
	}
	return at, n.EscalationGroups, nil
}

// escalate adds the active members of groups (the requester left out, and
// those away replaced by their delegates) as approvers of the pending
// request r and records the escalation, in tx: the added approvers are
// asked and the requester is told.
func (s *Service) escalate(ctx context.Context, tx store.Tx, r access.Request, groups []string, now time.Time) error {
	var members []string
	for _, g := range groups {
		ids, err := groupMembers(ctx, tx, g)
		if err != nil {
			return err
		}
		members = append(members, ids...)
	}
	extra := access.Request{ID: r.ID, RequesterID: r.RequesterID, ApprovalsRequired: 1}
	for _, id := range members {
		if id != r.RequesterID && !r.IsApprover(id) && !slices.Contains(extra.Approvers, id) {
			extra.Approvers = append(extra.Approvers, id)
		}
	}
	ev := access.Event{Type: EventEscalated, RequestID: r.ID, Actor: access.SystemActor, At: now,
		Details: map[string]string{"groups": strings.Join(groups, ",")}}
	if err := routeApprovers(ctx, tx, &extra, &ev, now); err != nil {
		return fmt.Errorf("route escalation: %w", err)
	}
	var added []string
	for _, id := range extra.Approvers {
		if id != r.RequesterID && !r.IsApprover(id) {
			added = append(added, id)
		}
	}
	ev.Details["added"] = strings.Join(added, ",")
	next := r
	next.Approvers = slices.Concat(r.Approvers, added)
	next.UpdatedAt = now
	if err := tx.UpdateRequest(ctx, &next); err != nil {
		return fmt.Errorf("update request: %w", err)
	}
	return s.appendEvents(ctx, tx, ev)
}

// pendingJobAt is when the pending request r's deadline job (JobExpire)
// first runs: at its escalation when it has one, else at its expiry.
func (s *Service) pendingJobAt(ctx context.Context, tx store.Tx, r access.Request) (time.Time, error) {
	at, _, err := s.escalation(ctx, tx, r)
	if err != nil || at.IsZero() {
		return r.ExpiresAt, err
	}
	return at, nil
}
