package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// SyncJob is one directory sync job in the job queue.
type SyncJob struct {
	ID int64
	// State is the queue's state of the job: available, scheduled, pending
	// (queued), running, retryable (an attempt failed and will be retried),
	// completed, discarded or cancelled.
	State     string
	CreatedAt time.Time
	// Error is the error of the last failed attempt, if any.
	Error string
	// Existing is set by EnqueueSync when a sync job was already queued or
	// running and no new one was added.
	Existing bool
}

// Finished reports whether the job will not run (again): completed,
// discarded or cancelled.
func (j SyncJob) Finished() bool {
	switch j.State {
	case "completed", "discarded", "cancelled":
		return true
	}
	return false
}

// Failed reports whether the job's last attempt failed (it may still be
// retried) or it was given up.
func (j SyncJob) Failed() bool {
	return j.State == "retryable" || j.State == "discarded" || j.State == "cancelled"
}

// SyncSchedule is when the directory sync runs.
type SyncSchedule struct {
	// Interval of the periodic sync; zero when it is off.
	Interval time.Duration
	// LastPeriodicAt is when the periodic sync last enqueued a job; zero
	// when none is known (the queue keeps finished jobs for a day).
	LastPeriodicAt time.Time
	// Pending is the sync job queued or running, if any.
	Pending *SyncJob
}

// SyncQueue is the job queue's side of the directory sync: add a sync job
// now, look one up, and the periodic schedule. The jobs package's Queue
// satisfies it.
type SyncQueue interface {
	EnqueueSync(ctx context.Context) (SyncJob, error)
	SyncJob(ctx context.Context, id int64) (SyncJob, error)
	SyncSchedule(ctx context.Context) (SyncSchedule, error)
}

// SyncStatus is what admins and auditors see of the directory sync.
type SyncStatus struct {
	// Last is the last sync run; Found is false when none ever ran.
	Last  access.RunStatus
	Found bool
	// Interval of the periodic sync (zero: off) and its next run, an
	// estimate: the last periodic job (or, before any, the last run) plus
	// the interval; zero when unknown or off.
	Interval  time.Duration
	NextRunAt time.Time
	// Pending is the sync job queued or running now, if any.
	Pending *SyncJob
	// Job is the job asked for by id, if any.
	Job *SyncJob
}

// SyncControl shows the directory sync's status and starts a sync on
// demand: the use cases behind GET and POST /api/v1/admin/sync and the
// portal's admin page. It authorizes every call.
type SyncControl struct {
	svc *Service
	q   SyncQueue
	log *slog.Logger
}

// NewSyncControl returns the sync control of svc's directory sync, whose
// jobs run on q.
func NewSyncControl(svc *Service, q SyncQueue) (*SyncControl, error) {
	if svc == nil || q == nil {
		return nil, errors.New("workflow: NewSyncControl needs a service and a queue")
	}
	return &SyncControl{svc: svc, q: q, log: svc.log}, nil
}

// Status returns the directory sync's status: the last run, the schedule
// and the job queued or running; with a jobID (non-zero), that job's state
// too. Admins and auditors only.
func (c *SyncControl) Status(ctx context.Context, actor access.Actor, jobID int64) (SyncStatus, error) {
	if !actor.Admin && !actor.Auditor {
		return SyncStatus{}, access.Errorf(access.CodeForbidden, "only admins and auditors may see the directory sync status")
	}
	if jobID < 0 {
		return SyncStatus{}, access.Errorf(access.CodeInvalid, "job %d: a job id is a positive number", jobID)
	}
	var st SyncStatus
	var err error
	if st.Last, st.Found, err = c.svc.RunStatus(ctx, access.RunDirectorySync); err != nil {
		return SyncStatus{}, fmt.Errorf("sync status: %w", err)
	}
	sched, err := c.q.SyncSchedule(ctx)
	if err != nil {
		return SyncStatus{}, fmt.Errorf("sync status: read the schedule: %w", err)
	}
	st.Interval, st.Pending = sched.Interval, sched.Pending
	if st.Interval > 0 {
		base := sched.LastPeriodicAt
		if base.IsZero() && st.Found {
			base = st.Last.StartedAt
		}
		if !base.IsZero() {
			st.NextRunAt = base.Add(st.Interval)
		}
	}
	if jobID > 0 {
		j, err := c.q.SyncJob(ctx, jobID)
		if err != nil {
			return SyncStatus{}, fmt.Errorf("sync status: job %d: %w", jobID, err)
		}
		st.Job = &j
	}
	return st, nil
}

// Trigger enqueues a directory sync now, or returns the sync job already
// queued or running (Existing set). Admins only.
func (c *SyncControl) Trigger(ctx context.Context, actor access.Actor) (SyncJob, error) {
	if !actor.Admin {
		return SyncJob{}, access.Errorf(access.CodeForbidden, "only admins may start a directory sync")
	}
	j, err := c.q.EnqueueSync(ctx)
	if err != nil {
		return SyncJob{}, fmt.Errorf("start a directory sync: %w", err)
	}
	c.log.InfoContext(ctx, "directory sync requested", "actor", actor.UserName, "job_id", j.ID, "state", j.State, "existing", j.Existing)
	return j, nil
}
