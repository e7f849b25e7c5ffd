package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "elevate-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "elevate")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build elevate: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// harness runs the elevate binary against an in-process emulator, which
// outlives the server processes it kills.
type harness struct {
	t      *testing.T
	emu    *awsemu.Emulator
	emuURL string
	dir    string
	config string
	env    []string
	opts   harnessOptions
	// lastLogsOnly keeps (and prints on failure) the logs of the most
	// recent server only: a crash loop starts hundreds.
	lastLogsOnly bool
	last         *server
}

// harnessOptions change what newHarnessWith sets up; the zero value is what
// newHarness uses.
type harnessOptions struct {
	// seed replaces awsemu.DemoSeed().
	seed *awsemu.Seed
	// rules are extra YAML entries appended to policy.rules (indented as
	// list items under rules, 4 spaces).
	rules string
	// policy is extra YAML keys of the policy section (2 spaces).
	policy string
	// databaseURL, when set, is written as database_url (PostgreSQL).
	databaseURL string
	// clientID is jobs.client_id of the main config. Default crash-test.
	clientID string
	// extra is top-level YAML appended to the configuration.
	extra string
}

func newHarness(t *testing.T) *harness {
	return newHarnessWith(t, harnessOptions{})
}

func newHarnessWith(t *testing.T, opts harnessOptions) *harness {
	seed := awsemu.DemoSeed()
	if opts.seed != nil {
		seed = *opts.seed
	}
	emu, err := awsemu.New(seed, awsemu.Options{ProvisioningDelay: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	h := &harness{t: t, emu: emu, emuURL: srv.URL, dir: t.TempDir(), opts: opts}
	if h.opts.clientID == "" {
		h.opts.clientID = "crash-test"
	}
	h.config = h.writeConfig("elevate.yaml", h.opts.clientID)
	h.env = append(os.Environ(),
		"AWS_ENDPOINT_URL="+srv.URL, "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=test-secret",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull)
	return h
}

// writeConfig writes a configuration file named name in the harness
// directory, with jobs.client_id clientID, and returns its path.
func (h *harness) writeConfig(name, clientID string) string {
	h.t.Helper()
	var db string
	if h.opts.databaseURL != "" {
		db = fmt.Sprintf("database_url: %q\n", h.opts.databaseURL)
	}
	cfg := fmt.Sprintf(`addr: 127.0.0.1:0
data_dir: %s
%slog_format: json
aws:
  poll_interval: 50ms
jobs:
  client_id: %s
  fetch_poll_interval: 50ms
  sweep_interval: 1s
  job_timeout: 5s
policy:
  min_duration: 1s
%s  rules:
    - name: alice-admin-prod
      users: [alice]
      accounts: [prod]
      permission_sets: [AdministratorAccess]
      max_duration: 4h
      approvals: 1
      approver_groups: [approvers]
%s%s`, filepath.Join(h.dir, "data"), db, clientID, h.opts.policy, h.opts.rules, h.opts.extra)
	path := filepath.Join(h.dir, name)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return path
}

// run runs a one-off elevate command and returns its stdout.
func (h *harness) run(args ...string) string {
	h.t.Helper()
	stdout, stderr, err := h.tryRun(args...)
	if err != nil {
		h.t.Fatalf("elevate %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout
}

// tryRun runs a one-off elevate command and returns its stdout, its stderr
// and how it ended.
func (h *harness) tryRun(args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(binary, args...)
	cmd.Env = h.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return strings.TrimSpace(out.String()), errOut.String(), err
}

// server is one `elevate serve` process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
	done chan error
}

type syncBuffer struct {
	mu  sync.Mutex
	b   bytes.Buffer
	off bool
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.off {
		return len(p), nil
	}
	return s.b.Write(p)
}

// drop discards what was written and everything written from now on.
func (s *syncBuffer) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.off = true
	s.b = bytes.Buffer{}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve starts `elevate serve` and waits until it says where it listens.
func (h *harness) serve() *server {
	h.t.Helper()
	return h.serveConfig(h.config)
}

// serveConfig starts `elevate serve --config config` and waits until it
// says where it listens.
func (h *harness) serveConfig(config string) *server {
	h.t.Helper()
	cmd := exec.Command(binary, "serve", "--config", config)
	cmd.Env = h.env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	if h.lastLogsOnly && h.last != nil {
		h.last.logs.drop()
	}
	h.last = s
	urlCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			_, _ = s.logs.Write(append(append([]byte{}, line...), '\n')) // an in-memory log buffer
			var rec struct {
				Msg string `json:"msg"`
				URL string `json:"url"`
			}
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "elevate is serving" {
				urlCh <- rec.URL
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	h.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-s.done //nolint:errcheck // waiting for the end only; the error was reported where it happened
		}
		if logs := s.logs.String(); h.t.Failed() && logs != "" {
			h.t.Logf("server logs:\n%s", logs)
		}
	})
	select {
	case s.url = <-urlCh:
	case err := <-s.done:
		h.t.Fatalf("elevate serve exited: %v\n%s", err, s.logs.String())
	case <-time.After(60 * time.Second):
		h.t.Fatalf("elevate serve did not start\n%s", s.logs.String())
	}
	return s
}

// kill stops the server with SIGKILL: no shutdown code runs.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done //nolint:errcheck // waiting for the end only; the error was reported where it happened
}

