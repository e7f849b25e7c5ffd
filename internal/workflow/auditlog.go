package workflow

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
)

// AuditLogDeps are the decision log's collaborators.
type AuditLogDeps struct {
	Store store.Store
	// Key signs checkpoints; verification trusts its public key plus
	// Trusted (older keys after a rotation).
	Key     ed25519.PrivateKey
	Trusted []ed25519.PublicKey
	Clock   Clock        // default SystemClock
	Logger  *slog.Logger // default: the log is discarded
}

// AuditLog runs the decision log's use cases: it writes checkpoints,
// verifies, exports and prunes the log, and serves it to auditors. Each
// use case opens its own transactions; the checks and formats are
// package audit's.
type AuditLog struct {
	st      store.Store
	key     ed25519.PrivateKey
	trusted []ed25519.PublicKey
	clock   Clock
	log     *slog.Logger
}

// NewAuditLog returns the decision log's use cases. Store and Key are
// required.
func NewAuditLog(d AuditLogDeps) (*AuditLog, error) {
	if d.Store == nil || len(d.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("workflow: the audit log needs a Store and an Ed25519 signing Key")
	}
	if d.Clock == nil {
		d.Clock = SystemClock{}
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	ts := append([]ed25519.PublicKey{d.Key.Public().(ed25519.PublicKey)}, d.Trusted...)
	return &AuditLog{st: d.Store, key: d.Key, trusted: ts, clock: d.Clock, log: d.Logger}, nil
}

// PublicKey is the public half of the signing key.
func (l *AuditLog) PublicKey() ed25519.PublicKey { return l.key.Public().(ed25519.PublicKey) }

// Checkpoint signs and stores a checkpoint of the current head.
func (l *AuditLog) Checkpoint(ctx context.Context, kind string) (access.Checkpoint, error) {
	var c access.Checkpoint
	err := l.st.InTx(ctx, func(tx store.Tx) error {
		head, n, err := tx.AuditHead(ctx)
		headp := &head
		switch {
		case errors.Is(err, store.ErrNotFound):
			headp = nil
		case err != nil:
			return err
		}
		cps, err := tx.ListCheckpoints(ctx)
		if err != nil {
			return err
		}
		c = audit.HeadCheckpoint(headp, n, cps)
		c.At, c.Kind = l.clock.Now(), kind
		audit.Sign(&c, l.key)
		return tx.AddCheckpoint(ctx, &c)
	})
	if err != nil {
		return c, fmt.Errorf("write audit checkpoint: %w", err)
	}
	l.log.InfoContext(ctx, "audit checkpoint written", "seq", c.Seq, "count", c.Count, "hash", hex.EncodeToString(c.Hash), "kind", kind)
	return c, nil
}

// RunCheckpoints writes a periodic checkpoint every interval while the log
// has grown since the last checkpoint, until ctx ends. Errors are logged
// and retried at the next tick.
func (l *AuditLog) RunCheckpoints(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := l.checkpointIfGrown(ctx); err != nil && ctx.Err() == nil {
			l.log.ErrorContext(ctx, "periodic audit checkpoint", "err", err.Error())
		}
	}
}

func (l *AuditLog) checkpointIfGrown(ctx context.Context) error {
	var grown bool
	err := l.st.ReadTx(ctx, func(tx store.Tx) error {
		head, _, err := tx.AuditHead(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		cps, err := tx.ListCheckpoints(ctx)
		if err != nil {
			return err
		}
		grown = len(cps) == 0 || cps[len(cps)-1].Seq < head.Seq
		return nil
	})
	if err != nil || !grown {
		return err
	}
	_, err = l.Checkpoint(ctx, audit.KindPeriodic)
	return err
}

// Checkpoints returns the stored checkpoints, oldest first, with their
// pruned ranges filled in.
func (l *AuditLog) Checkpoints(ctx context.Context) ([]access.Checkpoint, error) {
	var out []access.Checkpoint
	err := l.st.ReadTx(ctx, func(tx store.Tx) (err error) {
		out, err = tx.ListCheckpoints(ctx)
		audit.PruneRanges(out)
		return err
	})
	return out, err
}

// Export writes the log to w as JSON lines or CSV, oldest first, in one
// read transaction. It returns how many entries it wrote.
func (l *AuditLog) Export(ctx context.Context, w io.Writer, o audit.ExportOptions) (int64, error) {
	xw, err := audit.NewExportWriter(w, o.Format)
	if err != nil {
		return 0, err
	}
	var n int64
	err = l.st.ReadTx(ctx, func(tx store.Tx) error {
		return tx.ScanAudit(ctx, o.AfterSeq, 0, func(en access.AuditEntry) error {
			if !o.Includes(en) {
				return nil
			}
			if err := malformed(en); err != nil {
				return err
			}
			n++
			return xw.Write(en)
		})
	})
	if err == nil {
		err = xw.Flush()
	}
	if err != nil {
		return n, fmt.Errorf("export the audit log: %w", err)
	}
	return n, nil
}

// malformed refuses an entry whose stored details do not decode: it was
// written outside elevate, and showing it without them would hide that.
func malformed(en access.AuditEntry) error {
	if en.DetailsError == "" {
		return nil
	}
	return fmt.Errorf("entry %d: its stored details are malformed (%s): it was written outside elevate; run elevate audit verify", en.Seq, en.DetailsError)
}

// mayAudit allows auditors and admins.
func mayAudit(actor access.Actor) error {
	if actor.Auditor || actor.Admin {
		return nil
	}
	return access.Errorf(access.CodeForbidden, "only auditors and admins may read the audit log")
}

// Events returns up to limit entries after seq afterSeq (paging by seq),
// for an auditor or admin.
func (l *AuditLog) Events(ctx context.Context, actor access.Actor, afterSeq int64, limit int) ([]audit.EntryJSON, error) {
	if err := mayAudit(actor); err != nil {
		return nil, err
	}
	if afterSeq < 0 {
		return nil, access.Errorf(access.CodeInvalid, "since %d: want a seq of 0 or more", afterSeq)
	}
	if limit <= 0 || limit > audit.MaxPage {
		limit = min(max(limit, 100), audit.MaxPage)
	}
	out := []audit.EntryJSON{}
	err := l.st.ReadTx(ctx, func(tx store.Tx) error {
		return tx.ScanAudit(ctx, afterSeq, limit, func(en access.AuditEntry) error {
			if err := malformed(en); err != nil {
				return err
			}
			out = append(out, audit.EntryToJSON(en))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	return out, nil
}

// CheckpointsAs lists the checkpoints for an auditor or admin.
func (l *AuditLog) CheckpointsAs(ctx context.Context, actor access.Actor) ([]audit.CheckpointJSON, error) {
	if err := mayAudit(actor); err != nil {
		return nil, err
	}
	cps, err := l.Checkpoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("list audit checkpoints: %w", err)
	}
	out := make([]audit.CheckpointJSON, 0, len(cps))
	for _, c := range cps {
		out = append(out, audit.ToJSON(c))
	}
	return out, nil
}
