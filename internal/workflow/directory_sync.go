package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// DirectoryStreamer reads the directory a page at a time; *aws.Provider
// satisfies it. A DirectorySource that is not a DirectoryStreamer is read
// whole and staged as one page.
type DirectoryStreamer interface {
	StreamDirectory(ctx context.Context, emit func(context.Context, access.Directory) error) error
}

// Directory sync tuning.
const (
	// syncBatchRows is how many rows the sync stages per transaction: large
	// enough to amortize a commit, small enough that a SQLite writer is
	// never held for long.
	syncBatchRows = 1000
	// syncStaleAfter is when the staging rows of a run that died are
	// discarded by the next run: longer than a sync job may run (1 h).
	syncStaleAfter = 2 * time.Hour
)

// SyncReport is what a directory sync saw and did.
type SyncReport struct {
	RunID     string
	StartedAt time.Time
	EndedAt   time.Time
	// Changes per kind (access.DirectoryKinds): rows seen, inserted,
	// updated, deleted.
	Changes access.DirectoryChanges
}

// SyncDirectory reads the directory from AWS and stores it: the pages are
// staged in batches of syncBatchRows rows as they arrive, and only when the
// whole pass succeeded are they compared with the stored directory in one
// transaction that writes the rows that changed and deletes the rows not
// seen. A failed sync discards its staging rows, leaves the directory as
// it was, and records its error in the run status.
func (s *Service) SyncDirectory(ctx context.Context) (SyncReport, error) {
	if s.dir == nil {
		return SyncReport{}, errors.New("sync directory: no directory source configured")
	}
	// One sync at a time per process (the periodic job, an on-demand one,
	// the first at start), so that they never add up above the rates.
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	rep := SyncReport{RunID: newID("dsr_"), StartedAt: s.clock.Now()}
	start := time.Now()
	changes, err := s.syncDirectory(ctx, rep.RunID, rep.StartedAt)
	rep.EndedAt = s.clock.Now()
	rep.Changes = changes
	if err != nil {
		err = fmt.Errorf("sync directory: %w", err)
		// The run's own context may be the cause: record with a fresh one.
		rctx := context.WithoutCancel(ctx)
		if derr := s.store.InTx(rctx, func(tx store.Tx) error { return tx.DropDirectoryStage(rctx, rep.RunID) }); derr != nil {
			s.log.WarnContext(ctx, "directory sync: could not discard the staged rows; the next sync will", "run_id", rep.RunID, "error", derr)
		}
		s.log.ErrorContext(ctx, "directory sync failed; the stored directory is unchanged", "run_id", rep.RunID, "error", err)
		return rep, errors.Join(err, s.recordRun(rctx, access.RunDirectorySync, rep.StartedAt, rep.EndedAt, syncCounts(changes), err))
	}
	if err := s.recordRun(ctx, access.RunDirectorySync, rep.StartedAt, rep.EndedAt, syncCounts(changes), nil); err != nil {
		return rep, err
	}
	args := []any{"run_id", rep.RunID, "writes", changes.Writes(), "took_ms", time.Since(start).Milliseconds()}
	for _, k := range access.DirectoryKinds {
		args = append(args, k, changes[k].Seen)
	}
	s.log.InfoContext(ctx, "directory synced", args...)
	s.afterSync(ctx) // close the requests of disabled users (user_disabled.go)
	return rep, nil
}

// syncDirectory stages the directory in batches and applies it.
func (s *Service) syncDirectory(ctx context.Context, runID string, startedAt time.Time) (access.DirectoryChanges, error) {
	if err := s.store.InTx(ctx, func(tx store.Tx) error {
		return tx.BeginDirectoryStage(ctx, runID, startedAt, startedAt.Add(-syncStaleAfter))
	}); err != nil {
		return nil, fmt.Errorf("begin staging run %s: %w", runID, err)
	}
	// A permission set AWS refuses to describe comes without a name: keep
	// the name a previous sync read, so that messages can still name it.
	var known []access.PermissionSet
	if err := s.store.ReadTx(ctx, func(tx store.Tx) (err error) {
		known, err = tx.ListPermissionSets(ctx)
		return err
	}); err != nil {
		return nil, fmt.Errorf("read the stored permission sets: %w", err)
	}
	names := make(map[string]string, len(known))
	for _, p := range known {
		names[p.ARN] = p.Name
	}
	var (
		buf  access.Directory
		rows int
	)
	flush := func(ctx context.Context) error {
		if rows == 0 {
			return nil
		}
		if err := s.store.InTx(ctx, func(tx store.Tx) error { return tx.StageDirectory(ctx, runID, buf) }); err != nil {
			return fmt.Errorf("stage %d rows: %w", rows, err)
		}
		buf, rows = access.Directory{}, 0
		return nil
	}
	emit := func(ctx context.Context, page access.Directory) error {
		buf.Accounts = append(buf.Accounts, page.Accounts...)
		buf.OUs = append(buf.OUs, page.OUs...)
		for _, p := range page.PermissionSets {
			if p.Name == "" {
				p.Name = names[p.ARN]
			}
			buf.PermissionSets = append(buf.PermissionSets, p)
		}
		buf.Users = append(buf.Users, page.Users...)
		buf.Groups = append(buf.Groups, page.Groups...)
		buf.Memberships = append(buf.Memberships, page.Memberships...)
		rows += len(page.Accounts) + len(page.OUs) + len(page.PermissionSets) + len(page.Users) + len(page.Groups) + len(page.Memberships)
		if rows >= syncBatchRows {
			return flush(ctx)
		}
		return nil
	}
	var err error
	if st, ok := s.dir.(DirectoryStreamer); ok {
		err = st.StreamDirectory(ctx, emit)
	} else {
		var d access.Directory
		if d, err = s.dir.FetchDirectory(ctx); err == nil {
			err = emit(ctx, d)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if err := flush(ctx); err != nil {
		return nil, err
	}
	var changes access.DirectoryChanges
	if err := s.store.InTx(ctx, func(tx store.Tx) (err error) {
		changes, err = tx.ApplyStagedDirectory(ctx, runID, s.clock.Now())
		return err
	}); err != nil {
		return nil, fmt.Errorf("apply: %w", err)
	}
	return changes, nil
}

// syncCounts flattens the changes for the run status: "users" is how many
// the sync saw, "users_inserted", "users_updated", "users_deleted" what it
// wrote, "writes" the total written.
func syncCounts(ch access.DirectoryChanges) map[string]int {
	if ch == nil {
		return nil
	}
	out := map[string]int{"writes": ch.Writes()}
	for _, k := range access.DirectoryKinds {
		c := ch[k]
		out[k] = c.Seen
		out[k+"_inserted"] = c.Inserted
		out[k+"_updated"] = c.Updated
		out[k+"_deleted"] = c.Deleted
	}
	return out
}
