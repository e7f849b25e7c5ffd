package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// ManagedGrants returns the open grants and the created or shared grants
// closed at or after closedSince, with their assignments.
func (t *tx) ManagedGrants(ctx context.Context, closedSince time.Time) ([]access.ManagedGrant, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT g.request_id, g.id, g.account_id, r.permission_set_arn, r.requester_id,
			g.status, g.origin, g.activated_at, CASE WHEN g.status IN ('revoked', 'failed') THEN coalesce(g.revoked_at, r.updated_at) END,
			EXISTS (SELECT 1 FROM standing_assignments s WHERE s.account_id = g.account_id
				AND s.permission_set_arn = r.permission_set_arn AND s.user_id = r.requester_id)
		FROM grants g JOIN requests r ON r.id = g.request_id
		WHERE g.status IN ('pending', 'active', 'revoking')
			OR (g.status IN ('revoked', 'failed') AND g.origin IN ('created', 'shared') AND coalesce(g.revoked_at, r.updated_at) >= ?)
		ORDER BY g.account_id, r.permission_set_arn, r.requester_id, g.id`, timeArg(closedSince))
	if err != nil {
		return nil, fmt.Errorf("sqlite: managed grants: %w", err)
	}
	defer rows.Close()
	var out []access.ManagedGrant
	for rows.Next() {
		var (
			g                 access.ManagedGrant
			status, origin    string
			activated, closed sql.NullInt64
			standing          int64
		)
		if err := rows.Scan(&g.RequestID, &g.GrantID, &g.Assignment.AccountID, &g.Assignment.PermissionSetARN, &g.Assignment.UserID,
			&status, &origin, &activated, &closed, &standing); err != nil {
			return nil, fmt.Errorf("sqlite: managed grants: %w", err)
		}
		g.Status, g.Origin = access.GrantStatus(status), access.Origin(origin)
		g.ActivatedAt, g.ClosedAt, g.Standing = timeOf(activated), timeOf(closed), standing != 0
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: managed grants: %w", err)
	}
	return out, nil
}

// PutRunStatus replaces the status of the last run of s.Kind.
func (t *tx) PutRunStatus(ctx context.Context, s access.RunStatus) error {
	if s.Kind == "" {
		return errors.New("sqlite: put run status: empty kind")
	}
	counts, err := json.Marshal(nonNilCounts(s.Counts))
	if err != nil {
		return fmt.Errorf("sqlite: put run status: %w", err)
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO run_status (kind, started_at, ended_at, last_success_at, counts, error)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind) DO UPDATE SET started_at = excluded.started_at, ended_at = excluded.ended_at,
		last_success_at = excluded.last_success_at, counts = excluded.counts, error = excluded.error`,
		s.Kind, timeArg(s.StartedAt), timeArg(s.EndedAt), timeArg(s.LastSuccessAt), string(counts), s.Error)
	if err != nil {
		return wrapWrite("put run status", err)
	}
	return nil
}

// GetRunStatus returns the status of the last run of kind.
func (t *tx) GetRunStatus(ctx context.Context, kind string) (access.RunStatus, error) {
	var (
		s                    = access.RunStatus{Kind: kind}
		started, ended, succ sql.NullInt64
		counts               string
	)
	err := t.tx.QueryRowContext(ctx, `SELECT started_at, ended_at, last_success_at, counts, error FROM run_status WHERE kind = ?`, kind).
		Scan(&started, &ended, &succ, &counts, &s.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return access.RunStatus{}, notFound("run status " + kind)
	}
	if err != nil {
		return access.RunStatus{}, fmt.Errorf("sqlite: run status %s: %w", kind, err)
	}
	if err := json.Unmarshal([]byte(counts), &s.Counts); err != nil {
		return access.RunStatus{}, fmt.Errorf("sqlite: run status %s: counts: %w", kind, err)
	}
	s.StartedAt, s.EndedAt, s.LastSuccessAt = timeOf(started), timeOf(ended), timeOf(succ)
	return s, nil
}

func nonNilCounts(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
