package app_test

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkPortalRequestPage renders the request page for a user eligible
// for 5,008 accounts (the demo organization plus 5,000), through the real
// app on SQLite: session lookup, eligibility, OU paths, search and the
// template. It reports the p99 of the server-side time per page.
//
//	go test ./internal/app -run '^$' -bench BenchmarkPortalRequestPage -benchtime 200x
func BenchmarkPortalRequestPage(b *testing.B) {
	env := startPortal(b, manyAccountsSeed(5000), everyAccountReadOnly)
	c := env.signedInClient(b, "alice")
	get := func(url string) {
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %s", url, resp.Status)
		}
	}
	page := env.app.URL() + "/request?q=acct-0&account=100000004321"
	get(page) // warm the policy and OU caches, as any running server has them
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		get(page)
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	p := func(q float64) float64 { return float64(times[int(q*float64(len(times)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}
