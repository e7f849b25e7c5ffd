package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/elevate/elevate/internal/workflow"
)

// Deliverer sends one notification; workflow.Notifications satisfies it. A
// returned error means "retry later" unless the attempt was the last (final).
type Deliverer interface {
	Deliver(ctx context.Context, notificationID string, attempt int, final bool) error
}

// notifyMaxWorkers is how many deliveries run at once per process, on the
// notify queue's own workers, so a notification channel that is slow or
// down can never take the workers that grant and revoke access.
const notifyMaxWorkers = 10

// notifyArgs is the notify job: one notification on one channel.
type notifyArgs struct {
	NotificationID string `json:"notification_id"`
}

func (notifyArgs) Kind() string { return string(workflow.JobNotify) }

type notifyWorker struct {
	river.WorkerDefaults[notifyArgs]
	cfg Config
}

func (w *notifyWorker) Work(ctx context.Context, job *river.Job[notifyArgs]) error {
	if w.cfg.Deliverer == nil {
		return errors.New("notify job: the queue was started without a deliverer")
	}
	return w.cfg.Deliverer.Deliver(ctx, job.Args.NotificationID, job.Attempt, job.Attempt >= job.MaxAttempts)
}

// NextRetry retries quickly at first (0.5s, 1s, 2s, ...), capped at MaxRetryDelay.
func (w *notifyWorker) NextRetry(job *river.Job[notifyArgs]) time.Time {
	d := 500 * time.Millisecond << min(max(job.Attempt-1, 0), 20)
	return time.Now().Add(min(d, w.cfg.MaxRetryDelay))
}

// Timeout bounds one delivery: a channel that hangs is retried later.
func (w *notifyWorker) Timeout(*river.Job[notifyArgs]) time.Duration {
	return timeoutOf(workflow.JobNotify)
}
