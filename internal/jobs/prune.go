package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/workflow"
	"github.com/riverqueue/river"
)

// pruneArgs is the periodic retention job: it deletes terminal
// requests, session activity and the start of the decision log older than
// the configured retention.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return string(workflow.JobPrune) }

// Pruner applies the retention; the app's retention job satisfies it.
type Pruner interface {
	Prune(ctx context.Context) error
}

// prunePeriodicJob runs the pruning every interval on the leader only
// (River's periodic jobs are enqueued by the elected leader), at most one
// pending at a time.
func prunePeriodicJob(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			return pruneArgs{}, periodicOpts(workflow.JobPrune)
		},
		&river.PeriodicJobOpts{ID: string(workflow.JobPrune)})
}

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	pruner Pruner
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	if w.pruner == nil {
		return fmt.Errorf("prune job: the queue was started without a pruner")
	}
	if err := w.pruner.Prune(ctx); err != nil {
		return fmt.Errorf("prune job: %w", err)
	}
	return nil
}

// Timeout lets a first pruning of a large log finish (batches of 10,000
// entries, each its own transaction).
func (w *pruneWorker) Timeout(*river.Job[pruneArgs]) time.Duration {
	return timeoutOf(workflow.JobPrune)
}
