package sqlstore

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// AssignmentHolders returns the grants, other than exceptGrantID, that are
// active or revoking on the same assignment, by grant id.
func (t *Tx) AssignmentHolders(ctx context.Context, a access.Assignment, exceptGrantID string) ([]access.GrantRef, error) {
	out, err := collect(ctx, t, func(row Row) (g access.GrantRef, err error) {
		err = row.Scan(&g.RequestID, &g.GrantID, &g.Status)
		return g, err
	}, `SELECT g.request_id, g.id, g.status FROM grants g JOIN requests r ON r.id = g.request_id
		WHERE g.account_id = $1 AND (g.status IN ('active', 'revoking') OR (g.status = 'pending' AND g.origin = 'created')) AND r.permission_set_arn = $2 AND r.requester_id = $3
		AND g.id <> $4 ORDER BY g.id`, a.AccountID, a.PermissionSetARN, a.UserID, exceptGrantID)
	if err != nil {
		return nil, t.wrap("assignment holders", err)
	}
	return out, nil
}

// IsStanding reports whether the assignment is recorded as standing.
func (t *Tx) IsStanding(ctx context.Context, a access.Assignment) (bool, error) {
	var one int
	err := t.c.QueryRow(ctx, `SELECT 1 FROM standing_assignments WHERE account_id = $1 AND permission_set_arn = $2 AND user_id = $3`,
		a.AccountID, a.PermissionSetARN, a.UserID).Scan(&one)
	switch {
	case isNoRows(err):
		return false, nil
	case err != nil:
		return false, t.wrap("is standing", err)
	}
	return true, nil
}

// SetStanding records (keeping the first record) or clears that the
// assignment is standing.
func (t *Tx) SetStanding(ctx context.Context, a access.Assignment, standing bool, at time.Time) error {
	var err error
	if standing {
		_, err = t.c.Exec(ctx, `INSERT INTO standing_assignments (account_id, permission_set_arn, user_id, recorded_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, a.AccountID, a.PermissionSetARN, a.UserID, t.ts(at))
	} else {
		_, err = t.c.Exec(ctx, `DELETE FROM standing_assignments WHERE account_id = $1 AND permission_set_arn = $2 AND user_id = $3`,
			a.AccountID, a.PermissionSetARN, a.UserID)
	}
	if err != nil {
		return t.wrap("set standing", err)
	}
	return nil
}
