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
}

func newHarness(t *testing.T) *harness {
	emu, err := awsemu.New(awsemu.DemoSeed(), awsemu.Options{ProvisioningDelay: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	h := &harness{t: t, emu: emu, emuURL: srv.URL, dir: t.TempDir()}
	h.config = filepath.Join(h.dir, "elevate.yaml")
	cfg := fmt.Sprintf(`addr: 127.0.0.1:0
data_dir: %s
log_format: json
aws:
  poll_interval: 50ms
jobs:
  client_id: crash-test
  fetch_poll_interval: 50ms
  sweep_interval: 1s
  job_timeout: 5s
policy:
  min_duration: 1s
  rules:
    - name: alice-admin-prod
      users: [alice]
      accounts: [prod]
      permission_sets: [AdministratorAccess]
      max_duration: 4h
      approvals: 1
      approver_groups: [approvers]
`, filepath.Join(h.dir, "data"))
	if err := os.WriteFile(h.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	h.env = append(os.Environ(),
		"AWS_ENDPOINT_URL="+srv.URL, "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=test-secret",
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull)
	return h
}

// run runs a one-off elevate command and returns its stdout.
func (h *harness) run(args ...string) string {
	h.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = h.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		h.t.Fatalf("elevate %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// server is one `elevate serve` process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
	done chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve starts `elevate serve` and waits until it says where it listens.
func (h *harness) serve() *server {
	h.t.Helper()
	cmd := exec.Command(binary, "serve", "--config", h.config)
	cmd.Env = h.env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	urlCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			s.logs.Write(append(append([]byte{}, line...), '\n'))
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
			<-s.done
		}
		if h.t.Failed() {
			h.t.Logf("server logs:\n%s", s.logs.String())
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
	<-s.done
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
