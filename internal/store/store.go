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
	// hold or are about to hold the same assignment (account, permission
	// set, user): active, revoking, or pending with a create sent (origin
	// created).
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

	// Reconciliation and run status (issue 4).
	//
	// ManagedGrants returns the grants reconciliation compares with AWS:
	// every grant pending, active or revoking, and every grant revoked or
	// failed at or after closedSince whose origin is created or shared,
	// ordered by account, permission set, user and grant id.
	ManagedGrants(ctx context.Context, closedSince time.Time) ([]ManagedGrant, error)
	// PutRunStatus stores s as the status of the last run of s.Kind,
	// replacing the previous one.
	PutRunStatus(ctx context.Context, s RunStatus) error
	// GetRunStatus returns the status of the last run of kind; ErrNotFound
	// when it never ran.
	GetRunStatus(ctx context.Context, kind string) (RunStatus, error)

	// CreateToken stores an API token (only its hash).
	CreateToken(ctx context.Context, t Token) error
	// FindTokenByHash returns the token with the given SHA-256 hash.
	FindTokenByHash(ctx context.Context, hash []byte) (Token, error)
	// TouchToken records the token's last use.
	TouchToken(ctx context.Context, id string, at time.Time) error

	// Portal sessions and token management (issue 6).
	//
	// ListTokens returns the user's tokens, oldest first.
	ListTokens(ctx context.Context, userID string) ([]Token, error)
	// DeleteToken revokes one of the user's tokens; ErrNotFound when the
	// user has no token with that id.
	DeleteToken(ctx context.Context, userID, id string) error
	// CreateSession stores a portal session; a taken id or hash is ErrConflict.
	CreateSession(ctx context.Context, s Session) error
	// FindSessionByHash returns the session whose secret has this hash.
	FindSessionByHash(ctx context.Context, hash []byte) (Session, error)
	// TouchSession records activity on the session (idle timeout).
	TouchSession(ctx context.Context, id string, at time.Time) error
	// DeleteSession ends a session; deleting a missing one is not an error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteStaleSessions deletes the sessions past their absolute expiry at
	// now or idle since before idleSince, and returns how many.
	DeleteStaleSessions(ctx context.Context, now, idleSince time.Time) (int, error)

	// Policy engine (issue 5).
	//
	// DirectorySnapshot returns the whole synced directory (accounts, OUs,
	// permission sets, users, groups, memberships), for the policy index.
	DirectorySnapshot(ctx context.Context) (access.Directory, error)
	// GetPolicy returns the applied policy document of the highest
	// revision; ErrNotFound when none was ever applied.
	GetPolicy(ctx context.Context) (StoredPolicy, error)
	// PolicyRevision returns the revision in effect, 0 when none.
	PolicyRevision(ctx context.Context) (int, error)
	// PutPolicy stores p as revision p.Revision, which must be the stored
	// revision plus one; otherwise ErrConflict.
	PutPolicy(ctx context.Context, p StoredPolicy) error

	// Audit chain (issue 8). AppendEvent gives every entry its seq,
	// prev_hash and hash (audit.Link) in the appending transaction, with
	// appenders serialized so the chain never forks.
	//
	// AuditHead returns the last entry of the decision log and how many
	// entries the log holds; ErrNotFound when it is empty.
	AuditHead(ctx context.Context) (head AuditEntry, count int64, err error)
	// ScanAudit calls fn for each entry with seq > afterSeq in seq order, at
	// most limit of them (0: all). An error from fn stops the scan and is
	// returned as is.
	ScanAudit(ctx context.Context, afterSeq int64, limit int, fn func(AuditEntry) error) error
	// AddCheckpoint stores a signed checkpoint; c.ID is set.
	AddCheckpoint(ctx context.Context, c *Checkpoint) error
	// ListCheckpoints returns every checkpoint, oldest first.
	ListCheckpoints(ctx context.Context) ([]Checkpoint, error)

	// Notifications (issue 7).
	//
	// InsertNotification records a notification to deliver; a taken id is
	// ErrConflict.
	InsertNotification(ctx context.Context, n Notification) error
	// FindNotification returns one notification.
	FindNotification(ctx context.Context, id string) (Notification, error)
	// UpdateNotification stores n's status, attempts, last error, final flag
	// and sent time.
	UpdateNotification(ctx context.Context, n Notification) error
	// ListNotifications returns the notifications matching f, newest first.
	ListNotifications(ctx context.Context, f NotificationFilter) ([]Notification, error)
	// PutSlackMessage records (or replaces) the approver's message about a request.
	PutSlackMessage(ctx context.Context, m SlackMessage) error
	// ListSlackMessages returns the messages about a request, by user id.
	ListSlackMessages(ctx context.Context, requestID string) ([]SlackMessage, error)
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
