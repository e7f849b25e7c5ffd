package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// MarkActivityPending records that the grant's activity is being fetched.
func (t *tx) MarkActivityPending(ctx context.Context, requestID, grantID string, at time.Time) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO grant_activity (grant_id, request_id, status, requested_at)
		SELECT id, request_id, 'pending', ? FROM grants WHERE id = ? AND request_id = ?
		ON CONFLICT (grant_id) DO UPDATE SET status = 'pending', error = '', attempts = 0, requested_at = excluded.requested_at`,
		at.UnixMicro(), grantID, requestID)
	if err != nil {
		return wrapWrite("mark activity pending "+grantID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: mark activity pending %s: %w", grantID, err)
	} else if n == 0 {
		return notFound("mark activity pending: grant " + grantID + " of request " + requestID)
	}
	return nil
}

// PutActivityEvents stores a successful fetch, replacing the grant's events.
func (t *tx) PutActivityEvents(ctx context.Context, a access.GrantActivity) error {
	op := "put activity of grant " + a.GrantID
	res, err := t.tx.ExecContext(ctx, `UPDATE grant_activity SET status = 'fetched', error = '', attempts = ?, fetched_at = ?,
		window_start = ?, window_end = ?, event_count = ? WHERE grant_id = ?`,
		a.Attempts, a.FetchedAt.UnixMicro(), timeArg(a.WindowStart), timeArg(a.WindowEnd), len(a.Events), a.GrantID)
	if err != nil {
		return wrapWrite(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	} else if n == 0 {
		return notFound(op)
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM activity_events WHERE grant_id = ?`, a.GrantID); err != nil {
		return wrapWrite(op+": delete previous events", err)
	}
	stmt, err := t.tx.PrepareContext(ctx, `INSERT INTO activity_events (grant_id, event_id, at, name, source, region, source_ip,
		user_agent, aws_request_id, read_only, error_code, principal, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (grant_id, event_id) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("sqlite: %s: prepare: %w", op, err)
	}
	defer stmt.Close()
	for _, e := range a.Events {
		ro := int64(-1)
		if e.ReadOnly != nil {
			ro = boolArg(*e.ReadOnly)
		}
		if _, err := stmt.ExecContext(ctx, a.GrantID, e.EventID, e.Time.UnixMicro(), e.Name, e.Source, e.Region, e.SourceIP,
			e.UserAgent, e.RequestID, ro, e.ErrorCode, e.Principal, e.Raw); err != nil {
			return wrapWrite(op+": insert event "+e.EventID, err)
		}
	}
	return nil
}

// PutActivityError records a failed fetch attempt.
func (t *tx) PutActivityError(ctx context.Context, a access.GrantActivity) error {
	op := "put activity error of grant " + a.GrantID
	res, err := t.tx.ExecContext(ctx, `UPDATE grant_activity SET status = ?, error = ?, attempts = ? WHERE grant_id = ?`,
		a.Status, a.Error, a.Attempts, a.GrantID)
	if err != nil {
		return wrapWrite(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	} else if n == 0 {
		return notFound(op)
	}
	return nil
}

// ListActivity returns the activity of a request's grants.
func (t *tx) ListActivity(ctx context.Context, requestID string) ([]access.GrantActivity, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT grant_id, request_id, status, error, attempts, requested_at, fetched_at,
		window_start, window_end FROM grant_activity WHERE request_id = ? ORDER BY grant_id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list activity of request %s: %w", requestID, err)
	}
	var out []access.GrantActivity
	for rows.Next() {
		var (
			a                     access.GrantActivity
			requested             int64
			fetched, wStart, wEnd sql.NullInt64
		)
		if err := rows.Scan(&a.GrantID, &a.RequestID, &a.Status, &a.Error, &a.Attempts, &requested, &fetched, &wStart, &wEnd); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: list activity of request %s: %w", requestID, err)
		}
		a.RequestedAt = timeOf(sql.NullInt64{Int64: requested, Valid: true})
		a.FetchedAt, a.WindowStart, a.WindowEnd = timeOf(fetched), timeOf(wStart), timeOf(wEnd)
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list activity of request %s: %w", requestID, err)
	}
	for i := range out {
		evs, err := t.activityEvents(ctx, out[i].GrantID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list activity of request %s: %w", requestID, err)
		}
		out[i].Events = evs
	}
	return out, nil
}

func (t *tx) activityEvents(ctx context.Context, grantID string) ([]access.ActivityEvent, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT event_id, at, name, source, region, source_ip, user_agent, aws_request_id,
		read_only, error_code, principal, raw FROM activity_events WHERE grant_id = ? ORDER BY at, event_id`, grantID)
	if err != nil {
		return nil, fmt.Errorf("events of grant %s: %w", grantID, err)
	}
	defer rows.Close()
	var out []access.ActivityEvent
	for rows.Next() {
		var (
			e  access.ActivityEvent
			at int64
			ro int64
		)
		if err := rows.Scan(&e.EventID, &at, &e.Name, &e.Source, &e.Region, &e.SourceIP, &e.UserAgent, &e.RequestID,
			&ro, &e.ErrorCode, &e.Principal, &e.Raw); err != nil {
			return nil, fmt.Errorf("events of grant %s: %w", grantID, err)
		}
		e.Time = timeOf(sql.NullInt64{Int64: at, Valid: true})
		if ro >= 0 {
			b := ro == 1
			e.ReadOnly = &b
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountActivityBefore counts the grants whose activity was fetched before before.
func (t *tx) CountActivityBefore(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM grant_activity WHERE fetched_at < ?`, before.UnixMicro()).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count activity before %s: %w", before.Format(time.RFC3339), err)
	}
	return n, nil
}

// DeleteActivityBefore deletes the activity of grants fetched before before.
func (t *tx) DeleteActivityBefore(ctx context.Context, before time.Time, limit int) (int64, error) {
	lim := int64(limit)
	if limit <= 0 {
		lim = -1 // no limit
	}
	res, err := t.tx.ExecContext(ctx, `DELETE FROM grant_activity WHERE grant_id IN (
		SELECT grant_id FROM grant_activity WHERE fetched_at < ? ORDER BY fetched_at, grant_id LIMIT ?)`, before.UnixMicro(), lim)
	if err != nil {
		return 0, wrapWrite("delete activity before "+before.Format(time.RFC3339), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete activity before %s: %w", before.Format(time.RFC3339), err)
	}
	return n, nil
}
