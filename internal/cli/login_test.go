package cli

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/api/apitest"
)

// TestLoginLoopback runs elevate login with the browser's part played by
// the test: the CLI prints the portal link with its loopback port and
// one-time state, refuses an answer with another state, takes the token
// posted with its state, stores it (0600) and uses it without
// ELEVATE_TOKEN; logout revokes it and forgets it.
func TestLoginLoopback(t *testing.T) {
	ct := newClientCmdTest(t)
	var stdout, stderr clientCmdBuffer
	env := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		switch k {
		case "ELEVATE_SERVER":
			return ct.url
		case "ELEVATE_CONFIG_DIR":
			return ct.configDir
		}
		return ""
	}}
	done := make(chan int, 1)
	go func() { done <- RunEnv(t.Context(), env, []string{"login", "--no-browser", "--timeout", "1m"}) }()

	linkRE := regexp.MustCompile(`(http://\S+/cli/login\?\S+)`)
	var link *url.URL
	for deadline := time.Now().Add(30 * time.Second); link == nil; {
		if m := linkRE.FindStringSubmatch(stderr.String()); m != nil {
			var err error
			if link, err = url.Parse(m[1]); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("login printed no link: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	q := link.Query()
	if !strings.HasPrefix(link.String(), ct.url+"/cli/login?") || q.Get("port") == "" || len(q.Get("state")) < 16 {
		t.Fatalf("login link %s lacks the server, port or state", link)
	}
	callback := "http://127.0.0.1:" + q.Get("port") + "/callback"
	post := func(state, token string) int {
		resp, err := http.PostForm(callback, url.Values{"state": {state}, "token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("not-the-state-0123456789", apitest.AliceToken); got != http.StatusBadRequest {
		t.Errorf("an answer with another state: HTTP %d, want 400", got)
	}
	if got := post(q.Get("state"), apitest.AliceToken); got != http.StatusOK {
		t.Errorf("the answer with the state: HTTP %d, want 200", got)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("login: exit %d: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("login did not finish after the answer")
	}
	if !strings.Contains(stdout.String(), "Signed in to "+ct.url+" as alice") {
		t.Errorf("login said %q", stdout.String())
	}
	fi, err := os.Stat(filepath.Join(ct.configDir, "credentials.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stored sign-in: %v, mode %v; want 0600", err, fi.Mode())
	}

	// No ELEVATE_TOKEN: the stored token is used.
	if out := ct.mustRun("", "whoami"); !strings.Contains(out, "alice") {
		t.Errorf("whoami with the stored token: %s", out)
	}
	if out := ct.mustRun("", "logout"); !strings.Contains(out, "the token is revoked") {
		t.Errorf("logout said %q", out)
	}
	if code, _, errOut := ct.run("", "ls"); code == 0 || !strings.Contains(errOut, "no API token: run `elevate login`") {
		t.Errorf("ls after logout: exit %d: %s", code, errOut)
	}
	if code, _, errOut := ct.run(apitest.AliceToken, "ls"); code == 0 || !strings.Contains(errOut, "unknown or revoked") {
		t.Errorf("the revoked token still works: exit %d: %s", code, errOut)
	}
	if out := ct.mustRun("", "logout"); !strings.Contains(out, "Not signed in") {
		t.Errorf("second logout said %q", out)
	}
}
