// Package jobs runs elevate's durable jobs on River: granting access at the
// start time, removing it at the end time, expiring pending requests, the
// periodic sweep that re-enqueues anything overdue, and the directory sync.
//
// Jobs are inserted in the same database transaction as the state change that
// needs them (Queue.Schedule), so they exist if and only if it commits.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/elevate/elevate/internal/workflow"
)

// Runner does the work of each job; *workflow.Service satisfies it.
type Runner interface {
	Activate(ctx context.Context, grantID string, attempt int) error
	Revoke(ctx context.Context, grantID string, attempt int) error
	Expire(ctx context.Context, requestID string) error
	Sweep(ctx context.Context) error
	SyncDirectory(ctx context.Context) (workflow.SyncReport, error)
	Reconcile(ctx context.Context) (workflow.ReconcileReport, error)
	FetchActivity(ctx context.Context, grantID string, attempt int, final bool) error
	ExpireSessionDeny(ctx context.Context, grantID string) error
	RecheckUser(ctx context.Context, userID string) error
}

// Config tunes the queue. Zero fields take the defaults in their comments.
type Config struct {
	// Runner does the work of the workflow's jobs. Required.
	Runner Runner
	// ClientID names this process among replicas. It must be stable across
	// restarts of the same replica and unique among live replicas: at start,
	// jobs still marked running under this id are resumed at once. Default:
	// the host name.
	ClientID string
	// MaxWorkers is how many jobs run at once in this process. Default 50.
	MaxWorkers int
	// JobTimeout bounds one attempt of a job. Default 25s. A grant or
	// revocation that runs out while it only waits its turn (elevate's AWS
	// rate limiter, an in-flight slot, AWS finishing the operation) is
	// resumed, not failed: the AWS provider keeps its operation going and
	// the next run joins it (see snoozeOrErr); the provider's
	// OperationTimeout bounds the AWS work itself. It stays short because
	// River hands a job of a replica that died to a live one only after
	// both this and RescueStuckJobsAfter have passed.
	JobTimeout time.Duration
	// RescueStuckJobsAfter is when a running job of another replica that
	// died is handed to a live one. Default JobTimeout + 5s, not River's 1 hour.
	RescueStuckJobsAfter time.Duration
	// FetchPollInterval is how often idle workers look for due jobs. Default 200ms.
	FetchPollInterval time.Duration
	// FetchCooldown is the shortest time between two fetches of one queue:
	// a job inserted (and notified) sooner after a fetch waits for the
	// rest of it. Default 5ms (at most FetchPollInterval).
	FetchCooldown time.Duration
	// Wakeup, given to the Inserter too, makes the workers of a SQLite
	// queue fetch a job due now as soon as its transaction commits rather
	// than at their next poll. PostgreSQL uses River's insert notifications.
	Wakeup *Wakeup
	// SweepInterval is how often the leader re-enqueues overdue work. Default 1m.
	SweepInterval time.Duration
	// SyncInterval is how often the leader syncs the directory. Default 15m; negative disables.
	SyncInterval time.Duration
	// ReconcileInterval is how often the leader reconciles AWS with the
	// grants. Default 5m; negative disables.
	ReconcileInterval time.Duration
	// MaxRetryDelay caps the backoff between attempts. Default 1m.
	MaxRetryDelay time.Duration
	Logger        *slog.Logger
	// Deliverer sends notifications (notify jobs). Default none: notify jobs fail and are retried.
	Deliverer Deliverer
	// Pruner applies the retention (prune jobs, prune.go); PruneInterval is
	// how often the leader runs it. Default none: no prune job.
	Pruner        Pruner
	PruneInterval time.Duration
}

func (c Config) withDefaults() Config {
	if c.ClientID == "" {
		host, _ := os.Hostname()
		c.ClientID = cmpOr(host, "elevate")
	}
	c.MaxWorkers = cmpOr(c.MaxWorkers, 50)
	c.JobTimeout = cmpOr(c.JobTimeout, 25*time.Second)
	c.RescueStuckJobsAfter = cmpOr(c.RescueStuckJobsAfter, c.JobTimeout+5*time.Second)
	c.FetchPollInterval = cmpOr(c.FetchPollInterval, 200*time.Millisecond)
	c.FetchCooldown = min(cmpOr(c.FetchCooldown, 5*time.Millisecond), c.FetchPollInterval)
	c.SweepInterval = cmpOr(c.SweepInterval, time.Minute)
	c.SyncInterval = cmpOr(c.SyncInterval, 15*time.Minute)
	c.ReconcileInterval = cmpOr(c.ReconcileInterval, 5*time.Minute)
	c.MaxRetryDelay = cmpOr(c.MaxRetryDelay, time.Minute)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Job argument types; their Kind is the workflow.JobKind.
type (
	grantArgs struct {
		RequestID string `json:"request_id"`
		GrantID   string `json:"grant_id"`
	}
	revokeArgs struct {
		RequestID string `json:"request_id"`
		GrantID   string `json:"grant_id"`
	}
	expireArgs struct {
		RequestID string `json:"request_id"`
	}
	sweepArgs struct{}
	syncArgs  struct{}
)

func (grantArgs) Kind() string  { return string(workflow.JobGrant) }
func (revokeArgs) Kind() string { return string(workflow.JobRevoke) }
func (expireArgs) Kind() string { return string(workflow.JobExpire) }
func (sweepArgs) Kind() string  { return string(workflow.JobSweep) }
func (syncArgs) Kind() string   { return string(workflow.JobSyncDirectory) }

// uniquePending keeps one live job per (kind, args): the sweep may enqueue
// again without piling up duplicates.
var uniquePending = &river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}}

