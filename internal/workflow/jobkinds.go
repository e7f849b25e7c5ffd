package workflow

import (
	"math"
	"time"
)

// Job kinds. The first five are scheduled by the use cases; the last four
// are periodic, enqueued by the elected leader (sync_directory also on
// demand).
const (
	JobGrant         JobKind = "grant"          // create one grant's assignment (RequestID, GrantID)
	JobRevoke        JobKind = "revoke"         // remove one grant's assignment (RequestID, GrantID)
	JobExpire        JobKind = "expire"         // expire a pending request (RequestID)
	JobNotify        JobKind = "notify"         // deliver one notification (NotificationID)
	JobFetchActivity JobKind = "fetch_activity" // fetch one grant's session activity (RequestID, GrantID, At)
	JobEndSessions   JobKind = "end_sessions"   // remove a revoked grant's session-ending statement once expired (RequestID, GrantID)
	JobSweep         JobKind = "sweep"          // re-enqueue what is overdue
	JobSyncDirectory JobKind = "sync_directory" // read the directory from AWS
	JobReconcile     JobKind = "reconcile"      // compare the managed assignments with AWS
	JobPrune         JobKind = "prune"          // apply the retention
	// JobDirectoryEvent re-reads one user after an identity store change
	// arrived through the events queue (UserID).
	JobDirectoryEvent JobKind = "directory_event"
)

// River's queues: grants and revocations never wait behind a slow
// notification channel or a slow CloudTrail query, because those have
// their own queues and workers.
const (
	QueueDefault  = "default"
	QueueNotify   = "notify"
	QueueActivity = "activity"
)

// JobSpec says how a kind of job runs.
type JobSpec struct {
	Kind  JobKind
	Queue string
	// MaxAttempts bounds the attempts; 0 is River's default.
	MaxAttempts int
	// Priority orders due jobs, 1 first; 0 is River's default (1).
	Priority int
	// Timeout bounds one attempt; 0 is the configured job timeout.
	Timeout time.Duration
	// Periodic jobs are enqueued by the leader on a schedule, one pending
	// at a time.
	Periodic bool
}

// longJobTimeout bounds one reconciliation, directory sync or pruning: they
// pace their AWS reads or work through large tables in batches.
const longJobTimeout = time.Hour

// jobSpecs is the table of every job kind, read by the job queue.
//
// A grant or a revocation is never given up: its limit is River's largest,
// tens of days at the capped backoff, and the sweep re-enqueues any active
// grant past its end that has no revocation job left (and any grant job that
// still has an orphan to remove). A notification is retried for about 20
// minutes (the backoff capped at jobs.max_retry_delay), an activity fetch
// for about 2 hours (30 s doubling, capped at 30 m).
var jobSpecs = []JobSpec{
	{Kind: JobGrant, Queue: QueueDefault, MaxAttempts: math.MaxInt16},
	{Kind: JobRevoke, Queue: QueueDefault, MaxAttempts: math.MaxInt16, Priority: 1}, // removals before grants when both are due
	{Kind: JobExpire, Queue: QueueDefault, MaxAttempts: 100},
	{Kind: JobNotify, Queue: QueueNotify, MaxAttempts: 25, Priority: 3, Timeout: 20 * time.Second},
	{Kind: JobFetchActivity, Queue: QueueActivity, MaxAttempts: 10, Priority: 4, Timeout: 10 * time.Minute},
	{Kind: JobEndSessions, Queue: QueueDefault, MaxAttempts: math.MaxInt16, Priority: 2},
	// A directory event is applied before grants, like a revocation: it
	// is how access ends within a minute of a user leaving.
	{Kind: JobDirectoryEvent, Queue: QueueDefault, MaxAttempts: 25, Priority: 1},
	{Kind: JobSweep, Queue: QueueDefault, Periodic: true},
	{Kind: JobSyncDirectory, Queue: QueueDefault, Periodic: true, Timeout: longJobTimeout},
	{Kind: JobReconcile, Queue: QueueDefault, MaxAttempts: 1, Periodic: true, Timeout: longJobTimeout},
	{Kind: JobPrune, Queue: QueueDefault, MaxAttempts: 1, Priority: 4, Periodic: true, Timeout: longJobTimeout},
}

// JobSpecOf returns the spec of kind; ok is false for an unknown kind.
func JobSpecOf(kind JobKind) (spec JobSpec, ok bool) {
	for _, s := range jobSpecs {
		if s.Kind == kind {
			return s, true
		}
	}
	return JobSpec{}, false
}
