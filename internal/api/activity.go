package api

import (
	"context"
	"net/http"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// Activity is the session-activity use cases.
// *workflow.Service satisfies it; a Service that does not answers
// not_found on those routes.
type Activity interface {
	RequestActivity(ctx context.Context, actor access.Actor, id string) (*access.Request, []access.GrantActivity, error)
	RefreshActivity(ctx context.Context, actor access.Actor, id string) error
	ActivitySourceName() string
}

var _ Activity = (*workflow.Service)(nil)

func (a *API) activitySvc() (Activity, error) {
	return optional[Activity](a, "session activity")
}

// activityJSON is the session activity of a request.
type activityJSON struct {
	RequestID string `json:"request_id"`
	// Source is the configured source, "none" when activity is off.
	Source string              `json:"source"`
	Grants []grantActivityJSON `json:"grants"`
}

// grantActivityJSON is one grant's stored activity.
type grantActivityJSON struct {
	GrantID     string                 `json:"grant_id"`
	AccountID   string                 `json:"account_id"`
	Status      string                 `json:"status"`
	Error       string                 `json:"error"`
	Attempts    int                    `json:"attempts"`
	RequestedAt *time.Time             `json:"requested_at"`
	FetchedAt   *time.Time             `json:"fetched_at"`
	WindowStart *time.Time             `json:"window_start"`
	WindowEnd   *time.Time             `json:"window_end"`
	Events      []access.ActivityEvent `json:"events"`
}

// toActivity shapes a request's stored activity, grants in the request's
// account order.
func toActivity(r *access.Request, source string, acts []access.GrantActivity) activityJSON {
	if source == "" {
		source = "none"
	}
	out := activityJSON{RequestID: r.ID, Source: source, Grants: make([]grantActivityJSON, 0, len(acts))}
	byID := make(map[string]access.GrantActivity, len(acts))
	for _, ga := range acts {
		byID[ga.GrantID] = ga
	}
	for _, g := range r.Grants { // in the request's account order
		ga, ok := byID[g.ID]
		if !ok {
			continue
		}
		j := grantActivityJSON{GrantID: g.ID, AccountID: g.AccountID, Status: ga.Status, Error: ga.Error, Attempts: ga.Attempts,
			RequestedAt: utc(ga.RequestedAt), FetchedAt: utc(ga.FetchedAt), WindowStart: utc(ga.WindowStart), WindowEnd: utc(ga.WindowEnd),
			Events: ga.Events}
		if j.Events == nil {
			j.Events = []access.ActivityEvent{}
		}
		for i := range j.Events {
			j.Events[i].Time = j.Events[i].Time.UTC()
		}
		out.Grants = append(out.Grants, j)
	}
	return out
}

// requestActivity serves GET /api/v1/requests/{id}/activity.
func (a *API) requestActivity(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	s, err := a.activitySvc()
	if err != nil {
		return err
	}
	req, acts, err := s.RequestActivity(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, toActivity(req, s.ActivitySourceName(), acts))
	return nil
}

// refreshActivity serves POST /api/v1/requests/{id}/activity/refresh: the
// fetch runs in the background (202); GET .../activity shows its outcome.
func (a *API) refreshActivity(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	s, err := a.activitySvc()
	if err != nil {
		return err
	}
	if err := s.RefreshActivity(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	req, acts, err := s.RequestActivity(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusAccepted, toActivity(req, s.ActivitySourceName(), acts))
	return nil
}