func (h *harness) client(url, token string) *client.Client {
	c, err := client.New(url, token)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) hasAssignment() bool {
	return h.emu.HasAssignment(h.emu.AccountID("prod"), h.emu.PermissionSetARN("AdministratorAccess"), h.emu.UserID("alice"))
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRevocationSurvivesSIGKILL kills the server while a revocation is due,
// restarts it on the same data directory, and checks that the assignment is
// removed and the request ends.
func TestRevocationSurvivesSIGKILL(t *testing.T) {
	for _, tc := range []struct {
		name string
		// kill decides when to kill, given the request's end time.
		kill func(h *harness, endsAt time.Time)
	}{
		{"down across the end time", func(h *harness, endsAt time.Time) {
			time.Sleep(time.Until(endsAt.Add(-time.Second)))
		}},
		{"killed while AWS deletes", func(h *harness, endsAt time.Time) {
			h.emu.SetProvisioningDelay(3 * time.Second)
			before := h.emu.Calls("DeleteAccountAssignment")
			waitUntil(h.t, "the deletion starts", time.Minute, func() bool { return h.emu.Calls("DeleteAccountAssignment") > before })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.run("migrate", "--config", h.config)
			aliceTok := h.run("token", "create", "--user", "alice", "--config", h.config)
			bobTok := h.run("token", "create", "--user", "bob", "--config", h.config)

			srv := h.serve()
			ctx := context.Background()
			alice, bob := h.client(srv.url, aliceTok), h.client(srv.url, bobTok)
			req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"},
				PermissionSet: "AdministratorAccess", Duration: 3 * time.Second, Justification: "crash test"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := bob.Approve(ctx, req.ID, ""); err != nil {
				t.Fatal(err)
			}
			active, err := alice.WaitFor(ctx, req.ID, func(r *client.Request) bool {
				return r.Status != client.StatusScheduled && r.Status != client.StatusPending
			}, 50*time.Millisecond)
			if err != nil || active.Status != client.StatusActive {
				t.Fatalf("not active: %v %+v", err, active)
			}
			if !h.hasAssignment() {
				t.Fatal("active without an assignment")
			}

			tc.kill(h, *active.EndsAt)
			srv.kill(t)
			if rest := time.Until(active.EndsAt.Add(time.Second)); rest > 0 {
				time.Sleep(rest) // stay down until the revocation is overdue
			}
			h.emu.SetProvisioningDelay(300 * time.Millisecond)

			srv = h.serve()
			alice = h.client(srv.url, aliceTok)
			wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			ended, err := alice.WaitFor(wctx, req.ID, func(r *client.Request) bool { return r.Status.Terminal() }, 50*time.Millisecond)
			if err != nil {
				t.Fatalf("after restart: %v", err)
			}
			if ended.Status != client.StatusEnded {
				t.Fatalf("status %s (%s), want ended", ended.Status, ended.Reason)
			}
			if h.hasAssignment() {
				t.Fatal("the assignment outlived the restart")
			}
			late := ended.Grants[0].RevokedAt.Sub(*active.EndsAt)
			t.Logf("revoked %s after the end time (server down for part of it)", late.Round(time.Millisecond))
		})
	}
}
