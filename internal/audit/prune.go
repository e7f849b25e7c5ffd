package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// Decision-log entries that retention writes.
const (
	// EventAuditPruned: entries first_seq to last_seq were deleted; the
	// pruning checkpoint checkpoint_id is their anchor.
	EventAuditPruned access.EventType = "audit.pruned"
	// EventRequestsPruned: the requests request_ids were deleted with their
	// grants, approvals and notifications.
	EventRequestsPruned access.EventType = "retention.requests_pruned"
	// EventActivityPruned: count session activity records older than
	// before were deleted.
	EventActivityPruned access.EventType = "retention.activity_pruned"
)

// Retention says how long records are kept; zero keeps them forever.
type Retention struct {
	// Requests: terminal requests (with their grants, approvals,
	// notifications), counted from their last update.
	Requests time.Duration
	// Activity: session activity, counted from when it was fetched.
	Activity time.Duration
	// Audit: decision-log entries, counted from their time. Entries are
	// pruned only from the start of the log, up to the first one that is
	// still young enough, and never the last one.
	Audit time.Duration
}

// Enabled reports whether anything is ever pruned.
func (r Retention) Enabled() bool { return r.Requests > 0 || r.Activity > 0 || r.Audit > 0 }

// PruneOptions tune Prune.
type PruneOptions struct {
	Retention
	// DryRun counts what would be pruned and deletes nothing.
	DryRun bool
	// Batch is how many requests, or audit entries, one transaction
	// deletes. Default 100 requests and 10,000 entries.
	Batch int
	// Actor is who prunes (the CLI's operator, or the system job).
	// Default: the system.
	Actor access.Actor
}

// PruneReport says what Prune deleted (or would delete, in a dry run).
type PruneReport struct {
	DryRun bool `json:"dry_run"`
	// Requests deleted, and the cutoff of their last update.
	Requests       int       `json:"requests"`
	RequestsBefore time.Time `json:"requests_before,omitzero"`
	// Activity records deleted (0 while session activity is not stored).
	Activity       int64     `json:"activity"`
	ActivityBefore time.Time `json:"activity_before,omitzero"`
	// AuditEntries deleted, the range they covered, and the cutoff.
	AuditEntries  int64     `json:"audit_entries"`
	AuditFirstSeq int64     `json:"audit_first_seq,omitempty"`
	AuditLastSeq  int64     `json:"audit_last_seq,omitempty"`
	AuditBefore   time.Time `json:"audit_before,omitzero"`
	// Checkpoints are the pruning checkpoints written, one per batch.
	Checkpoints []CheckpointJSON `json:"checkpoints,omitempty"`
}

// ActivityPruner deletes session activity older than before in tx, at most
// limit records, and returns how many it deleted (or, with dryRun, would
// delete). Session activity plugs in here with
// Service.WithActivityPruner; without one, retention.activity prunes nothing.
type ActivityPruner func(ctx context.Context, tx store.Tx, before time.Time, limit int, dryRun bool) (int64, error)

// WithActivityPruner sets how session activity is pruned.
func (s *Service) WithActivityPruner(p ActivityPruner) *Service {
	s.activity = p
	return s
}

// SetClock replaces the service's clock (tests, the demo).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// maxRequestIDs bounds the request ids listed in one EventRequestsPruned.
const maxRequestIDs = 100

