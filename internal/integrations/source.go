package integrations

import (
	"context"
	"fmt"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
)

// Source gathers the facts of rules' conditions from the configured
// integrations (nil: not configured); it satisfies workflow.ContextSource.
type Source struct {
	PagerDuty  *PagerDuty
	Opsgenie   *Opsgenie
	Jira       *Jira
	ServiceNow *ServiceNow
}

// Configured reports whether any integration is configured.
func (s *Source) Configured() bool {
	return s != nil && (s.PagerDuty != nil || s.Opsgenie != nil || s.Jira != nil || s.ServiceNow != nil)
}

func notConfigured(what, key string) string {
	return fmt.Sprintf("the %s integration is not configured (integrations.%s)", what, key)
}

// OnCall says whether the user is on call in the rota now, matched by the
// user's directory email.
func (s *Source) OnCall(ctx context.Context, src policy.OnCallSource, user access.User) policy.OnCallFact {
	if user.Email == "" {
		return policy.OnCallFact{Err: fmt.Sprintf("%s has no email in the directory to match on-call users by", user.UserName)}
	}
	switch src.Provider {
	case policy.PagerDuty:
		if s.PagerDuty == nil {
			return policy.OnCallFact{Err: notConfigured("PagerDuty", "pagerduty")}
		}
		return s.PagerDuty.OnCall(ctx, src.Kind, src.ID, user.Email)
	case policy.Opsgenie:
		if s.Opsgenie == nil {
			return policy.OnCallFact{Err: notConfigured("Opsgenie", "opsgenie")}
		}
		return s.Opsgenie.OnCall(ctx, src.ID, user.Email)
	}
	return policy.OnCallFact{Err: fmt.Sprintf("%q is not an on-call provider", src.Provider)}
}

// Ticket reads the ticket from its system.
func (s *Source) Ticket(ctx context.Context, src policy.TicketSource, key string) policy.TicketFact {
	switch src.System {
	case policy.Jira:
		if s.Jira == nil {
			return policy.TicketFact{Key: key, Err: notConfigured("Jira", "jira")}
		}
		return s.Jira.Ticket(ctx, key)
	case policy.ServiceNow:
		if s.ServiceNow == nil {
			return policy.TicketFact{Key: key, Err: notConfigured("ServiceNow", "servicenow")}
		}
		return s.ServiceNow.Ticket(ctx, src.Table, key)
	}
	return policy.TicketFact{Key: key, Err: fmt.Sprintf("%q is not a ticket system", src.System)}
}

// Check is one finding of Doctor.
type Check struct {
	Integration string
	OK          bool
	Warning     bool // the integration answers, but something the policy names is wrong
	Message     string
}

// Doctor checks each configured integration (reachable, credentials
// accepted) and the rotas and ticket tables the policy names: one that is
// unknown is a warning, one whose integration is not configured too.
func (s *Source) Doctor(ctx context.Context, rotas []policy.OnCallSource, tables []policy.TicketSource) []Check {
	var out []Check
	add := func(name string, err error, okMsg string) bool {
		if err != nil {
			out = append(out, Check{Integration: name, Message: err.Error()})
			return false
		}
		out = append(out, Check{Integration: name, OK: true, Message: okMsg})
		return true
	}
	pdOK, ogOK := false, false
	if s.PagerDuty != nil {
		pdOK = add("PagerDuty", s.PagerDuty.Ping(ctx), "reachable, token accepted")
	}
	if s.Jira != nil {
		add("Jira", s.Jira.Ping(ctx), "reachable, credentials accepted")
	}
	if s.Opsgenie != nil {
		ogOK = true // Opsgenie has no cheap ping: the schedules below check it
	}
	for _, r := range rotas {
		var err error
		switch {
		case r.Provider == policy.PagerDuty && s.PagerDuty == nil, r.Provider == policy.Opsgenie && s.Opsgenie == nil:
			out = append(out, Check{Integration: r.String(), Warning: true, Message: "the policy names it but its integration is not configured: its conditions are unknown"})
			continue
		case r.Provider == policy.PagerDuty:
			if !pdOK {
				continue
			}
			err = s.PagerDuty.Check(ctx, r.Kind, r.ID)
		case r.Provider == policy.Opsgenie:
			if !ogOK {
				continue
			}
			err = s.Opsgenie.Check(ctx, r.ID)
		}
		switch {
		case NotFound(err):
			out = append(out, Check{Integration: r.String(), Warning: true, Message: "unknown id: the provider has no such " + r.Kind + "; its conditions are unknown until the policy names an existing one"})
		case err != nil:
			out = append(out, Check{Integration: r.String(), Message: err.Error()})
		default:
			out = append(out, Check{Integration: r.String(), OK: true, Message: "found"})
		}
	}
	for _, t := range tables {
		switch {
		case t.System == policy.Jira && s.Jira == nil, t.System == policy.ServiceNow && s.ServiceNow == nil:
			out = append(out, Check{Integration: t.String(), Warning: true, Message: "the policy names it but its integration is not configured: requests under its rules are refused"})
		case t.System == policy.ServiceNow:
			add(t.String(), s.ServiceNow.Ping(ctx, t.Table), "reachable, credentials accepted, table readable")
		}
	}
	return out
}
