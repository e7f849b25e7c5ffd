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

// Tx is one transaction: the ports of every aggregate, composed. A consumer
// that needs only some of them declares the narrow interface it uses. The
// methods say which operation failed in their errors.
type Tx interface {
	Requests
	Assignments
	DecisionLog
	Directory
	RunStatuses
	Tokens
	Sessions
	SAMLAssertions
	SignInLinks
	Policies
	Notifications
	Activity
	Insights
	BreakGlass
	Away
	SessionDenies
	UserSettings
}

// UserSettings stores each user's own preferences (the time zone).
type UserSettings interface {
	// PutUserSettings records (or replaces) s.UserID's settings.
	PutUserSettings(ctx context.Context, s access.UserSettings) error
	// FindUserSettings returns userID's settings; ErrNotFound when the
	// user never saved any.
	FindUserSettings(ctx context.Context, userID string) (access.UserSettings, error)
}

// Requests stores access requests with their grants and approvals.
type Requests interface {
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
	ListRequests(ctx context.Context, f access.RequestFilter) ([]*access.Request, error)
	// PageRequests returns a page of the requests matching q, in q.Order
	// (creation time, then id, in the same direction; a request without a
	// creation time last), starting after q.After, with their grants,
	// approvals and approvers.
	PageRequests(ctx context.Context, q access.RequestQuery) ([]*access.Request, error)
	// PrunableRequests returns the ids of up to limit (0: all) requests
	// that retention may delete: in a terminal status, last updated before
	// before, no revocation failing, and no grant that may hold an AWS
	// assignment (active, revoking, or pending with a create sent); least
	// recently updated first.
	PrunableRequests(ctx context.Context, before time.Time, limit int) ([]string, error)
	// DeleteRequests deletes those of ids that PrunableRequests would still
	// return for before, with their grants, approvals, approvers,
	// notifications and Slack messages, and returns the ids it deleted.
	// Their decision-log entries stay (the chain is pruned only from its
	// start, by DeleteAuditThrough).
	DeleteRequests(ctx context.Context, ids []string, before time.Time) ([]string, error)
	// MarkGrantDrift records that the grant's assignment was found missing
	// in AWS at since, unless it already was; first reports whether this
	// call recorded it. ErrNotFound when there is no such grant.
	MarkGrantDrift(ctx context.Context, grantID string, since time.Time) (first bool, err error)
	// ClearGrantDrift forgets that the grant's assignment was missing (it
	// was re-created). A grant without drift is not an error.
	ClearGrantDrift(ctx context.Context, grantID string) error
}

// Assignments serializes and answers the decisions about one account
// assignment (account, permission set, user), and lists what reconciliation
// compares with AWS.
type Assignments interface {
	// LockAssignment serializes the transactions that decide about one
	// account assignment (share it, delete it, create it) until this
	// transaction ends. Engines whose writers are already serialized may
	// make it a no-op.
	LockAssignment(ctx context.Context, a access.Assignment) error
	// AssignmentHolders returns the grants, other than exceptGrantID, that
	// hold or are about to hold the same assignment (account, permission
	// set, user): active, revoking, or pending with a create sent (origin
	// created).
	AssignmentHolders(ctx context.Context, a access.Assignment, exceptGrantID string) ([]access.GrantRef, error)
	// IsStanding reports whether the assignment existed before elevate
	// touched it (it is then never deleted by elevate).
	IsStanding(ctx context.Context, a access.Assignment) (bool, error)
	// SetStanding records or clears that the assignment is standing.
	SetStanding(ctx context.Context, a access.Assignment, standing bool, at time.Time) error
	// LastRemoval returns when elevate last had AWS delete the assignment
	// (the latest revoked_at of its revoked grants with a deletion request
	// id); zero when it never did.
	LastRemoval(ctx context.Context, a access.Assignment) (time.Time, error)
	// ManagedGrants returns the grants reconciliation compares with AWS:
	// every grant pending, active or revoking, and every grant revoked or
	// failed at or after closedSince whose origin is created or shared,
	// ordered by account, permission set, user and grant id.
	ManagedGrants(ctx context.Context, closedSince time.Time) ([]access.ManagedGrant, error)
	// ActiveGrantEnds returns the active grants of active requests not
	// ended early whose scheduled end is within [from, to], ordered by end
	// and grant id: the revocations to come that plans ahead of a burst of
	// ends count with.
	ActiveGrantEnds(ctx context.Context, from, to time.Time) ([]access.GrantEnd, error)
}

