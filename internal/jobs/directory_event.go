package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/elevate/elevate/internal/workflow"
)

// directoryEventArgs is the directory_event job: re-read one user after an
// identity store change arrived through the events queue ("" for every
// requester with an open request).
type directoryEventArgs struct {
	UserID string `json:"user_id"`
}

func (directoryEventArgs) Kind() string { return string(workflow.JobDirectoryEvent) }

type directoryEventWorker struct {
	river.WorkerDefaults[directoryEventArgs]
	runner Runner
	cfg    Config
}

func (w *directoryEventWorker) Work(ctx context.Context, job *river.Job[directoryEventArgs]) error {
	return snoozeOrErr(w.runner.RecheckUser(ctx, job.Args.UserID))
}

// NextRetry retries soon: the user's access should end within a minute.
func (w *directoryEventWorker) NextRetry(job *river.Job[directoryEventArgs]) time.Time {
	return time.Now().Add(backoff(job.Attempt, w.cfg.MaxRetryDelay))
}
