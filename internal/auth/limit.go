package auth

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/ratelimit"
)

// LimitPerUser limits sign-ins per login (the email or user name the IdP
// asserted, case-insensitively) with l, and returns s. A nil l limits
// nothing. Limits per client IP are the server's.
func (s *Sessions) LimitPerUser(l *ratelimit.Limiter) *Sessions {
	s.perUser = l
	return s
}

// allowSignIn takes one sign-in of login from its budget, or sets
// Retry-After and returns a rate_limited error.
func (s *Sessions) allowSignIn(w http.ResponseWriter, login string) error {
	key := strings.ToLower(strings.TrimSpace(login))
	ok, wait := s.perUser.Allow(key)
	if ok {
		return nil
	}
	secs := ratelimit.RetryAfterSeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return access.Errorf(access.CodeRateLimited, "too many sign-ins for this user: try again in %ds", secs)
}
