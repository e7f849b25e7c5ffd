package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/say"
	"github.com/elevate/elevate/internal/store"
)

// Deliver sends notification id. It is the body of the notify job: a
// returned error means "retry later"; final says this is the last attempt.
// A delivery already done is not repeated. The outcome is recorded on the
// notification and counted for /metrics. It satisfies jobs.Deliverer.
func (n *Notifications) Deliver(ctx context.Context, id string, attempt int, final bool) error {
	return n.deliver(ctx, id, attempt, final, nil)
}

// approverMFAFunc reads the approver_mfa.max_age of the rule named rule.
type approverMFAFunc func(ctx context.Context, tx store.Tx, rule string) (time.Duration, error)

// Deliver sends notification id as Notifications.Deliver does, reading the
// request's rule in the policy in effect: under a rule with approver_mfa,
// an approver's Slack message links to the portal instead of carrying an
// Approve button that would be refused. It satisfies jobs.Deliverer.
func (s *Service) Deliver(ctx context.Context, id string, attempt int, final bool) error {
	if s.notif == nil {
		return errors.New("notify: deliver: notifications are not configured")
	}
	return s.notif.deliver(ctx, id, attempt, final, s.approverMFAOf)
}

// rendering is what a notification is rendered from: the notification,
// its request as it is now, its recipient and their zone, the accounts'
// names and, for delivery, the rule's approver_mfa.max_age.
type rendering struct {
	nt    access.Notification
	r     access.Request
	recip access.User
	names map[string]string
	zone  *time.Location
	mfa   time.Duration
}

// readRendering reads notification id and what it is rendered from;
// approverMFA nil leaves mfa zero.
func readRendering(ctx context.Context, tx store.Tx, id string, approverMFA approverMFAFunc) (rendering, error) {
	var in rendering
	var err error
	if in.nt, err = tx.FindNotification(ctx, id); err != nil {
		return in, err
	}
	rp, err := tx.FindRequestByID(ctx, in.nt.RequestID)
	if err != nil {
		return in, fmt.Errorf("find request %s: %w", in.nt.RequestID, err)
	}
	in.r = *rp
	if in.names, err = accountNames(ctx, tx, in.r.AccountIDs()); err != nil {
		return in, err
	}
	if approverMFA != nil {
		if in.mfa, err = approverMFA(ctx, tx, in.r.Rule); err != nil {
			return in, err
		}
	}
	if in.nt.RecipientID != "" {
		if in.recip, err = tx.FindUserByID(ctx, in.nt.RecipientID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return in, fmt.Errorf("find user %s: %w", in.nt.RecipientID, err)
		}
		if in.zone, err = recipientZone(ctx, tx, in.nt.RecipientID); err != nil {
			return in, err
		}
	}
	return in, nil
}

func (n *Notifications) deliver(ctx context.Context, id string, attempt int, final bool, approverMFA approverMFAFunc) error {
	var in rendering
	err := n.st.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		in, err = readRendering(ctx, tx, id, approverMFA)
		return err
	})
	nt := in.nt
	if errors.Is(err, store.ErrNotFound) && nt.ID == "" {
		return nil // the notification is gone: nothing to do
	}
	if err != nil {
		return fmt.Errorf("notify: deliver %s: %w", id, err)
	}
	if nt.Status == access.NotificationSent || nt.Status == access.NotificationSkipped {
		return nil
	}
	ev, err := notify.DecodeEvent(nt.Event)
	if err != nil {
		return n.record(ctx, nt, attempt, true, &notify.PermanentError{Err: err})
	}
	m := n.cfg.RenderIn(nt, ev, in.r, in.recip, in.names, in.zone)
	m.ApproverMFA = in.mfa
	sendErr := notify.Deliverable(nt, m)
	if sendErr == nil {
		sendErr = n.send(ctx, nt, m)
	}
	return n.record(ctx, nt, attempt, final, sendErr)
}

// recipientZone is the zone the user chose on their profile page (nil:
// none, or a name this system does not know).
func recipientZone(ctx context.Context, tx store.Tx, userID string) (*time.Location, error) {
	us, err := tx.FindUserSettings(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find settings of %s: %w", userID, err)
	}
	if us.TimeZone == "" {
		return nil, nil
	}
	loc, err := say.Zone(us.TimeZone)
	if err != nil {
		return nil, nil //nolint:nilerr // a zone no longer known here: the default zone
	}
	return loc, nil
}

