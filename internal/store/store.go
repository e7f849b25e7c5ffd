// Package store declares how elevate persists its state: the Store and Tx
// interfaces, their parameters and filters, and the errors every engine
// returns. The engines live in the sqlite and postgres subpackages and must
// pass the storetest conformance suite.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// Errors every engine returns (wrapped, so test with errors.Is).
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict: a row changed since it was read (optimistic concurrency),
	// or a unique key is taken. The caller retries its whole transaction.
	ErrConflict = errors.New("conflict")
)

// Store opens transactions. Every use case runs in exactly one.
type Store interface {
	// InTx runs fn in a read-write transaction, committing when fn returns
	// nil and rolling back otherwise.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// ReadTx runs fn in a read-only transaction.
	ReadTx(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks that the database answers (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Tx is one transaction. Its methods say which operation failed in their
// errors.
type Tx interface {
	// CreateRequest inserts a new request with its grants and approvals.
	// r.Version is set to 1.
	CreateRequest(ctx context.Context, r *access.Request) error
	// UpdateRequest writes r (request row, grants, approvals) if the stored
	// version still equals r.Version, then bumps r.Version. Otherwise it
	// returns ErrConflict.
	UpdateRequest(ctx context.Context, r *access.Request) error
	// FindRequestByID returns the request with its grants and approvals.
	FindRequestByID(ctx context.Context, id string) (*access.Request, error)
	// FindRequestByGrantID returns the request that owns the grant.
	FindRequestByGrantID(ctx context.Context, grantID string) (*access.Request, error)
	// CountRequests returns how many requests are in each status, and how
	// many have a failing revocation (for metrics).
	CountRequests(ctx context.Context) (byStatus map[access.Status]int, revocationFailing int, err error)
	// ListRequests returns requests matching f, newest first.
	ListRequests(ctx context.Context, f RequestFilter) ([]*access.Request, error)

	// LockAssignment serializes the transactions that decide about one
	// account assignment (share it, delete it, create it) until this
	// transaction ends. Engines whose writers are already serialized may
	// make it a no-op.
	LockAssignment(ctx context.Context, a access.Assignment) error
	// AssignmentHolders returns the grants, other than exceptGrantID, that
	// are active or revoking on the same assignment (account, permission
	// set, user).
	AssignmentHolders(ctx context.Context, a access.Assignment, exceptGrantID string) ([]GrantRef, error)
	// IsStanding reports whether the assignment existed before elevate
	// touched it (it is then never deleted by elevate).
	IsStanding(ctx context.Context, a access.Assignment) (bool, error)
	// SetStanding records or clears that the assignment is standing.
	SetStanding(ctx context.Context, a access.Assignment, standing bool, at time.Time) error

	// AppendEvent appends an entry to the decision log.
	AppendEvent(ctx context.Context, e access.Event) error
	// ListEvents returns the events of one request (or all when requestID is
	// empty), oldest first.
	ListEvents(ctx context.Context, requestID string) ([]access.Event, error)

	// ReplaceDirectory stores a full directory snapshot, replacing the last.
	ReplaceDirectory(ctx context.Context, d access.Directory, syncedAt time.Time) error
	// DirectorySyncedAt returns when the directory was last replaced (zero if never).
	DirectorySyncedAt(ctx context.Context) (time.Time, error)
	FindUserByID(ctx context.Context, id string) (access.User, error)
	// FindUserByName matches the user name or the email, case-insensitively.
	FindUserByName(ctx context.Context, name string) (access.User, error)
	// GroupIDsOfUser returns the ids of the groups the user is a direct member of.
	GroupIDsOfUser(ctx context.Context, userID string) ([]string, error)
	FindGroupByName(ctx context.Context, name string) (access.Group, error)
	// UserIDsInGroups returns the distinct ids of active users in any of the groups.
	UserIDsInGroups(ctx context.Context, groupIDs []string) ([]string, error)
	ListAccounts(ctx context.Context) ([]access.Account, error)
	FindAccount(ctx context.Context, idOrName string) (access.Account, error)
	ListPermissionSets(ctx context.Context) ([]access.PermissionSet, error)
	// FindPermissionSet matches the name (case-insensitively) or the ARN.
	FindPermissionSet(ctx context.Context, nameOrARN string) (access.PermissionSet, error)

	// CreateToken stores an API token (only its hash).
	CreateToken(ctx context.Context, t Token) error
	// FindTokenByHash returns the token with the given SHA-256 hash.
	FindTokenByHash(ctx context.Context, hash []byte) (Token, error)
	// TouchToken records the token's last use.
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// RequestFilter selects requests. Zero fields match everything.
type RequestFilter struct {
	Statuses    []access.Status
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
	Status    access.GrantStatus
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