// DecisionLog is the hash-chained decision log and its checkpoints.
// AppendEvent gives every entry its seq, prev_hash and hash
// (access.ChainLinkV2) in the appending transaction, with appenders serialized
// so the chain never forks.
type DecisionLog interface {
	// AppendEvent appends an entry to the decision log.
	AppendEvent(ctx context.Context, e access.Event) error
	// ListEvents returns the events of one request (or all when requestID is
	// empty), oldest first.
	ListEvents(ctx context.Context, requestID string) ([]access.Event, error)
	// AuditHead returns the last entry of the decision log and how many
	// entries the log holds; ErrNotFound when it is empty.
	AuditHead(ctx context.Context) (head access.AuditEntry, count int64, err error)
	// ScanAudit calls fn for each entry with seq > afterSeq in seq order, at
	// most limit of them (0: all). An error from fn stops the scan and is
	// returned as is.
	ScanAudit(ctx context.Context, afterSeq int64, limit int, fn func(access.AuditEntry) error) error
	// AuditBounds returns the first and the last seq of the decision log
	// (0, 0 when it is empty).
	AuditBounds(ctx context.Context) (first, last int64, err error)
	// ScanAuditStored calls fn for each entry with afterSeq < seq <=
	// throughSeq in seq order, as the verification reads them: a version 2
	// entry's details are left as stored (StoredDetails, Event.Details nil),
	// checked only for being a JSON object of strings with unique keys
	// (DetailsError otherwise). An entry it can't read this way is passed
	// on with Version 0, which no hash matches: the caller reads the log
	// again with ScanAudit. An error from fn stops the scan and is
	// returned as is.
	ScanAuditStored(ctx context.Context, afterSeq, throughSeq int64, fn func(access.AuditEntry) error) error
	// AddCheckpoint stores a signed checkpoint; c.ID is set.
	AddCheckpoint(ctx context.Context, c *access.Checkpoint) error
	// ListCheckpoints returns every checkpoint, oldest first.
	ListCheckpoints(ctx context.Context) ([]access.Checkpoint, error)
	// LockAudit serializes this transaction with every other appender and
	// pruner of the decision log until it ends (AppendEvent takes the same
	// lock). Engines whose writers are already serialized may make it a no-op.
	LockAudit(ctx context.Context) error
	// DeleteAuditThrough deletes the decision log's entries with seq <= seq
	// and returns how many it deleted. Only audit pruning calls it, in the
	// transaction that stores the pruning checkpoint of those entries.
	DeleteAuditThrough(ctx context.Context, seq int64) (int64, error)
}

