package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/config"
)

// auditEntry is one decision-log entry as GET /api/v1/audit/events returns it.
type auditEntry struct {
	Type  string
	Actor struct {
		UserName string `json:"user_name"`
	}
	Details map[string]string
}

// auditEvents returns the decision log of type typ, read as dave (auditor).
func auditEvents(t *testing.T, env *testEnv, typ string) []auditEntry {
	t.Helper()
	status, body := apiCall(t, env, "dave", http.MethodGet, "/api/v1/audit/events?limit=1000", nil)
	if status != http.StatusOK {
		t.Fatalf("audit events: %d %s", status, body)
	}
	var out struct{ Items []auditEntry }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	var evs []auditEntry
	for _, e := range out.Items {
		if e.Type == typ {
			evs = append(evs, e)
		}
	}
	return evs
}

// TestSettingsEndpoint: admins read and change settings through
// /api/v1/admin/settings; others get 403; invalid values are refused with a
// clear message; a change is a new policy revision (unchanged settings are
// a no-op, a stale revision is 409), takes effect for the next request, and
// is audited as settings.changed with the settings before and after.
func TestSettingsEndpoint(t *testing.T) {
	forEachEngine(t, testSettingsEndpoint)
}

func testSettingsEndpoint(t *testing.T, engine func(*config.Config)) {
	env := start(t, engine)
	ctx := context.Background()
	alice, erin := env.client(t, "alice"), env.client(t, "erin")
	str := func(s string) *string { return &s }

	if status, body := apiCall(t, env, "erin", "GET", "/api/v1/admin/settings", nil); status != 200 ||
		!strings.Contains(string(body), `"min_duration":"1s"`) || !strings.Contains(string(body), `"revision":0`) {
		t.Fatalf("GET settings as erin: %d %s", status, body)
	}
	if _, err := alice.GetSettings(ctx); apiCode(err) != "forbidden" {
		t.Errorf("alice reads the settings: %v", err)
	}
	if status, body := apiCall(t, env, "alice", "PUT", "/api/v1/admin/settings", map[string]any{"revision": 0, "min_duration": "5m"}); status != 403 {
		t.Errorf("alice changes the settings: %d %s", status, body)
	}
	for _, bad := range []struct {
		body map[string]any
		msg  string
	}{
		{map[string]any{"revision": 0, "min_duration": "soon"}, `min_duration "soon" is not a duration`},
		{map[string]any{"revision": 0, "approval_timeout": "-1h"}, "approval_timeout: -1h0m0s is not positive"},
		{map[string]any{"revision": 0, "min_duration": "10h"}, "settings.min_duration"},
		{map[string]any{"revision": 0, "admins_group": " "}, "admins_group is empty"},
	} {
		status, body := apiCall(t, env, "erin", "PUT", "/api/v1/admin/settings", bad.body)
		var e struct{ Error struct{ Message string } }
		_ = json.Unmarshal(body, &e)
		if status != 400 || !strings.Contains(e.Error.Message, bad.msg) {
			t.Errorf("PUT %v: %d %s, want 400 saying %q", bad.body, status, body, bad.msg)
		}
	}

	// A change must carry the revision it was read at: a body without one is
	// refused (apiCall would refuse it against the OpenAPI schema first).
	if st, body := doAPI(t, env.app.URL(), env.tokens["erin"], "PUT", "/api/v1/admin/settings", `{"min_duration":"2m"}`); st != 400 || !strings.Contains(body, "revision is required") {
		t.Errorf("PUT settings without a revision: %d %s, want 400", st, body)
	}
	if st, body := doAPI(t, env.app.URL(), env.tokens["erin"], "PUT", "/api/v1/admin/policy", `{"document":"rules: []"}`); st != 400 || !strings.Contains(body, "revision is required") {
		t.Errorf("PUT policy without a revision: %d %s, want 400", st, body)
	}

	s, err := erin.UpdateSettings(ctx, client.SettingsUpdate{MinDuration: str("2m"), ApprovalTimeout: str("2h")})
	if err != nil || !s.Applied || s.Revision != 1 || s.MinDuration != "2m0s" || s.ApprovalTimeout != "2h0m0s" || s.MaxDuration != "9h0m0s" {
		t.Fatalf("update settings: %+v, %v", s, err)
	}
	if s, err := erin.UpdateSettings(ctx, client.SettingsUpdate{Revision: 1, MinDuration: str("2m")}); err != nil || s.Applied || s.Revision != 1 {
		t.Errorf("unchanged settings: %+v, %v (want a no-op)", s, err)
	}
	if _, err := erin.UpdateSettings(ctx, client.SettingsUpdate{Revision: 7, TicketRequired: new(true)}); apiCode(err) != "conflict" {
		t.Errorf("stale revision: %v", err)
	}
	// In effect at once: a 1-minute request is now too short.
	_, err = alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{"prod"}, PermissionSet: "AdministratorAccess",
		Duration: 60e9, Justification: "INC-5"})
	if apiCode(err) != "invalid_argument" || !strings.Contains(err.Error(), "shorter than the minimum 2m0s") {
		t.Errorf("request under the new minimum: %v", err)
	}
	// The policy document carries the settings and keeps its rules.
	doc, err := erin.ExportPolicy(ctx)
	if err != nil || doc.Revision != 1 || !strings.Contains(doc.Document, "min_duration: 2m0s") || !strings.Contains(doc.Document, "alice-admin-prod") {
		t.Errorf("policy after the settings change: %+v, %v", doc, err)
	}

	evs := auditEvents(t, env, "settings.changed")
	if len(evs) != 1 {
		t.Fatalf("settings.changed events: %+v", evs)
	}
	e := evs[0]
	for _, c := range []struct{ field, want string }{
		{"before", "min_duration: 1s"}, {"before", "approval_timeout: 3h0m0s"}, // the default
		{"after", "min_duration: 2m0s"}, {"after", "approval_timeout: 2h0m0s"}, {"after", "max_duration: 9h0m0s"},
		{"changes", "min_duration: 1s -> 2m0s"}, {"revision", "1"},
	} {
		if !strings.Contains(e.Details[c.field], c.want) {
			t.Errorf("settings.changed %s = %q, want it to contain %q", c.field, e.Details[c.field], c.want)
		}
	}
	if e.Actor.UserName != "erin" || strings.Contains(e.Details["after"], "rules") {
		t.Errorf("settings.changed by %q; after = %q (settings only)", e.Actor.UserName, e.Details["after"])
	}
}

