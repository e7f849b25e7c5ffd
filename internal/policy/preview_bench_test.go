package policy

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkPreview is the policy editor's live preview on the benchmark
// organization (benchPolicy): compile the draft against the directory
// index, then count each of its 1,000 rules' reach. Its rules together
// reach far more than PreviewExactLimit combinations, so the distinct
// offers are not listed (the upper bound is given).
func BenchmarkPreview(b *testing.B) {
	e, _ := benchPolicy(b)
	doc, x := e.Document(), e.Index()
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		p := New(doc, x).Preview(8)
		samples = append(samples, time.Since(start))
		if p.Exact || len(p.Rules) != benchRules {
			b.Fatalf("preview: exact %v, %d rules", p.Exact, len(p.Rules))
		}
	}
	reportPercentiles(b, samples)
}

// BenchmarkPreviewExact is the preview's worst exact case on the same
// organization: rules that reach just under PreviewExactLimit combinations,
// every offer listed user by user to count the distinct ones.
func BenchmarkPreviewExact(b *testing.B) {
	e, _ := benchPolicy(b)
	x := e.Index()
	// 100 users (group-0 .. group-1's members, about 100) on the 1,000
	// accounts of one top OU, 4 permission sets: about 400,000.
	doc := Document{Rules: []Rule{{Name: "wide", Groups: []string{"group-0", "group-1"}, OUs: []string{"ou0"}, NestedOUs: true,
		PermissionSets: []string{"ps-1", "ps-2", "ps-3", "ps-4"}}}}
	p := New(doc, x).Preview(8)
	if !p.Exact || p.Offers < 100_000 {
		b.Fatalf("the exact case reaches %d offers (exact %v, rule reach %+v)", p.Offers, p.Exact, p.Rules[0].Combinations)
	}
	b.ReportMetric(float64(p.Offers), "offers")
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		New(doc, x).Preview(8)
		samples = append(samples, time.Since(start))
	}
	reportPercentiles(b, samples)
}

// BenchmarkSearch is a picker's search: 10,000 users by a part of the name.
func BenchmarkSearch(b *testing.B) {
	e, _ := benchPolicy(b)
	x := e.Index()
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		got, total, err := x.Search(KindUsers, fmt.Sprintf("user-%d", i%1000), 12)
		samples = append(samples, time.Since(start))
		if err != nil || len(got) == 0 || total == 0 {
			b.Fatalf("search: %d of %d (%v)", len(got), total, err)
		}
	}
	reportPercentiles(b, samples)
}
