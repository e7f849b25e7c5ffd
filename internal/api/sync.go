package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// Sync shows the directory sync's status and starts one on demand;
// *workflow.SyncControl satisfies it and authorizes (status: admins and
// auditors; trigger: admins).
type Sync interface {
	Status(ctx context.Context, actor access.Actor, jobID int64) (workflow.SyncStatus, error)
	Trigger(ctx context.Context, actor access.Actor) (workflow.SyncJob, error)
}

var _ Sync = (*workflow.SyncControl)(nil)

// WithSync serves /admin/sync from s, and returns a.
func (a *API) WithSync(s Sync) *API {
	a.sync = s
	return a
}

// syncRunJSON is the last directory sync run.
type syncRunJSON struct {
	StartedAt     time.Time      `json:"started_at"`
	EndedAt       *time.Time     `json:"ended_at"`
	Duration      string         `json:"duration"`
	DurationMS    int64          `json:"duration_ms"`
	Outcome       string         `json:"outcome"` // succeeded, failed, running
	Error         string         `json:"error"`
	LastSuccessAt *time.Time     `json:"last_success_at"`
	Counts        map[string]int `json:"counts"`
}

// syncJobJSON is a directory sync job.
type syncJobJSON struct {
	ID        int64     `json:"id"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"created_at"`
	Error     string    `json:"error"`
	Finished  bool      `json:"finished"`
	Failed    bool      `json:"failed"`
}

// syncStatusJSON is GET /admin/sync's answer.
type syncStatusJSON struct {
	LastRun   *syncRunJSON `json:"last_run"`
	Interval  string       `json:"interval"`
	NextRunAt *time.Time   `json:"next_run_at"`
	Pending   *syncJobJSON `json:"pending"`
	Job       *syncJobJSON `json:"job"`
}

// syncTriggerJSON is POST /admin/sync's answer.
type syncTriggerJSON struct {
	JobID    int64  `json:"job_id"`
	State    string `json:"state"`
	Existing bool   `json:"existing"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func syncJobOut(j *workflow.SyncJob) *syncJobJSON {
	if j == nil {
		return nil
	}
	return &syncJobJSON{ID: j.ID, State: j.State, CreatedAt: j.CreatedAt.UTC(), Error: j.Error, Finished: j.Finished(), Failed: j.Failed()}
}

func syncStatusOut(st workflow.SyncStatus) syncStatusJSON {
	out := syncStatusJSON{NextRunAt: optTime(st.NextRunAt), Pending: syncJobOut(st.Pending), Job: syncJobOut(st.Job)}
	if st.Interval > 0 {
		out.Interval = st.Interval.String()
	}
	if st.Found {
		l := st.Last
		run := &syncRunJSON{StartedAt: l.StartedAt.UTC(), EndedAt: optTime(l.EndedAt), Error: l.Error,
			LastSuccessAt: optTime(l.LastSuccessAt), Counts: l.Counts, Outcome: "succeeded"}
		if run.Counts == nil {
			run.Counts = map[string]int{}
		}
		switch {
		case l.EndedAt.IsZero():
			run.Outcome = "running"
		case l.Error != "":
			run.Outcome = "failed"
		}
		if !l.EndedAt.IsZero() {
			d := l.EndedAt.Sub(l.StartedAt)
			run.Duration, run.DurationMS = d.String(), d.Milliseconds()
		}
		out.LastRun = run
	}
	return out
}

func (a *API) syncSvc() (Sync, error) {
	if a.sync == nil {
		return nil, access.Errorf(access.CodeNotFound, "this server does not serve the directory sync status")
	}
	return a.sync, nil
}

// syncStatus serves GET /api/v1/admin/sync[?job=ID] (admins and auditors).
func (a *API) syncStatus(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	s, err := a.syncSvc()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	for k := range q {
		if k != "job" {
			return access.Errorf(access.CodeInvalid, "unknown query parameter %q: use job", k)
		}
	}
	var jobID int64
	if v := strings.TrimSpace(q.Get("job")); v != "" {
		if jobID, err = strconv.ParseInt(v, 10, 64); err != nil || jobID < 1 {
			return access.Errorf(access.CodeInvalid, "job %q: want a job id (a positive number) from POST /api/v1/admin/sync", v)
		}
	}
	st, err := s.Status(r.Context(), actor, jobID)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, syncStatusOut(st))
	return nil
}

// triggerSync serves POST /api/v1/admin/sync (admins): 202 with the job.
func (a *API) triggerSync(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	s, err := a.syncSvc()
	if err != nil {
		return err
	}
	j, err := s.Trigger(r.Context(), actor)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusAccepted, syncTriggerJSON{JobID: j.ID, State: j.State, Existing: j.Existing})
	return nil
}
