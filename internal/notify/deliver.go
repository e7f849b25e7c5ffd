package notify

import (
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// SkipError says there is nothing to send any more (the warning of a
// request that no longer ends then, a channel turned off since): the
// notification is recorded as skipped, not failed.
type SkipError struct{ Reason string }

func (e SkipError) Error() string { return e.Reason }

// Render renders n for delivery to recip (zero for the webhook and the
// audit channel), from the request as it is now, naming accounts by id.
func (c Config) Render(n access.Notification, ev access.Event, r access.Request, recip access.User) Message {
	return c.RenderNamed(n, ev, r, recip, nil)
}

// RenderNamed is Render with account names by id: times are said the
// channel's way (Slack date tokens, the email zone, UTC), and the message
// telling the requester their access is active carries the "now use it"
// step when an access portal URL is configured.
func (c Config) RenderNamed(n access.Notification, ev access.Event, r access.Request, recip access.User, accounts map[string]string) Message {
	return c.RenderIn(n, ev, r, recip, accounts, nil)
}

// RenderIn is RenderNamed for a recipient who chose the zone they read
// times in (nil: none): email says times in it, else in the configured
// email zone (UTC by default).
func (c Config) RenderIn(n access.Notification, ev access.Event, r access.Request, recip access.User, accounts map[string]string, zone *time.Location) Message {
	m := Message{NotificationID: n.ID, Event: ev, Request: r, Recipient: recip, URL: c.RequestURL(r.ID),
		PortalOnly: c.PortalOnly(r.PermissionSetName), Voice: c.voiceFor(n.Channel, accounts, zone)}
	m.Subject = m.Voice.Subject(ev, r)
	if ev.Type == access.EventActivated && r.Status == access.StatusActive && recip.ID != "" && recip.ID == r.RequesterID {
		m.Use = UseOf(c.AccessPortalURL, c.SSORegion, r, accounts)
	}
	pendingExtension := r.Status == access.StatusActive && r.PendingExtension() >= 0
	if recip.ID != "" && r.IsApprover(recip.ID) && (r.Status == access.StatusPending || pendingExtension) {
		decided := false
		for _, a := range r.Approvals {
			decided = decided || (a.UserID == recip.ID && !pendingExtension)
		}
		m.CanDecide = !decided
	}
	if why := AskedBecause(ev, recip.ID); why != "" && r.IsApprover(recip.ID) {
		m.Note = "You are asked because " + why + "."
	}
	if ev.Type == EventEndingSoon && recip.ID != "" && recip.ID == r.RequesterID {
		m.Remind = true
		m.ExtendStep = time.Hour
		if d, err := time.ParseDuration(ev.Details[DetailExtendStep]); err == nil && d > 0 {
			m.ExtendStep = d
		}
	}
	m.Text = body(m)
	return m
}

// Deliverable reports whether m may still be sent for n: a SkipError for
// a warning whose request no longer ends at the time it warns of, a
// PermanentError for a recipient no longer in the directory.
func Deliverable(n access.Notification, m Message) error {
	if m.Event.Type == EventEndingSoon {
		want := m.Event.Details["ends_at"]
		if m.Request.Status != access.StatusActive || m.Request.EndRequested() || m.Request.EndsAt.UTC().Format(time.RFC3339Nano) != want {
			return SkipError{"the request no longer ends at " + want}
		}
	}
	if n.RecipientID != "" && m.Recipient.ID == "" {
		return &PermanentError{fmt.Errorf("user %s is not in the directory", n.RecipientName)}
	}
	return nil
}

// Delivery outcomes, as counted for /metrics.
const (
	OutcomeSent    = "sent"
	OutcomeSkipped = "skipped"
	OutcomeFailed  = "failed"   // retried
	OutcomeGivenUp = "given_up" // failed for good
)

// Attempt returns n with the outcome of delivery attempt number attempt
// recorded (sendErr nil: sent at now; a SkipError: skipped; a
// PermanentError, or any error on the final attempt: given up; otherwise
// failed, to retry), and that outcome.
func Attempt(n access.Notification, attempt int, final bool, sendErr error, now time.Time) (access.Notification, string) {
	n.Attempts = max(attempt, n.Attempts+1)
	outcome := OutcomeSent
	var perm *PermanentError
	var skip SkipError
	switch {
	case sendErr == nil:
		n.Status, n.LastError, n.SentAt, n.Final = access.NotificationSent, "", now.UTC().Truncate(time.Microsecond), true
	case errors.As(sendErr, &skip):
		n.Status, n.LastError, n.Final, outcome = access.NotificationSkipped, skip.Reason, true, OutcomeSkipped
	default:
		n.Status, n.LastError, outcome = access.NotificationFailed, sendErr.Error(), OutcomeFailed
		n.Final = final || errors.As(sendErr, &perm)
		if n.Final {
			outcome = OutcomeGivenUp
		}
	}
	return n, outcome
}
