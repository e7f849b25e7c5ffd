package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := RunEnv(context.Background(), &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}, args)
	return code, out.String(), errOut.String()
}

func TestConfigCheckExample(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "config", "check", "-f", filepath.Join("..", "..", "docs", "elevate.example.yaml"))
	if code != 0 || !strings.Contains(out, "is a valid configuration") {
		t.Fatalf("config check on the example: exit %d\n%s%s", code, out, errOut)
	}
}

func TestConfigCheckNamesBadKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(file, []byte("addr: 127.0.0.1:8080\njobs:\n  max_wrokers: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, nil, "config", "check", "-f", file)
	if code != 1 || !strings.Contains(errOut, "line 3: jobs.max_wrokers: unknown key (did you mean jobs.max_workers?)") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	code, _, errOut = runCLI(t, map[string]string{"ELEVATE_LOG_LEVEL": "loud"}, "config", "check")
	if code != 1 || !strings.Contains(errOut, "log_level: \"loud\" is not debug") {
		t.Fatalf("bad env value: exit %d, stderr:\n%s", code, errOut)
	}
	code, _, errOut = runCLI(t, nil, "config", "check", "--set", "notify.slack.bot_token=xoxb-1")
	if code != 1 || !strings.Contains(errOut, "ELEVATE_NOTIFY_SLACK_BOT_TOKEN_FILE") {
		t.Fatalf("secret on the command line: exit %d, stderr:\n%s", code, errOut)
	}
}

func TestConfigDumpRedactsAndAppliesPrecedence(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "token")
	if err := os.WriteFile(secretFile, []byte("xoxb-very-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "e.yaml")
	if err := os.WriteFile(file, []byte("addr: 127.0.0.1:7001\njobs:\n  max_workers: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ELEVATE_SLACK_BOT_TOKEN_FILE": secretFile, "ELEVATE_ADDR": "127.0.0.1:7002",
		"ELEVATE_DATABASE_URL": "postgres://elevate:pg-secret@db/elevate"}
	code, out, errOut := runCLI(t, env, "config", "dump", "--config", file, "--set", "jobs.max_workers=9", "--addr", "127.0.0.1:7003")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "very-secret") || strings.Contains(out, "pg-secret") {
		t.Fatalf("dump shows a secret:\n%s", out)
	}
	for _, want := range []string{"addr: 127.0.0.1:7003\n", "max_workers: 9\n", "# bot_token: <redacted>", "REDACTED@db"} {
		if !strings.Contains(out, want) {
			t.Errorf("dump lacks %q:\n%s", want, out)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "elevate ") || !strings.Contains(out, "commit:") || !strings.Contains(out, "go:       go1.") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	if code, out, errOut := runCLI(t, map[string]string{"ELEVATE_ADDR": addr}, "healthcheck"); code != 0 || !strings.Contains(out, "ok: "+srv.URL+"/healthz") {
		t.Fatalf("healthy server: exit %d %s%s", code, out, errOut)
	}
	status = http.StatusServiceUnavailable
	if code, _, errOut := runCLI(t, nil, "healthcheck", "--url", srv.URL+"/healthz"); code != 1 || !strings.Contains(errOut, "503") {
		t.Fatalf("unhealthy server: exit %d %s", code, errOut)
	}
}

// TestConfigCheckOnlineNamesTypos: --online resolves the policy's names
// against the synced directory and suggests the closest name of each kind.
func TestConfigCheckOnlineNamesTypos(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	st := migratedStore(t, dataDir)
	file := filepath.Join(t.TempDir(), "elevate.yaml")
	policyYAML := "policy:\n  rules:\n    - name: oncall\n      groups: [oncal]\n      accounts: [prodd]\n      permission_sets: [AdministratorAcess]\n"
	if err := os.WriteFile(file, []byte(policyYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	// Offline the document is valid: names are resolved only online.
	if code, out, errOut := runCLI(t, nil, "config", "check", "-f", file, "--data-dir", dataDir); code != 0 {
		t.Fatalf("offline check: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, nil, "config", "check", "-f", file, "--data-dir", dataDir, "--online"); code != 1 || !strings.Contains(errOut, "never synced") {
		t.Fatalf("before a sync: exit %d, stderr:\n%s", code, errOut)
	}
	dir := access.Directory{
		Accounts:       []access.Account{{ID: "111122223333", Name: "prod"}},
		PermissionSets: []access.PermissionSet{{ARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-1", Name: "AdministratorAccess"}},
		Groups:         []access.Group{{ID: "g-1", Name: "oncall"}},
	}
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, dir, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, nil, "config", "check", "-f", file, "--data-dir", dataDir, "--online")
	for _, want := range []string{
		`policy.rules[0].groups[0]: group "oncal" is not in the directory (did you mean "oncall"?)`,
		`policy.rules[0].accounts[0]: account "prodd" is not in the organization (did you mean "prod"?)`,
		`policy.rules[0].permission_sets[0]: permission set "AdministratorAcess" is not in the directory (did you mean "AdministratorAccess"?)`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1; stderr:\n%s", code, errOut)
	}
}
