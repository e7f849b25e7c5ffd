package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/store"
)

// LockAudit takes the advisory lock that AppendEvent takes, so that a
// pruning and the appenders see one head and one last pruning checkpoint.
func (t *tx) LockAudit(ctx context.Context) error {
	if _, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLockKey); err != nil {
		return wrap("lock the audit chain", err)
	}
	return nil
}

// DeleteAuditThrough deletes the entries with seq <= seq.
func (t *tx) DeleteAuditThrough(ctx context.Context, seq int64) (int64, error) {
	tag, err := t.tx.Exec(ctx, `DELETE FROM events WHERE seq <= $1`, seq)
	if err != nil {
		return 0, wrap(fmt.Sprintf("delete audit entries through %d", seq), err)
	}
	return tag.RowsAffected(), nil
}

// prunableWhere selects the requests retention may delete; $1 is the
// array of terminal statuses, $2 the cutoff.
const prunableWhere = `status = ANY($1::text[])
	AND NOT revocation_failed AND updated_at IS NOT NULL AND updated_at < $2
	AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.request_id = requests.id AND (g.status IN ('active', 'revoking') OR (g.status = 'pending' AND g.origin = 'created')))`

// PrunableRequests returns the requests retention may delete, least
// recently updated first.
func (t *tx) PrunableRequests(ctx context.Context, before time.Time, limit int) ([]string, error) {
	q := `SELECT id FROM requests WHERE ` + prunableWhere + ` ORDER BY updated_at, id`
	args := []any{store.TerminalStatuses(), timeArg(before)}
	if limit > 0 {
		q += ` LIMIT $3`
		args = append(args, limit)
	}
	ids, err := t.strings(ctx, q, args...)
	if err != nil {
		return nil, wrap(fmt.Sprintf("find prunable requests updated before %s", before.UTC().Format(time.RFC3339)), err)
	}
	return ids, nil
}

// DeleteRequests deletes the requests of ids that are still prunable, with
// everything that belongs to them.
func (t *tx) DeleteRequests(ctx context.Context, ids []string, before time.Time) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	deleted, err := t.strings(ctx, `SELECT id FROM requests WHERE id = ANY($3::text[]) AND `+prunableWhere+` ORDER BY id FOR UPDATE`,
		store.TerminalStatuses(), timeArg(before), ids)
	if err != nil {
		return nil, wrap("delete requests: re-check them", err)
	}
	if len(deleted) == 0 {
		return nil, nil
	}
	for _, table := range []string{"notifications", "slack_messages", "approvals", "request_approvers", "grants", "requests"} {
		col := "request_id"
		if table == "requests" {
			col = "id"
		}
		if _, err := t.tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+col+` = ANY($1::text[])`, deleted); err != nil {
			return nil, wrap(fmt.Sprintf("delete %d requests: %s", len(deleted), table), err)
		}
	}
	return deleted, nil
}
