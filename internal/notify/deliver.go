package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// errSkip: there is nothing to send any more.
type errSkip struct{ reason string }

func (e errSkip) Error() string { return e.reason }

// Deliver sends notification id. It is the body of the notify job: a
// returned error means "retry later"; final says this is the last attempt.
// A delivery already done is not repeated. The outcome is recorded on the
// notification and counted for /metrics.
func (s *Service) Deliver(ctx context.Context, id string, attempt int, final bool) error {
	var (
		n     access.Notification
		r     *access.Request
		recip access.User
	)
	err := s.d.Store.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		if n, err = tx.FindNotification(ctx, id); err != nil {
			return err
		}
		if r, err = tx.FindRequestByID(ctx, n.RequestID); err != nil {
			return fmt.Errorf("find request %s: %w", n.RequestID, err)
		}
		if n.RecipientID != "" {
			if recip, err = tx.FindUserByID(ctx, n.RecipientID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("find user %s: %w", n.RecipientID, err)
			}
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) && n.ID == "" {
		return nil // the notification is gone: nothing to do
	}
	if err != nil {
		return fmt.Errorf("notify: deliver %s: %w", id, err)
	}
	if n.Status == access.NotificationSent || n.Status == access.NotificationSkipped {
		return nil
	}
	ev, err := decodeEvent(n.Event)
	if err != nil {
		return s.record(ctx, n, attempt, true, &PermanentError{err})
	}
	m := s.message(n, ev, *r, recip)
	sendErr := s.send(ctx, n, m)
	return s.record(ctx, n, attempt, final, sendErr)
}

// message renders n for delivery, from the request as it is now.
func (s *Service) message(n access.Notification, ev access.Event, r access.Request, recip access.User) Message {
	m := Message{NotificationID: n.ID, Event: ev, Request: r, Recipient: recip, URL: s.RequestURL(r.ID),
		PortalOnly: s.PortalOnly(r.PermissionSetName)}
	m.Subject = Subject(ev, r)
	pendingExtension := r.Status == access.StatusActive && r.PendingExtension() >= 0
	if recip.ID != "" && r.IsApprover(recip.ID) && (r.Status == access.StatusPending || pendingExtension) {
		decided := false
		for _, a := range r.Approvals {
			decided = decided || (a.UserID == recip.ID && !pendingExtension)
		}
		m.CanDecide = !decided
	}
	m.Text = body(m)
	return m
}

// send delivers m on n's channel.
func (s *Service) send(ctx context.Context, n access.Notification, m Message) error {
	if m.Event.Type == EventEndingSoon {
		want := m.Event.Details["ends_at"]
		if m.Request.Status != access.StatusActive || m.Request.EndRequested() || m.Request.EndsAt.UTC().Format(time.RFC3339Nano) != want {
			return errSkip{"the request no longer ends at " + want}
		}
	}
	if n.RecipientID != "" && m.Recipient.ID == "" {
		return &PermanentError{fmt.Errorf("user %s is not in the directory", n.RecipientName)}
	}
	switch n.Channel {
	case ChannelSlack:
		if s.d.Slack == nil {
			return errSkip{"slack is not configured"}
		}
		channel, ts, err := s.d.Slack.DirectMessage(ctx, m)
		if err != nil {
			return err
		}
		if m.Request.IsApprover(m.Recipient.ID) {
			// Remember the approver's message, to update it when anyone decides.
			if err := s.d.Store.InTx(ctx, func(tx store.Tx) error {
				return tx.PutSlackMessage(ctx, access.SlackMessage{RequestID: m.Request.ID, UserID: m.Recipient.ID, Channel: channel, TS: ts})
			}); err != nil {
				return fmt.Errorf("record slack message: %w", err)
			}
		}
		return nil
	case ChannelSlackUpdate:
		if s.d.Slack == nil {
			return errSkip{"slack is not configured"}
		}
		var msgs []access.SlackMessage
		if err := s.d.Store.ReadTx(ctx, func(tx store.Tx) error {
			var err error
			msgs, err = tx.ListSlackMessages(ctx, m.Request.ID)
			return err
		}); err != nil {
			return fmt.Errorf("slack messages of %s: %w", m.Request.ID, err)
		}
		for _, sm := range msgs {
			if sm.UserID == m.Recipient.ID {
				return s.d.Slack.UpdateMessage(ctx, sm.Channel, sm.TS, m)
			}
		}
		// The DM was never sent (or not yet: it will show the request as it is then).
		return errSkip{"no Slack message to update"}
	case ChannelSlackAudit:
		if s.d.Slack == nil {
			return errSkip{"slack is not configured"}
		}
		return s.d.Slack.AuditMessage(ctx, m)
	case ChannelEmail:
		if s.d.Email == nil {
			return errSkip{"email is not configured"}
		}
		return s.d.Email.Send(ctx, m)
	case ChannelWebhook:
		if s.d.Webhook == nil {
			return errSkip{"no webhook is configured"}
		}
		return s.d.Webhook.Send(ctx, m)
	case ChannelLog:
		s.d.Logger.InfoContext(ctx, "notification", "notification_id", n.ID, "channel", "log", "to", n.RecipientName,
			"request_id", n.RequestID, "event", n.EventType, "subject", m.Subject, "url", m.URL)
		return nil
	}
	return &PermanentError{fmt.Errorf("unknown channel %q", n.Channel)}
}

// record stores the outcome of an attempt and returns what the job should:
// nil when done (sent, skipped, or failed for good), the error to retry.
func (s *Service) record(ctx context.Context, n access.Notification, attempt int, final bool, sendErr error) error {
	n.Attempts = max(attempt, n.Attempts+1)
	outcome := "sent"
	var perm *PermanentError
	var skip errSkip
	switch {
	case sendErr == nil:
		n.Status, n.LastError, n.SentAt, n.Final = access.NotificationSent, "", s.d.Now().UTC().Truncate(time.Microsecond), true
	case errors.As(sendErr, &skip):
		n.Status, n.LastError, n.Final, outcome = access.NotificationSkipped, skip.reason, true, "skipped"
	default:
		n.Status, n.LastError, outcome = access.NotificationFailed, sendErr.Error(), "failed"
		n.Final = final || errors.As(sendErr, &perm)
		if n.Final {
			outcome = "given_up"
		}
	}
	s.d.Observer.ObserveNotification(n.Channel, outcome)
	if err := s.d.Store.InTx(ctx, func(tx store.Tx) error { return tx.UpdateNotification(ctx, n) }); err != nil {
		return fmt.Errorf("notify: record delivery of %s: %w", n.ID, errors.Join(err, sendErr))
	}
	if outcome == "failed" {
		s.d.Logger.WarnContext(ctx, "notification not delivered; will retry", "notification_id", n.ID, "channel", n.Channel,
			"to", n.RecipientName, "attempt", n.Attempts, "error", sendErr.Error())
		return fmt.Errorf("notify: deliver %s on %s: %w", n.ID, n.Channel, sendErr)
	}
	if outcome == "given_up" {
		s.d.Logger.ErrorContext(ctx, "notification given up", "notification_id", n.ID, "channel", n.Channel,
			"to", n.RecipientName, "attempts", n.Attempts, "error", sendErr.Error())
	}
	return nil
}
