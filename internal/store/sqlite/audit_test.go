package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/storetest"
	"github.com/elevate/elevate/internal/workflow"
)

// tamperer edits the SQLite file's log directly.
type tamperer struct{ s *Store }

func (tm tamperer) exec(q string, args ...any) error {
	res, err := tm.s.DB().ExecContext(context.Background(), q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: no row changed", q)
	}
	return nil
}

func (tm tamperer) Edit(seq int64, col string) error {
	set := map[string]string{
		"at":        "at = at + 1",
		"details":   `details = json_set(details, '$.tampered', 'yes')`,
		"prev_hash": "prev_hash = randomblob(32)",
		"hash":      "hash = randomblob(32)",
	}[col]
	if set == "" {
		set = col + " = " + col + " || 'x'"
	}
	return tm.exec(`UPDATE events SET `+set+` WHERE seq = ?`, seq)
}

func (tm tamperer) Delete(seq int64) error { return tm.exec(`DELETE FROM events WHERE seq = ?`, seq) }

func (tm tamperer) Swap(a, b int64) error {
	if err := tm.exec(`UPDATE events SET seq = -1 WHERE seq = ?`, a); err != nil {
		return err
	}
	if err := tm.exec(`UPDATE events SET seq = ? WHERE seq = ?`, a, b); err != nil {
		return err
	}
	return tm.exec(`UPDATE events SET seq = ? WHERE seq = -1`, b)
}

func (tm tamperer) TruncateAfter(seq int64) error {
	return tm.exec(`DELETE FROM events WHERE seq > ?`, seq)
}

func (tm tamperer) DeleteCheckpoints() error { return tm.exec(`DELETE FROM audit_checkpoints`) }

func (tm tamperer) EditCheckpointCount() error {
	return tm.exec(`UPDATE audit_checkpoints SET count = count - 1`)
}

func (tm tamperer) SetChain(seq int64, version int, prev, hash []byte) error {
	return tm.exec(`UPDATE events SET chain_version = ?, prev_hash = ?, hash = ? WHERE seq = ?`, version, prev, hash, seq)
}

func TestAuditTamper(t *testing.T) {
	storetest.RunAuditTamper(t, func(t *testing.T) (store.Store, storetest.Tamperer) {
		s := openMigrated(t)
		return s, tamperer{s}
	})
}

// TestAuditChainsLegacyEntries: entries written before the chain existed
// (hash NULL) are chained, keeping their seq, by the next append.
func TestAuditChainsLegacyEntries(t *testing.T) {
	s := openMigrated(t)
	ctx := t.Context()
	for i, seq := range []int64{1, 2, 5} { // a gap, as an old autoincrement could leave
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO events (seq, at, type, request_id, grant_id, actor_user_id, actor_name, actor_email, actor_via, details)
			VALUES (?, ?, 'request.submitted', ?, '', '', 'elevate', '', 'system', '{}')`, seq, int64(1_700_000_000_000_000+i), fmt.Sprint("req_", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.InTx(ctx, func(tx store.Tx) error {
		return tx.AppendEvent(ctx, access.Event{Type: access.EventCancelled, RequestID: "req_0", Actor: access.SystemActor})
	}); err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	if err := s.ReadTx(ctx, func(tx store.Tx) error {
		return tx.ScanAudit(ctx, 0, 0, func(en access.AuditEntry) error {
			seqs = append(seqs, en.Seq)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seqs) != "[1 2 5 6]" {
		t.Fatalf("seqs %v, want [1 2 5 6]", seqs)
	}
	rep, err := workflow.VerifyAuditLog(ctx, s, audit.VerifyOptions{})
	if err != nil || !rep.OK || rep.Entries != 4 {
		t.Fatalf("Verify = %+v, %v; want OK over 4 entries", rep, err)
	}
}
