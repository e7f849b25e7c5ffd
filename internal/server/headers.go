package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ContentSecurityPolicy is the one policy of every response, portal and API
// alike: scripts and styles only from elevate's own origin (no inline script
// or style, no eval), no plugins, no <base>, no framing, forms only to
// elevate.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// DefaultHSTSMaxAge is the Strict-Transport-Security max-age when Options
// leaves it zero: one year.
const DefaultHSTSMaxAge = 365 * 24 * time.Hour

// isTLS reports whether the client reached elevate over TLS: TLS on this
// listener, or X-Forwarded-Proto: https from a peer among the trusted
// proxies (the one the nearest proxy appended).
func (s *Server) isTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	peer := peerAddr(r)
	return peer.IsValid() && inNetworks(peer, s.opts.TrustedProxies) && strings.EqualFold(strings.TrimSpace(lastListItem(r.Header.Get("X-Forwarded-Proto"))), "https")
}

// lastListItem returns the last element of a comma-separated header value:
// the one the nearest (trusted) proxy appended.
func lastListItem(v string) string {
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		return v[i+1:]
	}
	return v
}

// securityHeaders sets, on every response, the headers that keep browsers
// from running injected script, sniffing types, framing elevate or leaking
// URLs in referrers, and Strict-Transport-Security when the request came
// over TLS (never over plain HTTP, where it would be meaningless and would
// break the loopback demo).
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	maxAge := s.opts.HSTSMaxAge
	if maxAge == 0 {
		maxAge = DefaultHSTSMaxAge
	}
	hsts := "max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10) + "; includeSubDomains"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if maxAge > 0 && s.isTLS(r) {
			h.Set("Strict-Transport-Security", hsts)
		}
		next.ServeHTTP(w, r)
	})
}
