package app

import (
	"fmt"

	"github.com/elevate/elevate/internal/workflow"
)

// newSyncControl wires the directory sync's status and on-demand trigger
// (GET/POST /api/v1/admin/sync, the admin page's "Sync now") to the job
// queue, which runs the sync jobs.
func newSyncControl(svc *workflow.Service, q jobQueue) (*workflow.SyncControl, error) {
	sq, ok := q.(workflow.SyncQueue)
	if !ok {
		return nil, fmt.Errorf("wire directory sync control: job queue %T cannot enqueue syncs", q)
	}
	c, err := workflow.NewSyncControl(svc, sq)
	if err != nil {
		return nil, fmt.Errorf("wire directory sync control: %w", err)
	}
	return c, nil
}
