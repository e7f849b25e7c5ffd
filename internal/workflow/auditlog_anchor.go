package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
)

// AnchorSink keeps anchors outside the database (a write-once directory,
// an object-locked bucket, a webhook's receiver): whoever can write the
// database can't rewrite what it holds.
type AnchorSink interface {
	Name() string
	Publish(ctx context.Context, a audit.Anchor) error
}

// AnchorReader is a sink whose anchors can be read back, which verify
// needs (a webhook's cannot).
type AnchorReader interface {
	AnchorSink
	// Anchors returns every anchor the sink holds.
	Anchors(ctx context.Context) ([]audit.Anchor, error)
	// LastSeq is the highest seq an anchor in the sink pins (0: none),
	// without reading the anchors.
	LastSeq(ctx context.Context) (int64, error)
}

// PublishAnchor signs a checkpoint of the head (stored, kind anchor) and
// publishes it to every sink with the hashes of the entries since that
// sink's latest anchor (for a sink that can't be read, since the previous
// anchor checkpoint in the database). The first failing sink's error is
// returned after every sink was tried.
func (l *AuditLog) PublishAnchor(ctx context.Context, sinks []AnchorSink) error {
	if len(sinks) == 0 {
		return nil
	}
	var stored int64 // the previous anchor checkpoint's seq
	err := l.st.ReadTx(ctx, func(tx store.Tx) error {
		cps, err := tx.ListCheckpoints(ctx)
		for _, c := range cps {
			if c.Kind == audit.KindAnchor {
				stored = max(stored, c.Seq)
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("publish an audit anchor: %w", err)
	}
	c, err := l.Checkpoint(ctx, audit.KindAnchor)
	if err != nil {
		return err
	}
	var errs []error
	for _, sink := range sinks {
		after := stored
		if r, ok := sink.(AnchorReader); ok {
			if after, err = r.LastSeq(ctx); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", sink.Name(), err))
				continue
			}
		}
		a := audit.Anchor{Checkpoint: c, Hashes: map[int64][]byte{}}
		err = l.st.ReadTx(ctx, func(tx store.Tx) error {
			return tx.ScanAudit(ctx, min(after, c.Seq), 0, func(en access.AuditEntry) error {
				if en.Seq <= c.Seq {
					a.Hashes[en.Seq] = en.Hash
				}
				return nil
			})
		})
		if err == nil {
			err = sink.Publish(ctx, a)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", sink.Name(), err))
			continue
		}
		l.log.InfoContext(ctx, "audit anchor published", "sink", sink.Name(), "seq", c.Seq, "entries", len(a.Hashes))
	}
	return errors.Join(errs...)
}

// RunAnchors publishes an anchor every interval while the log has grown,
// and once more when ctx ends (shutdown), with a short deadline of its own.
func (l *AuditLog) RunAnchors(ctx context.Context, interval time.Duration, sinks []AnchorSink) {
	if len(sinks) == 0 {
		return
	}
	publish := func(ctx context.Context) {
		if err := l.PublishAnchor(ctx, sinks); err != nil {
			l.log.ErrorContext(ctx, "publish audit anchor", "err", err.Error())
		}
	}
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			publish(sctx)
			cancel()
			return
		case <-tick:
			publish(ctx)
		}
	}
}

// VerifyAnchored is Verify against the anchors read from sinks too: their
// checkpoints are checked like exported ones, and each entry an anchor
// covers must still have the hash it had when anchored, so a rewritten
// chain (hashes recomputed, stored checkpoints deleted) is named at its
// first rewritten entry. The report says how many entries no anchor
// covers; with no sink it is every entry (the log is unanchored). Sinks
// that can't be read back (a webhook) are named in the report, not used.
func (l *AuditLog) VerifyAnchored(ctx context.Context, sinks []AnchorSink, external []access.Checkpoint) (audit.Report, error) {
	hashes := map[int64][]byte{}
	var anchoredSeq int64
	var readers int
	var unreadable []string
	for _, s := range sinks {
		sink, ok := s.(AnchorReader)
		if !ok {
			unreadable = append(unreadable, s.Name())
			continue
		}
		readers++
		as, err := sink.Anchors(ctx)
		if err != nil {
			return audit.Report{}, fmt.Errorf("read anchors from %s: %w", sink.Name(), err)
		}
		for _, a := range as {
			external = append(external, a.Checkpoint)
			anchoredSeq = max(anchoredSeq, a.Checkpoint.Seq)
			for seq, h := range a.Hashes {
				hashes[seq] = h
			}
		}
	}
	rep, err := l.Verify(ctx, external)
	if err != nil {
		return rep, err
	}
	rep.Anchored, rep.AnchoredSeq, rep.UnreadableSinks = readers > 0, anchoredSeq, unreadable
	if len(hashes) > 0 {
		var first *audit.Problem
		err := l.st.ReadTx(ctx, func(tx store.Tx) error {
			return tx.ScanAudit(ctx, 0, 0, func(en access.AuditEntry) error {
				if h, ok := hashes[en.Seq]; ok && !bytes.Equal(h, en.Hash) {
					first = &audit.Problem{Seq: en.Seq, Kind: audit.ProblemRewritten,
						Message: fmt.Sprintf("entry %d differs from the anchor published outside the database", en.Seq)}
					return errStopVerify
				}
				return nil
			})
		})
		if err != nil && !errors.Is(err, errStopVerify) {
			return audit.Report{}, fmt.Errorf("verify the audit log against its anchors: %w", err)
		}
		if first != nil && (rep.Problem == nil || first.Seq <= rep.Problem.Seq) {
			rep.OK, rep.Problem = false, first
			// The entries verified before the first bad one.
			rep.Entries = min(rep.Entries, first.Seq-max(rep.FirstSeq, 1))
		}
	}
	switch {
	case rep.LastSeq > anchoredSeq && anchoredSeq >= rep.FirstSeq:
		rep.Unanchored = rep.LastSeq - anchoredSeq
	case anchoredSeq < rep.FirstSeq:
		rep.Unanchored = rep.Entries
	}
	return rep, nil
}