// insertParams turns a workflow job into River's insert parameters.
func insertParams(j workflow.Job) (river.InsertManyParams, error) {
	spec, ok := workflow.JobSpecOf(j.Kind)
	if !ok || spec.Periodic {
		return river.InsertManyParams{}, fmt.Errorf("unknown job kind %q", j.Kind)
	}
	opts := insertOpts(spec)
	if !j.Expedite {
		opts.UniqueOpts = *uniquePending
	}
	if !j.At.IsZero() {
		opts.ScheduledAt = j.At
		if j.Kind == workflow.JobRevoke {
			// Fetched ahead of its time, the job is ready (a worker, its
			// grant read) when the end comes: see revokeWorker.
			opts.ScheduledAt = j.At.Add(-revokeLead)
		}
	}
	var args river.JobArgs
	switch j.Kind {
	case workflow.JobGrant:
		args = grantArgs{RequestID: j.RequestID, GrantID: j.GrantID}
	case workflow.JobRevoke:
		args = revokeArgs{RequestID: j.RequestID, GrantID: j.GrantID}
	case workflow.JobExpire:
		args = expireArgs{RequestID: j.RequestID}
	case workflow.JobNotify:
		args = notifyArgs{NotificationID: j.NotificationID}
	case workflow.JobFetchActivity:
		args = activityArgsOf(j)
	case workflow.JobEndSessions:
		args = endSessionsArgs{RequestID: j.RequestID, GrantID: j.GrantID}
	case workflow.JobDirectoryEvent:
		args = directoryEventArgs{UserID: j.UserID}
	default:
		return river.InsertManyParams{}, fmt.Errorf("unknown job kind %q", j.Kind)
	}
	return river.InsertManyParams{Args: args, InsertOpts: opts}, nil
}

// insertOpts returns the insert options that workflow's job table gives a
// kind; periodic kinds are unique while one is pending.
func insertOpts(spec workflow.JobSpec) *river.InsertOpts {
	opts := &river.InsertOpts{Queue: spec.Queue, MaxAttempts: spec.MaxAttempts, Priority: spec.Priority}
	if spec.Periodic {
		opts.UniqueOpts = *uniquePending
	}
	return opts
}

// periodicOpts returns the insert options of a periodic kind.
func periodicOpts(kind workflow.JobKind) *river.InsertOpts {
	spec, _ := workflow.JobSpecOf(kind)
	return insertOpts(spec)
}

// timeoutOf is one attempt's timeout for kind; 0 lets River apply the
// configured job timeout.
func timeoutOf(kind workflow.JobKind) time.Duration {
	spec, _ := workflow.JobSpecOf(kind)
	return spec.Timeout
}

// backoff is the capped exponential delay before attempt+1.
func backoff(attempt int, limit time.Duration) time.Duration {
	d := time.Second << min(attempt, 20)
	return min(d, limit)
}

// snoozeOrErr turns a NotDueError into a River snooze until its time, and
// an error that says the job was only waiting into a snooze that resumes
// it at once: a snooze is not a failed attempt (River does not count it
// and records no error), so a job that waits long for its turn is neither
// reported as failing nor backed off, and a revocation is not flagged
// revocation_failed for it.
func snoozeOrErr(err error) error {
	var nd *workflow.NotDueError
	if errors.As(err, &nd) {
		return river.JobSnooze(max(time.Until(nd.Until), time.Millisecond))
	}
	if workflow.IsWaiting(err) {
		return river.JobSnooze(time.Millisecond)
	}
	return err
}

// preciseSchedule makes jobs with a future time "available" at once: River
// fetches available jobs only once scheduled_at has passed, so they start
// within FetchPollInterval of their time instead of waiting for River's
// 5-second scheduler.
type preciseSchedule struct{ river.MiddlewareDefaults }

func (*preciseSchedule) InsertMany(ctx context.Context, params []*rivertype.JobInsertParams, next func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	for _, p := range params {
		if p.State == rivertype.JobStateScheduled {
			p.State = rivertype.JobStateAvailable
		}
	}
	return next(ctx)
}
