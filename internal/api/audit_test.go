package api

import (
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlite"
	"github.com/elevate/elevate/internal/workflow"
)

// newTestAudit is a real audit service on a migrated SQLite store holding
// three entries and one checkpoint.
func newTestAudit(t *testing.T) *workflow.AuditLog {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "audit.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i, typ := range []access.EventType{access.EventSubmitted, access.EventApproved, access.EventActivated} {
		e := access.Event{Type: typ, RequestID: "req_1", Actor: access.SystemActor, At: time.Date(2026, 1, 2, 3, 4, i, 0, time.UTC),
			Details: map[string]string{"n": "x"}}
		if err := st.InTx(t.Context(), func(tx store.Tx) error { return tx.AppendEvent(t.Context(), e) }); err != nil {
			t.Fatal(err)
		}
	}
	_, key, _ := ed25519.GenerateKey(nil)
	svc, err := workflow.NewAuditLog(workflow.AuditLogDeps{Store: st, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Checkpoint(t.Context(), audit.KindManual); err != nil {
		t.Fatal(err)
	}
	return svc
}
