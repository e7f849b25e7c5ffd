package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/elevate/elevate/internal/config"
)

// TestConcurrentPolicyWrites: two applies planned on the same revision,
// sent at once, resolve to one new revision and one 409 conflict (the
// revision is checked in the transaction that writes), for whole documents
// (PUT /admin/policy) and for settings (PUT /admin/settings); neither write
// silently undoes the other.
func TestConcurrentPolicyWrites(t *testing.T) {
	t.Parallel()
	forEachEngine(t, testConcurrentPolicyWrites)
}

func testConcurrentPolicyWrites(t *testing.T, engine func(*config.Config)) {
	env := start(t, engine)
	other := strings.Replace(policyYAML, "approval_timeout: 1h", "approval_timeout: 2h", 1)
	statuses := concurrentPuts(t, env, "/api/v1/admin/policy",
		map[string]any{"revision": 0, "document": policyYAML}, map[string]any{"revision": 0, "document": other})
	if !oneWinner(statuses) {
		t.Fatalf("two applies planned on revision 0: statuses %v, want one 200 and one 409", statuses)
	}
	if rev := policyRevision(t, env); rev != 1 {
		t.Fatalf("revision %d after two concurrent applies on revision 0, want 1", rev)
	}

	statuses = concurrentPuts(t, env, "/api/v1/admin/settings",
		map[string]any{"revision": 1, "min_duration": "2m"}, map[string]any{"revision": 1, "max_duration": "5h"})
	if !oneWinner(statuses) {
		t.Fatalf("two settings changes read at revision 1: statuses %v, want one 200 and one 409", statuses)
	}
	if rev := policyRevision(t, env); rev != 2 {
		t.Fatalf("revision %d after two concurrent settings changes on revision 1, want 2", rev)
	}
}

// policyRevision returns the revision in effect.
func policyRevision(t *testing.T, env *testEnv) int {
	t.Helper()
	doc, err := env.client(t, "erin").ExportPolicy(t.Context())
	if err != nil {
		t.Fatalf("export policy: %v", err)
	}
	return doc.Revision
}

// oneWinner reports whether statuses are one 200 and one 409.
func oneWinner(statuses [2]int) bool {
	return (statuses[0] == http.StatusOK && statuses[1] == http.StatusConflict) ||
		(statuses[0] == http.StatusConflict && statuses[1] == http.StatusOK)
}

// concurrentPuts sends two PUTs of path as erin at once (both wait on one
// barrier) and returns their statuses.
func concurrentPuts(t *testing.T, env *testEnv, path string, a, b any) [2]int {
	t.Helper()
	var reqs [2]*http.Request
	for i, body := range []any{a, b} {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, env.app.URL()+path, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+env.tokens["erin"])
		req.Header.Set("Content-Type", "application/json")
		reqs[i] = req
	}
	var (
		statuses [2]int
		errs     [2]error
		wg       sync.WaitGroup
	)
	barrier := make(chan struct{})
	for i := range reqs {
		wg.Go(func() {
			<-barrier
			resp, err := http.DefaultClient.Do(reqs[i])
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			statuses[i] = resp.StatusCode
		})
	}
	close(barrier)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return statuses
}
