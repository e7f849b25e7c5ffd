package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const notificationColumns = `id, request_id, event_type, event::text, channel, recipient_id, recipient_name, subject,
	status, attempts, last_error, final, not_before, created_at, sent_at`

// InsertNotification records a notification; a taken id is store.ErrConflict.
func (t *tx) InsertNotification(ctx context.Context, n access.Notification) error {
	ev := string(n.Event)
	if ev == "" {
		ev = "{}"
	}
	if _, err := t.tx.Exec(ctx, `INSERT INTO notifications (id, request_id, event_type, event, channel, recipient_id,
		recipient_name, subject, status, attempts, last_error, final, not_before, created_at, sent_at)
		VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		n.ID, n.RequestID, n.EventType, ev, n.Channel, n.RecipientID, n.RecipientName, n.Subject,
		n.Status, n.Attempts, n.LastError, n.Final, timeArg(n.NotBefore), n.CreatedAt, timeArg(n.SentAt)); err != nil {
		return wrap("insert notification "+n.ID, err)
	}
	return nil
}

func scanNotification(row pgx.Row) (access.Notification, error) {
	var (
		n                            access.Notification
		ev                           string
		notBefore, createdAt, sentAt pgtype.Timestamptz
	)
	if err := row.Scan(&n.ID, &n.RequestID, &n.EventType, &ev, &n.Channel, &n.RecipientID, &n.RecipientName, &n.Subject,
		&n.Status, &n.Attempts, &n.LastError, &n.Final, &notBefore, &createdAt, &sentAt); err != nil {
		return n, err
	}
	n.Event = []byte(ev)
	n.NotBefore, n.CreatedAt, n.SentAt = timeOf(notBefore), timeOf(createdAt), timeOf(sentAt)
	return n, nil
}

// FindNotification returns one notification.
func (t *tx) FindNotification(ctx context.Context, id string) (access.Notification, error) {
	n, err := scanNotification(t.tx.QueryRow(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return n, notFound("find notification " + id)
	}
	if err != nil {
		return n, wrap("find notification "+id, err)
	}
	return n, nil
}

// UpdateNotification stores the delivery outcome of n.
func (t *tx) UpdateNotification(ctx context.Context, n access.Notification) error {
	tag, err := t.tx.Exec(ctx, `UPDATE notifications SET status = $1, attempts = $2, last_error = $3, final = $4, sent_at = $5
		WHERE id = $6`, n.Status, n.Attempts, n.LastError, n.Final, timeArg(n.SentAt), n.ID)
	if err != nil {
		return wrap("update notification "+n.ID, err)
	}
	if tag.RowsAffected() == 0 {
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
			args = append(args, c.v)
			where = append(where, fmt.Sprintf("%s = $%d", c.col, len(args)))
		}
	}
	q := `SELECT ` + notificationColumns + ` FROM notifications`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d`, len(args))
	var out []access.Notification
	err := t.each(ctx, func(rows pgx.Rows) error {
		n, err := scanNotification(rows)
		if err != nil {
			return err
		}
		out = append(out, n)
		return nil
	}, q, args...)
	if err != nil {
		return nil, wrap("list notifications", err)
	}
	return out, nil
}

// PutSlackMessage records or replaces the approver's message about a request.
func (t *tx) PutSlackMessage(ctx context.Context, m access.SlackMessage) error {
	if _, err := t.tx.Exec(ctx, `INSERT INTO slack_messages (request_id, user_id, channel, ts) VALUES ($1, $2, $3, $4)
		ON CONFLICT (request_id, user_id) DO UPDATE SET channel = excluded.channel, ts = excluded.ts`,
		m.RequestID, m.UserID, m.Channel, m.TS); err != nil {
		return wrap("put slack message of "+m.RequestID, err)
	}
	return nil
}

// ListSlackMessages returns the messages about a request, by user id.
func (t *tx) ListSlackMessages(ctx context.Context, requestID string) ([]access.SlackMessage, error) {
	var out []access.SlackMessage
	err := t.each(ctx, func(rows pgx.Rows) error {
		var m access.SlackMessage
		if err := rows.Scan(&m.RequestID, &m.UserID, &m.Channel, &m.TS); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	}, `SELECT request_id, user_id, channel, ts FROM slack_messages WHERE request_id = $1 ORDER BY user_id`, requestID)
	if err != nil {
		return nil, wrap("list slack messages of "+requestID, err)
	}
	return out, nil
}
