package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/elevate/elevate/internal/workflow"
)

// reconcileArgs is the periodic reconciliation job.
type reconcileArgs struct{}

func (reconcileArgs) Kind() string { return string(workflow.JobReconcile) }

func reconcilePeriodicJob(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			return reconcileArgs{}, periodicOpts(workflow.JobReconcile)
		},
		&river.PeriodicJobOpts{ID: "reconcile"})
}

type reconcileWorker struct {
	river.WorkerDefaults[reconcileArgs]
	runner Runner
}

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[reconcileArgs]) error {
	r := w.runner
	if _, err := r.Reconcile(ctx); err != nil {
		return fmt.Errorf("reconcile job: %w", err)
	}
	return nil
}

// Timeout lets a reconciliation of many pairs finish.
func (w *reconcileWorker) Timeout(*river.Job[reconcileArgs]) time.Duration {
	return timeoutOf(workflow.JobReconcile)
}

// Timeout lets a directory sync of a large organization finish.
func (w *syncWorker) Timeout(*river.Job[syncArgs]) time.Duration {
	return timeoutOf(workflow.JobSyncDirectory)
}
