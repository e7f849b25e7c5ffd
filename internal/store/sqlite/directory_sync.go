package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// stageTable describes one kind of directory row: its table, its staging
// table, its key columns and its value columns.
type stageTable struct {
	kind, table, stage string
	keys, cols         []string
}

// stageTables are the directory's tables in access.DirectoryKinds order.
var stageTables = []stageTable{
	{"accounts", "accounts", "stage_accounts", []string{"id"}, []string{"name", "email", "state", "parent_id"}},
	{"ous", "ous", "stage_ous", []string{"id"}, []string{"name", "parent_id"}},
	{"permission_sets", "permission_sets", "stage_permission_sets", []string{"arn"}, []string{"name", "description", "session_duration_ns"}},
	{"users", "users", "stage_users", []string{"id"}, []string{"user_name", "display_name", "email", "active"}},
	{"groups", "groups", "stage_groups", []string{"id"}, []string{"name"}},
	{"memberships", "memberships", "stage_memberships", []string{"group_id", "user_id"}, nil},
}

// stageRows returns the batch's rows of each kind, as column values in
// stageTable order (keys, then values).
func stageRows(d access.Directory) map[string][][]any {
	rows := map[string][][]any{}
	for _, a := range d.Accounts {
		rows["accounts"] = append(rows["accounts"], []any{a.ID, a.Name, a.Email, a.State, a.ParentID})
	}
	for _, o := range d.OUs {
		rows["ous"] = append(rows["ous"], []any{o.ID, o.Name, o.ParentID})
	}
	for _, p := range d.PermissionSets {
		rows["permission_sets"] = append(rows["permission_sets"], []any{p.ARN, p.Name, p.Description, int64(p.SessionDuration)})
	}
	for _, u := range d.Users {
		rows["users"] = append(rows["users"], []any{u.ID, u.UserName, u.DisplayName, u.Email, boolArg(u.Active)})
	}
	for _, g := range d.Groups {
		rows["groups"] = append(rows["groups"], []any{g.ID, g.Name})
	}
	for _, m := range d.Memberships {
		rows["memberships"] = append(rows["memberships"], []any{m.GroupID, m.UserID})
	}
	return rows
}

// BeginDirectoryStage registers the run and discards stale runs.
func (t *tx) BeginDirectoryStage(ctx context.Context, runID string, startedAt, staleBefore time.Time) error {
	if runID == "" {
		return errors.New("sqlite: begin directory stage: the run id is empty")
	}
	stale, err := t.strings(ctx, `SELECT run_id FROM directory_stage_runs WHERE started_at < ?`, timeArg(staleBefore))
	if err != nil {
		return fmt.Errorf("sqlite: begin directory stage %s: find stale runs: %w", runID, err)
	}
	for _, old := range stale {
		if err := t.DropDirectoryStage(ctx, old); err != nil {
			return err
		}
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO directory_stage_runs (run_id, started_at) VALUES (?, ?)`, runID, timeArg(startedAt)); err != nil {
		return wrapWrite("begin directory stage "+runID, err)
	}
	return nil
}

// checkStageRun returns store.ErrNotFound unless the run is registered.
func (t *tx) checkStageRun(ctx context.Context, op, runID string) error {
	var one int
	err := t.tx.QueryRowContext(ctx, `SELECT 1 FROM directory_stage_runs WHERE run_id = ?`, runID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(op + ": no such sync run (it was discarded or never begun)")
	}
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return nil
}

// StageDirectory inserts the batch's rows into the staging tables, one
// prepared statement per kind.
func (t *tx) StageDirectory(ctx context.Context, runID string, batch access.Directory) error {
	op := "stage directory " + runID
	if err := t.checkStageRun(ctx, op, runID); err != nil {
		return err
	}
	rows := stageRows(batch)
	for _, st := range stageTables {
		if len(rows[st.kind]) == 0 {
			continue
		}
		cols := append(append([]string{"run_id"}, st.keys...), st.cols...)
		// The names are constants of stageTables: only values are parameters.
		q := `INSERT OR REPLACE INTO ` + st.stage + ` (` + strings.Join(cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(cols)-1) + `)` //nolint:gosec // G202: table and column names are constants of this package; values are bound parameters
		stmt, err := t.tx.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("sqlite: %s: prepare %s: %w", op, st.stage, err)
		}
		for _, r := range rows[st.kind] {
			if _, err := stmt.ExecContext(ctx, append([]any{runID}, r...)...); err != nil {
				stmt.Close()
				return wrapWrite(op+": insert into "+st.stage, err)
			}
		}
		stmt.Close()
	}
	return nil
}

// ApplyStagedDirectory upserts changed rows, deletes unseen ones, and drops
// the run.
func (t *tx) ApplyStagedDirectory(ctx context.Context, runID string, syncedAt time.Time) (access.DirectoryChanges, error) {
	op := "apply staged directory " + runID
	if err := t.checkStageRun(ctx, op, runID); err != nil {
		return nil, err
	}
	changes := access.DirectoryChanges{}
	for _, st := range stageTables {
		ch, err := t.applyStage(ctx, st, runID)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %s: %w", op, st.kind, err)
		}
		changes[st.kind] = ch
	}
	var synced sql.NullInt64
	err := t.tx.QueryRowContext(ctx, `SELECT synced_at FROM directory_sync WHERE id = 1`).Scan(&synced)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: %s: read sync time: %w", op, err)
	}
	if changes.Writes() > 0 || errors.Is(err, sql.ErrNoRows) {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO directory_sync (id, synced_at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET synced_at = excluded.synced_at`, timeArg(syncedAt)); err != nil {
			return nil, fmt.Errorf("sqlite: %s: record sync time: %w", op, err)
		}
	}
	if err := t.DropDirectoryStage(ctx, runID); err != nil {
		return nil, err
	}
	return changes, nil
}

