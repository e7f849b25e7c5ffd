package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

const notificationColumns = `id, request_id, event_type, event, channel, recipient_id, recipient_name, subject,
	status, attempts, last_error, final, not_before, created_at, sent_at`

// InsertNotification records a notification; a taken id is store.ErrConflict.
func (t *Tx) InsertNotification(ctx context.Context, n access.Notification) error {
	ev := string(n.Event)
	if ev == "" {
		ev = "{}"
	}
	if _, err := t.c.Exec(ctx, `INSERT INTO notifications (`+notificationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		n.ID, n.RequestID, n.EventType, ev, n.Channel, n.RecipientID, n.RecipientName, n.Subject,
		n.Status, n.Attempts, n.LastError, n.Final, t.ts(n.NotBefore), t.ts(n.CreatedAt), t.ts(n.SentAt)); err != nil {
		return t.wrap("insert notification "+n.ID, err)
	}
	return nil
}

func scanNotification(row Row) (access.Notification, error) {
	var (
		n                            access.Notification
		ev                           string
		notBefore, createdAt, sentAt dbTime
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
func (t *Tx) FindNotification(ctx context.Context, id string) (access.Notification, error) {
	n, err := scanNotification(t.c.QueryRow(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE id = $1`, id))
	if isNoRows(err) {
		return n, t.notFound("find notification " + id)
	}
	if err != nil {
		return n, t.wrap("find notification "+id, err)
	}
	return n, nil
}

// UpdateNotification stores the delivery outcome of n.
func (t *Tx) UpdateNotification(ctx context.Context, n access.Notification) error {
	k, err := t.c.Exec(ctx, `UPDATE notifications SET status = $1, attempts = $2, last_error = $3, final = $4, sent_at = $5
		WHERE id = $6`, n.Status, n.Attempts, n.LastError, n.Final, t.ts(n.SentAt), n.ID)
	if err != nil {
		return t.wrap("update notification "+n.ID, err)
	}
	if k == 0 {
		return t.notFound("update notification " + n.ID)
	}
	return nil
}

// ListNotifications returns the notifications matching f, newest first.
func (t *Tx) ListNotifications(ctx context.Context, f access.NotificationFilter) ([]access.Notification, error) {
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
	out, err := collect(ctx, t, scanNotification, q, args...)
	if err != nil {
		return nil, t.wrap("list notifications", err)
	}
	return out, nil
}

// PutSlackMessage records or replaces the approver's message about a request.
func (t *Tx) PutSlackMessage(ctx context.Context, m access.SlackMessage) error {
	if _, err := t.c.Exec(ctx, `INSERT INTO slack_messages (request_id, user_id, channel, ts) VALUES ($1, $2, $3, $4)
		ON CONFLICT (request_id, user_id) DO UPDATE SET channel = excluded.channel, ts = excluded.ts`,
		m.RequestID, m.UserID, m.Channel, m.TS); err != nil {
		return t.wrap("put slack message of "+m.RequestID, err)
	}
	return nil
}

// ListSlackMessages returns the messages about a request, by user id.
func (t *Tx) ListSlackMessages(ctx context.Context, requestID string) ([]access.SlackMessage, error) {
	out, err := collect(ctx, t, func(row Row) (m access.SlackMessage, err error) {
		return m, row.Scan(&m.RequestID, &m.UserID, &m.Channel, &m.TS)
	}, `SELECT request_id, user_id, channel, ts FROM slack_messages WHERE request_id = $1 ORDER BY user_id`, requestID)
	if err != nil {
		return nil, t.wrap("list slack messages of "+requestID, err)
	}
	return out, nil
}
