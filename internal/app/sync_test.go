package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
)

// syncTrigger is POST /api/v1/admin/sync's answer.
type syncTrigger struct {
	JobID    int64  `json:"job_id"`
	State    string `json:"state"`
	Existing bool   `json:"existing"`
}

// TestDirectorySyncOnDemand drives the directory sync's status and trigger
// end to end: an admin triggers a sync through the API and waits for it, the
// status shows its counts; a user added in the emulator is picked up by
// `elevate sync --wait`; a second trigger while a sync runs returns that
// job; requesters and approvers may neither read nor trigger, auditors may
// read but not trigger; a failing sync makes `elevate sync --wait` exit 1.
func TestDirectorySyncOnDemand(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine func(*config.Config)) {
		env := start(t, engine)
		seed := awsemu.DemoSeed()
		ctx := t.Context()

		// Trigger through the API (checked against openapi.json) and wait.
		st, body := apiCall(t, env, "erin", http.MethodPost, "/api/v1/admin/sync", nil)
		if st != http.StatusAccepted {
			t.Fatalf("POST /admin/sync as admin: %d %s", st, body)
		}
		var tr syncTrigger
		if err := json.Unmarshal(body, &tr); err != nil || tr.JobID < 1 {
			t.Fatalf("POST /admin/sync answer %s: %v", body, err)
		}
		erin := env.client(t, "erin")
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		ss, err := erin.WaitSync(wctx, tr.JobID, 50*time.Millisecond)
		if err != nil {
			t.Fatalf("wait for sync job %d: %v", tr.JobID, err)
		}
		if ss.Job.State != "completed" || ss.LastRun == nil || ss.LastRun.Outcome != "succeeded" {
			t.Fatalf("after the triggered sync: job %+v, last run %+v", ss.Job, ss.LastRun)
		}
		// The status, as the auditor reads it, shows the counts of that run:
		// every seeded user seen, nothing written (the first sync at start
		// stored them already).
		st, body = apiCall(t, env, "dave", http.MethodGet, "/api/v1/admin/sync?job="+strconv.FormatInt(tr.JobID, 10), nil)
		if st != http.StatusOK {
			t.Fatalf("GET /admin/sync as auditor: %d %s", st, body)
		}
		var status client.SyncStatus
		if err := json.Unmarshal(body, &status); err != nil {
			t.Fatal(err)
		}
		c := status.LastRun.Counts
		if c["users"] != len(seed.Users) || c["accounts"] != len(seed.Accounts) || c["groups"] != len(seed.Groups) || c["writes"] != 0 {
			t.Errorf("status counts after an unchanged sync = %v; want %d users, %d accounts, %d groups, 0 writes",
				c, len(seed.Users), len(seed.Accounts), len(seed.Groups))
		}
		if status.Job == nil || status.Job.ID != tr.JobID || !status.Job.Finished || status.Interval != "15m0s" || status.NextRunAt == nil ||
			status.LastRun.EndedAt == nil || status.LastRun.DurationMS < 0 || status.LastRun.Error != "" {
			t.Errorf("status = %+v (job %+v, last run %+v)", status, status.Job, status.LastRun)
		}

		// A user added in Identity Center: `elevate sync --wait` picks it up.
		if _, err := env.emu.AddUser(awsemu.SeedUser{UserName: "frank", Email: "frank@example.com"}); err != nil {
			t.Fatal(err)
		}
		out, err := runCLI(t, env, "erin", "sync", "--wait", "--poll", "50ms")
		if err != nil {
			t.Fatalf("elevate sync --wait: %v\n%s", err, out)
		}
		if !strings.Contains(out, "Last sync:     succeeded") || !strings.Contains(out, "Rows written:  1") {
			t.Errorf("elevate sync --wait printed:\n%s", out)
		}
		out, err = runCLI(t, env, "dave", "sync", "status", "--json")
		if err != nil {
			t.Fatalf("elevate sync status --json as auditor: %v", err)
		}
		status = client.SyncStatus{}
		if err := json.Unmarshal([]byte(out), &status); err != nil || status.LastRun == nil {
			t.Fatalf("sync status --json: %v\n%s", err, out)
		}
		if c := status.LastRun.Counts; c["users"] != len(seed.Users)+1 || c["users_inserted"] != 1 || c["writes"] != 1 {
			t.Errorf("counts after the CLI sync = %v; want %d users, 1 inserted, 1 write", c, len(seed.Users)+1)
		}
		if _, _, err := env.app.Service().CreateToken(ctx, "frank", "synced", 0); err != nil {
			t.Errorf("frank is not in the synced directory: %v", err)
		}
		if out, err := runCLI(t, env, "dave", "sync", "status"); err != nil || !strings.Contains(out, "users") || !strings.Contains(out, "Schedule:      every 15m0s") {
			t.Errorf("elevate sync status: %v\n%s", err, out)
		}

		// Who may: requesters and approvers neither read nor trigger; the
		// auditor reads but does not trigger; the CLI says so.
		for _, u := range []string{"alice", "bob"} {
			if st, body := apiCall(t, env, u, http.MethodGet, "/api/v1/admin/sync", nil); st != http.StatusForbidden {
				t.Errorf("GET /admin/sync as %s: %d %s", u, st, body)
			}
		}
		for _, u := range []string{"alice", "bob", "dave"} {
			if st, body := apiCall(t, env, u, http.MethodPost, "/api/v1/admin/sync", nil); st != http.StatusForbidden || !strings.Contains(string(body), "only admins") {
				t.Errorf("POST /admin/sync as %s: %d %s", u, st, body)
			}
		}
		var ce *cliError
		if _, err := runCLI(t, env, "dave", "sync"); !errors.As(err, &ce) || ce.code != 1 || !strings.Contains(ce.stderr, "only admins") {
			t.Errorf("elevate sync as the auditor: %v", err)
		}

		// A second trigger while a sync runs returns the same job. ListUsers
		// answers after 3 s, so the first job is still queued or running.
		env.emu.SetFault("ListUsers", awsemu.Fault{Latency: 3 * time.Second})
		first, err := erin.TriggerSync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		second, err := erin.TriggerSync(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if first.Existing || !second.Existing || second.JobID != first.JobID {
			t.Errorf("two triggers: %+v then %+v; want the second to return the first's job", first, second)
		}
		if s, err := erin.SyncStatus(ctx, 0); err != nil || s.Pending == nil || s.Pending.ID != first.JobID {
			t.Errorf("status while the sync runs: %+v, %v; want job %d pending", s, err, first.JobID)
		}
		env.emu.SetFault("ListUsers", awsemu.Fault{})
		if _, err := erin.WaitSync(wctx, first.JobID, 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}

		// A failing sync: `elevate sync --wait` exits 1 with AWS's error, and
		// the status says failed.
		env.emu.InjectError("ListGroupMemberships", "AccessDeniedException", 2)
		out, err = runCLI(t, env, "erin", "sync", "--wait", "--poll", "50ms")
		if !errors.As(err, &ce) || ce.code != 1 || !strings.Contains(ce.stderr, "AccessDenied") {
			t.Fatalf("elevate sync --wait of a failing sync: %v\n%s", err, out)
		}
		if !strings.Contains(out, "Last sync:     failed") {
			t.Errorf("elevate sync --wait of a failing sync printed:\n%s", out)
		}
	})
}

