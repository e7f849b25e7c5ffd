package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/insight"
	"github.com/elevate/elevate/internal/say"
	"github.com/elevate/elevate/internal/workflow"
)

// Insights is usage insight; *workflow.Service satisfies it.
type Insights interface {
	Insights(ctx context.Context, actor access.Actor, in workflow.InsightsInput) (insight.Report, error)
}

var _ Insights = (*workflow.Service)(nil)

// insightWindows are the windows the page offers.
var insightWindows = []string{"7d", "30d", "90d", "180d", "365d"}

type insightsData struct {
	Since   string
	Windows []string
	R       insight.Report
	Counts  map[string]int
	// Span is each grant's active time, said ("45 min"; "active").
	Span map[string]string
}

// insightsPage serves GET /audit/insights?since=90d: usage insight for
// auditors and admins (anyone else uses the API or the CLI for their own).
func (p *Portal) insightsPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := mayAudit(actor); err != nil {
		return err
	}
	s, ok := p.o.Service.(Insights)
	if !ok {
		return access.Errorf(access.CodeNotFound, "This server does not serve usage insight.")
	}
	d := insightsData{Since: strings.TrimSpace(r.URL.Query().Get("since")), Windows: insightWindows, Counts: map[string]int{}, Span: map[string]string{}}
	if d.Since == "" {
		d.Since = "90d"
	}
	window, err := say.ParseDuration(d.Since)
	if err != nil || window == 0 {
		return access.Errorf(access.CodeInvalid, "Look back %q is not a duration: write it like 30d or 90d.", d.Since)
	}
	if d.R, err = s.Insights(r.Context(), actor, workflow.InsightsInput{Window: window}); err != nil {
		return err
	}
	for _, g := range d.R.Grants {
		d.Counts[g.State]++
		d.Span[g.GrantID] = "active"
		if g.EndedAt != nil {
			d.Span[g.GrantID] = say.Span(g.EndedAt.Sub(g.ActivatedAt))
		}
	}
	p.render(w, http.StatusOK, "insights", view{Title: "Usage insight", Nav: "audit", Actor: actor, SignedIn: true, Now: time.Now(), D: d})
	return nil
}
