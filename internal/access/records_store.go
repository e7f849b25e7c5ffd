package access

import "time"

// RequestFilter selects requests. Zero fields match everything.
type RequestFilter struct {
	Statuses    []Status
	RequesterID string
	// ApproverID matches requests this user may approve.
	ApproverID string
	// InvolvingUserID matches requests the user made or may approve.
	InvolvingUserID string
	Limit           int // 0: the engine's default of 100
}

// GrantRef names a grant and its status.
type GrantRef struct {
	RequestID string
	GrantID   string
	Status    GrantStatus
}

// Token is a personal access token for the API. Only the SHA-256 hash of the
// secret is stored.
type Token struct {
	ID         string
	UserID     string
	Name       string
	Hash       []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time
}
