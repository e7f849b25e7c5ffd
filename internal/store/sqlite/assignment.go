package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// LockAssignment is a no-op: SQLite write transactions (BEGIN IMMEDIATE) are
// already serialized.
func (t *tx) LockAssignment(context.Context, access.Assignment) error { return nil }

func (t *tx) AssignmentHolders(ctx context.Context, a access.Assignment, exceptGrantID string) ([]access.GrantRef, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT g.request_id, g.id, g.status FROM grants g JOIN requests r ON r.id = g.request_id
		WHERE g.account_id = ? AND (g.status IN ('active', 'revoking') OR (g.status = 'pending' AND g.origin = 'created')) AND r.permission_set_arn = ? AND r.requester_id = ? AND g.id <> ?
		ORDER BY g.id`, a.AccountID, a.PermissionSetARN, a.UserID, exceptGrantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: assignment holders: %w", err)
	}
	defer rows.Close()
	var out []access.GrantRef
	for rows.Next() {
		var g access.GrantRef
		var status string
		if err := rows.Scan(&g.RequestID, &g.GrantID, &status); err != nil {
			return nil, fmt.Errorf("sqlite: assignment holders: %w", err)
		}
		g.Status = access.GrantStatus(status)
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: assignment holders: %w", err)
	}
	return out, nil
}

func (t *tx) IsStanding(ctx context.Context, a access.Assignment) (bool, error) {
	var one int
	err := t.tx.QueryRowContext(ctx, `SELECT 1 FROM standing_assignments WHERE account_id = ? AND permission_set_arn = ? AND user_id = ?`,
		a.AccountID, a.PermissionSetARN, a.UserID).Scan(&one)
	switch {
	case err == sql.ErrNoRows:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("sqlite: is standing: %w", err)
	}
	return true, nil
}

func (t *tx) SetStanding(ctx context.Context, a access.Assignment, standing bool, at time.Time) error {
	var err error
	if standing {
		_, err = t.tx.ExecContext(ctx, `INSERT INTO standing_assignments (account_id, permission_set_arn, user_id, recorded_at)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, a.AccountID, a.PermissionSetARN, a.UserID, timeArg(at))
	} else {
		_, err = t.tx.ExecContext(ctx, `DELETE FROM standing_assignments WHERE account_id = ? AND permission_set_arn = ? AND user_id = ?`,
			a.AccountID, a.PermissionSetARN, a.UserID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: set standing: %w", err)
	}
	return nil
}

func (t *tx) CountRequests(ctx context.Context) (map[access.Status]int, int, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT status, count(*), coalesce(sum(revocation_failed), 0) FROM requests GROUP BY status`)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: count requests: %w", err)
	}
	defer rows.Close()
	out := map[access.Status]int{}
	failing := 0
	for rows.Next() {
		var status string
		var n, f int
		if err := rows.Scan(&status, &n, &f); err != nil {
			return nil, 0, fmt.Errorf("sqlite: count requests: %w", err)
		}
		out[access.Status(status)] = n
		failing += f
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: count requests: %w", err)
	}
	return out, failing, nil
}
