package cli

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// runDemoOnce starts `elevate demo` on free ports in dataDir, waits until
// it wrote demo.json, stops it and returns the users' tokens.
func runDemoOnce(t *testing.T, dataDir string) map[string]string {
	t.Helper()
	_ = os.Remove(filepath.Join(dataDir, "demo.json"))
	ctx, cancel := context.WithCancel(t.Context())
	out := &clientCmdBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- RunEnv(ctx, &Env{Stdout: out, Stderr: out, Getenv: func(string) string { return "" }},
			[]string{"demo", "--addr", "127.0.0.1:0", "--aws-addr", "127.0.0.1:0", "--data-dir", dataDir, "--provisioning-delay", "10ms"})
	}()
	var info DemoInfo
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(filepath.Join(dataDir, "demo.json"))
		if err == nil && json.Unmarshal(b, &info) == nil {
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("demo exited %d before writing demo.json:\n%s", code, out.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("demo.json never appeared")
		}
	}
	cancel()
	<-done
	tokens := map[string]string{}
	for name, u := range info.Users {
		tokens[name] = u.Token
	}
	return tokens
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