// send delivers m on nt's channel.
func (n *Notifications) send(ctx context.Context, nt access.Notification, m notify.Message) error {
	switch nt.Channel {
	case notify.ChannelSlack:
		if n.slack == nil {
			return notify.SkipError{Reason: "slack is not configured"}
		}
		channel, ts, err := n.slack.DirectMessage(ctx, m)
		if err != nil {
			return err
		}
		if m.Request.IsApprover(m.Recipient.ID) {
			// Remember the approver's message, to update it when anyone decides.
			if err := n.st.InTx(ctx, func(tx store.Tx) error {
				return tx.PutSlackMessage(ctx, access.SlackMessage{RequestID: m.Request.ID, UserID: m.Recipient.ID, Channel: channel, TS: ts})
			}); err != nil {
				return fmt.Errorf("record slack message: %w", err)
			}
		}
		return nil
	case notify.ChannelSlackUpdate:
		if n.slack == nil {
			return notify.SkipError{Reason: "slack is not configured"}
		}
		var msgs []access.SlackMessage
		if err := n.st.ReadTx(ctx, func(tx store.Tx) error {
			var err error
			msgs, err = tx.ListSlackMessages(ctx, m.Request.ID)
			return err
		}); err != nil {
			return fmt.Errorf("slack messages of %s: %w", m.Request.ID, err)
		}
		for _, sm := range msgs {
			if sm.UserID == m.Recipient.ID {
				return n.slack.UpdateMessage(ctx, sm.Channel, sm.TS, m)
			}
		}
		// The DM was never sent (or not yet: it will show the request as it is then).
		return notify.SkipError{Reason: "no Slack message to update"}
	case notify.ChannelSlackAudit:
		if n.slack == nil {
			return notify.SkipError{Reason: "slack is not configured"}
		}
		return n.slack.AuditMessage(ctx, m)
	case notify.ChannelEmail:
		if n.email == nil {
			return notify.SkipError{Reason: "email is not configured"}
		}
		return n.email.Send(ctx, m)
	case notify.ChannelWebhook:
		if n.webhook == nil {
			return notify.SkipError{Reason: "no webhook is configured"}
		}
		return n.webhook.Send(ctx, m)
	case notify.ChannelSlackChannel:
		sc, ok := n.slack.(notify.SlackChannels)
		if !ok {
			return notify.SkipError{Reason: "slack is not configured"}
		}
		return sc.ChannelMessage(ctx, nt.RecipientName, m)
	case notify.ChannelTeams:
		if n.teams == nil {
			return notify.SkipError{Reason: "teams is not configured"}
		}
		return n.teams.Send(ctx, nt.RecipientName, m)
	case notify.ChannelLog:
		n.log.InfoContext(ctx, "notification", "notification_id", nt.ID, "channel", "log", "to", nt.RecipientName,
			"request_id", nt.RequestID, "event", nt.EventType, "subject", m.Subject, "url", m.URL)
		return nil
	}
	return &notify.PermanentError{Err: fmt.Errorf("unknown channel %q", nt.Channel)}
}

// record stores the outcome of an attempt and returns what the job should:
// nil when done (sent, skipped, or failed for good), the error to retry.
func (n *Notifications) record(ctx context.Context, nt access.Notification, attempt int, final bool, sendErr error) error {
	nt, outcome := notify.Attempt(nt, attempt, final, sendErr, n.clock.Now())
	n.obs.ObserveNotification(nt.Channel, outcome)
	if err := n.st.InTx(ctx, func(tx store.Tx) error { return tx.UpdateNotification(ctx, nt) }); err != nil {
		return fmt.Errorf("notify: record delivery of %s: %w", nt.ID, errors.Join(err, sendErr))
	}
	switch outcome {
	case notify.OutcomeFailed:
		n.log.WarnContext(ctx, "notification not delivered; will retry", "notification_id", nt.ID, "channel", nt.Channel,
			"to", nt.RecipientName, "attempt", nt.Attempts, "error", sendErr.Error())
		return fmt.Errorf("notify: deliver %s on %s: %w", nt.ID, nt.Channel, sendErr)
	case notify.OutcomeGivenUp:
		n.log.ErrorContext(ctx, "notification given up", "notification_id", nt.ID, "channel", nt.Channel,
			"to", nt.RecipientName, "attempts", nt.Attempts, "error", sendErr.Error())
	}
	return nil
}
