package access

import "time"

// Notification statuses.
const (
	NotificationPending = "pending" // not yet attempted
	NotificationSent    = "sent"
	NotificationFailed  = "failed"  // the last attempt failed (see Final)
	NotificationSkipped = "skipped" // nothing to send any more (a warning for an end that moved)
)

// Notification is one message to one recipient on one channel, recorded
// when the event that causes it commits and updated by its delivery job.
type Notification struct {
	ID        string
	RequestID string
	EventType string // EventType of the event
	// Event is the event as JSON (the webhook payload's "event").
	Event []byte
	// Channel is slack, slack_update, slack_audit, email, webhook or log.
	Channel string
	// RecipientID is the directory user (empty for webhook and the audit channel).
	RecipientID   string
	RecipientName string
	Subject       string // one line, for lists and the log
	Status        string // pending, sent, failed, skipped
	Attempts      int
	LastError     string
	// Final: no further attempt will be made.
	Final     bool
	NotBefore time.Time // when the delivery is due
	CreatedAt time.Time
	SentAt    time.Time
}

// NotificationFilter selects notifications. Zero fields match everything.
type NotificationFilter struct {
	Status      string
	RequestID   string
	RecipientID string
	Limit       int // 0: the engine's default of 100
}

// SlackMessage is the Slack message an approver received about a request,
// kept so that it can be updated in place when anyone decides.
type SlackMessage struct {
	RequestID string
	UserID    string // directory user id of the approver
	Channel   string // Slack channel id of the DM
	TS        string // Slack message timestamp (its id)
}
