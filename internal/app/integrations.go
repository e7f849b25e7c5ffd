package app

import (
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/integrations"
)

// NewIntegrations builds the configured integrations (each off until its
// secret is set); the source is empty when none is configured.
func NewIntegrations(cfg config.Config) (*integrations.Source, error) {
	in := cfg.Integrations
	base := func(url string, rate float64) integrations.ClientConfig {
		return integrations.ClientConfig{BaseURL: url, Timeout: in.Timeout, Retries: integrations.DefaultRetries, CallsPerSecond: rate}
	}
	src := &integrations.Source{}
	var err error
	if in.PagerDuty.Token != "" {
		if src.PagerDuty, err = integrations.NewPagerDuty(base(in.PagerDuty.URL, in.PagerDuty.CallsPerSecond), in.PagerDuty.Token); err != nil {
			return nil, err
		}
	}
	if in.Opsgenie.APIKey != "" {
		if src.Opsgenie, err = integrations.NewOpsgenie(base(in.Opsgenie.URL, in.Opsgenie.CallsPerSecond), in.Opsgenie.APIKey); err != nil {
			return nil, err
		}
	}
	if in.Jira.Token != "" {
		if src.Jira, err = integrations.NewJira(base(in.Jira.URL, in.Jira.CallsPerSecond), in.Jira.Email, in.Jira.Token); err != nil {
			return nil, err
		}
	}
	if in.ServiceNow.Password != "" {
		if src.ServiceNow, err = integrations.NewServiceNow(base(in.ServiceNow.URL, in.ServiceNow.CallsPerSecond), in.ServiceNow.Username, in.ServiceNow.Password); err != nil {
			return nil, err
		}
	}
	return src, nil
}
