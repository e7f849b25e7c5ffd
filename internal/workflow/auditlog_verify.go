package workflow

import (
	"context"
	"errors"
	"fmt"

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
