package access

import "time"

// BreakGlassUse is one break-glass request: recorded when the
// request is made, reviewed afterwards by an approver or an admin.
type BreakGlassUse struct {
	RequestID         string
	RequesterID       string
	RequesterName     string
	Rule              string
	PermissionSetName string
	AccountIDs        []string
	Justification     string
	At                time.Time // when it was requested (and activated)
	// Status is the request's status when read (set by the engines from
	// the request; ignored by CreateBreakGlass).
	Status Status
	// The review; zero until reviewed.
	ReviewerID    string
	ReviewedBy    string // the reviewer's user name
	ReviewedAt    time.Time
	ReviewComment string
}

// Reviewed reports whether the use was reviewed.
func (u BreakGlassUse) Reviewed() bool { return !u.ReviewedAt.IsZero() }

// BreakGlassReview is the review of one break-glass use.
type BreakGlassReview struct {
	RequestID  string
	ReviewerID string
	ReviewedBy string
	At         time.Time
	Comment    string
}

// BreakGlassFilter selects break-glass uses. Zero fields match everything.
type BreakGlassFilter struct {
	Unreviewed bool // only those not reviewed yet
	Limit      int  // 0: the engine's default of 100
}

// DefaultBreakGlassLimit is ListBreakGlass's default.
const DefaultBreakGlassLimit = 100
