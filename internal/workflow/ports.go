package workflow

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// Provider creates and removes Identity Center account assignments. Both
// calls wait until AWS reports the outcome. A *access.ProvisioningError is
// final; any other error is transient and the caller retries later.
type Provider interface {
	CreateAssignment(ctx context.Context, a access.Assignment) (awsRequestID string, err error)
	// DeleteAssignment removes the assignment; deadline is when access must
	// be gone: while deletions wait for AWS capacity, the earliest deadline
	// goes first (zero: rank by arrival).
	DeleteAssignment(ctx context.Context, a access.Assignment, deadline time.Time) (awsRequestID string, err error)
	// AssignmentExists reports whether the user assignment exists in AWS.
	AssignmentExists(ctx context.Context, a access.Assignment) (bool, error)
}

// acceptingProvider is a Provider that also says when AWS accepted a create
// it sends, before the assignment is provisioned (accepted is not called
// when the call joins a create already under way); the grant job measures
// the time from approval to that moment with it.
type acceptingProvider interface {
	CreateAssignmentAccepted(ctx context.Context, a access.Assignment, accepted func()) (awsRequestID string, err error)
}

// DirectorySource reads the organization and the identity store.
type DirectorySource interface {
	FetchDirectory(ctx context.Context) (access.Directory, error)
}

// JobKind names a durable job.
type JobKind string

// Job is a durable unit of follow-up work.
type Job struct {
	Kind      JobKind
	RequestID string
	GrantID   string
	At        time.Time // run at or after; zero: now
	// Expedite inserts the job even when one for the same grant or request
	// is already waiting (ending early must not wait for the job scheduled
	// at the end time). Otherwise a job that already exists is not duplicated.
	Expedite bool
	// NotificationID names the notification a JobNotify delivers.
	NotificationID string
	// UserID names the user a JobDirectoryEvent re-reads ("" for every
	// requester with an open request).
	UserID string
}

// Scheduler enqueues jobs inside a store transaction, so that they exist if
// and only if the transaction commits.
type Scheduler interface {
	Schedule(ctx context.Context, tx store.Tx, jobs ...Job) error
}

// Clock tells the time; tests inject their own.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Observer receives the measurements of the AWS steps (for metrics).
type Observer interface {
	// ObserveGrant records a create's duration and outcome: ok, failed (AWS refused), error (retried).
	ObserveGrant(d time.Duration, outcome string)
	// ObserveRevoke records a delete's duration and outcome.
	ObserveRevoke(d time.Duration, outcome string)
	// ObserveRevocationLateness records how long after its scheduled end a
	// grant's deletion was issued.
	ObserveRevocationLateness(d time.Duration)
	// ObserveApprovalToCreate records how long after the approval that let
	// a request start AWS accepted the create of one of its grants.
	ObserveApprovalToCreate(d time.Duration)
}

// nopObserver discards measurements.
type nopObserver struct{}

func (nopObserver) ObserveGrant(time.Duration, string)      {}
func (nopObserver) ObserveRevoke(time.Duration, string)     {}
func (nopObserver) ObserveRevocationLateness(time.Duration) {}
func (nopObserver) ObserveApprovalToCreate(time.Duration)   {}
