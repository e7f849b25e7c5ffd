package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/auth"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlite"
	"github.com/elevate/elevate/internal/workflow"
)

// clock is a settable workflow.Clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// noJobs and noAWS: sessions never schedule jobs nor call AWS.
type noJobs struct{}

func (noJobs) Schedule(context.Context, store.Tx, ...workflow.Job) error { return nil }

type noAWS struct{}

func (noAWS) CreateAssignment(context.Context, access.Assignment) (string, error) {
	return "", errors.New("unexpected AWS call")
}
func (noAWS) DeleteAssignment(context.Context, access.Assignment, time.Time) (string, error) {
	return "", errors.New("unexpected AWS call")
}
func (noAWS) AssignmentExists(context.Context, access.Assignment) (bool, error) {
	return false, errors.New("unexpected AWS call")
}

var timeouts = access.SessionTimeouts{Idle: 10 * time.Minute, Absolute: time.Hour}

// newSessions returns sessions backed by the real workflow service on a
// real SQLite database whose directory has alice and bob, on a fake clock,
// for the demo's public URL http://127.0.0.1:8080.
func newSessions(t *testing.T) (*auth.Sessions, *clock) {
	t.Helper()
	return newSessionsAt(t, "http://127.0.0.1:8080")
}

// newSessionsAt is newSessions for the public URL publicURL.
func newSessionsAt(t *testing.T, publicURL string) (*auth.Sessions, *clock) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "elevate.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	dir := access.Directory{Users: []access.User{
		{ID: "u-alice", UserName: "alice", Email: "alice@example.com", Active: true},
		{ID: "u-bob", UserName: "bob", Email: "bob@example.com", Active: true},
	}}
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, dir, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	svc, err := workflow.New(workflow.Settings{}, workflow.Deps{Store: st, Scheduler: noJobs{}, Provider: noAWS{}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(publicURL)
	if err != nil {
		t.Fatal(err)
	}
	return auth.NewSessions(svc, timeouts, nil).WithPublicURL(u), clk
}

// signIn signs login in on a request to host, carrying prior cookies, and
// returns the session cookie set.
func signIn(t *testing.T, s *auth.Sessions, host, login string, prior ...*http.Cookie) *http.Cookie {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "http://"+host+"/auth/demo", nil)
	for _, c := range prior {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	a, err := s.SignIn(w, r, login, access.SignInProof{Method: "test"})
	if err != nil {
		t.Fatalf("sign in %s: %v", login, err)
	}
	if a.UserID == "" {
		t.Fatalf("sign in %s: no actor", login)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("sign in set %d cookies, want 1", len(cs))
	}
	return cs[0]
}

// actor resolves the session of a request to host carrying ck.
func actor(s *auth.Sessions, host string, ck *http.Cookie) (access.Actor, error) {
	r := httptest.NewRequest(http.MethodGet, "http://"+host+"/request", nil)
	if ck != nil {
		r.AddCookie(ck)
	}
	return s.Actor(r)
}

// TestSessionCookieFlags: the cookie's Secure flag and __Host- prefix follow
// the configured public URL, whatever Host the request names (behind a
// proxy on the same host, every request names a loopback host).
func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		publicURL  string
		host       string
		wantName   string
		wantSecure bool
	}{
		{"http://127.0.0.1:8080", "127.0.0.1:8080", auth.LoopbackCookieName, false},
		{"http://localhost:8080", "localhost:8080", auth.LoopbackCookieName, false},
		{"http://[::1]:8080", "[::1]:8080", auth.LoopbackCookieName, false},
		{"https://elevate.example.com", "elevate.example.com", auth.SecureCookieName, true},
		{"https://elevate.example.com", "127.0.0.1:8080", auth.SecureCookieName, true},
		{"https://elevate.example.com", "localhost:8080", auth.SecureCookieName, true},
		{"https://elevate.example.com:8443", "[::1]:8080", auth.SecureCookieName, true},
		{"http://10.0.0.5:8080", "10.0.0.5:8080", auth.LoopbackCookieName, false},
	} {
		t.Run(tc.publicURL+" via "+tc.host, func(t *testing.T) {
			t.Parallel()
			s, _ := newSessionsAt(t, tc.publicURL)
			ck := signIn(t, s, tc.host, "alice")
			if ck.Name != tc.wantName || ck.Secure != tc.wantSecure {
				t.Fatalf("cookie %s Secure=%v, want %s Secure=%v", ck.Name, ck.Secure, tc.wantName, tc.wantSecure)
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
				t.Fatalf("cookie HttpOnly=%v SameSite=%v Path=%q Domain=%q; want HttpOnly, Lax, /, host-only", ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain)
			}
			if ck.MaxAge != int(timeouts.Absolute/time.Second) {
				t.Fatalf("cookie MaxAge %d, want the absolute timeout %d", ck.MaxAge, int(timeouts.Absolute/time.Second))
			}
			if len(ck.Value) < 40 {
				t.Fatalf("session secret %q is too short", ck.Value)
			}
			a, err := actor(s, tc.host, ck)
			if err != nil || a.UserName != "alice" {
				t.Fatalf("actor of the session: %+v, %v", a, err)
			}
		})
	}
}

