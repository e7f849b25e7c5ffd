package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// syncKind is the kind of the directory sync job.
var syncKind = syncArgs{}.Kind()

// EnqueueSync adds a directory sync job to run now. It is unique like the
// periodic one: while a sync job is queued or running, that job is returned
// (Existing set) and none is added. It satisfies workflow.SyncQueue.
func (q *Queue[TTx]) EnqueueSync(ctx context.Context) (workflow.SyncJob, error) {
	res, err := q.client.Insert(ctx, syncArgs{}, periodicOpts(workflow.JobSyncDirectory))
	if err != nil {
		return workflow.SyncJob{}, fmt.Errorf("jobs: insert %s job: %w", syncKind, err)
	}
	j := syncJob(res.Job)
	j.Existing = res.UniqueSkippedAsDuplicate
	return j, nil
}

// SyncJob returns the directory sync job id; not_found when there is no
// such sync job (finished jobs are kept for a day).
func (q *Queue[TTx]) SyncJob(ctx context.Context, id int64) (workflow.SyncJob, error) {
	row, err := q.client.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) || (err == nil && row.Kind != syncKind) {
		return workflow.SyncJob{}, access.Errorf(access.CodeNotFound, "no directory sync job %d (finished jobs are kept for a day)", id)
	}
	if err != nil {
		return workflow.SyncJob{}, fmt.Errorf("jobs: get job %d: %w", id, err)
	}
	return syncJob(row), nil
}

// syncScanJobs is how many of the newest sync jobs SyncSchedule looks at
// for the last periodic one and the pending one.
const syncScanJobs = 50

// SyncSchedule returns the periodic sync's interval, when it last enqueued
// a job, and the sync job queued or running.
func (q *Queue[TTx]) SyncSchedule(ctx context.Context) (workflow.SyncSchedule, error) {
	var s workflow.SyncSchedule
	if q.cfg.SyncInterval > 0 {
		s.Interval = q.cfg.SyncInterval
	}
	res, err := q.client.JobList(ctx, river.NewJobListParams().Kinds(syncKind).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(syncScanJobs))
	if err != nil {
		return s, fmt.Errorf("jobs: list %s jobs: %w", syncKind, err)
	}
	for _, row := range res.Jobs {
		switch row.State {
		case rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled:
			if s.Pending == nil {
				j := syncJob(row)
				s.Pending = &j
			}
		}
		if s.LastPeriodicAt.IsZero() && periodic(row) {
			s.LastPeriodicAt = row.CreatedAt
		}
	}
	return s, nil
}

// periodic reports whether River's periodic enqueuer inserted the job (it
// marks them "periodic": true in the metadata).
func periodic(row *rivertype.JobRow) bool {
	var m struct {
		Periodic bool `json:"periodic"`
	}
	return json.Unmarshal(row.Metadata, &m) == nil && m.Periodic
}

func syncJob(row *rivertype.JobRow) workflow.SyncJob {
	j := workflow.SyncJob{ID: row.ID, State: string(row.State), CreatedAt: row.CreatedAt}
	if n := len(row.Errors); n > 0 {
		j.Error = row.Errors[n-1].Error
	}
	return j
}
