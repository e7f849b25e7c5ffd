package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/auth"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
)

// doAPI sends method path with body (JSON when not empty) and token, and
// returns the status and the body.
func doAPI(t *testing.T, base, token, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRequestSubresourcesHideExistence: for a caller who may not see a
// request, every route under /api/v1/requests/{id} answers 404, as for a
// request that does not exist, so none of them tells whether it exists.
func TestRequestSubresourcesHideExistence(t *testing.T) {
	t.Parallel()
	seed := awsemu.DemoSeed()
	seed.Users = append(seed.Users, awsemu.SeedUser{UserName: "mallory", Email: "mallory@example.com"})
	env := startSeeded(t, seed, nil)
	ctx := t.Context()
	tok, _, err := env.app.Service().CreateToken(ctx, "mallory", "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	alice := env.client(t, "alice")
	r, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "hidden"})
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]string{
		"extend": `{"duration":"1h","justification":"more"}`,
		"review": `{"comment":"checked"}`,
	}
	n := 0
	for _, pattern := range env.app.Routes() {
		method, path, _ := strings.Cut(pattern, " ")
		if !strings.HasPrefix(path, "/api/v1/requests/{id}") {
			continue
		}
		n++
		body := ""
		if method != http.MethodGet {
			body = `{}`
			if b, ok := bodies[path[strings.LastIndex(path, "/")+1:]]; ok {
				body = b
			}
		}
		for _, id := range []string{r.ID, "req_does_not_exist"} {
			st, resp := doAPI(t, env.app.URL(), tok, method, strings.ReplaceAll(path, "{id}", id), body)
			if st != http.StatusNotFound || !strings.Contains(resp, `"not_found"`) {
				t.Errorf("%s as a user who may not see request %s: %d %s, want 404 not_found", pattern, id, st, resp)
			}
		}
	}
	if n < 5 {
		t.Fatalf("found %d routes under /api/v1/requests/{id}; the route table changed shape", n)
	}
}

// TestPublicURLDecidesCookieSecurity: the session cookie follows public_url
// (https: Secure and __Host-, even though every request reaches elevate on
// 127.0.0.1 through a proxy on the same host), and a plain-http public_url
// on a host that is not loopback is warned about at start.
func TestPublicURLDecidesCookieSecurity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		publicURL  string
		wantCookie string
		wantSecure bool
		wantWarn   bool
	}{
		{"", auth.LoopbackCookieName, false, false}, // http://127.0.0.1:<port>, the demo
		{"https://elevate.example.com", auth.SecureCookieName, true, false},
		{"http://elevate.example.com", auth.LoopbackCookieName, false, true},
	} {
		t.Run(tc.publicURL, func(t *testing.T) {
			t.Parallel()
			setURL := func(c *config.Config) { c.PublicURL = tc.publicURL }
			logs := &lockedBuffer{}
			startWith(t, awsemu.DemoSeed(), startOptions{logger: slog.New(slog.NewTextHandler(logs, nil))}, setURL)
			if warned := strings.Contains(logs.String(), "public_url is plain http"); warned != tc.wantWarn {
				t.Fatalf("warned about plain http: %v, want %v:\n%s", warned, tc.wantWarn, logs.String())
			}
			env := startPortal(t, awsemu.DemoSeed(), setURL)
			req, _ := http.NewRequest(http.MethodPost, env.app.URL()+"/auth/demo", strings.NewReader(url.Values{"user": {"alice"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var ck *http.Cookie
			for _, c := range resp.Cookies() {
				if strings.HasSuffix(c.Name, "elevate_session") {
					ck = c
				}
			}
			if ck == nil || ck.Name != tc.wantCookie || ck.Secure != tc.wantSecure {
				t.Fatalf("session cookie %+v (status %d), want %s Secure=%v", ck, resp.StatusCode, tc.wantCookie, tc.wantSecure)
			}
		})
	}
}
