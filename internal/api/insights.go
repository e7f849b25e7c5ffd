package api

import (
	"context"
	"net/http"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/insight"
	"github.com/elevate/elevate/internal/say"
	"github.com/elevate/elevate/internal/workflow"
)

// Insights is the usage-insight use case. *workflow.Service satisfies it;
// a Service that does not answers not_found.
type Insights interface {
	Insights(ctx context.Context, actor access.Actor, in workflow.InsightsInput) (insight.Report, error)
}

var _ Insights = (*workflow.Service)(nil)

// insights serves GET /api/v1/insights?since=90d: usage insight over the
// window (auditors and admins: everyone's; anyone else: their own).
func (a *API) insights(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	s, err := optional[Insights](a, "usage insight")
	if err != nil {
		return err
	}
	var in workflow.InsightsInput
	for k, v := range r.URL.Query() {
		if k != "since" {
			return access.Errorf(access.CodeInvalid, "unknown query parameter %q: use since", k)
		}
		d, err := say.ParseDuration(v[len(v)-1])
		if err != nil || d == 0 {
			return access.Errorf(access.CodeInvalid, "since %q is not how far back to look: write a duration like 90d, 2w as 14d, or 36h", v[len(v)-1])
		}
		in.Window = d
	}
	rep, err := s.Insights(r.Context(), actor, in)
	if err != nil {
		return err
	}
	a.writeJSON(w, r, http.StatusOK, rep)
	return nil
}
