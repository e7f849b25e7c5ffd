package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// ManagedGrants returns the open grants and the created or shared grants
// closed at or after closedSince, with their assignments.
func (t *Tx) ManagedGrants(ctx context.Context, closedSince time.Time) ([]access.ManagedGrant, error) {
	out, err := collect(ctx, t, func(row Row) (g access.ManagedGrant, err error) {
		var activated, closed, drift dbTime
		err = row.Scan(&g.RequestID, &g.GrantID, &g.Assignment.AccountID, &g.Assignment.PermissionSetARN, &g.Assignment.UserID,
			&g.Status, &g.Origin, &activated, &closed, &g.Standing, &drift)
		g.ActivatedAt, g.ClosedAt, g.DriftMissingSince = timeOf(activated), timeOf(closed), timeOf(drift)
		return g, err
	}, `SELECT g.request_id, g.id, g.account_id, r.permission_set_arn, r.requester_id,
			g.status, g.origin, g.activated_at, CASE WHEN g.status IN ('revoked', 'failed') THEN coalesce(g.revoked_at, r.updated_at) END,
			EXISTS (SELECT 1 FROM standing_assignments s WHERE s.account_id = g.account_id
				AND s.permission_set_arn = r.permission_set_arn AND s.user_id = r.requester_id),
			g.drift_missing_since
		FROM grants g JOIN requests r ON r.id = g.request_id
		WHERE g.status IN ('pending', 'active', 'revoking')
			OR (g.status IN ('revoked', 'failed') AND g.origin IN ('created', 'shared') AND coalesce(g.revoked_at, r.updated_at) >= $1)
		ORDER BY g.account_id, r.permission_set_arn, r.requester_id, g.id`, t.ts(closedSince))
	if err != nil {
		return nil, t.wrap("managed grants", err)
	}
	return out, nil
}

// PutRunStatus replaces the status of the last run of s.Kind.
func (t *Tx) PutRunStatus(ctx context.Context, s access.RunStatus) error {
	if s.Kind == "" {
		return t.errorf("put run status: empty kind")
	}
	counts := s.Counts
	if counts == nil {
		counts = map[string]int{}
	}
	b, err := json.Marshal(counts)
	if err != nil {
		return t.errorf("put run status: %w", err)
	}
	_, err = t.c.Exec(ctx, `INSERT INTO run_status (kind, started_at, ended_at, last_success_at, counts, error)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind) DO UPDATE SET started_at = excluded.started_at, ended_at = excluded.ended_at,
		last_success_at = excluded.last_success_at, counts = excluded.counts, error = excluded.error`,
		s.Kind, t.ts(s.StartedAt), t.ts(s.EndedAt), t.ts(s.LastSuccessAt), string(b), s.Error)
	if err != nil {
		return t.wrap("put run status", err)
	}
	return nil
}

// GetRunStatus returns the status of the last run of kind.
func (t *Tx) GetRunStatus(ctx context.Context, kind string) (access.RunStatus, error) {
	var (
		s                    = access.RunStatus{Kind: kind}
		started, ended, succ dbTime
		counts               []byte
	)
	err := t.c.QueryRow(ctx, `SELECT started_at, ended_at, last_success_at, counts, error FROM run_status WHERE kind = $1`, kind).
		Scan(&started, &ended, &succ, &counts, &s.Error)
	if isNoRows(err) {
		return access.RunStatus{}, t.notFound("run status " + kind)
	}
	if err != nil {
		return access.RunStatus{}, t.wrap("run status "+kind, err)
	}
	if err := json.Unmarshal(counts, &s.Counts); err != nil {
		return access.RunStatus{}, t.errorf("run status %s: counts: %w", kind, err)
	}
	s.StartedAt, s.EndedAt, s.LastSuccessAt = timeOf(started), timeOf(ended), timeOf(succ)
	return s, nil
}