// applyStage applies one kind: count, upsert what differs, delete what was
// not seen.
func (t *tx) applyStage(ctx context.Context, st stageTable, runID string) (access.DirectoryChange, error) {
	var ch access.DirectoryChange
	match := func(a, b string) string {
		conds := make([]string, len(st.keys))
		for i, k := range st.keys {
			conds[i] = a + "." + k + " = " + b + "." + k
		}
		return strings.Join(conds, " AND ")
	}
	if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM `+st.stage+` WHERE run_id = ?`, runID).Scan(&ch.Seen); err != nil {
		return ch, fmt.Errorf("count staged rows: %w", err)
	}
	if err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM `+st.stage+` s WHERE s.run_id = ?
		AND NOT EXISTS (SELECT 1 FROM `+st.table+` d WHERE `+match("d", "s")+`)`, runID).Scan(&ch.Inserted); err != nil {
		return ch, fmt.Errorf("count new rows: %w", err)
	}
	all := strings.Join(append(append([]string{}, st.keys...), st.cols...), ", ")
	q := `INSERT INTO ` + st.table + ` (` + all + `) SELECT ` + all + ` FROM ` + st.stage + ` WHERE run_id = ? ORDER BY ` + strings.Join(st.keys, ", ") //nolint:gosec // G202: table and column names are constants of this package; values are bound parameters
	if len(st.cols) == 0 {
		q += ` ON CONFLICT DO NOTHING`
	} else {
		sets := make([]string, len(st.cols))
		diffs := make([]string, len(st.cols))
		for i, c := range st.cols {
			sets[i] = c + " = excluded." + c
			diffs[i] = st.table + "." + c + " IS NOT excluded." + c
		}
		q += ` ON CONFLICT (` + strings.Join(st.keys, ", ") + `) DO UPDATE SET ` + strings.Join(sets, ", ") + ` WHERE ` + strings.Join(diffs, " OR ")
	}
	res, err := t.tx.ExecContext(ctx, q, runID)
	if err != nil {
		return ch, fmt.Errorf("upsert: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return ch, fmt.Errorf("upsert: rows affected: %w", err)
	}
	ch.Updated = int(n) - ch.Inserted
	//nolint:gosec // G202: table and column names are constants of this package; values are bound parameters
	res, err = t.tx.ExecContext(ctx, `DELETE FROM `+st.table+` WHERE NOT EXISTS
		(SELECT 1 FROM `+st.stage+` s WHERE s.run_id = ? AND `+match("s", st.table)+`)`, runID)
	if err != nil {
		return ch, fmt.Errorf("delete unseen rows: %w", err)
	}
	if n, err = res.RowsAffected(); err != nil {
		return ch, fmt.Errorf("delete unseen rows: rows affected: %w", err)
	}
	ch.Deleted = int(n)
	return ch, nil
}

// DropDirectoryStage deletes the run and its staging rows.
func (t *tx) DropDirectoryStage(ctx context.Context, runID string) error {
	for _, st := range stageTables {
		if _, err := t.tx.ExecContext(ctx, `DELETE FROM `+st.stage+` WHERE run_id = ?`, runID); err != nil { //nolint:gosec // G202: table and column names are constants of this package; values are bound parameters
			return fmt.Errorf("sqlite: drop directory stage %s: %s: %w", runID, st.stage, err)
		}
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM directory_stage_runs WHERE run_id = ?`, runID); err != nil {
		return fmt.Errorf("sqlite: drop directory stage %s: %w", runID, err)
	}
	return nil
}
