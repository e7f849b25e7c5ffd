package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/elevate/elevate/internal/workflow"
)

// endSessionsArgs is the end_sessions job: remove a revoked grant's
// session-ending statement once the longest session it could affect has
// expired.
type endSessionsArgs struct {
	RequestID string `json:"request_id"`
	GrantID   string `json:"grant_id"`
}

func (endSessionsArgs) Kind() string { return string(workflow.JobEndSessions) }

type endSessionsWorker struct {
	river.WorkerDefaults[endSessionsArgs]
	runner Runner
	cfg    Config
}

func (w *endSessionsWorker) Work(ctx context.Context, job *river.Job[endSessionsArgs]) error {
	return snoozeOrErr(w.runner.ExpireSessionDeny(ctx, job.Args.GrantID))
}

func (w *endSessionsWorker) NextRetry(job *river.Job[endSessionsArgs]) time.Time {
	return time.Now().Add(backoff(job.Attempt, w.cfg.MaxRetryDelay))
}
