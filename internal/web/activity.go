package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/elevate/elevate/internal/access"
)

// ActivityReader is the session-activity read of the workflow;
// *workflow.Service satisfies it. A Service without it shows no activity.
type ActivityReader interface {
	RequestActivity(ctx context.Context, actor access.Actor, id string) (*access.Request, []access.GrantActivity, error)
	ActivitySourceName() string
}

// activityView is the activity section of the request detail page.
type activityView struct {
	Source string // "" when activity is off
	Grants []grantActivityView
	Events int // over all grants
}

type grantActivityView struct {
	AccountID string
	access.GrantActivity
}

// activityFor reads the request's session activity for the detail page;
// nil when the service has none or the read fails (logged: the page still
// shows the request).
func (p *Portal) activityFor(r *http.Request, actor access.Actor, q *access.Request) *activityView {
	ar, ok := p.o.Service.(ActivityReader)
	if !ok {
		return nil
	}
	_, acts, err := ar.RequestActivity(r.Context(), actor, q.ID)
	if err != nil {
		p.log.WarnContext(r.Context(), "web: session activity", "request_id", q.ID, "error", err)
		return nil
	}
	v := &activityView{Source: ar.ActivitySourceName()}
	byID := make(map[string]access.GrantActivity, len(acts))
	for _, a := range acts {
		byID[a.GrantID] = a
	}
	for _, g := range q.Grants {
		if a, ok := byID[g.ID]; ok {
			v.Grants = append(v.Grants, grantActivityView{AccountID: g.AccountID, GrantActivity: a})
			v.Events += len(a.Events)
		}
	}
	return v
}

// activityCount is the number of stored activity events of a request, for
// the requests CSV export ("" when none was fetched).
func (p *Portal) activityCount(r *http.Request, actor access.Actor, q *access.Request) string {
	v := p.activityFor(r, actor, q)
	if v == nil || len(v.Grants) == 0 {
		return ""
	}
	fetched := false
	for _, g := range v.Grants {
		fetched = fetched || !g.FetchedAt.IsZero()
	}
	if !fetched {
		return ""
	}
	return strconv.Itoa(v.Events)
}
