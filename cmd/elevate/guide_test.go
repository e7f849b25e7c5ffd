package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/store/pgtest"
	"github.com/jackc/pgx/v5"
)

// guideBlock is one fenced block of docs/operations.md with the
// <!-- guide:KIND --> marker on the line before it.
type guideBlock struct {
	kind, lang, text string
	line             int
}

// guideBlocks reads the guide's fenced blocks.
func guideBlocks(t *testing.T) []guideBlock {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []guideBlock
	var cur *guideBlock
	marker := regexp.MustCompile(`^<!-- guide:([a-z-]+) -->$`)
	prev := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &guideBlock{lang: strings.TrimPrefix(line, "```"), line: n}
			if m := marker.FindStringSubmatch(strings.TrimSpace(prev)); m != nil {
				cur.kind = m[1]
			}
		case cur != nil && strings.HasPrefix(line, "```"):
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
		prev = line
	}
	return blocks
}

// guideCommands splits a shell block into commands: continuation lines
// joined, comments and blank lines dropped.
func guideCommands(text string) []string {
	var cmds []string
	var cur string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if cur == "" && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		cmds = append(cmds, strings.TrimSpace(cur+l))
		cur = ""
	}
	return cmds
}

// commandKey is a command's program and, for tools with subcommands, the
// subcommand: "elevate config", "docker run", "sqlite3".
func commandKey(cmd string) string {
	f := strings.Fields(cmd)
	for len(f) > 0 && (f[0] == "sudo" || strings.Contains(f[0], "=")) {
		f = f[1:]
	}
	if len(f) == 0 {
		return ""
	}
	switch f[0] {
	case "elevate", "./elevate", "make", "docker", "systemctl", "aws", "systemd-analyze":
		for _, w := range f[1:] {
			if !strings.HasPrefix(w, "-") {
				return strings.TrimPrefix(f[0], "./") + " " + w
			}
		}
	}
	return f[0]
}

// guideRun are the block kinds TestOperationsGuide executes.
var guideRun = map[string]bool{"setup": true, "serve": true, "after-serve": true, "backup-sqlite": true, "backup-postgres": true}

// guideCI are the commands of `guide:ci` blocks and the .ci/run line that runs each.
var guideCI = map[string]string{
	"make build":      "make build",
	"elevate version": "make build", // the build target runs ./elevate version
}

// guideExternal are the commands of `guide:external` blocks, which need what
// a test machine doesn't have, with the reason. A new one must be added here.
var guideExternal = map[string]string{
	"aws organizations":        "run once in the real management account",
	"make image":               "needs a Docker engine (`docker build`)",
	"docker run":               "needs a Docker engine",
	"install":                  "installs into /usr/local/bin and /etc on a host (root)",
	"systemctl daemon-reload":  "needs systemd as PID 1",
	"systemctl enable":         "needs systemd as PID 1",
	"systemd-analyze security": "needs the unit installed and systemd as PID 1",
	"aws dynamodb":             "reads TEAM's tables in the account TEAM runs in",
	"aws sqs":                  "creates the directory events queue in the real account; the emulator's SQS is driven by the AWS CLI in TestAWSCLI (internal/awsemu)",
	"aws events":               "creates the EventBridge rule in the real account (the emulator has no EventBridge: it publishes the rule's events itself)",
	"elevate import":           "run by TestImportTeam (internal/cli) on a sample TEAM export",
	"elevate policy":           "needs a running server and an admin's token; run by the policy tests of internal/app",
	"elevate admin":            "admin recover is for a lockout the guide does not cause; run by TestAdminLockout (internal/app) and TestDatabaseCommandsMakeNoAWSCall (internal/cli)",
}

