package integrations

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/elevate/elevate/internal/policy"
)

// Opsgenie reads a schedule's on-call participants from the Opsgenie
// Who Is On Call API.
type Opsgenie struct{ c *client }

// DefaultOpsgenieURL is Opsgenie's API (the EU instance is api.eu.opsgenie.com).
const DefaultOpsgenieURL = "https://api.opsgenie.com"

// NewOpsgenie returns the Opsgenie integration; key is an API integration key.
func NewOpsgenie(cfg ClientConfig, key string) (*Opsgenie, error) {
	cfg.Name = "Opsgenie"
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultOpsgenieURL
	}
	if key == "" {
		return nil, fmt.Errorf("Opsgenie: the API key is empty")
	}
	c, err := newClient(cfg, func(r *http.Request) { r.Header.Set("Authorization", "GenieKey "+key) })
	if err != nil {
		return nil, err
	}
	return &Opsgenie{c: c}, nil
}

type ogOnCalls struct {
	Data struct {
		Parent struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Enabled bool   `json:"enabled"`
		} `json:"_parent"`
		OnCallRecipients []string `json:"onCallRecipients"`
	} `json:"data"`
}

func (o *Opsgenie) onCalls(ctx context.Context, id string) (ogOnCalls, error) {
	var res ogOnCalls
	err := o.c.getJSON(ctx, "/v2/schedules/"+url.PathEscape(id)+"/on-calls", url.Values{"flat": {"true"}, "scheduleIdentifierType": {"id"}}, &res)
	return res, err
}

// OnCall says whether the user (by email, Opsgenie's user name) is on call
// in the schedule now. A schedule has no escalation levels: being on call
// is level 1.
func (o *Opsgenie) OnCall(ctx context.Context, id, email string) policy.OnCallFact {
	res, err := o.onCalls(ctx, id)
	if err != nil {
		return policy.OnCallFact{Err: err.Error()}
	}
	name := res.Data.Parent.Name
	if name == "" {
		name = id
	}
	if email != "" && slices.ContainsFunc(res.Data.OnCallRecipients, func(r string) bool { return strings.EqualFold(r, email) }) {
		return policy.OnCallFact{Levels: []int{1}, Evidence: fmt.Sprintf("Opsgenie lists %s on call in %s", email, name)}
	}
	if len(res.Data.OnCallRecipients) == 0 {
		return policy.OnCallFact{Evidence: "Opsgenie lists no one on call in " + name}
	}
	return policy.OnCallFact{Evidence: fmt.Sprintf("Opsgenie lists %s on call in %s", strings.Join(res.Data.OnCallRecipients, ", "), name)}
}

// Check reads the schedule's on-calls: found, or a 404.
func (o *Opsgenie) Check(ctx context.Context, id string) error {
	_, err := o.onCalls(ctx, id)
	return err
}
