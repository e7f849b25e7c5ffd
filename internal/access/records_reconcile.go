package access

import "time"

// ManagedGrant is one grant as reconciliation sees it: the assignment it
// needs, where it is, how it came to hold the assignment, and whether that
// assignment is recorded as standing.
type ManagedGrant struct {
	RequestID   string
	GrantID     string
	Assignment  Assignment
	Status      GrantStatus
	Origin      Origin
	ActivatedAt time.Time
	// ClosedAt is when a revoked or failed grant closed (its revoked_at, or
	// its request's last update); zero for an open grant.
	ClosedAt time.Time
	Standing bool
	// DriftMissingSince is when reconciliation first found the active
	// grant's assignment missing in AWS; zero when it was not.
	DriftMissingSince time.Time
}

// Kinds of RunStatus.
const (
	RunDirectorySync = "directory_sync"
	RunReconcile     = "reconcile"
	// RunDirectoryEvents is the last directory event applied (a user
	// re-read after an identity store change arrived through the queue).
	RunDirectoryEvents = "directory_events"
)

// RunStatus is the outcome of the last run of a periodic task (directory
// sync, reconciliation).
type RunStatus struct {
	Kind      string
	StartedAt time.Time
	EndedAt   time.Time // zero while running
	// LastSuccessAt is when the last run that succeeded ended.
	LastSuccessAt time.Time
	// Counts are what the run saw and did, by name (accounts, users, ...).
	Counts map[string]int
	Error  string // "" when it succeeded
}
