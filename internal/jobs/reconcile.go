package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/elevate/elevate/internal/workflow"
)

// reconcileArgs is the periodic reconciliation job.
type reconcileArgs struct{}

func (reconcileArgs) Kind() string { return string(workflow.JobReconcile) }

// Reconciler is the part of the runner that reconciles AWS with the
// grants; *workflow.Service satisfies it.
type Reconciler interface {
	Reconcile(ctx context.Context) (workflow.ReconcileReport, error)
}

func reconcilePeriodicJob(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			return reconcileArgs{}, periodicOpts(workflow.JobReconcile)
		},
		&river.PeriodicJobOpts{ID: "reconcile"})
}

type reconcileWorker struct {
	river.WorkerDefaults[reconcileArgs]
	ref *runnerRef
}

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[reconcileArgs]) error {
	r, err := w.ref.get()
	if err != nil {
		return err
	}
	rc, ok := r.(Reconciler)
	if !ok {
		return errors.New("reconcile job: the runner cannot reconcile")
	}
	if _, err := rc.Reconcile(ctx); err != nil {
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
