package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/ratelimit"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func get(s *Server, path, ip, authz string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	req.RemoteAddr = ip + ":4000"
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	return serve(s, req)
}

// apiStub answers 200 for "Bearer good*" and 401 otherwise, like the API.
var apiStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if a := r.Header.Get("Authorization"); len(a) >= 11 && a[:11] == "Bearer good" {
		writeJSON(w, 200, map[string]string{})
		return
	}
	writeError(w, 401, "unauthenticated", "bad token")
})

func TestSignInRateLimitPerIP(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	s, _ := newTestServer(t, Options{Now: c.now, Limits: Limits{SignInPerIP: ratelimit.Rate{N: 3, Per: time.Minute}},
		Portal: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})})
	for range 3 {
		if rec := get(s, "/auth/oidc/login", "10.0.0.1", ""); rec.Code != 200 {
			t.Fatalf("sign-in within the limit: %d", rec.Code)
		}
	}
	rec := get(s, "/auth/oidc/callback", "10.0.0.1", "")
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "20" || decode(t, rec)["error"].(map[string]any)["code"] != CodeRateLimited {
		t.Fatalf("4th sign-in: %d Retry-After %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if rec := get(s, "/auth/oidc/login", "10.0.0.2", ""); rec.Code != 200 {
		t.Fatalf("another IP limited: %d", rec.Code)
	}
	if rec := get(s, "/requests", "10.0.0.1", ""); rec.Code != 200 {
		t.Fatalf("a portal page counted as sign-in: %d", rec.Code)
	}
	c.t = c.t.Add(20 * time.Second)
	if rec := get(s, "/auth/oidc/login", "10.0.0.1", ""); rec.Code != 200 {
		t.Fatalf("after Retry-After: %d", rec.Code)
	}
}

// TestFailedTokensRefuseOnlyFailures: bad tokens use up the budget of
// their IP and of their token prefix, and past it only failures get 429: a
// valid token from the same address is still served.
func TestFailedTokensRefuseOnlyFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		ip, good string // after the budget of 10.0.0.1 is used up
		bad      string // another failure
		wantBad  int
	}{
		{"valid token from the flooded IP", "10.0.0.1", "Bearer good-alice", "Bearer guess-other", 429},
		{"valid token from another IP", "10.0.0.2", "Bearer good-bob", "Bearer guess-fresh", 401},
		{"the same bad token from another IP", "10.0.0.3", "Bearer good-carol", "Bearer guess-repeated", 429},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &fakeClock{t: time.Unix(0, 0)}
			s, _ := newTestServer(t, Options{Now: c.now, API: apiStub, Limits: Limits{FailedTokensPerIP: ratelimit.Rate{N: 3, Per: time.Minute}}})
			for i := range 3 {
				if rec := get(s, "/api/v1/me", "10.0.0.1", "Bearer guess-repeated"); rec.Code != 401 {
					t.Fatalf("failed attempt %d: %d", i+1, rec.Code)
				}
			}
			for range 3 {
				if rec := get(s, "/api/v1/me", tc.ip, tc.good); rec.Code != 200 {
					t.Fatalf("valid token from %s after the failures: %d %s", tc.ip, rec.Code, rec.Body)
				}
			}
			rec := get(s, "/api/v1/me", tc.ip, tc.bad)
			if rec.Code != tc.wantBad {
				t.Fatalf("failure from %s with %q: %d, want %d", tc.ip, tc.bad, rec.Code, tc.wantBad)
			}
			if rec.Code == 429 && (rec.Header().Get("Retry-After") != "20" || decode(t, rec)["error"].(map[string]any)["code"] != CodeRateLimited) {
				t.Fatalf("429 without Retry-After 20 or code: %q %s", rec.Header().Get("Retry-After"), rec.Body)
			}
			c.t = c.t.Add(20 * time.Second)
			if rec := get(s, "/api/v1/me", "10.0.0.1", "Bearer guess-later"); rec.Code != 401 {
				t.Fatalf("after Retry-After: %d", rec.Code)
			}
		})
	}
}

