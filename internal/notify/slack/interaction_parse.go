package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	goslack "github.com/slack-go/slack"
)

// Errors of ParseInteraction for a body that is signed but malformed.
var (
	ErrNotForm        = errors.New("slack: the body is not a form")
	ErrNotInteraction = errors.New("slack: the payload is not an interaction")
)

// Decision is what one interaction payload asks elevate to do: approve or
// reject a request, as a Slack user.
type Decision struct {
	// ActionID is ActionApprove or ActionReject.
	ActionID string
	// RequestID is the button's value: the request the decision is on.
	RequestID string
	// SlackUserID is who pressed the button (looked up in Slack for an email).
	SlackUserID string
	// Comment is the comment box's value, trimmed.
	Comment string
	// Extend is what the reminder's extend button asks for.
	Extend time.Duration
}

// ParseInteraction checks the signature of an interaction request (its
// X-Slack-Request-Timestamp, X-Slack-Signature and body) at time now, then
// parses the form's payload and extracts the decision. It returns the
// callback (for its response_url) and the decision, nil when the payload is
// not an Approve or Reject press (the portal link, the comment box, other
// interaction types). Errors wrap ErrBadSignature or ErrStale (401), or
// ErrNotForm or ErrNotInteraction (400).
func ParseInteraction(secret, timestamp, signature string, body []byte, now time.Time) (goslack.InteractionCallback, *Decision, error) {
	var cb goslack.InteractionCallback
	if err := Verify(secret, timestamp, signature, body, now); err != nil {
		return cb, nil, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return cb, nil, fmt.Errorf("%w: %w", ErrNotForm, err)
	}
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		return goslack.InteractionCallback{}, nil, fmt.Errorf("%w: %w", ErrNotInteraction, err)
	}
	if cb.Type != goslack.InteractionTypeBlockActions {
		return cb, nil, nil
	}
	var act *goslack.BlockAction
	for _, a := range cb.ActionCallback.BlockActions {
		if a != nil && (a.ActionID == ActionApprove || a.ActionID == ActionReject || isReminderAction(a.ActionID)) {
			act = a
			break
		}
	}
	if act == nil {
		return cb, nil, nil
	}
	d := &Decision{ActionID: act.ActionID, RequestID: act.Value, SlackUserID: cb.User.ID}
	if isReminderAction(act.ActionID) {
		d.RequestID, d.Extend = reminderValue(act.ActionID, act.Value)
	}
	if cb.BlockActionState != nil {
		d.Comment = strings.TrimSpace(cb.BlockActionState.Values[BlockComment][ActionComment].Value)
	}
	return cb, d, nil
}
