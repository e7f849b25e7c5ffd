package server

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
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
	// unknown, revoked or expired token, disabled user) per client IP: once
	// used up, every API request from that IP gets 429 until it refills.
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

// ClientIP is the address rate limits count by: the connection's peer, or,
// with trustProxy, the last X-Forwarded-For entry (the one the trusted
// proxy appended; earlier entries are the client's to forge).
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if ip := strings.TrimSpace(lastListItem(r.Header.Get("X-Forwarded-For"))); net.ParseIP(ip) != nil {
			return ip
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// tooMany answers 429 with Retry-After.
func tooMany(w http.ResponseWriter, wait time.Duration, what string) {
	secs := ratelimit.RetryAfterSeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, CodeRateLimited,
		"too many "+what+": try again in "+strconv.Itoa(secs)+"s")
}

// rateLimit applies Limits: sign-in requests per IP; for the API, refusal
// of IPs with too many failed tokens, then requests per token, counting
// each 401 against the IP afterwards.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	l := s.limits
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/auth/"):
			if ok, wait := l.signIn.Allow(ClientIP(r, s.opts.TrustProxyHeaders)); !ok {
				s.log.WarnContext(r.Context(), "sign-in rate limited", "remote", ClientIP(r, s.opts.TrustProxyHeaders), "path", r.URL.Path)
				tooMany(w, wait, "sign-in attempts from your address")
				return
			}
		case strings.HasPrefix(r.URL.Path, "/api/"):
			ip := ClientIP(r, s.opts.TrustProxyHeaders)
			if blocked, wait := l.failedTokens.Blocked(ip); blocked {
				s.log.WarnContext(r.Context(), "api rate limited: failed tokens", "remote", ip)
				tooMany(w, wait, "requests with invalid tokens from your address")
				return
			}
			if authz := r.Header.Get("Authorization"); authz != "" {
				sum := sha256.Sum256([]byte(authz))
				if ok, wait := l.perToken.Allow(hex.EncodeToString(sum[:16])); !ok {
					tooMany(w, wait, "requests with this token")
					return
				}
			}
			if l.failedTokens != nil {
				rec := &statusRecorder{ResponseWriter: w}
				next.ServeHTTP(rec, r)
				if rec.status == http.StatusUnauthorized {
					l.failedTokens.Record(ip)
				}
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
