package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/store/pgtest"
)

// BenchmarkAPIListPage reads pages of 100 requests through the API of the
// real app among 20,000 requests: the first page, a page deep in the list
// (after 15,000, through its cursor), and a filtered page (one status of
// four, and a search). It reports the p50 and p99 of each.
//
//	go test ./internal/app -run '^$' -bench BenchmarkAPIListPage -benchtime 200x
//
// With ELEVATE_TEST_POSTGRES_URL set it also runs on PostgreSQL.
func BenchmarkAPIListPage(b *testing.B) {
	engines := map[string]func(*config.Config){"sqlite": func(*config.Config) {}}
	if u := pgtestURL(b); u != "" {
		engines["postgres"] = func(c *config.Config) { c.DatabaseURL = u }
	}
	for name, engine := range engines {
		b.Run(name, func(b *testing.B) { benchmarkAPIListPage(b, engine) })
	}
}

func pgtestURL(b *testing.B) string {
	if os.Getenv("ELEVATE_TEST_POSTGRES_URL") == "" {
		return ""
	}
	return pgtest.NewDatabase(b)
}

func benchmarkAPIListPage(b *testing.B, engine func(*config.Config)) {
	env := startPortal(b, awsemu.DemoSeed(), engine)
	base := time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)
	statuses := []access.Status{access.StatusEnded, access.StatusRevoked, access.StatusRejected, access.StatusCancelled}
	seedRequests(b, env.app, 20000, func(i int) *access.Request {
		return listedRequest(fmt.Sprintf("req_b%05d", i), statuses[i%4], base.Add(time.Duration(i)*time.Second))
	})
	token, _, err := env.app.Service().CreateToken(b.Context(), "dave", "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	get := func(q url.Values, want int) string {
		req, _ := http.NewRequestWithContext(b.Context(), http.MethodGet, env.app.URL()+"/api/v1/requests?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if resp.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(resp.Body)
			b.Fatalf("GET %s: %s %s", q.Encode(), resp.Status, body)
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Items) != want {
			b.Fatalf("GET %s: %d items, %v", q.Encode(), len(out.Items), err)
		}
		return out.NextCursor
	}
	// The cursor after 15,000 requests, found by paging there once.
	deep := ""
	for range 15 {
		deep = get(url.Values{"scope": {"all"}, "limit": {"1000"}, "cursor": {deep}}, 1000)
	}
	cases := []struct {
		name string
		q    url.Values
	}{
		{"first", url.Values{"scope": {"all"}}},
		{"deep", url.Values{"scope": {"all"}, "cursor": {deep}}},
		{"status-and-search", url.Values{"scope": {"all"}, "status": {"revoked"}, "q": {"rotate"}}},
	}
	times := map[string][]time.Duration{}
	for b.Loop() {
		for _, c := range cases {
			start := time.Now()
			get(c.q, 100)
			times[c.name] = append(times[c.name], time.Since(start))
		}
	}
	for _, c := range cases {
		ts := times[c.name]
		slices.Sort(ts)
		p := func(q float64) float64 { return float64(ts[int(q*float64(len(ts)-1))].Microseconds()) / 1000 }
		b.ReportMetric(p(0.50), c.name+"-p50-ms")
		b.ReportMetric(p(0.99), c.name+"-p99-ms")
	}
}
