package integrations

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/policy"
)

// PagerDuty reads on-calls from the PagerDuty REST API v2.
type PagerDuty struct{ c *client }

// DefaultPagerDutyURL is PagerDuty's REST API.
const DefaultPagerDutyURL = "https://api.pagerduty.com"

// NewPagerDuty returns the PagerDuty integration; token is a REST API key.
func NewPagerDuty(cfg ClientConfig, token string) (*PagerDuty, error) {
	cfg.Name = "PagerDuty"
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultPagerDutyURL
	}
	if token == "" {
		return nil, fmt.Errorf("PagerDuty: the API token is empty")
	}
	c, err := newClient(cfg, func(r *http.Request) {
		r.Header.Set("Authorization", "Token token="+token)
		r.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	})
	if err != nil {
		return nil, err
	}
	return &PagerDuty{c: c}, nil
}

type pdRef struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
	Email   string `json:"email"` // users only, with include[]=users
}

type pdOnCall struct {
	User             pdRef  `json:"user"`
	Schedule         *pdRef `json:"schedule"`
	EscalationPolicy pdRef  `json:"escalation_policy"`
	EscalationLevel  int    `json:"escalation_level"`
	End              string `json:"end"`
}

type pdOnCalls struct {
	OnCalls []pdOnCall `json:"oncalls"`
	Limit   int        `json:"limit"`
	Offset  int        `json:"offset"`
	More    bool       `json:"more"`
}

// pdPageLimit is the page size asked for; pdMaxPages bounds the pages read.
const (
	pdPageLimit = 100
	pdMaxPages  = 20
)

// onCalls lists the current on-calls of a schedule or escalation policy,
// every page.
func (p *PagerDuty) onCalls(ctx context.Context, kind, id string) ([]pdOnCall, error) {
	param := "schedule_ids[]"
	if kind == policy.KindEscalationPolicy {
		param = "escalation_policy_ids[]"
	}
	var all []pdOnCall
	for page, offset := 0, 0; page < pdMaxPages; page++ {
		q := url.Values{"include[]": {"users"}, param: {id}, "limit": {strconv.Itoa(pdPageLimit)}, "offset": {strconv.Itoa(offset)}}
		var res pdOnCalls
		if err := p.c.getJSON(ctx, "/oncalls", q, &res); err != nil {
			return nil, err
		}
		all = append(all, res.OnCalls...)
		if !res.More || len(res.OnCalls) == 0 {
			return all, nil
		}
		offset += len(res.OnCalls)
	}
	return all, nil
}

// OnCall says at which levels the user (by email) is on call now.
func (p *PagerDuty) OnCall(ctx context.Context, kind, id, email string) policy.OnCallFact {
	ocs, err := p.onCalls(ctx, kind, id)
	if err != nil {
		return policy.OnCallFact{Err: err.Error()}
	}
	var levels []int
	var until time.Time
	var others []string
	for _, oc := range ocs {
		if strings.EqualFold(oc.User.Email, email) && email != "" {
			if !slices.Contains(levels, oc.EscalationLevel) {
				levels = append(levels, oc.EscalationLevel)
			}
			if t, err := time.Parse(time.RFC3339, oc.End); err == nil && t.After(until) {
				until = t
			}
			continue
		}
		who := oc.User.Email
		if who == "" {
			who = oc.User.Summary
		}
		others = append(others, fmt.Sprintf("%s (level %d)", who, oc.EscalationLevel))
	}
	slices.Sort(levels)
	if len(levels) > 0 {
		ev := "PagerDuty lists " + email + " on call"
		if !until.IsZero() {
			ev += " until " + until.UTC().Format(time.RFC3339)
		}
		return policy.OnCallFact{Levels: levels, Evidence: ev}
	}
	if len(others) == 0 {
		return policy.OnCallFact{Evidence: "PagerDuty lists no one on call"}
	}
	slices.Sort(others)
	others = slices.Compact(others)
	return policy.OnCallFact{Evidence: "PagerDuty lists " + strings.Join(others, ", ")}
}

// Check reads the schedule or escalation policy: found, or a 404.
func (p *PagerDuty) Check(ctx context.Context, kind, id string) error {
	path := "/schedules/"
	if kind == policy.KindEscalationPolicy {
		path = "/escalation_policies/"
	}
	var out map[string]any
	return p.c.getJSON(ctx, path+url.PathEscape(id), nil, &out)
}

// Ping checks the address and the token with a one-item on-call list.
func (p *PagerDuty) Ping(ctx context.Context) error {
	var out pdOnCalls
	return p.c.getJSON(ctx, "/oncalls", url.Values{"limit": {"1"}}, &out)
}
