package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

const awayColumns = `a.user_id, a.delegate_id, coalesce(u.user_name, a.delegate_id), a.until, a.set_at`

// PutAway records (or replaces) an approver's absence.
func (t *Tx) PutAway(ctx context.Context, a access.Away) error {
	if _, err := t.c.Exec(ctx, `INSERT INTO approver_away (user_id, delegate_id, until, set_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET delegate_id = excluded.delegate_id, until = excluded.until, set_at = excluded.set_at`,
		a.UserID, a.DelegateID, t.ts(a.Until), t.ts(a.SetAt)); err != nil {
		return t.wrap("put away "+a.UserID, err)
	}
	return nil
}

// DeleteAway removes an approver's absence.
func (t *Tx) DeleteAway(ctx context.Context, userID string) error {
	if _, err := t.c.Exec(ctx, `DELETE FROM approver_away WHERE user_id = $1`, userID); err != nil {
		return t.wrap("delete away "+userID, err)
	}
	return nil
}

func scanAway(r Row) (access.Away, error) {
	var (
		a          access.Away
		until, set dbTime
	)
	err := r.Scan(&a.UserID, &a.DelegateID, &a.DelegateName, &until, &set)
	a.Until, a.SetAt = timeOf(until), timeOf(set)
	return a, err
}

// FindAway returns an approver's absence, over or not.
func (t *Tx) FindAway(ctx context.Context, userID string) (access.Away, error) {
	a, err := scanAway(t.c.QueryRow(ctx, `SELECT `+awayColumns+` FROM approver_away a LEFT JOIN users u ON u.id = a.delegate_id
		WHERE a.user_id = $1`, userID))
	if isNoRows(err) {
		return access.Away{}, t.notFound("find away " + userID)
	}
	if err != nil {
		return access.Away{}, t.wrap("find away "+userID, err)
	}
	return a, nil
}

// ListAway returns the absences of these users that last at now.
func (t *Tx) ListAway(ctx context.Context, userIDs []string, now time.Time) ([]access.Away, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	var out []access.Away
	err := t.each(ctx, func(rows Rows) error {
		a, err := scanAway(rows)
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	}, `SELECT `+awayColumns+` FROM approver_away a LEFT JOIN users u ON u.id = a.delegate_id
		WHERE a.until > $2 AND `+t.d.InList("a.user_id", "$1")+` ORDER BY a.user_id`, t.list(userIDs), t.ts(now))
	if err != nil {
		return nil, t.wrap("list away "+strings.Join(userIDs, ","), err)
	}
	return out, nil
}
