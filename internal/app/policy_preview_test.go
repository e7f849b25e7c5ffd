package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestPolicyPreviewAPI: an admin previews a draft through the API (who
// becomes eligible, beside the policy in effect; nothing is stored) and
// searches the directory; the answers conform to openapi.json; others are
// refused.
func TestPolicyPreviewAPI(t *testing.T) {
	env := start(t, nil)
	doc, _, _ := env.exportPolicyAPI(t)
	draft := strings.Replace(doc, "- alice\n", "- alice\n      - bob\n", 1)
	if draft == doc {
		t.Fatalf("the policy has no user list to extend:\n%s", doc)
	}
	status, body := apiCall(t, env, "erin", http.MethodPost, "/api/v1/admin/policy/preview", map[string]string{"document": draft})
	var pv struct {
		Revision int
		Draft    struct {
			Rules []struct {
				Rule         string
				Users        int
				Combinations int
				SampleUsers  []string `json:"sample_users"`
			}
			Users, Offers int
			Exact         bool
			Sample        []struct{ User, Account, Rule string }
		}
		Current  struct{ Users, Offers int }
		Problems []any
	}
	if err := json.Unmarshal(body, &pv); err != nil || status != http.StatusOK {
		t.Fatalf("preview: %d %s (%v)", status, body, err)
	}
	if pv.Current.Users != 1 || pv.Current.Offers != 1 || pv.Draft.Users != 2 || pv.Draft.Offers != 2 || !pv.Draft.Exact ||
		len(pv.Draft.Rules) != 1 || pv.Draft.Rules[0].Combinations != 2 || strings.Join(pv.Draft.Rules[0].SampleUsers, ",") != "alice,bob" ||
		len(pv.Draft.Sample) != 2 || pv.Draft.Sample[1].User != "bob" || pv.Draft.Sample[1].Account != "prod" || len(pv.Problems) != 0 {
		t.Fatalf("preview: %s", body)
	}
	if _, rev, _ := env.exportPolicyAPI(t); rev != 0 {
		t.Fatalf("a preview stored revision %d", rev)
	}
	// A name the directory lacks is a problem of the draft, with the suggestion.
	_, body = apiCall(t, env, "erin", http.MethodPost, "/api/v1/admin/policy/preview", map[string]string{"document": strings.Replace(doc, "- approvers", "- aprovers", 1)})
	if !strings.Contains(string(body), `did you mean`) || !strings.Contains(string(body), "rules[0].approver_groups[0]") {
		t.Fatalf("preview of an unknown group: %s", body)
	}
	if status, body := apiCall(t, env, "alice", http.MethodPost, "/api/v1/admin/policy/preview", map[string]string{"document": draft}); status != http.StatusForbidden {
		t.Fatalf("alice previews: %d %s", status, body)
	}

	status, body = apiCall(t, env, "erin", http.MethodGet, "/api/v1/admin/directory/search?kind=accounts&q=pro&limit=5", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"value":"prod"`) || !strings.Contains(string(body), `"id":"444455556666"`) {
		t.Fatalf("search: %d %s", status, body)
	}
	// Queries outside the document are refused with the reason.
	for path, says := range map[string]string{"kind=roles": "use one of users, groups", "kind=users&limit=51": "1 to 50", "kind=users&limit=x": "not a positive number"} {
		req, _ := http.NewRequest(http.MethodGet, env.app.URL()+"/api/v1/admin/directory/search?"+path, nil)
		req.Header.Set("Authorization", "Bearer "+env.tokens["erin"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), says) {
			t.Fatalf("search ?%s: %s %s", path, resp.Status, b)
		}
	}
	if status, _ := apiCall(t, env, "bob", http.MethodGet, "/api/v1/admin/directory/search?kind=users&q=a", nil); status != http.StatusForbidden {
		t.Fatalf("bob searches the directory: %d", status)
	}
}

// exportPolicyAPI returns the policy in effect and its revision, as erin.
func (e *testEnv) exportPolicyAPI(t *testing.T) (string, int, error) {
	t.Helper()
	status, body := apiCall(t, e, "erin", http.MethodGet, "/api/v1/admin/policy", nil)
	var out struct {
		Revision int
		Document string
	}
	if err := json.Unmarshal(body, &out); err != nil || status != http.StatusOK {
		t.Fatalf("export: %d %s (%v)", status, body, err)
	}
	return out.Document, out.Revision, nil
}