// Prune deletes what is older than the retention: terminal requests, then
// session activity, then the start of the decision log. Each batch is one
// transaction that also appends an entry saying what it deleted; audit
// entries are deleted only in the transaction that stores their signed
// pruning checkpoint, so verify still starts from a trusted anchor.
func (s *Service) Prune(ctx context.Context, o PruneOptions) (PruneReport, error) {
	rep := PruneReport{DryRun: o.DryRun}
	if o.Requests < 0 || o.Activity < 0 || o.Audit < 0 {
		return rep, access.Errorf(access.CodeInvalid, "retention periods must not be negative (0 keeps forever)")
	}
	if o.Actor.UserName == "" && o.Actor.UserID == "" {
		o.Actor = access.SystemActor
	}
	now := s.now()
	if o.Requests > 0 {
		rep.RequestsBefore = access.NormalizeChainTime(now.Add(-o.Requests))
		if err := s.pruneRequests(ctx, o, &rep); err != nil {
			return rep, fmt.Errorf("prune requests updated before %s: %w", rep.RequestsBefore.Format(time.RFC3339), err)
		}
	}
	if o.Activity > 0 && s.activity != nil {
		rep.ActivityBefore = access.NormalizeChainTime(now.Add(-o.Activity))
		if err := s.pruneActivity(ctx, o, &rep); err != nil {
			return rep, fmt.Errorf("prune session activity before %s: %w", rep.ActivityBefore.Format(time.RFC3339), err)
		}
	}
	if o.Audit > 0 {
		rep.AuditBefore = access.NormalizeChainTime(now.Add(-o.Audit))
		if err := s.pruneAudit(ctx, o, &rep); err != nil {
			return rep, fmt.Errorf("prune audit entries before %s: %w", rep.AuditBefore.Format(time.RFC3339), err)
		}
	}
	if !o.DryRun && (rep.Requests > 0 || rep.Activity > 0 || rep.AuditEntries > 0) {
		s.log.InfoContext(ctx, "retention pruned", "requests", rep.Requests, "activity", rep.Activity,
			"audit_entries", rep.AuditEntries, "audit_first_seq", rep.AuditFirstSeq, "audit_last_seq", rep.AuditLastSeq)
	}
	return rep, nil
}