func TestRequestsPerToken(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	s, _ := newTestServer(t, Options{Now: c.now, API: apiStub, Limits: Limits{RequestsPerToken: ratelimit.Rate{N: 4, Per: time.Second}}})
	for range 4 {
		if rec := get(s, "/api/v1/me", "10.0.0.1", "Bearer good1"); rec.Code != 200 {
			t.Fatalf("within the limit: %d", rec.Code)
		}
	}
	rec := get(s, "/api/v1/me", "10.0.0.9", "Bearer good1")
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("5th request with the token (another IP): %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := get(s, "/api/v1/me", "10.0.0.1", "Bearer good2"); rec.Code != 200 {
		t.Fatalf("another token limited: %d", rec.Code)
	}
}

// TestClientIPRightmostUntrusted: behind trusted proxies the client IP is
// the right-most address of the whole forwarding chain (every header line)
// that is not a trusted proxy; a client can prepend what it likes, and a
// peer that is not a trusted proxy is never believed.
func TestClientIPRightmostUntrusted(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	for _, tc := range []struct {
		name    string
		peer    string
		trusted []netip.Prefix
		xff     []string
		fwd     []string
		want    string
	}{
		{"no trust", "10.0.0.1:5555", nil, []string{"203.0.113.7"}, nil, "10.0.0.1"},
		{"peer not a trusted proxy", "192.0.2.1:5555", trusted, []string{"203.0.113.7"}, nil, "192.0.2.1"},
		{"one proxy", "10.0.0.1:5555", trusted, []string{"203.0.113.7"}, nil, "203.0.113.7"},
		{"client-forged entries on the left", "10.0.0.1:5555", trusted, []string{"1.1.1.1, 203.0.113.7"}, nil, "203.0.113.7"},
		{"two trusted proxies", "10.0.0.1:5555", trusted, []string{"1.1.1.1, 203.0.113.7, 10.0.0.2"}, nil, "203.0.113.7"},
		{"forged line first, proxy's line last", "10.0.0.1:5555", trusted, []string{"1.1.1.1", "203.0.113.7"}, nil, "203.0.113.7"},
		{"the proxy's line is not the first", "10.0.0.1:5555", trusted, []string{"1.1.1.1, 10.0.0.9", "203.0.113.7, 10.0.0.2"}, nil, "203.0.113.7"},
		{"forged trusted address on the left", "10.0.0.1:5555", trusted, []string{"10.0.0.50, 203.0.113.7"}, nil, "203.0.113.7"},
		{"every hop trusted", "10.0.0.1:5555", trusted, []string{"10.1.1.1, 10.0.0.2"}, nil, "10.1.1.1"},
		{"garbage before the proxy's entry", "10.0.0.1:5555", trusted, []string{"not-an-ip, 203.0.113.7"}, nil, "203.0.113.7"},
		{"garbage as the proxy's entry", "10.0.0.1:5555", trusted, []string{"1.1.1.1, not-an-ip"}, nil, "10.0.0.1"},
		{"address with a port", "10.0.0.1:5555", trusted, []string{"203.0.113.7:4711"}, nil, "203.0.113.7"},
		{"IPv6 hops", "[2001:db8:ffff::1]:5555", trusted, []string{"2001:db8::7, 2001:db8:ffff::2"}, nil, "2001:db8::7"},
		{"Forwarded", "10.0.0.1:5555", trusted, nil, []string{`for=1.1.1.1, for="203.0.113.7:4711";proto=https`}, "203.0.113.7"},
		{"Forwarded, every line, IPv6", "10.0.0.1:5555", trusted, nil, []string{"for=1.1.1.1", `for="[2001:db8::7]:4711", for=10.0.0.3`}, "2001:db8::7"},
		{"Forwarded unknown hop", "10.0.0.1:5555", trusted, nil, []string{"for=1.1.1.1, for=unknown"}, "10.0.0.1"},
		{"both headers agree", "10.0.0.1:5555", trusted, []string{"203.0.113.7"}, []string{"for=203.0.113.7"}, "203.0.113.7"},
		{"both headers disagree", "10.0.0.1:5555", trusted, []string{"203.0.113.7"}, []string{"for=198.51.100.1"}, "10.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tc.peer
			for _, l := range tc.xff {
				req.Header.Add("X-Forwarded-For", l)
			}
			for _, l := range tc.fwd {
				req.Header.Add("Forwarded", l)
			}
			if got := ClientIP(req, tc.trusted); got != tc.want {
				t.Errorf("ClientIP = %s, want %s", got, tc.want)
			}
		})
	}
}
