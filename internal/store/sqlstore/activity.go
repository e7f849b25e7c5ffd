package sqlstore

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// MarkActivityPending records that the grant's activity is being fetched.
func (t *Tx) MarkActivityPending(ctx context.Context, requestID, grantID string, at time.Time) error {
	n, err := t.c.Exec(ctx, `INSERT INTO grant_activity (grant_id, request_id, status, requested_at)
		SELECT id, request_id, 'pending', $1 FROM grants WHERE id = $2 AND request_id = $3
		ON CONFLICT (grant_id) DO UPDATE SET status = 'pending', error = '', attempts = 0, requested_at = excluded.requested_at`,
		t.ts(at), grantID, requestID)
	if err != nil {
		return t.wrap("mark activity pending "+grantID, err)
	}
	if n == 0 {
		return t.notFound("mark activity pending: grant " + grantID + " of request " + requestID)
	}
	return nil
}

// PutActivityEvents stores a successful fetch, replacing the grant's events.
func (t *Tx) PutActivityEvents(ctx context.Context, a access.GrantActivity) error {
	op := "put activity of grant " + a.GrantID
	n, err := t.c.Exec(ctx, `UPDATE grant_activity SET status = 'fetched', error = '', attempts = $1, fetched_at = $2,
		window_start = $3, window_end = $4, event_count = $5 WHERE grant_id = $6`,
		a.Attempts, t.ts(a.FetchedAt), t.ts(a.WindowStart), t.ts(a.WindowEnd), len(a.Events), a.GrantID)
	if err != nil {
		return t.wrap(op, err)
	}
	if n == 0 {
		return t.notFound(op)
	}
	if _, err := t.c.Exec(ctx, `DELETE FROM activity_events WHERE grant_id = $1`, a.GrantID); err != nil {
		return t.wrap(op+": delete previous events", err)
	}
	if len(a.Events) == 0 {
		return nil
	}
	args := make([][]any, len(a.Events))
	for i, e := range a.Events {
		ro := int64(-1)
		if e.ReadOnly != nil {
			ro = 0
			if *e.ReadOnly {
				ro = 1
			}
		}
		args[i] = []any{a.GrantID, e.EventID, t.ts(e.Time), e.Name, e.Source, e.Region, e.SourceIP, e.UserAgent, e.RequestID, ro,
			e.ErrorCode, e.Principal, e.Raw}
	}
	if err := t.c.ExecBatch(ctx, `INSERT INTO activity_events (grant_id, event_id, at, name, source, region, source_ip,
		user_agent, aws_request_id, read_only, error_code, principal, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (grant_id, event_id) DO NOTHING`, args); err != nil {
		return t.wrap(op+": insert events", err)
	}
	return nil
}

// PutActivityError records a failed fetch attempt.
func (t *Tx) PutActivityError(ctx context.Context, a access.GrantActivity) error {
	op := "put activity error of grant " + a.GrantID
	return t.update(ctx, op, `UPDATE grant_activity SET status = $1, error = $2, attempts = $3 WHERE grant_id = $4`,
		a.Status, a.Error, a.Attempts, a.GrantID)
}

// ListActivity returns the activity of a request's grants.
func (t *Tx) ListActivity(ctx context.Context, requestID string) ([]access.GrantActivity, error) {
	out, err := collect(ctx, t, func(row Row) (a access.GrantActivity, err error) {
		var requested, fetched, wStart, wEnd dbTime
		err = row.Scan(&a.GrantID, &a.RequestID, &a.Status, &a.Error, &a.Attempts, &requested, &fetched, &wStart, &wEnd)
		a.RequestedAt, a.FetchedAt, a.WindowStart, a.WindowEnd = timeOf(requested), timeOf(fetched), timeOf(wStart), timeOf(wEnd)
		return a, err
	}, `SELECT grant_id, request_id, status, error, attempts, requested_at, fetched_at, window_start, window_end
		FROM grant_activity WHERE request_id = $1 ORDER BY grant_id`, requestID)
	if err != nil {
		return nil, t.wrap("list activity of request "+requestID, err)
	}
	for i := range out {
		gid := out[i].GrantID
		var err error
		out[i].Events, err = collect(ctx, t, func(row Row) (e access.ActivityEvent, err error) {
			var (
				at dbTime
				ro int64
			)
			err = row.Scan(&e.EventID, &at, &e.Name, &e.Source, &e.Region, &e.SourceIP, &e.UserAgent, &e.RequestID,
				&ro, &e.ErrorCode, &e.Principal, &e.Raw)
			e.Time = timeOf(at)
			if ro >= 0 {
				b := ro == 1
				e.ReadOnly = &b
			}
			return e, err
		}, `SELECT event_id, at, name, source, region, source_ip, user_agent, aws_request_id, read_only, error_code, principal, raw
			FROM activity_events WHERE grant_id = $1 ORDER BY at, event_id`, gid)
		if err != nil {
			return nil, t.wrap("list activity events of grant "+gid, err)
		}
	}
	return out, nil
}

// CountActivityBefore counts the grants whose activity was fetched before before.
func (t *Tx) CountActivityBefore(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	if err := t.c.QueryRow(ctx, `SELECT count(*) FROM grant_activity WHERE fetched_at < $1`, t.ts(before)).Scan(&n); err != nil {
		return 0, t.wrap("count activity before "+before.Format(time.RFC3339), err)
	}
	return n, nil
}

// DeleteActivityBefore deletes the activity of grants fetched before before.
func (t *Tx) DeleteActivityBefore(ctx context.Context, before time.Time, limit int) (int64, error) {
	q := `SELECT grant_id FROM grant_activity WHERE fetched_at < $1 ORDER BY fetched_at, grant_id`
	args := []any{t.ts(before)}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	n, err := t.c.Exec(ctx, `DELETE FROM grant_activity WHERE grant_id IN (`+q+`)`, args...)
	if err != nil {
		return 0, t.wrap("delete activity before "+before.Format(time.RFC3339), err)
	}
	return n, nil
}
