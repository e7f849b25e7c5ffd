package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
)

// Prune deletes what is older than the retention: terminal requests, then
// session activity, then the start of the decision log. Each batch is one
// transaction that also appends an entry saying what it deleted; audit
// entries are deleted only in the transaction that stores their signed
// pruning checkpoint, so verify still starts from a trusted anchor.
func (l *AuditLog) Prune(ctx context.Context, o audit.PruneOptions) (audit.PruneReport, error) {
	rep := audit.PruneReport{DryRun: o.DryRun}
	if o.Requests < 0 || o.Activity < 0 || o.Audit < 0 {
		return rep, access.Errorf(access.CodeInvalid, "retention periods must not be negative (0 keeps forever)")
	}
	if o.Actor.UserName == "" && o.Actor.UserID == "" {
		o.Actor = access.SystemActor
	}
	now := l.clock.Now()
	if o.Requests > 0 {
		rep.RequestsBefore = access.NormalizeChainTime(now.Add(-o.Requests))
		if err := l.pruneRequests(ctx, o, &rep); err != nil {
			return rep, fmt.Errorf("prune requests updated before %s: %w", rep.RequestsBefore.Format(time.RFC3339), err)
		}
	}
	if o.Activity > 0 {
		rep.ActivityBefore = access.NormalizeChainTime(now.Add(-o.Activity))
		if err := l.pruneActivity(ctx, o, &rep); err != nil {
			return rep, fmt.Errorf("prune session activity before %s: %w", rep.ActivityBefore.Format(time.RFC3339), err)
		}
	}
	if o.Audit > 0 {
		rep.AuditBefore = access.NormalizeChainTime(now.Add(-o.Audit))
		if err := l.pruneAudit(ctx, o, &rep); err != nil {
			return rep, fmt.Errorf("prune audit entries before %s: %w", rep.AuditBefore.Format(time.RFC3339), err)
		}
	}
	if !o.DryRun && (rep.Requests > 0 || rep.Activity > 0 || rep.AuditEntries > 0) {
		l.log.InfoContext(ctx, "retention pruned", "requests", rep.Requests, "activity", rep.Activity,
			"audit_entries", rep.AuditEntries, "audit_first_seq", rep.AuditFirstSeq, "audit_last_seq", rep.AuditLastSeq)
	}
	return rep, nil
}

func (l *AuditLog) pruneRequests(ctx context.Context, o audit.PruneOptions, rep *audit.PruneReport) error {
	batch := o.Batch
	if batch <= 0 || batch > audit.MaxRequestIDs {
		batch = audit.MaxRequestIDs
	}
	if o.DryRun {
		return l.st.ReadTx(ctx, func(tx store.Tx) error {
			ids, err := tx.PrunableRequests(ctx, rep.RequestsBefore, 0)
			rep.Requests = len(ids)
			return err
		})
	}
	n, err := l.pruneBatches(ctx, func(tx store.Tx) (int64, error) {
		ids, err := tx.PrunableRequests(ctx, rep.RequestsBefore, batch)
		if err != nil || len(ids) == 0 {
			return 0, err
		}
		deleted, err := tx.DeleteRequests(ctx, ids, rep.RequestsBefore)
		if err != nil || len(deleted) == 0 {
			return 0, err
		}
		return int64(len(deleted)), tx.AppendEvent(ctx, audit.RequestsPrunedEvent(deleted, rep.RequestsBefore, o.Actor, l.clock.Now()))
	})
	rep.Requests += int(n)
	return err
}

// pruneBatches runs batch in one transaction after another until one
// deletes nothing, and returns how many records the committed ones deleted.
func (l *AuditLog) pruneBatches(ctx context.Context, batch func(tx store.Tx) (int64, error)) (int64, error) {
	var total int64
	for {
		var n int64
		err := l.st.InTx(ctx, func(tx store.Tx) (err error) {
			n, err = batch(tx)
			return err
		})
		if err != nil || n == 0 {
			return total, err
		}
		total += n
	}
}

