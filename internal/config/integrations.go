package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Integrations configures the systems that rules' conditions read: who is
// on call (PagerDuty, Opsgenie) and tickets (Jira Cloud, ServiceNow). Each
// is off until its secret is set (and, for Jira and ServiceNow, its URL);
// secrets come from the environment or a _FILE only.
type Integrations struct {
	// Timeout bounds one look-up, retries included: past it the condition
	// is unknown (never auto-approved). Default 3s.
	Timeout time.Duration `yaml:"timeout"`
	// PagerDuty reads on-calls with a REST API key.
	PagerDuty IntegrationPagerDuty `yaml:"pagerduty"`
	// Opsgenie reads schedules' on-calls with an API integration key.
	Opsgenie IntegrationOpsgenie `yaml:"opsgenie"`
	// Jira reads issues from a Jira Cloud site.
	Jira IntegrationJira `yaml:"jira"`
	// ServiceNow reads records with the Table API.
	ServiceNow IntegrationServiceNow `yaml:"servicenow"`
}

// IntegrationPagerDuty configures PagerDuty.
type IntegrationPagerDuty struct {
	// URL of the REST API. Default https://api.pagerduty.com.
	URL string `yaml:"url"`
	// Token is a REST API key (read-only is enough). Default empty: off.
	Token string `yaml:"-" key:"token" secret:"true"`
	// CallsPerSecond is PagerDuty's own rate limit. Default 5.
	CallsPerSecond float64 `yaml:"calls_per_second"`
}

// IntegrationOpsgenie configures Opsgenie.
type IntegrationOpsgenie struct {
	// URL of the API (the EU instance: https://api.eu.opsgenie.com). Default https://api.opsgenie.com.
	URL string `yaml:"url"`
	// APIKey of an API integration. Default empty: off.
	APIKey string `yaml:"-" key:"api_key" secret:"true"`
	// CallsPerSecond is Opsgenie's own rate limit. Default 5.
	CallsPerSecond float64 `yaml:"calls_per_second"`
}

// IntegrationJira configures Jira Cloud.
type IntegrationJira struct {
	// URL of the site, https://example.atlassian.net. Required with the token.
	URL string `yaml:"url"`
	// Email of the account the API token belongs to. Required with the token.
	Email string `yaml:"email"`
	// Token is the account's API token. Default empty: off.
	Token string `yaml:"-" key:"token" secret:"true"`
	// CallsPerSecond is Jira's own rate limit. Default 5.
	CallsPerSecond float64 `yaml:"calls_per_second"`
}

// IntegrationServiceNow configures ServiceNow.
type IntegrationServiceNow struct {
	// URL of the instance, https://example.service-now.com. Required with the password.
	URL string `yaml:"url"`
	// Username of the integration user (read access to the tables). Required with the password.
	Username string `yaml:"username"`
	// Password of the integration user. Default empty: off.
	Password string `yaml:"-" key:"password" secret:"true"`
	// CallsPerSecond is ServiceNow's own rate limit. Default 5.
	CallsPerSecond float64 `yaml:"calls_per_second"`
}

func (in Integrations) validate() []error {
	var errs []error
	if in.Timeout < 0 {
		errs = append(errs, fmt.Errorf("integrations.timeout: %s is negative", in.Timeout))
	}
	checkURL := func(key, u string, required bool) {
		if u == "" {
			if required {
				errs = append(errs, fmt.Errorf("integrations.%s.url: empty; set the address of the site", key))
			}
			return
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			errs = append(errs, fmt.Errorf("integrations.%s.url: %q is not an http(s) URL", key, u))
		}
	}
	for key, rate := range map[string]float64{"pagerduty": in.PagerDuty.CallsPerSecond, "opsgenie": in.Opsgenie.CallsPerSecond,
		"jira": in.Jira.CallsPerSecond, "servicenow": in.ServiceNow.CallsPerSecond} {
		if rate < 0 {
			errs = append(errs, fmt.Errorf("integrations.%s.calls_per_second: %g is negative", key, rate))
		}
	}
	checkURL("pagerduty", in.PagerDuty.URL, false)
	checkURL("opsgenie", in.Opsgenie.URL, false)
	checkURL("jira", in.Jira.URL, in.Jira.Token != "")
	checkURL("servicenow", in.ServiceNow.URL, in.ServiceNow.Password != "")
	if in.Jira.Token != "" && in.Jira.Email == "" {
		errs = append(errs, errors.New("integrations.jira.email: empty; set the email of the account the API token belongs to"))
	}
	if in.ServiceNow.Password != "" && in.ServiceNow.Username == "" {
		errs = append(errs, errors.New("integrations.servicenow.username: empty; set the integration user's name"))
	}
	return errs
}