// Directory is the synced directory (accounts, OUs, permission sets, users,
// groups, memberships). A sync stages what it reads in small transactions,
// then applies it in one, so readers never see a half-synced directory and
// a failed run changes nothing.
type Directory interface {
	// ReplaceDirectory stores a full directory snapshot, replacing the last.
	ReplaceDirectory(ctx context.Context, d access.Directory, syncedAt time.Time) error
	// DirectorySyncedAt returns when the directory was last replaced (zero if never).
	DirectorySyncedAt(ctx context.Context) (time.Time, error)
	FindUserByID(ctx context.Context, id string) (access.User, error)
	// FindUserByName matches the user name or the email, case-insensitively.
	FindUserByName(ctx context.Context, name string) (access.User, error)
	// GroupIDsOfUser returns the ids of the groups the user is a direct member of.
	GroupIDsOfUser(ctx context.Context, userID string) ([]string, error)
	// GroupsOfUser returns the groups the user is a direct member of, by name.
	GroupsOfUser(ctx context.Context, userID string) ([]access.Group, error)
	FindGroupByName(ctx context.Context, name string) (access.Group, error)
	// UserIDsInGroups returns the distinct ids of active users in any of the groups.
	UserIDsInGroups(ctx context.Context, groupIDs []string) ([]string, error)
	// RestrictUser applies a targeted re-read of one user, only where it
	// takes access away: an inactive (or deleted) user is marked inactive,
	// and its memberships not in groupIDs are deleted; nothing is added.
	// When anything changed the directory's sync time becomes at. It
	// reports whether anything changed.
	RestrictUser(ctx context.Context, userID string, active bool, groupIDs []string, at time.Time) (bool, error)
	ListAccounts(ctx context.Context) ([]access.Account, error)
	FindAccount(ctx context.Context, idOrName string) (access.Account, error)
	ListPermissionSets(ctx context.Context) ([]access.PermissionSet, error)
	// FindPermissionSet matches the name (case-insensitively) or the ARN.
	FindPermissionSet(ctx context.Context, nameOrARN string) (access.PermissionSet, error)
	// DirectorySnapshot returns the whole synced directory (accounts, OUs,
	// permission sets, users, groups, memberships), for the policy index.
	DirectorySnapshot(ctx context.Context) (access.Directory, error)
	// BeginDirectoryStage registers the sync run runID, started at
	// startedAt, and discards the staging rows of runs started before
	// staleBefore (runs that died).
	BeginDirectoryStage(ctx context.Context, runID string, startedAt, staleBefore time.Time) error
	// StageDirectory adds a batch of rows read by run runID. A row staged
	// twice by a run is kept once (the last wins). ErrNotFound when the
	// run is not registered (or was discarded).
	StageDirectory(ctx context.Context, runID string, batch access.Directory) error
	// ApplyStagedDirectory makes the run's staged rows the directory: it
	// inserts new rows, updates only the rows whose values changed,
	// deletes the rows the run did not stage, records syncedAt as the
	// directory's sync time when anything changed (or it was never
	// synced), and drops the run. ErrNotFound when the run is not
	// registered.
	ApplyStagedDirectory(ctx context.Context, runID string, syncedAt time.Time) (access.DirectoryChanges, error)
	// DropDirectoryStage discards the run and its staging rows; a missing
	// run is not an error.
	DropDirectoryStage(ctx context.Context, runID string) error
}

// RunStatuses keeps the outcome of the last run of each periodic task.
type RunStatuses interface {
	// PutRunStatus stores s as the status of the last run of s.Kind,
	// replacing the previous one.
	PutRunStatus(ctx context.Context, s access.RunStatus) error
	// GetRunStatus returns the status of the last run of kind; ErrNotFound
	// when it never ran.
	GetRunStatus(ctx context.Context, kind string) (access.RunStatus, error)
}

// Tokens stores API tokens (only their hashes).
type Tokens interface {
	// CreateToken stores an API token (only its hash).
	CreateToken(ctx context.Context, t access.Token) error
	// FindTokenByHash returns the token with the given SHA-256 hash.
	FindTokenByHash(ctx context.Context, hash []byte) (access.Token, error)
	// TouchToken records the token's last use.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// ListTokens returns the user's tokens, oldest first.
	ListTokens(ctx context.Context, userID string) ([]access.Token, error)
	// DeleteToken revokes one of the user's tokens; ErrNotFound when the
	// user has no token with that id.
	DeleteToken(ctx context.Context, userID, id string) error
}

// Sessions stores portal sessions (only the hashes of their secrets).
type Sessions interface {
	// CreateSession stores a portal session; a taken id or hash is ErrConflict.
	CreateSession(ctx context.Context, s access.Session) error
	// FindSessionByHash returns the session whose secret has this hash.
	FindSessionByHash(ctx context.Context, hash []byte) (access.Session, error)
	// TouchSession records activity on the session (idle timeout).
	TouchSession(ctx context.Context, id string, at time.Time) error
	// DeleteSession ends a session; deleting a missing one is not an error.
	DeleteSession(ctx context.Context, id string) error
	// DeleteStaleSessions deletes the sessions past their absolute expiry at
	// now or idle since before idleSince, and returns how many.
	DeleteStaleSessions(ctx context.Context, now, idleSince time.Time) (int, error)
}

