package app

import (
	"time"

	"github.com/elevate/elevate/internal/api"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/ratelimit"
	"github.com/elevate/elevate/internal/server"
)

// perMinute turns a per-minute configuration value into a Rate (negative:
// off).
func perMinute(n int) ratelimit.Rate { return ratelimit.Rate{N: n, Per: time.Minute} }

// serverLimits are the server's rate limits from security.rate_limits.
func serverLimits(s config.Security) server.Limits {
	r := s.RateLimits.WithDefaults()
	return server.Limits{
		SignInPerIP:       perMinute(r.SignInPerIP),
		FailedTokensPerIP: perMinute(r.FailedTokensPerIP),
		RequestsPerToken:  perMinute(r.RequestsPerToken),
	}
}

// signInPerUser is the portal's sign-in limit per login.
func signInPerUser(s config.Security) *ratelimit.Limiter {
	return ratelimit.New(perMinute(s.RateLimits.WithDefaults().SignInPerUser), nil)
}

// Routes lists every route the app's server serves: its own (/healthz,
// /readyz, /metrics, the Slack routes when Slack is on), the API's and
// the portal's, as ServeMux patterns.
func (a *App) Routes() []string {
	out := []string{"GET /healthz", "GET /readyz", "GET /metrics"}
	if a.notif != nil && a.notif.handler != nil {
		out = append(out, server.SlackRoutes...)
	}
	out = append(out, api.Routes()...)
	if a.portal != nil {
		out = append(out, a.portal.Routes()...)
	}
	return out
}
