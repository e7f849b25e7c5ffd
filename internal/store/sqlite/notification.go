package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

const notificationColumns = `id, request_id, event_type, event, channel, recipient_id, recipient_name, subject,
	status, attempts, last_error, final, not_before, created_at, sent_at`

// InsertNotification records a notification; a taken id is store.ErrConflict.
func (t *tx) InsertNotification(ctx context.Context, n access.Notification) error {
	ev := string(n.Event)
	if ev == "" {
		ev = "{}"
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO notifications (`+notificationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.RequestID, n.EventType, ev, n.Channel, n.RecipientID, n.RecipientName, n.Subject,
		n.Status, n.Attempts, n.LastError, boolArg(n.Final), timeArg(n.NotBefore), n.CreatedAt.UnixMicro(), timeArg(n.SentAt)); err != nil {
		return wrapWrite("insert notification "+n.ID, err)
	}
	return nil
}

func scanNotification(row rowScanner) (access.Notification, error) {
	var (
		n                 access.Notification
		ev                string
		final             int64
		notBefore, sentAt sql.NullInt64
		createdAt         int64
	)
	if err := row.Scan(&n.ID, &n.RequestID, &n.EventType, &ev, &n.Channel, &n.RecipientID, &n.RecipientName, &n.Subject,
		&n.Status, &n.Attempts, &n.LastError, &final, &notBefore, &createdAt, &sentAt); err != nil {
		return n, err
	}
	n.Event, n.Final = []byte(ev), final != 0
	n.NotBefore, n.SentAt = timeOf(notBefore), timeOf(sentAt)
	n.CreatedAt = timeOf(sql.NullInt64{Int64: createdAt, Valid: true})
	return n, nil
}

// FindNotification returns one notification.
func (t *tx) FindNotification(ctx context.Context, id string) (access.Notification, error) {
	n, err := scanNotification(t.tx.QueryRowContext(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return n, notFound("find notification " + id)
	}
	if err != nil {
		return n, fmt.Errorf("sqlite: find notification %s: %w", id, err)
	}
	return n, nil
}

// UpdateNotification stores the delivery outcome of n.
func (t *tx) UpdateNotification(ctx context.Context, n access.Notification) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE notifications SET status = ?, attempts = ?, last_error = ?, final = ?, sent_at = ?
		WHERE id = ?`, n.Status, n.Attempts, n.LastError, boolArg(n.Final), timeArg(n.SentAt), n.ID)
	if err != nil {
		return wrapWrite("update notification "+n.ID, err)
	}
	if k, err := res.RowsAffected(); err == nil && k == 0 {
		return notFound("update notification " + n.ID)
	}
	return nil
}

// ListNotifications returns the notifications matching f, newest first.
func (t *tx) ListNotifications(ctx context.Context, f access.NotificationFilter) ([]access.Notification, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"status", f.Status}, {"request_id", f.RequestID}, {"recipient_id", f.RecipientID}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	q := `SELECT ` + notificationColumns + ` FROM notifications`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ") //nolint:gosec // G202: table and column names are constants of this package; values are bound parameters
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list notifications: %w", err)
	}
	defer rows.Close()
	var out []access.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list notifications: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list notifications: %w", err)
	}
	return out, nil
}

// PutSlackMessage records or replaces the approver's message about a request.
func (t *tx) PutSlackMessage(ctx context.Context, m access.SlackMessage) error {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO slack_messages (request_id, user_id, channel, ts) VALUES (?, ?, ?, ?)
		ON CONFLICT (request_id, user_id) DO UPDATE SET channel = excluded.channel, ts = excluded.ts`,
		m.RequestID, m.UserID, m.Channel, m.TS); err != nil {
		return wrapWrite("put slack message of "+m.RequestID, err)
	}
	return nil
}

// ListSlackMessages returns the messages about a request, by user id.
func (t *tx) ListSlackMessages(ctx context.Context, requestID string) ([]access.SlackMessage, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT request_id, user_id, channel, ts FROM slack_messages
		WHERE request_id = ? ORDER BY user_id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list slack messages of %s: %w", requestID, err)
	}
	defer rows.Close()
	var out []access.SlackMessage
	for rows.Next() {
		var m access.SlackMessage
		if err := rows.Scan(&m.RequestID, &m.UserID, &m.Channel, &m.TS); err != nil {
			return nil, fmt.Errorf("sqlite: list slack messages of %s: %w", requestID, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list slack messages of %s: %w", requestID, err)
	}
	return out, nil
}
