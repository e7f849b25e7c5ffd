package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
)

// TestSyncUsage: bad use of `elevate sync` exits 2 with a message and
// calls no server.
func TestSyncUsage(t *testing.T) {
	for _, args := range [][]string{
		{"sync", "now"},
		{"sync", "--timeout", "0", "--wait"},
		{"sync", "--poll", "-1s"},
		{"sync", "status", "extra"},
	} {
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
			if k == "ELEVATE_SERVER" {
				return "http://127.0.0.1:1" // nothing listens: a call would fail with exit 1
			}
			return ""
		}}
		if code := RunEnv(t.Context(), env, args); code != 2 || errOut.Len() == 0 {
			t.Errorf("elevate %s: exit %d, stderr %q; want 2 and a message", strings.Join(args, " "), code, errOut.String())
		}
	}
}

// TestPrintSyncStatus: the human-readable status names the outcome, the
// counts per kind, the writes, the schedule and the job.
func TestPrintSyncStatus(t *testing.T) {
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	end := start.Add(1500 * time.Millisecond)
	st := &client.SyncStatus{
		LastRun: &client.SyncRun{StartedAt: start, EndedAt: &end, Duration: "1.5s", Outcome: "failed", Error: "read: AccessDenied",
			LastSuccessAt: &start, Counts: map[string]int{"users": 5, "users_inserted": 1, "writes": 1, "future_kind": 3}},
		Interval: "15m0s", NextRunAt: &end,
		Job: &client.SyncJob{ID: 9, State: "retryable", Error: "boom"},
	}
	var b bytes.Buffer
	printSyncStatus(&b, st)
	for _, want := range []string{"Last sync:     failed, started 2026-05-01T10:00:00Z, took 1.5s", "Error:         read: AccessDenied",
		"users                   5        1        0        0", "Rows written:  1", "Other:         future_kind 3",
		"Schedule:      every 15m0s, next about 2026-05-01T10:00:01Z", "Job 9:        retryable (boom)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	printSyncStatus(&b, &client.SyncStatus{})
	if !strings.Contains(b.String(), "never ran") || !strings.Contains(b.String(), "periodic sync off") {
		t.Errorf("status of a server that never synced:\n%s", b.String())
	}
}
