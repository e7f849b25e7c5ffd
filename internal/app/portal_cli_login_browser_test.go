package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/cli"
)

// syncBuffer is an output a command writes while the test reads it.
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

// TestCLILoginBrowser runs `elevate login` against the portal's demo
// sign-in in Chromium: the browser opens the link the CLI prints, signs in,
// confirms, and the portal hands the token to the CLI's loopback listener.
// `elevate ls` then works with the stored token and no ELEVATE_TOKEN;
// `elevate logout` revokes it, and ls fails.
func TestCLILoginBrowser(t *testing.T) {
	ctx := browser(t)
	env := startPortal(t, awsemu.DemoSeed(), nil)
	configDir := t.TempDir()
	cliEnv := func(stdout, stderr *syncBuffer) *cli.Env {
		return &cli.Env{Stdout: stdout, Stderr: stderr, Getenv: func(k string) string {
			switch k {
			case "ELEVATE_SERVER":
				return env.app.URL()
			case "ELEVATE_CONFIG_DIR":
				return configDir
			}
			return ""
		}}
	}
	elevate := func(args ...string) (int, string, string) {
		var stdout, stderr syncBuffer
		code := cli.RunEnv(context.Background(), cliEnv(&stdout, &stderr), args)
		return code, stdout.String(), stderr.String()
	}

	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.RunEnv(context.Background(), cliEnv(&stdout, &stderr), []string{"login", "--no-browser", "--timeout", "2m"})
	}()
	linkRE := regexp.MustCompile(`(http://\S+/cli/login\?\S+)`)
	var link string
	for deadline := time.Now().Add(30 * time.Second); link == ""; time.Sleep(10 * time.Millisecond) {
		if m := linkRE.FindStringSubmatch(stderr.String()); m != nil {
			link = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("elevate login printed no link: %s", stderr.String())
		}
	}

	var handedOff string
	run(t, ctx, "open the CLI's link and sign in",
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS("#demo-alice")),
		chromedp.WaitVisible(chromedp.ID("cli-login-confirm")),
		chromedp.Click(chromedp.ID("cli-login-confirm")),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	)
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(handedOff, "signed in"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the browser did not reach the CLI; page says %q", handedOff)
		}
		// The page may be navigating to the CLI: read again on an error.
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_ = chromedp.Do(rctx, into(&handedOff, chromedp.Text(chromedp.CSS("h1"))))
		cancel()
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("elevate login: exit %d: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("elevate login did not finish")
	}
	if !strings.Contains(stdout.String(), "as alice") {
		t.Errorf("elevate login said %q", stdout.String())
	}
	fi, err := os.Stat(filepath.Join(configDir, "credentials.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stored sign-in: %v (want mode 0600)", err)
	}

	if code, out, errOut := elevate("ls"); code != 0 || !strings.Contains(out, "No requests.") {
		t.Fatalf("elevate ls with the stored token: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := elevate("whoami"); code != 0 || !strings.Contains(out, "alice") {
		t.Fatalf("elevate whoami with the stored token: exit %d\n%s%s", code, out, errOut)
	}
	stored, err := os.ReadFile(filepath.Join(configDir, "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := elevate("logout"); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("elevate logout: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := elevate("ls"); code == 0 || !strings.Contains(errOut, "no API token") {
		t.Fatalf("elevate ls after logout: exit %d: %s", code, errOut)
	}
	// The token itself is revoked, not just forgotten.
	tok := regexp.MustCompile(`"token": "([^"]+)"`).FindSubmatch(stored)
	if tok == nil {
		t.Fatalf("no token in the stored sign-in")
	}
	if code, _, errOut := elevate("ls", "--token", string(tok[1])); code == 0 || !strings.Contains(errOut, "unknown or revoked") {
		t.Fatalf("elevate ls with the logged-out token: exit %d: %s", code, errOut)
	}
}

// TestCLILoginHeadless runs `elevate login --headless`: the link it prints
// is opened by a signed-in portal session elsewhere, which sees the same
// code as the terminal and confirms; the CLI, polling, is then signed in.
// The link works once.
func TestCLILoginHeadless(t *testing.T) {
	env := startPortal(t, awsemu.DemoSeed(), nil)
	configDir := t.TempDir()
	var stdout, stderr syncBuffer
	cliEnv := &cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string {
		switch k {
		case "ELEVATE_SERVER":
			return env.app.URL()
		case "ELEVATE_CONFIG_DIR":
			return configDir
		}
		return ""
	}}
	done := make(chan int, 1)
	go func() {
		done <- cli.RunEnv(context.Background(), cliEnv, []string{"login", "--headless", "--timeout", "1m"})
	}()
	linkRE := regexp.MustCompile(`(http://\S+/cli/login\?\S+)\s+Check that the page shows the code (\S+)\.`)
	var m []string
	for deadline := time.Now().Add(30 * time.Second); m == nil; time.Sleep(10 * time.Millisecond) {
		if m = linkRE.FindStringSubmatch(stderr.String()); m == nil && time.Now().After(deadline) {
			t.Fatalf("elevate login --headless printed no link and code: %s", stderr.String())
		}
	}
	link, code := m[1], m[2]
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(link, "elv_") {
		t.Fatalf("the link carries the token's secret: %s", link)
	}

	portal := env.signedInClient(t, "bob")
	resp, err := portal.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), code) {
		t.Fatalf("the confirmation page (%s) does not show the code %s:\n%s", resp.Status, code, page)
	}
	confirm := func() (int, string) {
		resp, err := portal.PostForm(env.app.URL()+"/cli/login", url.Values{"device": {u.Query().Get("device")}, "host": {"ci"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	if st, body := confirm(); st != http.StatusOK || !strings.Contains(body, "is signed in as <strong>bob</strong>") {
		t.Fatalf("confirm: %d\n%s", st, body)
	}
	select {
	case c := <-done:
		if c != 0 {
			t.Fatalf("elevate login --headless: exit %d: %s", c, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("elevate login --headless did not finish")
	}
	if !strings.Contains(stdout.String(), "as bob") {
		t.Errorf("elevate login said %q", stdout.String())
	}
	if st, _ := confirm(); st != http.StatusConflict {
		t.Errorf("the same link confirmed twice: HTTP %d, want 409", st)
	}
	var out, errOut syncBuffer
	if c := cli.RunEnv(context.Background(), &cli.Env{Stdout: &out, Stderr: &errOut, Getenv: cliEnv.Getenv}, []string{"whoami"}); c != 0 || !strings.Contains(out.String(), "bob") {
		t.Fatalf("whoami with the stored token: exit %d: %s%s", c, out.String(), errOut.String())
	}
}
