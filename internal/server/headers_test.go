package server

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestSecurityHeadersEveryResponse(t *testing.T) {
	s, _ := newTestServer(t, Options{
		API:    http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{}) }),
		Portal: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }),
	})
	for _, path := range []string{"/", "/requests", "/api/v1/me", "/healthz", "/nope"} {
		rec := serve(s, httptest.NewRequest("GET", path, nil))
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q allows inline script or lacks script-src 'self'", path, csp)
		}
		if !strings.Contains(csp, "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: framing not refused: CSP %q, X-Frame-Options %q", path, csp, h.Get("X-Frame-Options"))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: nosniff %q, referrer %q", path, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain HTTP", path)
		}
		if n := len(h.Values("Content-Security-Policy")); n != 1 {
			t.Errorf("%s: %d CSP headers, want one", path, n)
		}
	}
}

func TestHSTSOnlyBehindTLS(t *testing.T) {
	const want = "max-age=31536000; includeSubDomains"
	cases := []struct {
		name       string
		trust      bool
		tls        bool
		forwarded  string
		wantHeader string
	}{
		{"plain http", false, false, "", ""},
		{"tls on the listener", false, true, "", want},
		{"forwarded https, proxy not trusted", false, false, "https", ""},
		{"forwarded https, proxy trusted", true, false, "https", want},
		{"forwarded http, proxy trusted", true, false, "http", ""},
		{"client-forged https before the proxy's http", true, false, "https, http", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var trusted []netip.Prefix
			if c.trust {
				trusted = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")} // httptest's peer
			}
			s, _ := newTestServer(t, Options{TrustedProxies: trusted})
			req := httptest.NewRequest("GET", "/healthz", nil)
			if c.tls {
				req.TLS = &tls.ConnectionState{}
			}
			if c.forwarded != "" {
				req.Header.Set("X-Forwarded-Proto", c.forwarded)
			}
			if got := serve(s, req).Header().Get("Strict-Transport-Security"); got != c.wantHeader {
				t.Errorf("HSTS = %q, want %q", got, c.wantHeader)
			}
		})
	}
	s, _ := newTestServer(t, Options{HSTSMaxAge: -1})
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.TLS = &tls.ConnectionState{}
	if got := serve(s, req).Header().Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS turned off but sent: %q", got)
	}
}
