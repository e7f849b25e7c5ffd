package access

import "time"

// Activity fetch statuses of a grant.
const (
	ActivityPending = "pending" // a fetch is scheduled or running; Error is the last failed attempt's
	ActivityFetched = "fetched" // Events are the last successful fetch's
	ActivityFailed  = "failed"  // every attempt failed; Error says why (earlier events kept)
)

// GrantActivity is the session activity stored with one grant: the fetch
// status and the CloudTrail events of the last successful fetch.
type GrantActivity struct {
	GrantID   string
	RequestID string
	Status    string // ActivityPending, ActivityFetched or ActivityFailed
	Error     string
	Attempts  int
	// RequestedAt is when the latest fetch was asked for (end of the grant
	// or a refresh); FetchedAt when events were last stored (zero: never).
	RequestedAt time.Time
	FetchedAt   time.Time
	// WindowStart and WindowEnd are the time range the stored events cover.
	WindowStart, WindowEnd time.Time
	// Events, oldest first (by time, then event id). ListActivity fills
	// them; PutActivityEvents replaces them.
	Events []ActivityEvent
}
