package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// SyncControl shows the directory sync's status and starts one;
// *workflow.SyncControl satisfies it and authorizes (the same use cases as
// GET and POST /api/v1/admin/sync).
type SyncControl interface {
	Status(ctx context.Context, actor access.Actor, jobID int64) (workflow.SyncStatus, error)
	Trigger(ctx context.Context, actor access.Actor) (workflow.SyncJob, error)
}

var _ SyncControl = (*workflow.SyncControl)(nil)

// syncView is the admin page's directory sync card.
type syncView struct {
	S workflow.SyncStatus
	// Started is the job id the "Sync now" button just queued (or found
	// queued: Existing).
	Started  int64
	Existing bool
}

// syncCard reads the directory sync's status for the admin page; nil when
// the portal has no SyncControl.
func (p *Portal) syncCard(r *http.Request, actor access.Actor) (*syncView, error) {
	if p.o.Sync == nil {
		return nil, nil
	}
	st, err := p.o.Sync.Status(r.Context(), actor, 0)
	if err != nil {
		return nil, err
	}
	v := &syncView{S: st}
	q := r.URL.Query()
	if id, err := strconv.ParseInt(q.Get("sync_job"), 10, 64); err == nil && id > 0 {
		v.Started, v.Existing = id, q.Get("existing") == "1"
	}
	return v, nil
}

// triggerSync serves POST /admin/sync, the admin page's "Sync now" button
// (admins; the server's cross-origin protection covers the form): it
// queues a directory sync and goes back to the admin page.
func (p *Portal) triggerSync(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if !actor.Admin {
		return access.Errorf(access.CodeForbidden, "Only admins may start a directory sync.")
	}
	if p.o.Sync == nil {
		return access.Errorf(access.CodeNotFound, "This server does not run directory syncs on demand.")
	}
	j, err := p.o.Sync.Trigger(r.Context(), actor)
	if err != nil {
		return err
	}
	to := "/admin?sync_job=" + strconv.FormatInt(j.ID, 10)
	if j.Existing {
		to += "&existing=1"
	}
	http.Redirect(w, r, to+"#h-sync", http.StatusSeeOther)
	return nil
}
