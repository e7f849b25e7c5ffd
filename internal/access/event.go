package access

import "time"

// EventType names something that happened, for the decision log.
type EventType string

// Event types.
const (
	EventSubmitted          EventType = "request.submitted"
	EventApproved           EventType = "request.approved" // one approval; Details["approvals"] says how many so far
	EventRejected           EventType = "request.rejected"
	EventCancelled          EventType = "request.cancelled"
	EventExpired            EventType = "request.expired"
	EventActivated          EventType = "request.activated"
	EventEndRequested       EventType = "request.end_requested"
	EventExtensionRequested EventType = "request.extension_requested"
	EventExtensionApproved  EventType = "request.extension_approved" // one approval of an extension
	EventExtensionRejected  EventType = "request.extension_rejected"
	EventExtended           EventType = "request.extended"
	EventEnded              EventType = "request.ended"
	EventRevoked            EventType = "request.revoked"
	EventFailed             EventType = "request.failed"
	EventGrantActivated     EventType = "grant.activated"
	EventGrantFailed        EventType = "grant.failed"
	EventGrantRevoked       EventType = "grant.revoked"
	EventRevocationFailing  EventType = "grant.revocation_failing"
	EventRevocationRestored EventType = "grant.revocation_recovered"
)

// Event is one entry for the decision log.
type Event struct {
	Type      EventType
	RequestID string
	GrantID   string
	Actor     Actor
	At        time.Time
	Details   map[string]string
}