func (s *Service) pruneRequests(ctx context.Context, o PruneOptions, rep *PruneReport) error {
	batch := o.Batch
	if batch <= 0 || batch > maxRequestIDs {
		batch = maxRequestIDs
	}
	if o.DryRun {
		return s.st.ReadTx(ctx, func(tx store.Tx) error {
			ids, err := tx.PrunableRequests(ctx, rep.RequestsBefore, 0)
			rep.Requests = len(ids)
			return err
		})
	}
	for {
		var n int
		err := s.st.InTx(ctx, func(tx store.Tx) error {
			ids, err := tx.PrunableRequests(ctx, rep.RequestsBefore, batch)
			if err != nil || len(ids) == 0 {
				return err
			}
			deleted, err := tx.DeleteRequests(ctx, ids, rep.RequestsBefore)
			if err != nil || len(deleted) == 0 {
				return err
			}
			n = len(deleted)
			return tx.AppendEvent(ctx, access.Event{Type: EventRequestsPruned, At: s.now(), Actor: o.Actor, Details: map[string]string{
				"count":          strconv.Itoa(n),
				"updated_before": rep.RequestsBefore.Format(time.RFC3339Nano),
				"request_ids":    strings.Join(deleted, ","),
			}})
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		rep.Requests += n
	}
}

func (s *Service) pruneActivity(ctx context.Context, o PruneOptions, rep *PruneReport) error {
	batch := o.Batch
	if batch <= 0 {
		batch = 10_000
	}
	if o.DryRun {
		return s.st.ReadTx(ctx, func(tx store.Tx) (err error) {
			rep.Activity, err = s.activity(ctx, tx, rep.ActivityBefore, 0, true)
			return err
		})
	}
	for {
		var n int64
		err := s.st.InTx(ctx, func(tx store.Tx) (err error) {
			if n, err = s.activity(ctx, tx, rep.ActivityBefore, batch, false); err != nil || n == 0 {
				return err
			}
			return tx.AppendEvent(ctx, access.Event{Type: EventActivityPruned, At: s.now(), Actor: o.Actor, Details: map[string]string{
				"count": strconv.FormatInt(n, 10), "before": rep.ActivityBefore.Format(time.RFC3339Nano)}})
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		rep.Activity += n
	}
}

// pruneAudit deletes the decision log's oldest entries, batch by batch.
// Each batch's transaction locks the chain, stores a signed pruning
// checkpoint that anchors the entries after it, appends EventAuditPruned,
// and only then deletes the entries.
func (s *Service) pruneAudit(ctx context.Context, o PruneOptions, rep *PruneReport) error {
	batch := o.Batch
	if batch <= 0 {
		batch = 10_000
	}
	// The head when the pruning starts stays: the run's own audit.pruned
	// entries become the head as it goes, and must not make the old head
	// prunable (a dry run and a real run then agree).
	var stop int64
	err := s.st.ReadTx(ctx, func(tx store.Tx) error {
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
			pr   pruneRange
			done bool
		)
		run := s.st.InTx
		if o.DryRun {
			run = s.st.ReadTx
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
			if pr, err = findPruneRange(ctx, tx, rep.AuditBefore, limit, stop); err != nil || pr.n == 0 {
				done = true
				return err
			}
			if o.DryRun {
				done = true
				return nil
			}
			c = access.Checkpoint{Seq: pr.last, Hash: pr.hash, Count: pr.prevCount + pr.n, FirstSeq: pr.first, At: s.now(), Kind: KindPrune}
			Sign(&c, s.key)
			if err := tx.AddCheckpoint(ctx, &c); err != nil {
				return err
			}
			if err := tx.AppendEvent(ctx, access.Event{Type: EventAuditPruned, At: s.now(), Actor: o.Actor, Details: map[string]string{
				"first_seq":     strconv.FormatInt(pr.first, 10),
				"last_seq":      strconv.FormatInt(pr.last, 10),
				"count":         strconv.FormatInt(pr.n, 10),
				"anchor_hash":   hex.EncodeToString(pr.hash),
				"checkpoint_id": strconv.FormatInt(c.ID, 10),
				"before":        rep.AuditBefore.Format(time.RFC3339Nano),
			}}); err != nil {
				return err
			}
			deleted, err := tx.DeleteAuditThrough(ctx, pr.last)
			if err != nil {
				return err
			}
			if deleted != pr.n {
				return fmt.Errorf("deleting entries through %d removed %d entries, want %d: the log changed under the lock", pr.last, deleted, pr.n)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if pr.n > 0 {
			if rep.AuditFirstSeq == 0 {
				rep.AuditFirstSeq = pr.first
			}
			rep.AuditLastSeq = pr.last
			rep.AuditEntries += pr.n
			if !o.DryRun {
				rep.Checkpoints = append(rep.Checkpoints, ToJSON(c))
			}
		}
		if done {
			return nil
		}
	}
}

// pruneRange is the next range of entries to prune: first to last (n
// entries), the hash of last (the new anchor), and the count the previous
// pruning checkpoint ended at.
type pruneRange struct {
	first, last, n, prevCount int64
	hash                      []byte
}

// errRangeEnd stops the scan at the first entry to keep.
var errRangeEnd = errors.New("end of the range")

// findPruneRange finds the entries at the start of the log older than
// before: at most limit (0: all), all before entry stop (the head).
func findPruneRange(ctx context.Context, tx store.Tx, before time.Time, limit int, stop int64) (pruneRange, error) {
	var pr pruneRange
	cps, err := tx.ListCheckpoints(ctx)
	if err != nil {
		return pr, err
	}
	var after int64
	pr.first = 1
	if p := lastPrune(cps); p != nil {
		after, pr.first, pr.prevCount = p.Seq, p.Seq+1, p.Count
	}
	err = tx.ScanAudit(ctx, after, limit, func(en access.AuditEntry) error {
		if en.Seq >= stop || en.Hash == nil || !en.Event.At.Before(before) {
			return errRangeEnd
		}
		pr.last, pr.hash = en.Seq, en.Hash
		pr.n++
		return nil
	})
	if err != nil && !errors.Is(err, errRangeEnd) {
		return pr, err
	}
	return pr, nil
}