// pruneActivity deletes the session activity of grants last fetched
// before the cutoff, batch by batch; a dry run counts it.
func (l *AuditLog) pruneActivity(ctx context.Context, o audit.PruneOptions, rep *audit.PruneReport) error {
	batch := o.Batch
	if batch <= 0 {
		batch = 10_000
	}
	if o.DryRun {
		return l.st.ReadTx(ctx, func(tx store.Tx) (err error) {
			if rep.Activity, err = tx.CountActivityBefore(ctx, rep.ActivityBefore); err != nil {
				return fmt.Errorf("count session activity to prune: %w", err)
			}
			return nil
		})
	}
	n, err := l.pruneBatches(ctx, func(tx store.Tx) (int64, error) {
		n, err := tx.DeleteActivityBefore(ctx, rep.ActivityBefore, batch)
		if err != nil {
			return 0, fmt.Errorf("delete session activity: %w", err)
		}
		if n == 0 {
			return 0, nil
		}
		return n, tx.AppendEvent(ctx, audit.ActivityPrunedEvent(n, rep.ActivityBefore, o.Actor, l.clock.Now()))
	})
	rep.Activity += n
	return err
}

// pruneAudit deletes the decision log's oldest entries, batch by batch.
// Each batch's transaction locks the chain, stores a signed pruning
// checkpoint that anchors the entries after it, appends EventAuditPruned,
// and only then deletes the entries.
func (l *AuditLog) pruneAudit(ctx context.Context, o audit.PruneOptions, rep *audit.PruneReport) error {
	batch := o.Batch
	if batch <= 0 {
		batch = 10_000
	}
	// The head when the pruning starts stays: the run's own audit.pruned
	// entries become the head as it goes, and must not make the old head
	// prunable (a dry run and a real run then agree).
	var stop int64
	err := l.st.ReadTx(ctx, func(tx store.Tx) error {
		head, _, err := tx.AuditHead(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		stop = head.Seq
		return err
	})
	if err != nil || stop == 0 {
		return err
	}
	for {
		var (
			c    access.Checkpoint
			pr   *audit.PruneRange
			done bool
		)
		run := l.st.InTx
		if o.DryRun {
			run = l.st.ReadTx
		}
		err := run(ctx, func(tx store.Tx) error {
			if !o.DryRun {
				if err := tx.LockAudit(ctx); err != nil {
					return err
				}
			}
			limit := batch
			if o.DryRun {
				limit = 0
			}
			var err error
			if pr, err = findPruneRange(ctx, tx, rep.AuditBefore, limit, stop); err != nil || pr.N == 0 {
				done = true
				return err
			}
			if o.DryRun {
				done = true
				return nil
			}
			c = pr.Checkpoint(l.clock.Now(), l.key)
			if err := tx.AddCheckpoint(ctx, &c); err != nil {
				return err
			}
			if err := tx.AppendEvent(ctx, pr.Event(c, o.Actor, l.clock.Now())); err != nil {
				return err
			}
			deleted, err := tx.DeleteAuditThrough(ctx, pr.Last)
			if err != nil {
				return err
			}
			if deleted != pr.N {
				return fmt.Errorf("deleting entries through %d removed %d entries, want %d: the log changed under the lock", pr.Last, deleted, pr.N)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if pr != nil && pr.N > 0 {
			if rep.AuditFirstSeq == 0 {
				rep.AuditFirstSeq = pr.First
			}
			rep.AuditLastSeq = pr.Last
			rep.AuditEntries += pr.N
			if !o.DryRun {
				rep.Checkpoints = append(rep.Checkpoints, audit.ToJSON(c))
			}
		}
		if done {
			return nil
		}
	}
}

// errRangeEnd stops the scan at the first entry to keep.
var errRangeEnd = errors.New("end of the range")

// findPruneRange finds the entries at the start of the log older than
// before: at most limit (0: all), all before entry stop (the head).
func findPruneRange(ctx context.Context, tx store.DecisionLog, before time.Time, limit int, stop int64) (*audit.PruneRange, error) {
	cps, err := tx.ListCheckpoints(ctx)
	if err != nil {
		return nil, err
	}
	pr, after := audit.NewPruneRange(cps, before, stop)
	err = tx.ScanAudit(ctx, after, limit, func(en access.AuditEntry) error {
		if err := malformed(en); err != nil {
			return err
		}
		if !pr.Add(en) {
			return errRangeEnd
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRangeEnd) {
		return pr, err
	}
	return pr, nil
}
