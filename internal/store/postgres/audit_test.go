package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/pgtest"
	"github.com/elevate/elevate/internal/store/storetest"
)

// tamperer edits the PostgreSQL database's log directly.
type tamperer struct{ s *Store }

func (tm tamperer) exec(q string, args ...any) error {
	tag, err := tm.s.Pool().Exec(context.Background(), q, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: no row changed", q)
	}
	return nil
}

func (tm tamperer) Edit(seq int64, col string) error {
	set := map[string]string{
		"at":        "at = at + interval '1 microsecond'",
		"details":   `details = details || '{"tampered": "yes"}'::jsonb`,
		"prev_hash": "prev_hash = sha256(prev_hash)",
		"hash":      "hash = sha256(hash)",
	}[col]
	if set == "" {
		set = col + " = " + col + " || 'x'"
	}
	return tm.exec(`UPDATE events SET `+set+` WHERE seq = $1`, seq)
}

func (tm tamperer) Delete(seq int64) error { return tm.exec(`DELETE FROM events WHERE seq = $1`, seq) }

// Swap exchanges every column but seq (an identity column cannot be set).
func (tm tamperer) Swap(a, b int64) error {
	return tm.exec(`UPDATE events e SET at = o.at, type = o.type, request_id = o.request_id, grant_id = o.grant_id,
		actor_user_id = o.actor_user_id, actor_name = o.actor_name, actor_email = o.actor_email, actor_via = o.actor_via,
		details = o.details, prev_hash = o.prev_hash, hash = o.hash, chain_version = o.chain_version
		FROM events o WHERE (e.seq = $1 AND o.seq = $2) OR (e.seq = $2 AND o.seq = $1)`, a, b)
}

func (tm tamperer) TruncateAfter(seq int64) error {
	return tm.exec(`DELETE FROM events WHERE seq > $1`, seq)
}

func (tm tamperer) DeleteCheckpoints() error { return tm.exec(`DELETE FROM audit_checkpoints`) }

func (tm tamperer) EditCheckpointCount() error {
	return tm.exec(`UPDATE audit_checkpoints SET count = count - 1`)
}

func (tm tamperer) SetChain(seq int64, version int, prev, hash []byte) error {
	return tm.exec(`UPDATE events SET chain_version = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, version, prev, hash, seq)
}

func TestAuditTamper(t *testing.T) {
	pgtest.AdminURL(t) // skip early, with the message, when there is no server
	storetest.RunAuditTamper(t, func(t *testing.T) (store.Store, storetest.Tamperer) {
		s := openMigrated(t)
		return s, tamperer{s}
	})
}