// TestPolicyAppliedAuditEvent applies a document and checks the contents
// of the policy.applied event: the revision, the whole documents before
// (the configuration's rule) and after (the new rules), and the plan.
func TestPolicyAppliedAuditEvent(t *testing.T) {
	env := start(t, nil)
	ctx := context.Background()
	erin := env.client(t, "erin")
	plan, err := erin.ApplyPolicy(ctx, policyYAML, 0)
	if err != nil || !plan.Applied || plan.Revision != 1 {
		t.Fatalf("apply: %+v, %v", plan, err)
	}
	evs := auditEvents(t, env, "policy.applied")
	if len(evs) != 1 {
		t.Fatalf("policy.applied events: %+v", evs)
	}
	e := evs[0]
	if e.Actor.UserName != "erin" || e.Details["revision"] != "1" {
		t.Errorf("policy.applied by %q revision %q", e.Actor.UserName, e.Details["revision"])
	}
	before, after, changes := e.Details["before"], e.Details["after"], e.Details["changes"]
	if !strings.Contains(before, "name: alice-admin-prod") || strings.Contains(before, "engineers-power-workloads") || !strings.Contains(before, "min_duration: 1s") {
		t.Errorf("before is not the configuration's policy:\n%s", before)
	}
	for _, want := range []string{"name: engineers-power-workloads", "name: auditors-admin-audit", "name: prod-power", "approval_timeout: 1h0m0s"} {
		if !strings.Contains(after, want) {
			t.Errorf("after lacks %q:\n%s", want, after)
		}
	}
	if strings.Contains(after, "alice-admin-prod") {
		t.Errorf("after still has the removed rule:\n%s", after)
	}
	for _, want := range []string{"+ rule engineers-power-workloads added", "- rule alice-admin-prod removed", "+ approver rule prod-power added"} {
		if !strings.Contains(changes, want) {
			t.Errorf("changes lack %q:\n%s", want, changes)
		}
	}
}