// SAMLAssertions remembers the SAML assertions sign-in accepted, until
// they expire, so that no replica accepts one twice.
type SAMLAssertions interface {
	// UseSAMLAssertion records the assertion (issuer, id) as used until
	// notOnOrAfter, first deleting every record expired at now. It returns
	// false, and records nothing, when the assertion is already recorded
	// and not expired: a replay.
	UseSAMLAssertion(ctx context.Context, issuer, id string, notOnOrAfter, now time.Time) (bool, error)
}

// SignInLinks stores one-time portal sign-in links (only the hashes of
// their secrets).
type SignInLinks interface {
	// CreateSignInLink stores a link; a taken id or hash is ErrConflict.
	CreateSignInLink(ctx context.Context, l access.SignInLink) error
	// FindSignInLinkByHash returns the link whose secret has this hash;
	// ErrNotFound when there is none.
	FindSignInLinkByHash(ctx context.Context, hash []byte) (access.SignInLink, error)
	// MarkSignInLinkUsed records the link's use at at; ErrConflict when it
	// was already used, ErrNotFound when there is no such link.
	MarkSignInLinkUsed(ctx context.Context, id string, at time.Time) error
}

// Policies stores the applied policy document by revision.
type Policies interface {
	// GetPolicy returns the applied policy document of the highest
	// revision; ErrNotFound when none was ever applied.
	GetPolicy(ctx context.Context) (access.StoredPolicy, error)
	// PolicyRevision returns the revision in effect, 0 when none.
	PolicyRevision(ctx context.Context) (int, error)
	// PutPolicy stores p as revision p.Revision, which must be the stored
	// revision plus one; otherwise ErrConflict.
	PutPolicy(ctx context.Context, p access.StoredPolicy) error
}

// Notifications stores the notifications to deliver and the Slack
// messages sent about requests.
type Notifications interface {
	// InsertNotification records a notification to deliver; a taken id is
	// ErrConflict.
	InsertNotification(ctx context.Context, n access.Notification) error
	// FindNotification returns one notification.
	FindNotification(ctx context.Context, id string) (access.Notification, error)
	// UpdateNotification stores n's status, attempts, last error, final flag
	// and sent time.
	UpdateNotification(ctx context.Context, n access.Notification) error
	// ListNotifications returns the notifications matching f, newest first.
	ListNotifications(ctx context.Context, f access.NotificationFilter) ([]access.Notification, error)
	// PutSlackMessage records (or replaces) the approver's message about a request.
	PutSlackMessage(ctx context.Context, m access.SlackMessage) error
	// ListSlackMessages returns the messages about a request, by user id.
	ListSlackMessages(ctx context.Context, requestID string) ([]access.SlackMessage, error)
}