// TestPortalSyncNow: the admin page shows the directory sync status from
// the same use case as the API, and its "Sync now" button (a same-origin
// POST) queues a sync; a cross-origin post and non-admins are refused.
func TestPortalSyncNow(t *testing.T) {
	env := startPortal(t, awsemu.DemoSeed(), nil)
	base := env.app.URL()
	erin := env.signedInClient(t, "erin")
	page := last(get(t, erin, base+"/admin"))
	if !strings.Contains(page.Body, `id="sync-now"`) || !strings.Contains(page.Body, "Directory sync every 15m") {
		t.Fatalf("admin page without the sync button or schedule:\n%.2000s", page.Body)
	}

	req, _ := http.NewRequest(http.MethodPost, base+"/admin/sync", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if h := last(walk(t, erin, req)); h.Resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin Sync now: %s", h.Resp.Status)
	}
	if h := last(postForm(t, env.signedInClient(t, "dave"), base+"/admin/sync", url.Values{})); h.Resp.StatusCode != http.StatusForbidden {
		t.Fatalf("Sync now as the auditor: %s", h.Resp.Status)
	}

	hops := postForm(t, erin, base+"/admin/sync", url.Values{})
	if hops[0].Resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("Sync now: %s", hops[0].Resp.Status)
	}
	loc := hops[0].Resp.Header.Get("Location")
	id := strings.TrimPrefix(strings.TrimSuffix(strings.TrimSuffix(loc, "#h-sync"), "&existing=1"), "/admin?sync_job=")
	if id == loc || id == "" {
		t.Fatalf("Sync now redirected to %q", loc)
	}
	if b := last(hops).Body; !strings.Contains(b, "job "+id+")") {
		t.Errorf("admin page after Sync now does not name job %s:\n%.2000s", id, b)
	}
	// The job is real: the API reports it and it completes.
	tok, _, err := env.app.Service().CreateToken(t.Context(), "erin", "sync", 0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(base, tok)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	jobID, _ := strconv.ParseInt(id, 10, 64)
	st, err := c.WaitSync(ctx, jobID, 50*time.Millisecond)
	if err != nil || st.Job.State != "completed" {
		t.Fatalf("the job Sync now queued: %+v, %v", st, err)
	}
	if b := last(get(t, erin, base+"/admin")).Body; !strings.Contains(b, "0 changes written") {
		t.Errorf("admin page after the sync does not show its counts:\n%.2000s", b)
	}
}
