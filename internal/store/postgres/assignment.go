package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/elevate/elevate/internal/access"
)

// assignmentLockSeed keeps the advisory locks of assignments apart from the
// store's other advisory locks.
const assignmentLockSeed int64 = 0x656c657661746504 // "elevate" + 4

// assignmentKey is the text an assignment's advisory lock is hashed from.
func assignmentKey(a access.Assignment) string {
	return a.AccountID + "\n" + a.PermissionSetARN + "\n" + a.UserID
}

// LockAssignment takes a transaction-level advisory lock on the assignment
// (pg_advisory_xact_lock on a 64-bit hash of it): another transaction that
// locks the same assignment waits until this one ends, and its next
// statements see what this one committed. Two transactions that lock two
// assignments in opposite orders deadlock: PostgreSQL aborts one, which
// returns store.ErrConflict, and the caller retries.
func (t *tx) LockAssignment(ctx context.Context, a access.Assignment) error {
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, $2))`, assignmentKey(a), assignmentLockSeed); err != nil {
		return wrap("lock assignment", err)
	}
	return nil
}

// AssignmentHolders returns the grants, other than exceptGrantID, that are
// active or revoking on the same assignment, by grant id.
func (t *tx) AssignmentHolders(ctx context.Context, a access.Assignment, exceptGrantID string) ([]access.GrantRef, error) {
	var out []access.GrantRef
	err := t.each(ctx, func(rows pgx.Rows) error {
		var (
			g      access.GrantRef
			status string
		)
		if err := rows.Scan(&g.RequestID, &g.GrantID, &status); err != nil {
			return err
		}
		g.Status = access.GrantStatus(status)
		out = append(out, g)
		return nil
	}, `SELECT g.request_id, g.id, g.status FROM grants g JOIN requests r ON r.id = g.request_id
		WHERE g.account_id = $1 AND (g.status IN ('active', 'revoking') OR (g.status = 'pending' AND g.origin = 'created')) AND r.permission_set_arn = $2 AND r.requester_id = $3
		AND g.id <> $4 ORDER BY g.id`, a.AccountID, a.PermissionSetARN, a.UserID, exceptGrantID)
	if err != nil {
		return nil, wrap("assignment holders", err)
	}
	return out, nil
}

// IsStanding reports whether the assignment is recorded as standing.
func (t *tx) IsStanding(ctx context.Context, a access.Assignment) (bool, error) {
	var one int
	err := t.tx.QueryRow(ctx, `SELECT 1 FROM standing_assignments WHERE account_id = $1 AND permission_set_arn = $2 AND user_id = $3`,
		a.AccountID, a.PermissionSetARN, a.UserID).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, wrap("is standing", err)
	}
	return true, nil
}

// SetStanding records (keeping the first record) or clears that the
// assignment is standing.
func (t *tx) SetStanding(ctx context.Context, a access.Assignment, standing bool, at time.Time) error {
	var err error
	if standing {
		_, err = t.tx.Exec(ctx, `INSERT INTO standing_assignments (account_id, permission_set_arn, user_id, recorded_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, a.AccountID, a.PermissionSetARN, a.UserID, timeArg(at))
	} else {
		_, err = t.tx.Exec(ctx, `DELETE FROM standing_assignments WHERE account_id = $1 AND permission_set_arn = $2 AND user_id = $3`,
			a.AccountID, a.PermissionSetARN, a.UserID)
	}
	if err != nil {
		return wrap("set standing", err)
	}
	return nil
}
