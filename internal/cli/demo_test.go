package cli

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startDemo starts `elevate demo` on free ports in dataDir and waits until
// it wrote demo.json; stop ends it. out is everything it wrote to the terminal.
func startDemo(t *testing.T, dataDir string) (info DemoInfo, out *clientCmdBuffer, stop func()) {
	t.Helper()
	_ = os.Remove(filepath.Join(dataDir, "demo.json"))
	ctx, cancel := context.WithCancel(t.Context())
	out = &clientCmdBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- RunEnv(ctx, &Env{Stdout: out, Stderr: out, Getenv: func(string) string { return "" }},
			[]string{"demo", "--addr", "127.0.0.1:0", "--aws-addr", "127.0.0.1:0", "--data-dir", dataDir, "--provisioning-delay", "10ms"})
	}()
	stop = func() { cancel(); <-done }
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(filepath.Join(dataDir, "demo.json"))
		if err == nil && json.Unmarshal(b, &info) == nil {
			return info, out, stop
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("demo exited %d before writing demo.json:\n%s", code, out.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatal("demo.json never appeared")
		}
	}
}

// runDemoOnce starts the demo, stops it and returns the users' tokens.
func runDemoOnce(t *testing.T, dataDir string) map[string]string {
	t.Helper()
	info, _, stop := startDemo(t, dataDir)
	stop()
	tokens := map[string]string{}
	for name, u := range info.Users {
		tokens[name] = u.Token
	}
	return tokens
}

// TestDemoBannerFirstAndLinksUseTheBoundPort: on free ports (:0) the demo's
// terminal shows the banner before anything else (its log goes to demo.log),
// and the links in its notifications use the port it really listens on,
// not ":0".
func TestDemoBannerFirstAndLinksUseTheBoundPort(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "demo-data")
	info, out, stop := startDemo(t, dataDir)
	defer stop()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "Stop with Ctrl-C."); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no banner:\n%s", out.String())
		}
	}
	if first := strings.TrimSpace(out.String()); !strings.HasPrefix(first, "elevate demo is running.") {
		t.Errorf("the terminal does not start with the banner:\n%s", first)
	}
	if !strings.Contains(out.String(), filepath.Join(dataDir, "demo.log")) {
		t.Errorf("the banner does not say where the log is:\n%s", out.String())
	}
	env := map[string]string{"ELEVATE_SERVER": info.URL, "ELEVATE_TOKEN": info.Users["alice"].Token}
	code, stdout, stderr := runCLI(t, env, "request", "--account", "prod", "--permission-set", "AdministratorAccess",
		"--duration", "1h", "--reason", "INC-42: redrive the DLQ", "--quiet")
	if code != 0 {
		t.Fatalf("request: exit %d\n%s%s", code, stdout, stderr)
	}
	// This request's own notification: the demo's history logs others.
	want := "url=" + info.URL + "/requests/" + strings.TrimSpace(stdout)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(dataDir, "demo.log"))
		if strings.Contains(string(b), want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo.log has no notification linking to %s:\n%s", want, b)
		}
	}
}

// TestDemoFilesPrivateAndTokensKept: every file the demo leaves in its data
// directory (database, -wal, -shm, tokens, demo.json) is 0600 and the
// directory 0700, and a restarted demo keeps its tokens instead of minting
// new ones while the old stay valid.
func TestDemoFilesPrivateAndTokensKept(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "demo-data")
	first := runDemoOnce(t, dataDir)
	second := runDemoOnce(t, dataDir)
	if len(first) == 0 {
		t.Fatal("the demo wrote no tokens")
	}
	for user, tok := range first {
		if second[user] != tok {
			t.Errorf("%s's token changed across a restart", user)
		}
	}
	err := filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"elevate.db", "alice.token", "demo.json"} {
		if _, err := os.Stat(filepath.Join(dataDir, name)); err != nil {
			t.Errorf("the demo left no %s: %v", name, err)
		}
	}
}
