package notify

import (
	"slices"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// NotificationJSON is a notification on the wire (GET /api/v1/notifications).
type NotificationJSON struct {
	ID        string     `json:"id"`
	RequestID string     `json:"request_id"`
	Event     string     `json:"event"`
	Channel   string     `json:"channel"`
	Recipient string     `json:"recipient,omitempty"`
	Subject   string     `json:"subject"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	Final     bool       `json:"final"`
	Due       *time.Time `json:"due,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// Statuses lists the notification statuses a filter may name.
var Statuses = []string{access.NotificationPending, access.NotificationSent, access.NotificationFailed, access.NotificationSkipped}

// ListInput filters a list of notifications.
type ListInput struct {
	Status    string // pending, sent, failed or skipped; empty: all
	RequestID string
	Limit     int // default 100, at most 1000
	// All lists everyone's notifications (admins and auditors only);
	// otherwise only those addressed to the actor.
	All bool
}

// Filter authorizes the actor's list and returns the store filter: an
// actor's own notifications, or everyone's for admins and auditors.
func (in ListInput) Filter(actor access.Actor) (access.NotificationFilter, error) {
	if actor.UserID == "" && !actor.IsSystem() {
		return access.NotificationFilter{}, access.Errorf(access.CodeUnauthenticated, "sign in to list notifications")
	}
	if in.Status != "" && !slices.Contains(Statuses, in.Status) {
		return access.NotificationFilter{}, access.Errorf(access.CodeInvalid, "status %q is unknown: use one of %v", in.Status, Statuses)
	}
	if in.Limit < 0 || in.Limit > 1000 {
		return access.NotificationFilter{}, access.Errorf(access.CodeInvalid, "limit %d is out of range: use 1 to 1000", in.Limit)
	}
	f := access.NotificationFilter{Status: in.Status, RequestID: in.RequestID, Limit: in.Limit}
	if in.All {
		if !actor.Admin && !actor.Auditor && !actor.IsSystem() {
			return access.NotificationFilter{}, access.Errorf(access.CodeForbidden, "only admins and auditors can list everyone's notifications")
		}
	} else {
		f.RecipientID = actor.UserID
	}
	return f, nil
}

// JSON is ns on the wire, in the same order.
func JSON(ns []access.Notification) []NotificationJSON {
	out := make([]NotificationJSON, 0, len(ns))
	for _, n := range ns {
		j := NotificationJSON{ID: n.ID, RequestID: n.RequestID, Event: n.EventType, Channel: n.Channel, Recipient: n.RecipientName,
			Subject: n.Subject, Status: n.Status, Attempts: n.Attempts, LastError: n.LastError, Final: n.Final, CreatedAt: n.CreatedAt}
		if !n.NotBefore.IsZero() {
			j.Due = &n.NotBefore
		}
		if !n.SentAt.IsZero() {
			j.SentAt = &n.SentAt
		}
		out = append(out, j)
	}
	return out
}
