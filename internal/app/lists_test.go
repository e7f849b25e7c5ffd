package app_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/store"
)

// seedRequests stores n requests made by mk(i) straight into the app's
// database, 500 to a transaction, and returns their ids.
func seedRequests(t testing.TB, a interface{ Store() store.Store }, n int, mk func(i int) *access.Request) map[string]bool {
	t.Helper()
	ids := make(map[string]bool, n)
	for from := 0; from < n; from += 500 {
		err := a.Store().InTx(t.Context(), func(tx store.Tx) error {
			for i := from; i < min(from+500, n); i++ {
				r := mk(i)
				if err := tx.CreateRequest(t.Context(), r); err != nil {
					return err
				}
				ids[r.ID] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// listedRequest is a request as the seed makes it: ended, or pending, at a
// creation time, for the prod account.
func listedRequest(id string, status access.Status, created time.Time) *access.Request {
	return &access.Request{ID: id, RequesterID: "u-alice", RequesterName: "alice",
		PermissionSetARN: "arn:aws:sso:::permissionSet/ssoins-1/ps-admin", PermissionSetName: "AdministratorAccess",
		Duration: time.Hour, StartAt: created, Justification: "rotate keys, " + id, Status: status,
		Grants:    []access.Grant{{ID: id + "-g", AccountID: "444455556666", Status: access.GrantRevoked}},
		CreatedAt: created, UpdatedAt: created}
}

// TestAuditExportEveryRequest exports 5,000 matching requests (among 5,400)
// from the audit API (JSON lines and CSV) and the portal's audit page (CSV
// and JSON lines), and pages through the portal's audit list with its
// "Next page" links: every matching request comes exactly once, nothing
// else does.
func TestAuditExportEveryRequest(t *testing.T) {
	forEachEngine(t, testAuditExportEveryRequest)
}

func testAuditExportEveryRequest(t *testing.T, engine func(*config.Config)) {
	env := startPortal(t, awsemu.DemoSeed(), engine)
	nov := time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)
	// 5,000 ended in November (a few a second, so times tie), 200 ended
	// before it, 200 pending in it.
	want := seedRequests(t, env.app, 5000, func(i int) *access.Request {
		return listedRequest(fmt.Sprintf("req_m%05d", i), access.StatusEnded, nov.Add(time.Duration(i/4)*time.Second))
	})
	seedRequests(t, env.app, 200, func(i int) *access.Request {
		return listedRequest(fmt.Sprintf("req_old%03d", i), access.StatusEnded, nov.Add(-time.Duration(i+1)*time.Hour))
	})
	seedRequests(t, env.app, 200, func(i int) *access.Request {
		return listedRequest(fmt.Sprintf("req_pen%03d", i), access.StatusPending, nov.Add(time.Duration(i)*time.Minute))
	})
	filter := "status=ended&since=2026-11-01&until=2026-11-30&account=444455556666"

	token, _, err := env.app.Service().CreateToken(t.Context(), "dave", "export", 0)
	if err != nil {
		t.Fatal(err)
	}
	apiGet := func(path string) *http.Response {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, env.app.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	portal := env.signedInClient(t, "dave")
	portalGet := func(path string) *http.Response {
		resp, err := portal.Get(env.app.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// exactlyWant fails the test unless ids are the wanted ones, once each.
	exactlyWant := func(what string, ids []string) {
		t.Helper()
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s: %s exported twice", what, id)
			}
			if !want[id] {
				t.Fatalf("%s: %s exported, but it does not match the filters", what, id)
			}
			seen[id] = true
		}
		if len(seen) != len(want) {
			t.Fatalf("%s: %d of the %d matching requests exported", what, len(seen), len(want))
		}
	}
	jsonIDs := func(what string, resp *http.Response) []string {
		t.Helper()
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s: %s: %s", what, resp.Status, b)
		}
		var ids []string
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("%s: line %d: %v", what, len(ids)+1, err)
			}
			ids = append(ids, line.ID)
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	csvIDs := func(what string, resp *http.Response) []string {
		t.Helper()
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s: %s: %s", what, resp.Status, b)
		}
		rows, err := csv.NewReader(resp.Body).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(rows) == 0 || rows[0][0] != "id" {
			t.Fatalf("%s: no header line", what)
		}
		var ids []string
		for _, row := range rows[1:] {
			ids = append(ids, row[0])
		}
		return ids
	}

	exactlyWant("API, JSON lines", jsonIDs("API, JSON lines", apiGet("/api/v1/audit/requests?"+filter)))
	exactlyWant("API, CSV", csvIDs("API, CSV", apiGet("/api/v1/audit/requests?format=csv&"+filter)))
	exactlyWant("API, CSV, oldest first", csvIDs("API, CSV, oldest first", apiGet("/api/v1/audit/requests?format=csv&sort=oldest&"+filter)))
	exactlyWant("portal, CSV", csvIDs("portal, CSV", portalGet("/audit/requests.csv?"+filter)))
	exactlyWant("portal, JSON lines", jsonIDs("portal, JSON lines", portalGet("/audit/requests.jsonl?"+filter)))

	// The audit page shows 50 at a time; its "Next page" link keeps the
	// filters and leads through every match.
	rowRE := regexp.MustCompile(`<tr data-request="([^"]+)"`)
	nextRE := regexp.MustCompile(`<a href="([^"]+)" rel="next"`)
	var listed []string
	for path, pages := "/audit?"+filter, 0; path != ""; pages++ {
		if pages > 200 {
			t.Fatal("the audit list has more than 200 pages of 50")
		}
		resp := portalGet(path)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		for _, m := range rowRE.FindAllSubmatch(b, -1) {
			listed = append(listed, string(m[1]))
		}
		path = ""
		if m := nextRE.FindSubmatch(b); m != nil {
			path = strings.ReplaceAll(string(m[1]), "&amp;", "&")
			if u, err := url.Parse(path); err != nil || u.Query().Get("status") != "ended" || u.Query().Get("cursor") == "" {
				t.Fatalf("next page link %s does not keep the filters or has no cursor", path)
			}
		}
	}
	exactlyWant("portal, audit pages", listed)
}

// TestAPIListPages pages through 10,000 requests with the API's cursor
// while requests are created between pages: no request twice, none missed,
// in order.
func TestAPIListPages(t *testing.T) {
	forEachEngine(t, testAPIListPages)
}

func testAPIListPages(t *testing.T, engine func(*config.Config)) {
	env := startPortal(t, awsemu.DemoSeed(), engine)
	base := time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)
	want := seedRequests(t, env.app, 10000, func(i int) *access.Request {
		return listedRequest(fmt.Sprintf("req_p%05d", (i*7919)%10000), access.StatusEnded, base.Add(time.Duration(i/5)*time.Second))
	})
	token, _, err := env.app.Service().CreateToken(t.Context(), "dave", "pages", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var prev time.Time
	for cursor, page := "", 0; ; page++ {
		q := url.Values{"scope": {"all"}, "limit": {"1000"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, env.app.URL()+"/api/v1/requests?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Items []struct {
				ID        string    `json:"id"`
				CreatedAt time.Time `json:"created_at"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d: %s, %v", page, resp.Status, err)
		}
		for _, it := range out.Items {
			if !prev.IsZero() && it.CreatedAt.After(prev) {
				t.Fatalf("page %d: %s (created %s) after one created %s: not newest first", page, it.ID, it.CreatedAt, prev)
			}
			prev = it.CreatedAt
			got = append(got, it.ID)
		}
		// Someone submits a request between pages.
		seedRequests(t, env.app, 1, func(int) *access.Request {
			return listedRequest(fmt.Sprintf("req_new%02d", page), access.StatusPending, time.Now())
		})
		if out.NextCursor == "" {
			break
		}
		cursor = out.NextCursor
	}
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("%s listed twice", id)
		}
		seen[id] = true
		if !want[id] {
			t.Fatalf("%s listed: it was created after the first page", id)
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("listed %d of the %d requests", len(seen), len(want))
	}
}