// TestOperationsGuideCommandsAreCovered checks that every shell command in
// docs/operations.md is run by TestOperationsGuide, by .ci/run, or listed
// as external with its reason, so the guide can't drift from what is tested.
func TestOperationsGuideCommandsAreCovered(t *testing.T) {
	ci, err := os.ReadFile(filepath.Join("..", "..", ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, b := range guideBlocks(t) {
		if b.lang != "sh" {
			if b.kind != "" && b.kind != "config" {
				t.Errorf("docs/operations.md:%d: a %q block marked guide:%s", b.line, b.lang, b.kind)
			}
			continue
		}
		kinds[b.kind]++
		for _, c := range guideCommands(b.text) {
			key := commandKey(c)
			switch {
			case guideRun[b.kind]:
				if key == "" {
					t.Errorf("docs/operations.md:%d: empty command", b.line)
				}
			case b.kind == "ci":
				line, ok := guideCI[key]
				if !ok {
					t.Errorf("docs/operations.md:%d: %q is in a guide:ci block but not in guideCI", b.line, c)
				} else if !bytes.Contains(ci, []byte(line)) {
					t.Errorf("docs/operations.md:%d: %q: .ci/run does not run %q", b.line, c, line)
				}
			case b.kind == "external":
				if _, ok := guideExternal[key]; !ok {
					t.Errorf("docs/operations.md:%d: %q (%s) is run by no test: run it in TestOperationsGuide, or list it in guideExternal with the reason", b.line, c, key)
				}
			default:
				t.Errorf("docs/operations.md:%d: a ```sh block without a <!-- guide:setup|serve|after-serve|backup-sqlite|backup-postgres|ci|external --> marker", b.line)
			}
		}
	}
	for _, k := range []string{"setup", "serve", "after-serve", "backup-sqlite", "backup-postgres", "config"} {
		if k != "config" && kinds[k] == 0 {
			t.Errorf("docs/operations.md has no guide:%s block", k)
		}
	}
}

// TestOperationsGuide follows the guide's setup against the AWS emulator: it
// writes the guide's configuration, runs its commands unchanged with bash
// (config check, the IAM policy, migrate, doctor), starts `elevate serve`
// as the guide says, runs the after-serve commands (healthcheck, config
// dump, token create), makes a request that becomes active in AWS, then
// backs up the SQLite database as the guide says. With PostgreSQL
// (ELEVATE_TEST_POSTGRES_URL, pg_dump and pg_restore), it also dumps and
// restores a PostgreSQL database as the guide says, then runs the checks the
// guide says to run after a restore.
func TestOperationsGuide(t *testing.T) {
	blocks := guideBlocks(t)
	byKind := func(kind, lang string) []string {
		var out []string
		for _, b := range blocks {
			if b.kind == kind && b.lang == lang {
				out = append(out, b.text)
			}
		}
		if len(out) == 0 {
			t.Fatalf("docs/operations.md has no ```%s guide:%s block", lang, kind)
		}
		return out
	}
	emu, err := awsemu.New(awsemu.DemoSeed(), awsemu.Options{ProvisioningDelay: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	emuSrv := httptest.NewServer(emu)
	t.Cleanup(emuSrv.Close)

	work := t.TempDir()
	dataDir := filepath.Join(work, "data")
	if err := os.WriteFile(filepath.Join(work, "elevate.yaml"), []byte(byKind("config", "yaml")[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	secretFile := filepath.Join(work, "oidc-secret")
	if err := os.WriteFile(secretFile, []byte("guide-oidc-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The environment overrides the file's production paths (precedence:
	// flags > environment > file), and points the AWS SDK at the emulator.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ELEVATE_") && !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	env = append(env, "PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"ELEVATE_ADDR=127.0.0.1:0", "ELEVATE_DATA_DIR="+dataDir, "ELEVATE_LOG_FORMAT=json",
		"ELEVATE_AUTH_OIDC_CLIENT_SECRET_FILE="+secretFile,
		"ELEVATE_AWS_POLL_INTERVAL=50ms", "ELEVATE_JOBS_FETCH_POLL_INTERVAL=50ms",
		"AWS_ENDPOINT_URL="+emuSrv.URL, "AWS_ACCESS_KEY_ID=AKIDGUIDE", "AWS_SECRET_ACCESS_KEY=guide-secret",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull)
	runBlock := func(t *testing.T, what, text string, extraEnv ...string) string {
		t.Helper()
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", text)
		cmd.Dir, cmd.Env = work, append(append([]string{}, env...), extraEnv...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("guide %s:\n%s\nfailed: %v\n%s", what, text, err, out)
		}
		return string(out)
	}

	out := runBlock(t, "setup", byKind("setup", "sh")[0])
	for _, want := range []string{"is a valid configuration", "schema version", "Identity Center"} {
		if !strings.Contains(out, want) {
			t.Errorf("setup output lacks %q:\n%s", want, out)
		}
	}
	policy, err := os.ReadFile(filepath.Join(work, "elevate-iam-policy.json"))
	if err != nil || !json.Valid(policy) || !bytes.Contains(policy, []byte("sso:CreateAccountAssignment")) {
		t.Errorf("elevate-iam-policy.json is not the IAM policy (%v):\n%s", err, policy)
	}

	// elevate serve, as the guide says, until it logs where it listens.
	serve := exec.Command("bash", "-c", "exec "+strings.TrimSpace(byKind("serve", "sh")[0]))
	serve.Dir, serve.Env = work, env
	serve.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	urlCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			_, _ = logs.Write(append(append([]byte{}, sc.Bytes()...), '\n')) // an in-memory log buffer
			var rec struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "elevate is serving" {
				urlCh <- rec.URL
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = syscall.Kill(-serve.Process.Pid, syscall.SIGTERM)
		select {
		case <-done: //nolint:errcheck // waiting for the end only; the error was reported where it happened
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-serve.Process.Pid, syscall.SIGKILL)
			<-done //nolint:errcheck // waiting for the end only; the error was reported where it happened
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	})
	var url string
	select {
	case url = <-urlCh:
	case err := <-done:
		t.Fatalf("elevate serve exited: %v\n%s", err, logs.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("elevate serve did not start\n%s", logs.String())
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %v %v", err, resp)
	}
	resp.Body.Close()
	// The sync at start is visible to the alert rules (packaging/alerts.yaml).
	metrics := getBody(t, url+"/metrics")
	if !strings.Contains(metrics, `elevate_periodic_run_failing{kind="directory_sync"} 0`) ||
		!regexp.MustCompile(`elevate_periodic_last_success_timestamp_seconds\{kind="directory_sync"\} [1-9]`).MatchString(metrics) {
		t.Errorf("/metrics does not show the successful directory sync:\n%s", metrics)
	}

	// The after-serve commands reach the server through its real address.
	out = runBlock(t, "after-serve", byKind("after-serve", "sh")[0], "ELEVATE_ADDR="+strings.TrimPrefix(url, "http://"))
	if !strings.Contains(out, "ok: "+url+"/healthz") || !strings.Contains(out, "# client_secret: <redacted>") {
		t.Errorf("after-serve output lacks the healthcheck or the redacted secret:\n%s", out)
	}
	if strings.Contains(out+logs.String(), "guide-oidc-secret-value") {
		t.Errorf("the OIDC client secret appears in the output or the logs")
	}
	adminTok, err := os.ReadFile(filepath.Join(work, "admin.token"))
	if err != nil || len(bytes.TrimSpace(adminTok)) == 0 {
		t.Fatalf("admin.token: %v", err)
	}
	ctx := context.Background()
	admin, err := client.New(url, strings.TrimSpace(string(adminTok)))
	if err != nil {
		t.Fatal(err)
	}
	if me, err := admin.Me(ctx); err != nil || !strings.Contains(strings.ToLower(me.UserName+me.Email), "erin") {
		t.Fatalf("the guide's admin token: %+v %v", me, err)
	}

	// A request under the guide's policy becomes active in AWS.
	runBlock(t, "token for alice", "elevate token create --config elevate.yaml --user alice > alice.token")
	aliceTok, err := os.ReadFile(filepath.Join(work, "alice.token"))
	if err != nil {
		t.Fatal(err)
	}
	alice, err := client.New(url, strings.TrimSpace(string(aliceTok)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"dev"}, PermissionSet: "ReadOnlyAccess",
		Duration: time.Hour, Justification: "following the operations guide"})
	if err != nil {
		t.Fatalf("request under the guide's policy: %v", err)
	}
	waitUntil(t, "the request is active", 60*time.Second, func() bool {
		got, err := alice.GetRequest(ctx, r.ID)
		return err == nil && got.Status == client.StatusActive
	})
	if !emu.HasAssignment(emu.AccountID("dev"), emu.PermissionSetARN("ReadOnlyAccess"), emu.UserID("alice")) {
		t.Fatal("the request is active but alice has no assignment in AWS")
	}
	stop()

	t.Run("backup-postgres", func(t *testing.T) {
		guideBackupPostgres(t, byKind("backup-postgres", "sh")[0], runBlock)
	})

	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Log("sqlite3 is not installed: the guide's SQLite backup commands are not run")
		return
	}
	backupDir := filepath.Join(work, "backup")
	if err := os.Mkdir(backupDir, 0o700); err != nil {
		t.Fatal(err)
	}
	out = runBlock(t, "backup-sqlite", byKind("backup-sqlite", "sh")[0], "DATA_DIR="+dataDir, "BACKUP_DIR="+backupDir)
	if strings.TrimSpace(out) != "ok" {
		t.Errorf("integrity_check of the backup: %q", out)
	}
	for _, f := range []string{"elevate-backup.db", "elevate-vacuum.db"} {
		if st, err := os.Stat(filepath.Join(backupDir, f)); err != nil || st.Size() == 0 {
			t.Errorf("backup %s: %v", f, err)
		}
	}
}

// getBody GETs url and returns its body; anything but 200 fails the test.
func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}

// guideBackupPostgres runs the guide's PostgreSQL backup block on a fresh
// database: migrate, a token (which syncs the directory), a request that
// becomes active under `elevate serve` and a signed audit checkpoint; the dump; a change after it (bob's token); the restore, which
// must take the database back to the dump; then `elevate audit verify` and
// `elevate doctor`, as the guide says after a restore. runBlock runs a block
// in the guide test's environment.
func guideBackupPostgres(t *testing.T, block string, runBlock func(t *testing.T, what, text string, extraEnv ...string) string) {
	if os.Getenv(pgtest.EnvVar) == "" {
		t.Skip("the guide's PostgreSQL backup commands are not run: set " + pgtest.EnvVar + "=postgres://... (a user that may create databases)")
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the guide's PostgreSQL backup commands are not run: %s is not installed", tool)
		}
	}
	dbURL := pgtest.NewDatabase(t)
	pgEnv := []string{"ELEVATE_DATABASE_URL=" + dbURL, "ELEVATE_DATA_DIR=" + filepath.Join(t.TempDir(), "data"), "DATABASE_URL=" + dbURL}
	runBlock(t, "PostgreSQL setup", `elevate migrate --config elevate.yaml
elevate token create --config elevate.yaml --user alice > pg-alice.token`, pgEnv...)
	// elevate serve on the database while alice's request becomes active,
	// so the decision log has entries; then a signed checkpoint.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // only a free port was wanted
	runBlock(t, "a request on PostgreSQL", `elevate serve --config elevate.yaml 2> pg-serve.log &
serve=$!
trap 'kill $serve 2> /dev/null || true' EXIT
for i in $(seq 200); do elevate healthcheck --config elevate.yaml > /dev/null 2>&1 && break; sleep 0.1; done
elevate request --server "http://$ELEVATE_ADDR" --token "$(cat pg-alice.token)" --account dev --permission-set ReadOnlyAccess \
  --duration 1h --reason "before the backup" --wait --interval 100ms --quiet > /dev/null || { cat pg-serve.log; exit 1; }
kill $serve
wait $serve
elevate audit checkpoint --config elevate.yaml > /dev/null`, append(pgEnv, "ELEVATE_ADDR="+addr)...)
	// The first line says what was verified; the next says that no anchor
	// outside the database protects the log (none is configured here).
	verified := regexp.MustCompile(`^ok: [1-9][0-9]* entries .*, [1-9][0-9]* checkpoints? verified\nunanchored: `)
	before := strings.TrimSpace(runBlock(t, "audit verify before the dump", "elevate audit verify --config elevate.yaml", pgEnv...))
	if !verified.MatchString(before) {
		t.Fatalf("audit verify before the dump: %q", before)
	}

	cmds := guideCommands(block)
	if len(cmds) != 2 || commandKey(cmds[0]) != "pg_dump" || commandKey(cmds[1]) != "pg_restore" {
		t.Fatalf("the guide's guide:backup-postgres block is not pg_dump then pg_restore: %q", cmds)
	}
	runBlock(t, "backup-postgres (dump)", cmds[0], pgEnv...)
	// A change after the backup, which the restore undoes.
	runBlock(t, "token after the dump", "elevate token create --config elevate.yaml --user bob > /dev/null", pgEnv...)
	tokenUsers := func() []string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, "SELECT u.user_name FROM tokens t JOIN users u ON u.id = t.user_id ORDER BY 1")
		if err != nil {
			t.Fatal(err)
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	if got := tokenUsers(); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Fatalf("tokens before the restore: %q, want alice's and bob's", got)
	}
	runBlock(t, "backup-postgres (restore)", cmds[1], pgEnv...)

	// As the guide says after a restore: the audit log, then doctor.
	after := strings.TrimSpace(runBlock(t, "audit verify after the restore", "elevate audit verify --config elevate.yaml", pgEnv...))
	t.Logf("restored database: %s", after)
	if after != before {
		t.Errorf("audit verify after the restore: %q, want what it said at the dump: %q", after, before)
	}
	out := runBlock(t, "doctor after the restore", "elevate doctor --config elevate.yaml", pgEnv...)
	if !strings.Contains(out, "schema up to date") || !strings.Contains(out, "sso:ListInstances") {
		t.Errorf("doctor after the restore:\n%s", out)
	}
	if got := tokenUsers(); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("tokens after the restore: %q, want alice's only (bob's was made after the dump)", got)
	}
}
