package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/store"
)

// LockAudit is a no-op: SQLite's single writer (BEGIN IMMEDIATE) already
// serializes every transaction that appends to or prunes the log.
func (t *tx) LockAudit(context.Context) error { return nil }

// DeleteAuditThrough deletes the entries with seq <= seq.
func (t *tx) DeleteAuditThrough(ctx context.Context, seq int64) (int64, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM events WHERE seq <= ?`, seq)
	if err != nil {
		return 0, wrapWrite(fmt.Sprintf("delete audit entries through %d", seq), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete audit entries through %d: %w", seq, err)
	}
	return n, nil
}

// prunableWhere selects the requests retention may delete; ?1 is the JSON
// array of terminal statuses, ?2 the cutoff (Unix microseconds).
const prunableWhere = `status IN (SELECT value FROM json_each(?1))
	AND revocation_failed = 0 AND updated_at IS NOT NULL AND updated_at < ?2
	AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.request_id = requests.id AND (g.status IN ('active', 'revoking') OR (g.status = 'pending' AND g.origin = 'created')))`

// PrunableRequests returns the requests retention may delete, least
// recently updated first.
func (t *tx) PrunableRequests(ctx context.Context, before time.Time, limit int) ([]string, error) {
	statuses, err := jsonArray(store.TerminalStatuses())
	if err != nil {
		return nil, fmt.Errorf("sqlite: find prunable requests: %w", err)
	}
	q := `SELECT id FROM requests WHERE ` + prunableWhere + ` ORDER BY updated_at, id`
	args := []any{statuses, before.UnixMicro()}
	if limit > 0 {
		q += ` LIMIT ?3`
		args = append(args, limit)
	}
	var ids []string
	err = t.each(ctx, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	}, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find prunable requests updated before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	return ids, nil
}

// DeleteRequests deletes the requests of ids that are still prunable, with
// everything that belongs to them.
func (t *tx) DeleteRequests(ctx context.Context, ids []string, before time.Time) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	statuses, err := jsonArray(store.TerminalStatuses())
	if err != nil {
		return nil, fmt.Errorf("sqlite: delete requests: %w", err)
	}
	list, err := jsonArray(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: delete requests: %w", err)
	}
	var deleted []string
	err = t.each(ctx, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		deleted = append(deleted, id)
		return nil
	}, `SELECT id FROM requests WHERE id IN (SELECT value FROM json_each(?3)) AND `+prunableWhere+` ORDER BY id`,
		statuses, before.UnixMicro(), list)
	if err != nil {
		return nil, fmt.Errorf("sqlite: delete requests: re-check them: %w", err)
	}
	if len(deleted) == 0 {
		return nil, nil
	}
	if list, err = jsonArray(deleted); err != nil {
		return nil, fmt.Errorf("sqlite: delete requests: %w", err)
	}
	for _, table := range []string{"notifications", "slack_messages", "approvals", "request_approvers", "grants", "requests"} {
		col := "request_id"
		if table == "requests" {
			col = "id"
		}
		if _, err := t.tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+col+` IN (SELECT value FROM json_each(?))`, list); err != nil { //nolint:gosec // G202: table and column names are constants of this package; values are bound parameters
			return nil, wrapWrite(fmt.Sprintf("delete %d requests: %s", len(deleted), table), err)
		}
	}
	return deleted, nil
}