// Activity stores the session activity of grants: one row per grant, with
// the events of its last successful fetch.
type Activity interface {
	// MarkActivityPending records that the grant's activity is being
	// fetched (status pending, requested at at), creating its row; stored
	// events stay until a fetch replaces them. ErrNotFound when the grant
	// does not exist.
	MarkActivityPending(ctx context.Context, requestID, grantID string, at time.Time) error
	// PutActivityEvents stores a successful fetch: status fetched, a.FetchedAt,
	// a.WindowStart/End, a.Attempts, and a.Events replacing the stored ones.
	PutActivityEvents(ctx context.Context, a access.GrantActivity) error
	// PutActivityError records a failed attempt: a.Status (pending while
	// retried, failed at the last attempt), a.Error and a.Attempts; the
	// stored events stay. ErrNotFound when the grant has no activity row.
	PutActivityError(ctx context.Context, a access.GrantActivity) error
	// ListActivity returns the activity of the request's grants that have
	// any, by grant id, each with its events oldest first.
	ListActivity(ctx context.Context, requestID string) ([]access.GrantActivity, error)
	// CountActivityBefore counts the grants whose activity was last fetched
	// before before (what DeleteActivityBefore would delete with no limit).
	CountActivityBefore(ctx context.Context, before time.Time) (int64, error)
	// DeleteActivityBefore deletes the activity (row and events) of up to
	// limit (0: all) grants last fetched before before, oldest first, and
	// returns how many grants' activity it deleted.
	DeleteActivityBefore(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Insights reads what usage insight summarizes. An empty requesterID reads
// every user's; otherwise only that user's.
type Insights interface {
	// ListGrantUsage returns the grants that were active at some time at or
	// after since (activated, and not revoked before since), with their
	// activity fetch status and their stored events counted by (source,
	// name, error code), ordered by activation time then grant id.
	ListGrantUsage(ctx context.Context, since time.Time, requesterID string) ([]access.GrantUsage, error)
	// ListRequestedPairs counts the requests created at or after since by
	// (requester, account, permission set), whatever their outcome,
	// ordered by requester, account, then permission set.
	ListRequestedPairs(ctx context.Context, since time.Time, requesterID string) ([]access.RequestedPair, error)
}

// BreakGlass stores break-glass use and its review.
type BreakGlass interface {
	// CreateBreakGlass records a break-glass request; a request recorded
	// twice is ErrConflict.
	CreateBreakGlass(ctx context.Context, u access.BreakGlassUse) error
	// FindBreakGlass returns the break-glass use of a request, with the
	// request's status; ErrNotFound when it was not break-glass.
	FindBreakGlass(ctx context.Context, requestID string) (access.BreakGlassUse, error)
	// ReviewBreakGlass records the review; ErrNotFound when the request was
	// not break-glass, ErrConflict when it was reviewed already.
	ReviewBreakGlass(ctx context.Context, r access.BreakGlassReview) error
	// ListBreakGlass returns the uses matching f, newest first (then by
	// request id, descending), with their requests' statuses.
	ListBreakGlass(ctx context.Context, f access.BreakGlassFilter) ([]access.BreakGlassUse, error)
}

// Away stores the approvers' absences with their delegates.
type Away interface {
	// PutAway records (or replaces) a.UserID's absence.
	PutAway(ctx context.Context, a access.Away) error
	// DeleteAway removes userID's absence; none is not an error.
	DeleteAway(ctx context.Context, userID string) error
	// FindAway returns userID's absence, over or not; ErrNotFound when
	// none is recorded.
	FindAway(ctx context.Context, userID string) (access.Away, error)
	// ListAway returns the absences of these users that last at now.
	ListAway(ctx context.Context, userIDs []string, now time.Time) ([]access.Away, error)
}

// SessionDenies stores the statements that end revoked users' open
// sessions, and the leases that serialise the writes to one policy.
type SessionDenies interface {
	// CreateSessionDeny stores a statement at the start of its grant's
	// revocation; one per grant: a second is ErrConflict.
	CreateSessionDeny(ctx context.Context, d access.SessionDeny) error
	// FindSessionDeny returns the grant's statement; ErrNotFound when it has
	// none.
	FindSessionDeny(ctx context.Context, grantID string) (access.SessionDeny, error)
	// UpdateSessionDeny writes the statement's mechanism, fallback and
	// times (RevokedAt, ExpiresAt, InForceAt, RemovedAt).
	UpdateSessionDeny(ctx context.Context, d access.SessionDeny) error
	// ListSessionDenies returns the statements not yet removed, with a
	// revocation time when revokedOnly, oldest revocation first; mechanism
	// and permissionSetARN filter when not empty.
	ListSessionDenies(ctx context.Context, mechanism access.SessionDenyMechanism, permissionSetARN string, revokedOnly bool) ([]access.SessionDeny, error)
	// AcquireSessionDenyLease takes the lease on target for holder until
	// until, when it is free, expired at now, or already holder's; it
	// reports whether holder has it.
	AcquireSessionDenyLease(ctx context.Context, target, holder string, now, until time.Time) (bool, error)
	// ReleaseSessionDenyLease gives holder's lease on target back.
	ReleaseSessionDenyLease(ctx context.Context, target, holder string) error
}
