package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/elevate/elevate/internal/workflow"
)

// activityMaxWorkers is how many fetches run at once per process, on the
// activity queue's own workers (as many as CloudTrail Lake's concurrent
// queries), so slow CloudTrail queries never hold the workers that grant
// and revoke access.
const activityMaxWorkers = 10

// activityArgs is the fetch_activity job. At (the scheduled time, Unix
// seconds) is part of the arguments so that the fetch at the end of a
// grant's window is not taken for a duplicate of the running first fetch.
type activityArgs struct {
	RequestID string `json:"request_id"`
	GrantID   string `json:"grant_id"`
	At        int64  `json:"at,omitempty"`
}

func (activityArgs) Kind() string { return string(workflow.JobFetchActivity) }

// activityArgsOf is the arguments of a fetch_activity job.
func activityArgsOf(j workflow.Job) activityArgs {
	args := activityArgs{RequestID: j.RequestID, GrantID: j.GrantID}
	if !j.At.IsZero() {
		args.At = j.At.Unix()
	}
	return args
}

type activityWorker struct {
	river.WorkerDefaults[activityArgs]
	runner Runner
}

func (w *activityWorker) Work(ctx context.Context, job *river.Job[activityArgs]) error {
	r := w.runner
	return r.FetchActivity(ctx, job.Args.GrantID, job.Attempt, job.Attempt >= job.MaxAttempts)
}

// NextRetry waits 30s, then twice as long each time, up to 30m: a failing
// CloudTrail query is usually a quota or a delivery delay, not a blip.
func (w *activityWorker) NextRetry(job *river.Job[activityArgs]) time.Time {
	d := 30 * time.Second << min(max(job.Attempt-1, 0), 10)
	return time.Now().Add(min(d, 30*time.Minute))
}

// Timeout covers the source's own query retries (three attempts with
// backoff, each polled until it finishes).
func (w *activityWorker) Timeout(*river.Job[activityArgs]) time.Duration {
	return timeoutOf(workflow.JobFetchActivity)
}
