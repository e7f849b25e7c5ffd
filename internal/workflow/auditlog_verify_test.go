package workflow_test

import (
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlite"
	"github.com/elevate/elevate/internal/workflow"
)

// TestVerifyParallelChunks: the parallel verification reads the log in
// chunks on several read transactions and checks them in seq order: an
// intact log verifies on that path alone, whatever the chunk size, with a
// checkpoint in the middle; a change in any chunk (at a chunk's first
// entry too) makes it hand over to the exact verification, which names
// the problem. Not parallel: the chunk size is the package's.
func TestVerifyParallelChunks(t *testing.T) {
	const n = 100
	for _, chunk := range []int64{1, 7, 35, 100, 1000} {
		t.Run(fmt.Sprint("chunk ", chunk), func(t *testing.T) {
			defer workflow.SetVerifyChunk(chunk)()
			ctx := t.Context()
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "log.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() }) // test cleanup: the close error cannot matter
			if err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
			if err := st.InTx(ctx, func(tx store.Tx) error {
				for i := range n {
					e := access.Event{Type: access.EventApproved, RequestID: fmt.Sprintf("req_%d", i), Actor: access.SystemActor,
						At: t0.Add(time.Duration(i) * time.Second), Details: map[string]string{"i": fmt.Sprint(i)}}
					if err := tx.AppendEvent(ctx, e); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			_, key, _ := ed25519.GenerateKey(nil)
			l, err := workflow.NewAuditLog(workflow.AuditLogDeps{Store: st, Key: key})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Checkpoint(ctx, audit.KindManual); err != nil {
				t.Fatal(err)
			}
			rep, ok, err := workflow.VerifyParallel(ctx, st, audit.VerifyOptions{})
			if err != nil || !ok || !rep.OK || rep.Entries != n || rep.FirstSeq != 1 || rep.LastSeq != n || rep.CheckpointsChecked != 1 {
				t.Fatalf("VerifyParallel of the intact log = %+v, %t, %v; want OK over %d entries on the parallel path", rep, ok, err, n)
			}
			for _, tc := range []struct {
				sql  string
				seq  int64
				kind string
			}{
				{`UPDATE events SET actor_name = 'mallory' WHERE seq = 71`, 71, audit.ProblemEdited},
				{`DELETE FROM events WHERE seq = 36`, 36, audit.ProblemDeleted},
			} {
				if _, err := st.DB().ExecContext(ctx, tc.sql); err != nil {
					t.Fatal(err)
				}
				if rep, ok, err := workflow.VerifyParallel(ctx, st, audit.VerifyOptions{}); err != nil || ok || rep.OK {
					t.Fatalf("after %s: VerifyParallel = %+v, %t, %v; want a problem", tc.sql, rep, ok, err)
				}
				rep, err := workflow.VerifyAuditLog(ctx, st, audit.VerifyOptions{})
				if err != nil || rep.OK || rep.Problem == nil || rep.Problem.Seq != tc.seq || rep.Problem.Kind != tc.kind {
					t.Fatalf("after %s: VerifyAuditLog = %+v (%+v), %v; want %s at %d", tc.sql, rep, rep.Problem, err, tc.kind, tc.seq)
				}
			}
		})
	}
}
