package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/store"
)

// DeleteAuditThrough deletes the entries with seq <= seq.
func (t *Tx) DeleteAuditThrough(ctx context.Context, seq int64) (int64, error) {
	n, err := t.c.Exec(ctx, `DELETE FROM events WHERE seq <= $1`, seq)
	if err != nil {
		return 0, t.wrap(fmt.Sprintf("delete audit entries through %d", seq), err)
	}
	return n, nil
}

// prunableWhere selects the requests retention may delete; $1 is the list
// of terminal statuses, $2 the cutoff.
func (t *Tx) prunableWhere() string {
	return t.d.InList("status", "$1") + `
	AND NOT revocation_failed AND updated_at IS NOT NULL AND updated_at < $2
	AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.request_id = requests.id AND (g.status IN ('active', 'revoking') OR (g.status = 'pending' AND g.origin = 'created')))`
}

// PrunableRequests returns the requests retention may delete, least
// recently updated first.
func (t *Tx) PrunableRequests(ctx context.Context, before time.Time, limit int) ([]string, error) {
	q := `SELECT id FROM requests WHERE ` + t.prunableWhere() + ` ORDER BY updated_at, id`
	args := []any{t.list(store.TerminalStatuses()), t.ts(before)}
	if limit > 0 {
		q += ` LIMIT $3`
		args = append(args, limit)
	}
	ids, err := t.strings(ctx, q, args...)
	if err != nil {
		return nil, t.wrap(fmt.Sprintf("find prunable requests updated before %s", before.UTC().Format(time.RFC3339)), err)
	}
	return ids, nil
}

// DeleteRequests deletes the requests of ids that are still prunable, with
// everything that belongs to them.
func (t *Tx) DeleteRequests(ctx context.Context, ids []string, before time.Time) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	deleted, err := t.strings(ctx, `SELECT id FROM requests WHERE `+t.d.InList("id", "$3")+` AND `+t.prunableWhere()+` ORDER BY id`+t.d.ForUpdate,
		t.list(store.TerminalStatuses()), t.ts(before), t.list(ids))
	if err != nil {
		return nil, t.wrap("delete requests: re-check them", err)
	}
	if len(deleted) == 0 {
		return nil, nil
	}
	for _, table := range []string{"notifications", "slack_messages", "approvals", "request_approvers", "grants", "requests"} {
		col := "request_id"
		if table == "requests" {
			col = "id"
		}
		if _, err := t.c.Exec(ctx, `DELETE FROM `+table+` WHERE `+t.d.InList(col, "$1"), t.list(deleted)); err != nil {
			return nil, t.wrap(fmt.Sprintf("delete %d requests: %s", len(deleted), table), err)
		}
	}
	return deleted, nil
}
