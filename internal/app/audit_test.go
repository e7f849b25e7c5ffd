package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/config"
)

// getAudit GETs an /api/v1/audit path as user and decodes the JSON answer.
func (e *testEnv) getAudit(t *testing.T, user, path string, out any) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.app.URL()+"/api/v1/audit/"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("decode %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

// TestAuditLifecycle runs a full request (submit, approve, activate, end
// early, revoke) and checks the exact decision-log entries with their
// actors, as an auditor reads them from the API, and that the chain and a
// checkpoint verify.
func TestAuditLifecycle(t *testing.T) {
	forEachEngine(t, testAuditLifecycle)
}

func testAuditLifecycle(t *testing.T, engine func(*config.Config)) {
	env := start(t, engine)
	ctx := context.Background()
	alice, bob := env.client(t, "alice"), env.client(t, "bob")
	req, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: time.Hour, Justification: "INC-7: rotate keys"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Approve(ctx, req.ID, "ok"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, alice, req.ID, client.StatusActive)
	if _, err := alice.End(ctx, req.ID, "done"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, alice, req.ID, client.StatusRevoked)

	var page struct {
		Items     []audit.EntryJSON `json:"items"`
		NextSince int64             `json:"next_since"`
	}
	if code := env.getAudit(t, "alice", "events", &page); code != http.StatusForbidden {
		t.Fatalf("alice (no auditor) reading the audit log: HTTP %d, want 403", code)
	}
	// Page through the whole log, 2 entries at a time, as auditor dave.
	var all []audit.EntryJSON
	for since := int64(0); ; {
		page.Items = nil
		if code := env.getAudit(t, "dave", fmt.Sprintf("events?since=%d&limit=2", since), &page); code != http.StatusOK {
			t.Fatalf("dave reading the audit log: HTTP %d", code)
		}
		if len(page.Items) == 0 {
			break
		}
		if len(page.Items) > 2 {
			t.Fatalf("page of %d entries, want at most 2", len(page.Items))
		}
		all = append(all, page.Items...)
		since = page.NextSince
	}
	var got []string
	for i, e := range all {
		if i > 0 && (e.Seq != all[i-1].Seq+1 || e.PrevHash != all[i-1].Hash) {
			t.Errorf("entry %d does not follow entry %d (seq %d, prev_hash %s)", e.Seq, all[i-1].Seq, e.Seq, e.PrevHash)
		}
		if e.RequestID == req.ID {
			got = append(got, e.Type+" "+e.Actor.UserName+" via "+e.Actor.Via)
		}
	}
	want := []string{
		"request.submitted alice via api",
		"request.approved bob via api",
		"grant.activated elevate via system",
		"request.activated elevate via system",
		"request.end_requested alice via api",
		"grant.revoked elevate via system",
		"request.revoked elevate via system",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("audit entries of %s\n got %q\nwant %q", req.ID, got, want)
	}
	for _, e := range all {
		if e.RequestID == req.ID && e.Actor.UserName == "alice" && (e.Actor.UserID != env.emu.UserID("alice") || e.Actor.Email != "alice@example.com") {
			t.Errorf("entry %d: actor %+v, want alice's user id and email", e.Seq, e.Actor)
		}
	}

	c, err := env.app.Audit().Checkpoint(ctx, audit.KindManual)
	if err != nil {
		t.Fatal(err)
	}
	var rep audit.Report
	if code := env.getAudit(t, "dave", "verify", &rep); code != http.StatusOK {
		t.Fatalf("verify: HTTP %d", code)
	}
	if !rep.OK || rep.Entries < int64(len(want)) || rep.CheckpointsChecked < 1 {
		t.Fatalf("verify: %+v", rep)
	}
	var cps struct {
		Items []audit.CheckpointJSON `json:"items"`
	}
	if code := env.getAudit(t, "erin", "checkpoints", &cps); code != http.StatusOK { // erin is an admin
		t.Fatalf("checkpoints as an admin: HTTP %d", code)
	}
	if len(cps.Items) == 0 || cps.Items[len(cps.Items)-1].Seq != c.Seq || cps.Items[len(cps.Items)-1].Signature == "" {
		t.Fatalf("checkpoints %+v, want the last at seq %d", cps.Items, c.Seq)
	}
}
