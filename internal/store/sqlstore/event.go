package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/elevate/elevate/internal/access"
)

// AppendEvent appends e to the decision log. Of the actor it keeps the user
// id, name, email and interface; Details is stored as a JSON object, in the
// canonical form its chain version hashes (access.CanonicalDetails).
func (t *Tx) AppendEvent(ctx context.Context, e access.Event) error {
	// The hash chain: seq, prev_hash and hash, in this transaction.
	return t.appendChained(ctx, e)
}

// ListEvents returns the events of one request, or all when requestID is
// empty, in the order they were appended. Details is nil when it was empty.
func (t *Tx) ListEvents(ctx context.Context, requestID string) ([]access.Event, error) {
	q := `SELECT at, type, request_id, grant_id, actor_user_id, actor_name, actor_email, actor_via, details
		FROM events`
	var args []any
	if requestID != "" {
		q += ` WHERE request_id = $1`
		args = append(args, requestID)
	}
	q += ` ORDER BY seq`
	var evs []access.Event
	scan := func(rows Rows) error {
		var (
			e             access.Event
			at            dbTime
			typ, via, det string
		)
		if err := rows.Scan(&at, &typ, &e.RequestID, &e.GrantID,
			&e.Actor.UserID, &e.Actor.UserName, &e.Actor.Email, &via, &det); err != nil {
			return err
		}
		e.At, e.Type, e.Actor.Via = timeOf(at), access.EventType(typ), access.Via(via)
		if err := json.Unmarshal([]byte(det), &e.Details); err != nil {
			return fmt.Errorf("decode details: %w", err)
		}
		if len(e.Details) == 0 {
			e.Details = nil
		}
		evs = append(evs, e)
		return nil
	}
	if err := t.each(ctx, scan, q, args...); err != nil {
		return nil, t.wrap(fmt.Sprintf("list events of request %q", requestID), err)
	}
	return evs, nil
}
