package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/elevate/elevate/internal/workflow"
)

type grantWorker struct {
	river.WorkerDefaults[grantArgs]
	runner Runner
	cfg    Config
}

func (w *grantWorker) Work(ctx context.Context, job *river.Job[grantArgs]) error {
	r := w.runner
	return snoozeOrErr(r.Activate(ctx, job.Args.GrantID, job.Attempt))
}

// NextRetry backs off like a revocation's: the job may be removing what an
// orphaned grant's create made, and new grants for the assignment wait for it.
func (w *grantWorker) NextRetry(job *river.Job[grantArgs]) time.Time {
	return time.Now().Add(backoff(job.Attempt, w.cfg.MaxRetryDelay))
}

type revokeWorker struct {
	river.WorkerDefaults[revokeArgs]
	runner Runner
	cfg    Config
}

// revokeLead is how long before its end a revoke job is scheduled, and
// revokeWait how close to it a job that finds its end not yet due waits in
// its worker instead of being snoozed: River fetches due jobs at its next
// poll (FetchPollInterval, 200ms by default) and a worker then needs a few
// milliseconds to start, so a job scheduled at its end would send its
// deletion that much late, and every job of a burst of ends alike.
// Scheduled a little ahead and waiting in its worker, it sends at the end.
const (
	revokeLead = 250 * time.Millisecond
	revokeWait = time.Second
)

func (w *revokeWorker) Work(ctx context.Context, job *river.Job[revokeArgs]) error {
	r := w.runner
	err := r.Revoke(ctx, job.Args.GrantID, job.Attempt)
	var nd *workflow.NotDueError
	if errors.As(err, &nd) && time.Until(nd.Until) <= revokeWait {
		t := time.NewTimer(time.Until(nd.Until))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return snoozeOrErr(err)
		}
		err = r.Revoke(ctx, job.Args.GrantID, job.Attempt)
	} else if err != nil && errors.As(err, &nd) {
		// Not due for a while (a revocation planned ahead of its end
		// waits for its planned start): come back revokeLead early.
		return river.JobSnooze(revokeSnooze(time.Until(nd.Until)))
	}
	return snoozeOrErr(err)
}

// riverSchedulerInterval is River's default scheduler interval: a job
// snoozed for longer is left "scheduled" until the leader's scheduler,
// which runs that often, makes it available, up to this much after its
// time; a shorter snooze leaves it available at once, to be fetched at its
// time.
const riverSchedulerInterval = 5 * time.Second

// revokeSnooze is how long a revoke job whose start is d away snoozes:
// until revokeLead short of it when that is within River's scheduler
// interval (the job stays available and is fetched at that time);
// otherwise a hop of that interval, or a longer one that the scheduler's
// delay cannot carry past the start, after which it snoozes again.
func revokeSnooze(d time.Duration) time.Duration {
	rest := d - revokeLead
	switch {
	case rest <= riverSchedulerInterval:
		return max(rest, time.Millisecond)
	case rest <= 2*riverSchedulerInterval:
		return riverSchedulerInterval
	}
	return rest - riverSchedulerInterval - time.Second
}

func (w *revokeWorker) NextRetry(job *river.Job[revokeArgs]) time.Time {
	return time.Now().Add(backoff(job.Attempt, w.cfg.MaxRetryDelay))
}

type expireWorker struct {
	river.WorkerDefaults[expireArgs]
	runner Runner
	cfg    Config
}

func (w *expireWorker) Work(ctx context.Context, job *river.Job[expireArgs]) error {
	r := w.runner
	return snoozeOrErr(r.Expire(ctx, job.Args.RequestID))
}

func (w *expireWorker) NextRetry(job *river.Job[expireArgs]) time.Time {
	return time.Now().Add(backoff(job.Attempt, w.cfg.MaxRetryDelay))
}

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	runner Runner
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	r := w.runner
	return r.Sweep(ctx)
}

type syncWorker struct {
	river.WorkerDefaults[syncArgs]
	runner Runner
}

func (w *syncWorker) Work(ctx context.Context, _ *river.Job[syncArgs]) error {
	r := w.runner
	if _, err := r.SyncDirectory(ctx); err != nil {
		return fmt.Errorf("sync directory job: %w", err)
	}
	return nil
}
