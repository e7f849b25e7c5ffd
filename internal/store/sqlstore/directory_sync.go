package sqlstore

import (
	"context"
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
	{"accounts", "accounts", "stage_accounts", []string{"id"}, []string{"name", "email", "state", "parent_id", "limit_reason"}},
	{"ous", "ous", "stage_ous", []string{"id"}, []string{"name", "parent_id"}},
	{"permission_sets", "permission_sets", "stage_permission_sets", []string{"arn"}, []string{"name", "description", "session_duration_ns", "limit_reason"}},
	{"users", "users", "stage_users", []string{"id"}, []string{"user_name", "display_name", "email", "active", "attributes"}},
	{"groups", "groups", "stage_groups", []string{"id"}, []string{"name"}},
	{"memberships", "memberships", "stage_memberships", []string{"group_id", "user_id"}, nil},
}

// stageRows returns the batch's rows of each kind, as column values in
// stageTable order (keys, then values).
func stageRows(d access.Directory) map[string][][]any {
	rows := map[string][][]any{}
	for _, a := range d.Accounts {
		rows["accounts"] = append(rows["accounts"], []any{a.ID, a.Name, a.Email, a.State, a.ParentID, a.Limit})
	}
	for _, o := range d.OUs {
		rows["ous"] = append(rows["ous"], []any{o.ID, o.Name, o.ParentID})
	}
	for _, p := range d.PermissionSets {
		rows["permission_sets"] = append(rows["permission_sets"], []any{p.ARN, p.Name, p.Description, int64(p.SessionDuration), p.Limit})
	}
	for _, u := range d.Users {
		rows["users"] = append(rows["users"], []any{u.ID, u.UserName, u.DisplayName, u.Email, u.Active, encodeAttributes(u.Attributes)})
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
func (t *Tx) BeginDirectoryStage(ctx context.Context, runID string, startedAt, staleBefore time.Time) error {
	if runID == "" {
		return t.errorf("begin directory stage: the run id is empty")
	}
	stale, err := t.strings(ctx, `SELECT run_id FROM directory_stage_runs WHERE started_at < $1`, t.ts(staleBefore))
	if err != nil {
		return t.wrap("begin directory stage "+runID+": find stale runs", err)
	}
	for _, old := range stale {
		if err := t.DropDirectoryStage(ctx, old); err != nil {
			return err
		}
	}
	if _, err := t.c.Exec(ctx, `INSERT INTO directory_stage_runs (run_id, started_at) VALUES ($1, $2)`, runID, t.ts(startedAt)); err != nil {
		return t.wrap("begin directory stage "+runID, err)
	}
	return nil
}

// checkStageRun returns store.ErrNotFound unless the run is registered.
func (t *Tx) checkStageRun(ctx context.Context, op, runID string) error {
	var one int
	err := t.c.QueryRow(ctx, `SELECT 1 FROM directory_stage_runs WHERE run_id = $1`, runID).Scan(&one)
	if isNoRows(err) {
		return t.notFound(op + ": no such sync run (it was discarded or never begun)")
	}
	if err != nil {
		return t.wrap(op, err)
	}
	return nil
}

// StageDirectory inserts the batch's rows into the staging tables, one batch
// of statements per kind; a row staged again replaces the first.
func (t *Tx) StageDirectory(ctx context.Context, runID string, batch access.Directory) error {
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
		params := make([]string, len(cols))
		for i := range cols {
			params[i] = fmt.Sprintf("$%d", i+1)
		}
		conflict := ` ON CONFLICT DO NOTHING`
		if len(st.cols) > 0 {
			sets := make([]string, len(st.cols))
			for i, c := range st.cols {
				sets[i] = c + " = excluded." + c
			}
			conflict = ` ON CONFLICT (run_id, ` + strings.Join(st.keys, ", ") + `) DO UPDATE SET ` + strings.Join(sets, ", ")
		}
		// The names are constants of stageTables: only values are parameters.
		q := `INSERT INTO ` + st.stage + ` (` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(params, ", ") + `)` + conflict
		args := make([][]any, len(rows[st.kind]))
		for i, r := range rows[st.kind] {
			args[i] = append([]any{runID}, r...)
		}
		if err := t.c.ExecBatch(ctx, q, args); err != nil {
			return t.wrap(op+": insert into "+st.stage, err)
		}
	}
	return nil
}

// ApplyStagedDirectory upserts changed rows, deletes unseen ones, and drops
// the run. Directory writers are serialized by the directory lock.
func (t *Tx) ApplyStagedDirectory(ctx context.Context, runID string, syncedAt time.Time) (access.DirectoryChanges, error) {
	op := "apply staged directory " + runID
	if err := t.lockDirectory(ctx); err != nil {
		return nil, t.wrap(op+": lock", err)
	}
	if err := t.checkStageRun(ctx, op, runID); err != nil {
		return nil, err
	}
	changes := access.DirectoryChanges{}
	for _, st := range stageTables {
		ch, err := t.applyStage(ctx, st, runID)
		if err != nil {
			return nil, t.wrap(op+": "+st.kind, err)
		}
		changes[st.kind] = ch
	}
	var synced int
	if err := t.c.QueryRow(ctx, `SELECT count(*) FROM directory_sync`).Scan(&synced); err != nil {
		return nil, t.wrap(op+": read sync time", err)
	}
	if changes.Writes() > 0 || synced == 0 {
		if _, err := t.c.Exec(ctx, `INSERT INTO directory_sync (id, synced_at) VALUES (1, $1)
			ON CONFLICT (id) DO UPDATE SET synced_at = excluded.synced_at`, t.ts(syncedAt)); err != nil {
			return nil, t.wrap(op+": record sync time", err)
		}
	}
	if err := t.DropDirectoryStage(ctx, runID); err != nil {
		return nil, err
	}
	return changes, nil
}

// applyStage applies one kind: count, upsert what differs, delete what was
// not seen.
func (t *Tx) applyStage(ctx context.Context, st stageTable, runID string) (access.DirectoryChange, error) {
	var ch access.DirectoryChange
	match := func(a, b string) string {
		conds := make([]string, len(st.keys))
		for i, k := range st.keys {
			conds[i] = a + "." + k + " = " + b + "." + k
		}
		return strings.Join(conds, " AND ")
	}
	if err := t.c.QueryRow(ctx, `SELECT count(*) FROM `+st.stage+` WHERE run_id = $1`, runID).Scan(&ch.Seen); err != nil {
		return ch, fmt.Errorf("count staged rows: %w", err)
	}
	if err := t.c.QueryRow(ctx, `SELECT count(*) FROM `+st.stage+` s WHERE s.run_id = $1
		AND NOT EXISTS (SELECT 1 FROM `+st.table+` d WHERE `+match("d", "s")+`)`, runID).Scan(&ch.Inserted); err != nil {
		return ch, fmt.Errorf("count new rows: %w", err)
	}
	all := strings.Join(append(append([]string{}, st.keys...), st.cols...), ", ")
	q := `INSERT INTO ` + st.table + ` (` + all + `) SELECT ` + all + ` FROM ` + st.stage + ` WHERE run_id = $1 ORDER BY ` + strings.Join(st.keys, ", ")
	if len(st.cols) == 0 {
		q += ` ON CONFLICT DO NOTHING`
	} else {
		sets := make([]string, len(st.cols))
		diffs := make([]string, len(st.cols))
		for i, c := range st.cols {
			sets[i] = c + " = excluded." + c
			diffs[i] = st.table + "." + c + " IS DISTINCT FROM excluded." + c
		}
		q += ` ON CONFLICT (` + strings.Join(st.keys, ", ") + `) DO UPDATE SET ` + strings.Join(sets, ", ") + ` WHERE ` + strings.Join(diffs, " OR ")
	}
	n, err := t.c.Exec(ctx, q, runID)
	if err != nil {
		return ch, fmt.Errorf("upsert: %w", err)
	}
	ch.Updated = int(n) - ch.Inserted
	n, err = t.c.Exec(ctx, `DELETE FROM `+st.table+` WHERE NOT EXISTS
		(SELECT 1 FROM `+st.stage+` s WHERE s.run_id = $1 AND `+match("s", st.table)+`)`, runID)
	if err != nil {
		return ch, fmt.Errorf("delete unseen rows: %w", err)
	}
	ch.Deleted = int(n)
	return ch, nil
}

// DropDirectoryStage deletes the run and its staging rows.
func (t *Tx) DropDirectoryStage(ctx context.Context, runID string) error {
	for _, st := range stageTables {
		if _, err := t.c.Exec(ctx, `DELETE FROM `+st.stage+` WHERE run_id = $1`, runID); err != nil {
			return t.wrap("drop directory stage "+runID+": "+st.stage, err)
		}
	}
	if _, err := t.c.Exec(ctx, `DELETE FROM directory_stage_runs WHERE run_id = $1`, runID); err != nil {
		return t.wrap("drop directory stage "+runID, err)
	}
	return nil
}
