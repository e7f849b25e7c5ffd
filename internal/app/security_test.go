package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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

// TestTextFieldsRefuseControlCharacters: on both engines, a NUL, invalid
// UTF-8 or a terminal escape in any string field or path parameter is a
// 400 invalid_argument naming the field, never a 500; a justification keeps
// its newlines and tabs, a ticket is one line.
func TestTextFieldsRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		t.Parallel()
		env := start(t, engine)
		base := env.app.URL()
		create := func(fields string) string {
			return `{"account_ids":["prod"],"permission_set":"AdministratorAccess","duration":"1h",` + fields + `}`
		}
		st, body := doAPI(t, base, env.tokens["alice"], http.MethodPost, "/api/v1/requests", create(`"justification":"line one\nline\ttwo"`))
		if st != http.StatusCreated {
			t.Fatalf("multi-line justification: %d %s", st, body)
		}
		id := body[strings.Index(body, `"id":"`)+6:]
		id = id[:strings.IndexByte(id, '"')]
		for _, tc := range []struct {
			name, method, path, body, field string
		}{
			{"NUL in justification", "POST", "/api/v1/requests", create(`"justification":"a\u0000b"`), "justification"},
			{"ESC in justification", "POST", "/api/v1/requests", create(`"justification":"a\u001b[2Jb"`), "justification"},
			{"BEL in justification", "POST", "/api/v1/requests", create(`"justification":"a\u0007b"`), "justification"},
			{"invalid UTF-8", "POST", "/api/v1/requests", create(`"justification":"a` + "\xff" + `b"`), "UTF-8"},
			{"NUL in ticket", "POST", "/api/v1/requests", create(`"justification":"x","ticket":"T\u0000-1"`), "ticket"},
			{"newline in ticket", "POST", "/api/v1/requests", create(`"justification":"x","ticket":"T-1\nT-2"`), "ticket"},
			{"ESC in ticket", "POST", "/api/v1/requests", create(`"justification":"x","ticket":"\u001b]0;pwned\u0007"`), "ticket"},
			{"NUL in account", "POST", "/api/v1/requests", `{"account_ids":["pr\u0000od"],"permission_set":"AdministratorAccess","duration":"1h","justification":"x"}`, "account_ids"},
			{"NUL in permission set", "POST", "/api/v1/requests", `{"account_ids":["prod"],"permission_set":"Admin\u0000","duration":"1h","justification":"x"}`, "permission_set"},
			{"NUL in comment", "POST", "/api/v1/requests/" + id + "/cancel", `{"comment":"a\u0000"}`, "comment"},
			{"ESC in comment", "POST", "/api/v1/requests/" + id + "/cancel", `{"comment":"a\u001b[31m"}`, "comment"},
			{"NUL in extension justification", "POST", "/api/v1/requests/" + id + "/extend", `{"duration":"1h","justification":"a\u0000"}`, "justification"},
			{"NUL in the request id", "GET", "/api/v1/requests/" + id + "%00", "", "path"},
			{"invalid UTF-8 in the request id", "GET", "/api/v1/requests/req_%ff", "", "path"},
			{"NUL in a sub-resource's id", "POST", "/api/v1/requests/req%00/approve", `{}`, "path"},
			{"NUL in a query parameter", "GET", "/api/v1/requests?status=pending%00", "", "status"},
		} {
			st, body := doAPI(t, base, env.tokens["alice"], tc.method, tc.path, tc.body)
			if st != http.StatusBadRequest || !strings.Contains(body, `"invalid_argument"`) || !strings.Contains(body, tc.field) {
				t.Errorf("%s: %d %s, want 400 invalid_argument naming %s", tc.name, st, body, tc.field)
			}
		}
	})
}

// TestBoundsRefused: a start in the year 9999 and a policy allowing
// 1000000h are refused; the ceiling holds for policies applied through the
// API too.
func TestBoundsRefused(t *testing.T) {
	t.Parallel()
	env := start(t, nil)
	base := env.app.URL()
	for _, tc := range []struct {
		name, user, method, path, body, want string
	}{
		{"start in the year 9999", "alice", "POST", "/api/v1/requests",
			`{"account_ids":["prod"],"permission_set":"AdministratorAccess","duration":"1h","justification":"x","start":"9999-01-01T00:00:00Z"}`, "start"},
		{"start 91 days ahead", "alice", "POST", "/api/v1/requests",
			`{"account_ids":["prod"],"permission_set":"AdministratorAccess","duration":"1h","justification":"x","start":"` +
				time.Now().Add(91*24*time.Hour).UTC().Format(time.RFC3339) + `"}`, "ahead"},
		{"settings max_duration 1000000h", "erin", "PUT", "/api/v1/admin/settings", `{"revision":0,"max_duration":"1000000h"}`, "ceiling"},
	} {
		st, body := doAPI(t, base, env.tokens[tc.user], tc.method, tc.path, tc.body)
		if st != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.name, st, body, tc.want)
		}
	}
	st, body := doAPI(t, base, env.tokens["alice"], "POST", "/api/v1/requests",
		`{"account_ids":["prod"],"permission_set":"AdministratorAccess","duration":"1h","justification":"x","start":"`+
			time.Now().Add(89*24*time.Hour).UTC().Format(time.RFC3339)+`"}`)
	if st != http.StatusCreated {
		t.Errorf("start 89 days ahead: %d %s", st, body)
	}
}

// TestDataFilesPrivate: the running app's data directory is 0700 and its
// SQLite files (database, -wal, -shm) 0600, whatever the umask lets
// SQLite's own default through.
func TestDataFilesPrivate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	env := start(t, func(c *config.Config) { c.DataDir = dir })
	if _, err := env.client(t, "alice").Me(t.Context()); err != nil { // the database is in use
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "elevate.db"): 0o600,
		filepath.Join(dir, "elevate.db-wal"): 0o600, filepath.Join(dir, "elevate.db-shm"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}
}
