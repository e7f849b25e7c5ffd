package access

import "time"

// RequestOrder is the order of a page of requests. Both orders sort by the
// creation time, then by id in the same direction, so that every request
// has one place and a page can continue after the last one it held.
type RequestOrder string

// Request orders.
const (
	NewestFirst RequestOrder = "newest" // the default
	OldestFirst RequestOrder = "oldest"
)

// RequestKey is a request's place in a RequestOrder: its creation time (the
// zero time sorts after every other, in both orders) and its id.
type RequestKey struct {
	CreatedAt time.Time
	ID        string
}

// KeyOf returns r's place in a RequestOrder.
func KeyOf(r *Request) RequestKey { return RequestKey{CreatedAt: r.CreatedAt, ID: r.ID} }

// RequestQuery selects a page of requests. Zero fields match everything.
type RequestQuery struct {
	Statuses    []Status
	RequesterID string
	// ApproverID matches requests this user may approve.
	ApproverID string
	// InvolvingUserID matches requests the user made or may approve.
	InvolvingUserID string
	// Requester matches the requester's id, or a part of their name,
	// case-insensitively.
	Requester string
	// AccountIDs matches requests with a grant in any of these accounts.
	AccountIDs []string
	// PermissionSet matches the permission set's ARN, or a part of its
	// name, case-insensitively.
	PermissionSet string
	// Search matches a part of the id, the requester's id or name, the
	// permission set's name, the justification, the ticket, or an
	// account id of a grant, case-insensitively.
	Search string
	// CreatedFrom and CreatedBefore bound the creation time:
	// CreatedFrom <= created < CreatedBefore (zero: unbounded).
	CreatedFrom, CreatedBefore time.Time
	Order                      RequestOrder
	// After, when set, starts the page after this place in Order.
	After *RequestKey
	Limit int // 0: the engine's default of 100; at most 1001 (a page of 1000 and whether more follow)
}
