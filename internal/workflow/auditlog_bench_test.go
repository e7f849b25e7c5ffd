package workflow_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlite"
	"github.com/elevate/elevate/internal/workflow"
)

// BenchmarkVerifyAuditLog verifies a log of ELEVATE_BENCH_AUDIT_ENTRIES
// entries (default 1,000,000) on SQLite: the reads and the Verifier. The
// log is built once through AppendEvent (so it is a real chain), outside
// the timer. "parallel" is VerifyAuditLog as it runs (chunks read and
// hashed on every core), "one_transaction" the exact verification it
// falls back to:
//
//	go test -run '^$' -bench BenchmarkVerifyAuditLog -benchtime 3x -timeout 30m ./internal/workflow/
func BenchmarkVerifyAuditLog(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("ELEVATE_BENCH_AUDIT_ENTRIES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = st.Close() }() // read-only or already-failed: its close error cannot matter
	if err := st.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	actor := access.Actor{UserID: "9067729b3d-94f1e0b2-7d4c-4b39-8a1e-2f5d2c7b9e10", UserName: "alice", Email: "alice@example.com", Via: access.ViaAPI}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 10_000
	for i := 0; i < n; i += batch {
		err := st.InTx(b.Context(), func(tx store.Tx) error {
			for j := i; j < min(i+batch, n); j++ {
				e := access.Event{Type: access.EventApproved, RequestID: fmt.Sprintf("req_%016d", j/6), GrantID: fmt.Sprintf("grt_%016d", j/3),
					Actor: actor, At: t0.Add(time.Duration(j) * time.Second),
					Details: map[string]string{"approvals": "1", "comment": "looks fine, INC-4242"}}
				if err := tx.AppendEvent(b.Context(), e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, mode := range []struct {
		name       string
		sequential bool
	}{{"parallel", false}, {"one_transaction", true}} {
		b.Run(mode.name, func(b *testing.B) {
			defer workflow.SetVerifySequential(mode.sequential)()
			for range b.N {
				rep, err := workflow.VerifyAuditLog(b.Context(), st, audit.VerifyOptions{})
				if err != nil || !rep.OK || rep.Entries != int64(n) {
					b.Fatalf("Verify = %+v, %v", rep, err)
				}
			}
			b.ReportMetric(float64(n), "entries")
		})
	}
}
