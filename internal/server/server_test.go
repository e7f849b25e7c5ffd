package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// syncBuffer is a log sink that the server's goroutines may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTestServer(t *testing.T, opts Options) (*Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	return New(opts), logs
}

func serve(s *Server, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

func decode(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, rec.Body)
	}
	return m
}

func TestHealthz(t *testing.T) {
	s, _ := newTestServer(t, Options{Ready: func(context.Context) error { return errors.New("down") }})
	rec := serve(s, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 || decode(t, rec)["status"] != "ok" {
		t.Errorf("healthz = %d %s", rec.Code, rec.Body)
	}
}

func TestReadyz(t *testing.T) {
	var err error
	s, _ := newTestServer(t, Options{Ready: func(context.Context) error { return err }})
	rec := serve(s, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != 200 || decode(t, rec)["status"] != "ok" {
		t.Errorf("ready: %d %s", rec.Code, rec.Body)
	}
	err = errors.New("database: connection refused")
	rec = serve(s, httptest.NewRequest("GET", "/readyz", nil))
	body := decode(t, rec)
	if rec.Code != 503 || body["status"] != "unavailable" || body["reason"] != "database: connection refused" {
		t.Errorf("not ready: %d %s", rec.Code, rec.Body)
	}
	// No Ready func: always ready.
	s, _ = newTestServer(t, Options{})
	if rec := serve(s, httptest.NewRequest("GET", "/readyz", nil)); rec.Code != 200 {
		t.Errorf("no Ready: %d", rec.Code)
	}
}

func TestRoutesMountHandlers(t *testing.T) {
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name+" "+r.URL.Path) })
	}
	s, _ := newTestServer(t, Options{API: named("api"), Portal: named("portal"), Metrics: named("metrics")})
	for path, want := range map[string]string{
		"/api/v1/me":   "api /api/v1/me",
		"/metrics":     "metrics /metrics",
		"/":            "portal /",
		"/requests/r1": "portal /requests/r1",
	} {
		if got := serve(s, httptest.NewRequest("GET", path, nil)).Body.String(); got != want {
			t.Errorf("GET %s = %q, want %q", path, got, want)
		}
	}
	// Without a portal, unknown paths are JSON 404s.
	s, _ = newTestServer(t, Options{})
	rec := serve(s, httptest.NewRequest("GET", "/nope", nil))
	if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("GET /nope = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestRequestID(t *testing.T) {
	var seen string
	s, logs := newTestServer(t, Options{API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = access.RequestIDFrom(r.Context())
	})})
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	rec := serve(s, req)
	if rec.Header().Get("X-Request-Id") != "abc-123" || seen != "abc-123" {
		t.Errorf("echoed %q, context %q; want abc-123", rec.Header().Get("X-Request-Id"), seen)
	}
	if !strings.Contains(logs.String(), `"request_id":"abc-123"`) {
		t.Errorf("access log lacks the request id:\n%s", logs)
	}
	// A missing or unsafe id is replaced by a fresh one.
	for _, in := range []string{"", "bad id\nwith newline", strings.Repeat("x", 200)} {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		if in != "" {
			req.Header.Set("X-Request-Id", in)
		}
		rec := serve(s, req)
		got := rec.Header().Get("X-Request-Id")
		if got == "" || got == in || got != seen || !validRequestID(got) {
			t.Errorf("for %q: echoed %q, context %q", in, got, seen)
		}
	}
}

func TestAccessLog(t *testing.T) {
	s, logs := newTestServer(t, Options{API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})})
	req := httptest.NewRequest("GET", "/api/v1/me?secret=1", nil)
	req.Header.Set("Authorization", "Bearer elv_supersecret")
	serve(s, req)
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(logs.String())), &line); err != nil {
		t.Fatalf("log: %v: %s", err, logs)
	}
	if line["level"] != "INFO" || line["method"] != "GET" || line["path"] != "/api/v1/me" || line["status"] != float64(418) ||
		line["duration_ms"] == nil || line["request_id"] == "" {
		t.Errorf("access log = %v", line)
	}
	if strings.Contains(logs.String(), "supersecret") || strings.Contains(logs.String(), "secret=1") {
		t.Errorf("access log leaks headers or the query: %s", logs)
	}
}

func TestPanicRecovery(t *testing.T) {
	s, logs := newTestServer(t, Options{API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	})})
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("X-Request-Id", "rid-panic")
	rec := serve(s, req)
	if rec.Code != 500 {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	e, _ := decode(t, rec)["error"].(map[string]any)
	if e["code"] != "internal" || !strings.Contains(e["message"].(string), "rid-panic") || strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("body = %s", rec.Body)
	}
	if !strings.Contains(logs.String(), `"panic":"boom"`) || !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("logs = %s", logs)
	}
}

func TestSecurityHeaders(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	rec := serve(s, httptest.NewRequest("GET", "/healthz", nil))
	for k, v := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": ContentSecurityPolicy,
	} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestCrossOriginProtection(t *testing.T) {
	var calls int
	s, _ := newTestServer(t, Options{API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ })})
	cases := []struct {
		name    string
		method  string
		headers map[string]string
		want    int
	}{
		{"cross-site fetch", "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"cross-origin from an old browser", "POST", map[string]string{"Origin": "https://evil.example"}, 403},
		{"same-origin fetch", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"same host origin", "POST", map[string]string{"Origin": "http://elevate.test"}, 200},
		{"non-browser client", "POST", nil, 200},
		{"cross-site GET is safe", "GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls = 0
			req := httptest.NewRequest(c.method, "http://elevate.test/api/v1/requests", strings.NewReader("{}"))
			for k, v := range c.headers {
				req.Header.Set(k, v)
			}
			rec := serve(s, req)
			if rec.Code != c.want {
				t.Fatalf("status = %d, want %d", rec.Code, c.want)
			}
			if c.want == 403 {
				if calls != 0 {
					t.Error("the handler ran for a refused request")
				}
				if e, _ := decode(t, rec)["error"].(map[string]any); e["code"] != "forbidden" {
					t.Errorf("body = %s", rec.Body)
				}
			}
		})
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	started := make(chan struct{})
	s, _ := newTestServer(t, Options{API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(200 * time.Millisecond) // in flight when shutdown begins
		io.WriteString(w, "done")
	})})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/api/v1/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve = %v, want nil after a graceful shutdown", err)
	}
	if body := <-got; body != "done" {
		t.Errorf("in-flight request got %q, want done", body)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil)))
	ctx := access.WithRequestID(t.Context(), "rid-1")
	log.InfoContext(ctx, "one")
	log.InfoContext(ctx, "two", "request_id", "rid-1")
	log.With("component", "x").InfoContext(t.Context(), "three")
	log.InfoContext(access.WithActor(ctx, access.Actor{UserName: "alice"}), "four")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[3], `"user":"alice"`) || strings.Count(lines[0], `"request_id":"rid-1"`) != 1 || strings.Count(lines[1], "request_id") != 1 ||
		strings.Contains(lines[2], "request_id") || !strings.Contains(lines[2], `"component":"x"`) {
		t.Errorf("logs:\n%s", buf.String())
	}
}
