package workflow

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
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

// VerifyAs is VerifyAnchored against the configured anchor sinks, for an
// auditor or admin.
func (l *AuditLog) VerifyAs(ctx context.Context, actor access.Actor) (audit.Report, error) {
	if err := mayAudit(actor); err != nil {
		return audit.Report{}, err
	}
	return l.VerifyAnchored(ctx, l.anchors, nil)
}

// errStopVerify ends a scan at the first problem.
var errStopVerify = errors.New("stop")

// VerifyAuditLog checks the whole decision log in st with an
// audit.Verifier: one read transaction feeds it the stored checkpoints and
// every entry up to the first problem. A chain problem takes a second read
// of the whole log, to tell a reordered entry from an edited or deleted
// one. The error is for failures to read the log, not for a bad log; with
// an error the report is empty.
func VerifyAuditLog(ctx context.Context, st store.Store, opts audit.VerifyOptions) (audit.Report, error) {
	if !verifySequential {
		rep, ok, err := verifyParallel(ctx, st, opts)
		if err != nil {
			return audit.Report{}, fmt.Errorf("verify the audit log: %w", err)
		}
		if ok {
			return rep, nil
		}
	}
	return verifyExact(ctx, st, opts)
}

// verifyExact is VerifyAuditLog in one read transaction, entry by entry.
func verifyExact(ctx context.Context, st store.Store, opts audit.VerifyOptions) (audit.Report, error) {
	var v *audit.Verifier
	err := st.ReadTx(ctx, func(tx store.Tx) error {
		stored, err := tx.ListCheckpoints(ctx)
		if err != nil {
			return err
		}
		if v = audit.NewVerifier(stored, opts); v.Done() {
			return nil
		}
		return tx.ScanAudit(ctx, 0, 0, func(en access.AuditEntry) error {
			if v.Add(en) != nil {
				return errStopVerify
			}
			return nil
		})
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

// verifySequential turns the parallel verification off (benchmarks compare
// the two).
var verifySequential = false

// verifyChunk is how many seqs one read of the parallel verification
// covers (a variable so tests can cut a small log into many chunks).
var verifyChunk int64 = 16_384

// verifyResult is one chunk of the log, read and hashed: of each entry
// only what linking the chain needs (a problem is named by the exact pass).
type verifyResult struct {
	entries []verifiedEntry
	err     error
}

// verifiedEntry is an entry of a chunk: its seq and hashes, and whether
// it hashes to its hash (with well-formed details).
type verifiedEntry struct {
	seq        int64
	prev, hash []byte
	ok         bool
}

// verifyParallel is the verification of an intact log at the speed of the
// disk: the log, up to the last seq when it starts, is read in chunks of
// seqs by one read transaction per core, each entry hashed by the reader
// (an entry's hash depends only on its own columns, its prev_hash
// included), and the chunks are fed to the Verifier in seq order, which
// links them and checks the checkpoints. ok is false when it found any
// problem: the chunks are separate snapshots, so a pruning that ran
// meanwhile could look like a problem; VerifyAuditLog then verifies again
// in one transaction, which also classifies the problem.
func verifyParallel(ctx context.Context, st store.Store, opts audit.VerifyOptions) (rep audit.Report, ok bool, err error) {
	var (
		stored      []access.Checkpoint
		first, last int64
	)
	err = st.ReadTx(ctx, func(tx store.Tx) error {
		var err error
		if stored, err = tx.ListCheckpoints(ctx); err != nil {
			return err
		}
		first, last, err = tx.AuditBounds(ctx)
		return err
	})
	if err != nil {
		return audit.Report{}, false, err
	}
	v := audit.NewVerifier(stored, opts)
	if v.Done() {
		return v.Report(), true, nil // a checkpoint's signature: no entry read
	}
	chunks := int((last - first + verifyChunk) / verifyChunk)
	if last == 0 {
		chunks = 0
	}
	workers := min(runtime.GOMAXPROCS(0), 4, chunks)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A worker takes the next chunk only while fewer than window chunks
	// wait to be checked, so memory stays bounded and the chunk the
	// checks need next is always being read.
	window := make(chan struct{}, 2*max(workers, 1))
	slots := make([]chan verifyResult, chunks)
	for i := range slots {
		slots[i] = make(chan verifyResult, 1)
	}
	var next atomic.Int64
	var failed atomic.Pointer[error] // the first worker's error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			err := st.ReadTx(ctx, func(tx store.Tx) error {
				var x access.ChainHasher
				for {
					select {
					case window <- struct{}{}:
					case <-ctx.Done():
						return ctx.Err()
					}
					i := int(next.Add(1) - 1)
					if i >= chunks {
						return nil
					}
					from := first - 1 + int64(i)*verifyChunk
					res := verifyResult{entries: make([]verifiedEntry, 0, min(verifyChunk, last-from))}
					res.err = tx.ScanAuditStored(ctx, from, min(from+verifyChunk, last), func(en access.AuditEntry) error {
						res.entries = append(res.entries, verifiedEntry{seq: en.Seq, prev: en.PrevHash, hash: en.Hash,
							ok: en.DetailsError == "" && access.ChainEqual(x.Entry(en), en.Hash)})
						return nil
					})
					slots[i] <- res
					if res.err != nil {
						return res.err
					}
				}
			})
			if err != nil && ctx.Err() == nil {
				failed.CompareAndSwap(nil, &err)
				cancel()
			}
		})
	}
	defer func() {
		cancel()
		wg.Wait()
	}()
	for i := range chunks {
		var res verifyResult
		select {
		case res = <-slots[i]:
		case <-ctx.Done():
			if err := failed.Load(); err != nil {
				return audit.Report{}, false, *err
			}
			return audit.Report{}, false, ctx.Err()
		}
		<-window
		if res.err != nil {
			return audit.Report{}, false, res.err
		}
		for _, en := range res.entries {
			if v.AddHashed(access.AuditEntry{Seq: en.seq, PrevHash: en.prev, Hash: en.hash}, en.ok) != nil {
				return audit.Report{}, false, nil
			}
		}
	}
	rep = v.Report()
	return rep, rep.OK, nil
}