func TestSessionUnknownUserAndNoCookie(t *testing.T) {
	s, _ := newSessions(t)
	w := httptest.NewRecorder()
	_, err := s.SignIn(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil), "mallory@example.net", access.SignInProof{Method: "test"})
	if access.ErrorCode(err) != access.CodeUnauthenticated || !strings.Contains(err.Error(), "not a user of the synced directory") {
		t.Fatalf("unknown user: %v", err)
	}
	if len(w.Result().Cookies()) != 0 {
		t.Fatal("a refused sign-in set a cookie")
	}
	if _, err := actor(s, "127.0.0.1", nil); access.ErrorCode(err) != access.CodeUnauthenticated {
		t.Fatalf("no cookie: %v", err)
	}
	if _, err := actor(s, "127.0.0.1", &http.Cookie{Name: auth.LoopbackCookieName, Value: "forged"}); access.ErrorCode(err) != access.CodeUnauthenticated {
		t.Fatalf("forged cookie: %v", err)
	}
	// With an https public URL, a cookie without the __Host- prefix (one a
	// plain-http page or a sibling host could have set) is never read.
	hs, _ := newSessionsAt(t, "https://elevate.example.com")
	ck := signIn(t, s, "127.0.0.1", "alice")
	if _, err := actor(hs, "127.0.0.1", ck); access.ErrorCode(err) != access.CodeUnauthenticated {
		t.Fatalf("unprefixed cookie read by https sessions: %v", err)
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	s, clk := newSessions(t)
	ck := signIn(t, s, "127.0.0.1", "alice")
	// Activity every 9 minutes keeps the session (idle timeout 10m)...
	for i := 0; i < 3; i++ {
		clk.add(9 * time.Minute)
		if _, err := actor(s, "127.0.0.1", ck); err != nil {
			t.Fatalf("after %d active periods: %v", i+1, err)
		}
	}
	// ...10 minutes without a request ends it.
	clk.add(10 * time.Minute)
	_, err := actor(s, "127.0.0.1", ck)
	if access.ErrorCode(err) != access.CodeUnauthenticated || !strings.Contains(err.Error(), "without activity") {
		t.Fatalf("after 10 idle minutes: %v", err)
	}
}

func TestSessionAbsoluteTimeout(t *testing.T) {
	s, clk := newSessions(t)
	ck := signIn(t, s, "127.0.0.1", "alice")
	for elapsed := 5 * time.Minute; elapsed < time.Hour; elapsed += 5 * time.Minute {
		clk.add(5 * time.Minute)
		if _, err := actor(s, "127.0.0.1", ck); err != nil {
			t.Fatalf("active session after %s: %v", elapsed, err)
		}
	}
	clk.add(5 * time.Minute) // one hour after sign-in, however active
	_, err := actor(s, "127.0.0.1", ck)
	if access.ErrorCode(err) != access.CodeUnauthenticated || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("one hour after sign-in: %v", err)
	}
}

func TestSessionRenewedOnSignInAndEndedBySignOut(t *testing.T) {
	s, _ := newSessions(t)
	first := signIn(t, s, "127.0.0.1", "alice")
	// Signing in again (even as someone else) replaces the session: no fixation.
	second := signIn(t, s, "127.0.0.1", "bob", first)
	if second.Value == first.Value {
		t.Fatal("sign-in kept the session secret")
	}
	if _, err := actor(s, "127.0.0.1", first); access.ErrorCode(err) != access.CodeUnauthenticated {
		t.Fatalf("the session before the new sign-in: %v", err)
	}
	if a, err := actor(s, "127.0.0.1", second); err != nil || a.UserName != "bob" {
		t.Fatalf("new session: %+v %v", a, err)
	}

	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/signout", nil)
	r.AddCookie(second)
	w := httptest.NewRecorder()
	if err := s.SignOut(w, r); err != nil {
		t.Fatal(err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != auth.LoopbackCookieName || cs[0].MaxAge >= 0 || cs[0].Value != "" {
		t.Fatalf("sign-out cookies: %+v", cs)
	}
	if _, err := actor(s, "127.0.0.1", second); access.ErrorCode(err) != access.CodeUnauthenticated {
		t.Fatalf("the signed-out session still resolves: %v", err)
	}
}

// openRedirects are known ways to make a "local" path leave the site:
// browsers drop tabs and newlines, read "\\" as "/", and some proxies
// decode the path once more.
var openRedirects = []string{
	"//evil.example/",
	"/\\evil.example",
	"\\\\evil.example",
	"\\/evil.example",
	"https://evil.example/",
	"javascript:alert(1)",
	"requests",
	"/a\r\nSet-Cookie: x=y",
	"/\t/evil.example",
	"/%09/evil.example",
	"/\n/evil.example",
	"/%0a/evil.example",
	"/%0d/evil.example",
	"/%00/evil.example",
	"/%2f/evil.example",
	"/%2F%2Fevil.example",
	"/%5cevil.example",
	"/%5Cevil.example",
	"/%252f/evil.example",
	"/%2509/evil.example",
	"/\x7f/evil.example",
	"/ /evil.example",
	"/\u00a0/evil.example",
	"/\u3002evil.example",
	"/%",
	"/%zz",
	" /evil",
	"\t//evil.example",
	"/\\/evil.example",
	"/.\\evil.example",
	"/path\\..\\evil",
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                        "/",
		"/requests/abc?x=1":       "/requests/abc?x=1",
		"/":                       "/",
		"/requests?q=a%20b":       "/requests?q=a%20b",
		"/requests#top":           "/requests#top",
		"/requests/%C3%A9t%C3%A9": "/requests/%C3%A9t%C3%A9",
	} {
		if got := auth.SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range openRedirects {
		if got := auth.SafeNext(in); got != "/" {
			t.Errorf("SafeNext(%q) = %q, want /", in, got)
		}
	}
}

// FuzzSafeNext checks that whatever SafeNext returns stays on the site: "/"
// or a path that resolves against the site's URL to the same host, with no
// character a browser would strip or reinterpret.
func FuzzSafeNext(f *testing.F) {
	for _, s := range openRedirects {
		f.Add(s)
	}
	f.Add("/requests/abc?x=1")
	base, _ := url.Parse("https://elevate.example/")
	f.Fuzz(func(t *testing.T, in string) {
		got := auth.SafeNext(in)
		if got == "/" {
			return
		}
		if got != in {
			t.Fatalf("SafeNext(%q) = %q: want the input or /", in, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("SafeNext(%q) = %q, which url.Parse refuses: %v", in, got, err)
		}
		if r := base.ResolveReference(u); r.Host != base.Host || r.Scheme != base.Scheme || r.User != nil {
			t.Fatalf("SafeNext(%q) = %q resolves to %s", in, got, r)
		}
		if strings.ContainsAny(got, "\\\t\r\n") || strings.HasPrefix(got, "//") {
			t.Fatalf("SafeNext(%q) = %q: a browser could read it as another host", in, got)
		}
		for _, c := range []byte(got) {
			if c < 0x21 || c >= 0x7f {
				t.Fatalf("SafeNext(%q) = %q holds byte %#x", in, got, c)
			}
		}
	})
}

func TestLoginFromClaims(t *testing.T) {
	names := []string{"email", "preferred_username"}
	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   string
	}{
		{"verified email", map[string]any{"email": "alice@example.com", "email_verified": true, "preferred_username": "a"}, "alice@example.com"},
		{"email_verified as the string true", map[string]any{"email": " alice@example.com ", "email_verified": "true"}, "alice@example.com"},
		{"email without email_verified is not trusted", map[string]any{"email": "alice@example.com", "preferred_username": "carol"}, "carol"},
		{"unverified email falls to the user name", map[string]any{"email": "x@evil.example", "email_verified": false, "preferred_username": "carol"}, "carol"},
		{"email_verified as the string false", map[string]any{"email": "x@evil.example", "email_verified": "false", "preferred_username": "carol"}, "carol"},
		{"empty email", map[string]any{"email": "  ", "email_verified": true, "preferred_username": "carol"}, "carol"},
		{"non-string claim", map[string]any{"email": 42, "preferred_username": []string{"x"}}, ""},
		{"none", map[string]any{"sub": "123"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := auth.LoginFromClaims(tc.claims, names); got != tc.want {
				t.Fatalf("LoginFromClaims = %q, want %q", got, tc.want)
			}
		})
	}
}
