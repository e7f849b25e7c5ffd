package server

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/ratelimit"
)

// Limits are the server's rate limits. A zero Rate turns that limit off.
// Each replica counts on its own (the state is in memory).
type Limits struct {
	// SignInPerIP limits requests to the sign-in endpoints (/auth/...) per
	// client IP.
	SignInPerIP ratelimit.Rate
	// FailedTokensPerIP limits API requests answered 401 (missing, malformed,
	// unknown, revoked or expired token, disabled user) per client IP, and
	// the same number per token prefix: once either is used up, the next
	// failures from that IP or with that prefix get 429 until it refills.
	// A request with a valid token is always served.
	FailedTokensPerIP ratelimit.Rate
	// RequestsPerToken limits API requests per bearer token.
	RequestsPerToken ratelimit.Rate
}

// CodeRateLimited is the error code of a 429 answer.
const CodeRateLimited = "rate_limited"

type limiters struct {
	signIn, failedTokens, perToken *ratelimit.Limiter
}

func newLimiters(l Limits, now func() time.Time) limiters {
	return limiters{
		signIn:       ratelimit.New(l.SignInPerIP, now),
		failedTokens: ratelimit.New(l.FailedTokensPerIP, now),
		perToken:     ratelimit.New(l.RequestsPerToken, now),
	}
}

// tooMany answers 429 with Retry-After.
func tooMany(w http.ResponseWriter, wait time.Duration, what string) {
	secs := ratelimit.RetryAfterSeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, CodeRateLimited,
		"too many "+what+": try again in "+strconv.Itoa(secs)+"s")
}

// tokenPrefixLen is how much of a presented token keys its failure budget:
// enough to tell tokens apart, never the whole secret.
const tokenPrefixLen = 16

// failureKeys are the failure budgets a request counts against: its client
// IP, and the prefix of the token it presented (if any), hashed so the
// limiter's memory holds no token material.
func failureKeys(ip, authz string) []string {
	keys := []string{"ip:" + ip}
	_, tok, _ := strings.Cut(strings.TrimSpace(authz), " ")
	if tok = strings.TrimSpace(tok); tok != "" {
		if len(tok) > tokenPrefixLen {
			tok = tok[:tokenPrefixLen]
		}
		sum := sha256.Sum256([]byte(tok))
		keys = append(keys, "token:"+hex.EncodeToString(sum[:12]))
	}
	return keys
}

// rateLimit applies Limits: sign-in requests per IP; for the API, requests
// per token, then the request itself, counting each 401 against the IP and
// the token prefix. Only failures are refused once a budget is used up: the
// API authenticates first, and a 401 it would answer becomes a 429, so a
// flood of bad tokens from one address never locks out the valid tokens of
// others behind it.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	l := s.limits
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/auth/"):
			if ok, wait := l.signIn.Allow(ClientIP(r, s.opts.TrustedProxies)); !ok {
				s.log.WarnContext(r.Context(), "sign-in rate limited", "remote", ClientIP(r, s.opts.TrustedProxies), "path", r.URL.Path)
				tooMany(w, wait, "sign-in attempts from your address")
				return
			}
		case strings.HasPrefix(r.URL.Path, "/api/"):
			ip := ClientIP(r, s.opts.TrustedProxies)
			authz := r.Header.Get("Authorization")
			if authz != "" {
				sum := sha256.Sum256([]byte(authz))
				if ok, wait := l.perToken.Allow(hex.EncodeToString(sum[:16])); !ok {
					tooMany(w, wait, "requests with this token")
					return
				}
			}
			if l.failedTokens == nil {
				break
			}
			keys := failureKeys(ip, authz)
			var wait time.Duration
			for _, k := range keys {
				if blocked, d := l.failedTokens.Blocked(k); blocked && d > wait {
					wait = d
				}
			}
			fw := &failureWriter{ResponseWriter: w, refuse: wait > 0}
			next.ServeHTTP(fw, r)
			if fw.status == http.StatusUnauthorized {
				for _, k := range keys {
					l.failedTokens.Record(k)
				}
				if fw.refuse {
					s.log.WarnContext(r.Context(), "api rate limited: failed tokens", "remote", ip)
					tooMany(w, wait, "requests with invalid tokens from your address or with this token")
				}
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// failureWriter passes a response through, except a 401 when refuse is
// set: that one is swallowed (status, headers and body) so the caller can
// answer 429 instead.
type failureWriter struct {
	http.ResponseWriter
	refuse bool
	status int
}

func (f *failureWriter) swallowed() bool { return f.refuse && f.status == http.StatusUnauthorized }

func (f *failureWriter) WriteHeader(code int) {
	if f.status != 0 {
		return
	}
	f.status = code
	if f.swallowed() {
		f.Header().Del("WWW-Authenticate")
		f.Header().Del("Content-Length")
		return
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f *failureWriter) Write(b []byte) (int, error) {
	if f.status == 0 {
		f.WriteHeader(http.StatusOK)
	}
	if f.swallowed() {
		return len(b), nil
	}
	return f.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (f *failureWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }
