package audit_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
)

// BenchmarkVerifier feeds a Verifier a chain of 100,000 entries held in
// memory, built outside the timer: the cost of the checks alone, without
// a database (workflow's BenchmarkVerifyAuditLog measures them with the
// reads).
//
//	go test -run '^$' -bench BenchmarkVerifier ./internal/audit/
func BenchmarkVerifier(b *testing.B) {
	const n = 100_000
	log := chain(n, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	b.ResetTimer()
	for range b.N {
		v := audit.NewVerifier(nil, audit.VerifyOptions{})
		for _, en := range log {
			if p := v.Add(en); p != nil {
				b.Fatal(p)
			}
		}
		if rep := v.Report(); !rep.OK || rep.Entries != int64(n) {
			b.Fatalf("Report = %+v", rep)
		}
	}
	b.ReportMetric(float64(n), "entries")
}

// chain is a real chain of n approvals, a second apart from t0.
func chain(n int, t0 time.Time) []access.AuditEntry {
	out := make([]access.AuditEntry, 0, n)
	var seq int64
	var head []byte
	for i := range n {
		e := access.Event{Type: access.EventApproved, RequestID: "req_" + strconv.Itoa(i/6), Actor: access.SystemActor,
			At: t0.Add(time.Duration(i) * time.Second)}
		s, prev, h := access.ChainLink(seq, head, e)
		out = append(out, access.AuditEntry{Seq: s, PrevHash: prev, Hash: h, Event: e})
		seq, head = s, h
	}
	return out
}
