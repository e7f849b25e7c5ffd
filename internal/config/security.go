package config

import (
	"fmt"
	"time"
)

// Security configures the HTTP hardening of issue 9: rate limits and the
// trust placed in a reverse proxy's headers.
type Security struct {
	// TrustProxyHeaders trusts X-Forwarded-Proto (HSTS is sent when it says
	// https) and the last X-Forwarded-For entry (the client IP that rate
	// limits count by). Set it only behind a proxy that sets both. Default
	// false.
	TrustProxyHeaders bool `yaml:"trust_proxy_headers"`
	// HSTSMaxAge is Strict-Transport-Security's max-age, sent only over TLS.
	// Default 8760h (a year); negative turns HSTS off.
	HSTSMaxAge time.Duration `yaml:"hsts_max_age"`
	// RateLimits are per minute; 0 takes the default, negative turns the
	// limit off. Each replica counts on its own.
	RateLimits RateLimits `yaml:"rate_limits"`
}

// RateLimits are events per minute, allowed in a burst of the same size.
type RateLimits struct {
	// SignInPerIP: requests to /auth/... per client IP. Default 30.
	SignInPerIP int `yaml:"sign_in_per_ip"`
	// SignInPerUser: sign-ins per directory user (by the asserted login).
	// Default 10.
	SignInPerUser int `yaml:"sign_in_per_user"`
	// FailedTokensPerIP: API requests answered 401 per client IP, and as
	// many per token prefix; past either, further failures get 429 (a valid
	// token is always served). Default 60.
	FailedTokensPerIP int `yaml:"failed_tokens_per_ip"`
	// RequestsPerToken: API requests per bearer token. Default 3000.
	RequestsPerToken int `yaml:"requests_per_token"`
}

// WithDefaults fills zero limits with their defaults.
func (r RateLimits) WithDefaults() RateLimits {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&r.SignInPerIP, 30)
	def(&r.SignInPerUser, 10)
	def(&r.FailedTokensPerIP, 60)
	def(&r.RequestsPerToken, 3000)
	return r
}

func (s Security) validate() []error {
	var errs []error
	if s.HSTSMaxAge > 0 && s.HSTSMaxAge < time.Hour {
		errs = append(errs, fmt.Errorf("security.hsts_max_age: %s is under an hour; use at least 1h, or a negative value to turn HSTS off", s.HSTSMaxAge))
	}
	return errs
}
