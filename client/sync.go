package client

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// SyncRun is the last directory sync run.
type SyncRun struct {
	StartedAt  time.Time  `json:"started_at"`
	EndedAt    *time.Time `json:"ended_at"`
	Duration   string     `json:"duration"`
	DurationMS int64      `json:"duration_ms"`
	// Outcome is "succeeded", "failed" or "running".
	Outcome       string     `json:"outcome"`
	Error         string     `json:"error"`
	LastSuccessAt *time.Time `json:"last_success_at"`
	// Counts per kind (accounts, ous, permission_sets, users, groups,
	// memberships): rows seen, KIND_inserted, KIND_updated, KIND_deleted;
	// "writes" is the rows written in all.
	Counts map[string]int `json:"counts"`
}

// SyncJob is a directory sync job in the server's job queue.
type SyncJob struct {
	ID        int64     `json:"id"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	Error     string    `json:"error"`
	// Finished: the job will not run again (completed, discarded or
	// cancelled). Failed: its last attempt failed, or it was given up.
	Finished bool `json:"finished"`
	Failed   bool `json:"failed"`
}

// SyncStatus is the directory sync's status.
type SyncStatus struct {
	LastRun *SyncRun `json:"last_run"` // nil when no sync ever ran
	// Interval of the periodic sync ("15m0s"); empty when it is off.
	Interval string `json:"interval"`
	// NextRunAt estimates the next periodic run; nil when unknown or off.
	NextRunAt *time.Time `json:"next_run_at"`
	Pending   *SyncJob   `json:"pending"` // the job queued or running, if any
	Job       *SyncJob   `json:"job"`     // the job asked for, if any
}

// SyncTrigger is the answer to TriggerSync.
type SyncTrigger struct {
	JobID int64  `json:"job_id"`
	State string `json:"state"`
	// Existing: a sync job was already queued or running; JobID is that one.
	Existing bool `json:"existing"`
}

// SyncStatus returns the directory sync's status; with jobID > 0, also
// that job's state. Admins and auditors only.
func (c *Client) SyncStatus(ctx context.Context, jobID int64) (*SyncStatus, error) {
	q := url.Values{}
	if jobID < 0 {
		return nil, fmt.Errorf("elevate sync status: job id %d is not a job id", jobID)
	}
	if jobID > 0 {
		q.Set("job", strconv.FormatInt(jobID, 10))
	}
	var out SyncStatus
	if err := c.do(ctx, "GET", "/admin/sync", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TriggerSync starts a directory sync now, or returns the one already
// queued or running. Admins only.
func (c *Client) TriggerSync(ctx context.Context) (*SyncTrigger, error) {
	var out SyncTrigger
	if err := c.do(ctx, "POST", "/admin/sync", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitSync polls the status of sync job jobID every interval until it has
// finished or failed, and returns the last status (whose Job is that job).
func (c *Client) WaitSync(ctx context.Context, jobID int64, interval time.Duration) (*SyncStatus, error) {
	if jobID < 1 {
		return nil, fmt.Errorf("elevate wait sync: job id %d is not a job id", jobID)
	}
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		st, err := c.SyncStatus(ctx, jobID)
		if err != nil {
			return nil, err
		}
		if st.Job != nil && (st.Job.Finished || st.Job.Failed) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("elevate wait sync: job %d is still %s: %w", jobID, jobState(st.Job), ctx.Err())
		case <-t.C:
		}
	}
}

func jobState(j *SyncJob) string {
	if j == nil {
		return "unknown"
	}
	return j.State
}
