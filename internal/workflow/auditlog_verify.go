package workflow

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
)

// Verify checks the log and its checkpoints (plus external ones) with the
// configured keys.
func (l *AuditLog) Verify(ctx context.Context, external []access.Checkpoint) (audit.Report, error) {
	return VerifyAuditLog(ctx, l.st, audit.VerifyOptions{Trusted: l.trusted, External: external})
}

// VerifyAs is Verify for an auditor or admin.
func (l *AuditLog) VerifyAs(ctx context.Context, actor access.Actor) (audit.Report, error) {
	if err := mayAudit(actor); err != nil {
		return audit.Report{}, err
	}
	return l.Verify(ctx, nil)
}

// errStopVerify ends a scan at the first problem.
var errStopVerify = errors.New("stop")

// VerifyAuditLog checks the whole decision log in st with an
// audit.Verifier: one read transaction feeds it the stored checkpoints and
// every entry up to the first problem. Entries are hashed by
// opts.Workers goroutines (default one per CPU) in batches while the read
// goes on; the Verifier checks them in seq order. A chain problem takes a
// second read of the whole log, to tell a reordered entry from an edited
// or deleted one. The error is for failures to read the log, not for a bad
// log; with an error the report is empty.
func VerifyAuditLog(ctx context.Context, st store.Store, opts audit.VerifyOptions) (audit.Report, error) {
	var v *audit.Verifier
	err := st.ReadTx(ctx, func(tx store.Tx) error {
		stored, err := tx.ListCheckpoints(ctx)
		if err != nil {
			return err
		}
		if v = audit.NewVerifier(stored, opts); v.Done() {
			return nil
		}
		workers := opts.Workers
		if workers <= 0 {
			workers = runtime.GOMAXPROCS(0)
		}
		if workers == 1 {
			return tx.ScanAudit(ctx, 0, 0, func(en access.AuditEntry) error {
				if v.Add(en) != nil {
					return errStopVerify
				}
				return nil
			})
		}
		return scanHashed(ctx, tx, v, workers)
	})
	if err != nil && !errors.Is(err, errStopVerify) {
		return audit.Report{}, fmt.Errorf("verify the audit log: %w", err)
	}
	if c := v.Classifier(); c != nil {
		err := st.ReadTx(ctx, func(tx store.Tx) error {
			return tx.ScanAudit(ctx, 0, 0, func(en access.AuditEntry) error {
				c.Add(en)
				return nil
			})
		})
		if err != nil {
			return audit.Report{}, fmt.Errorf("verify the audit log: classify entry %d: %w", c.BadSeq(), err)
		}
		c.Classify()
	}
	return v.Report(), nil
}

// verifyBatch is the number of entries hashed as one unit of work: large
// enough that handing it over costs little, small enough to keep every
// worker busy and memory bounded (a few batches in flight per worker).
const verifyBatch = 2048

// hashBatch is a batch of entries and, once done is closed, their hashes.
type hashBatch struct {
	entries []access.AuditEntry
	hashes  [][]byte
	done    chan struct{}
}

// scanHashed reads the log in tx and feeds v, hashing the entries on
// workers goroutines: the reader hands each batch both to the workers and,
// in order, to the checker, which waits for a batch's hashes and adds its
// entries to v. The reader stops at the checker's first problem.
func scanHashed(ctx context.Context, tx store.Tx, v *audit.Verifier, workers int) error {
	work := make(chan *hashBatch, 2*workers)
	order := make(chan *hashBatch, 2*workers)
	var stop atomic.Bool
	checked := make(chan struct{})
	for range workers {
		go func() {
			var x access.ChainHasher
			for b := range work {
				for i, en := range b.entries {
					if en.DetailsError == "" { // malformed: the Verifier names it unhashed
						b.hashes[i] = x.Hash(en.PrevHash, en.Seq, en.Event)
					}
				}
				close(b.done)
			}
		}()
	}
	go func() {
		defer close(checked)
		for b := range order {
			<-b.done
			if stop.Load() {
				continue // drain: the reader may still be handing batches over
			}
			for i, en := range b.entries {
				if v.AddHashed(en, b.hashes[i]) != nil {
					stop.Store(true)
					break
				}
			}
		}
	}()
	var cur *hashBatch
	flush := func() {
		if cur != nil && len(cur.entries) > 0 {
			cur.hashes = make([][]byte, len(cur.entries))
			work <- cur
			order <- cur
		}
		cur = nil
	}
	err := tx.ScanAudit(ctx, 0, 0, func(en access.AuditEntry) error {
		if stop.Load() {
			return errStopVerify
		}
		if cur == nil {
			cur = &hashBatch{entries: make([]access.AuditEntry, 0, verifyBatch), done: make(chan struct{})}
		}
		cur.entries = append(cur.entries, en)
		if len(cur.entries) == verifyBatch {
			flush()
		}
		return nil
	})
	if err == nil || errors.Is(err, errStopVerify) {
		flush()
	}
	close(work)
	close(order)
	<-checked
	if err == nil && stop.Load() {
		err = errStopVerify
	}
	return err
}
