package workflow

import (
	"context"

	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/store"
)

// SetVerifyChunk sets how many seqs one read of the parallel verification
// covers and returns a func that restores it.
func SetVerifyChunk(n int64) (restore func()) {
	old := verifyChunk
	verifyChunk = n
	return func() { verifyChunk = old }
}

// SetVerifySequential turns the parallel verification off (on: false) and
// returns a func that restores it.
func SetVerifySequential(on bool) (restore func()) {
	old := verifySequential
	verifySequential = on
	return func() { verifySequential = old }
}

// VerifyParallel is the parallel verification alone: ok false means it
// found a problem (VerifyAuditLog would verify again in one transaction).
func VerifyParallel(ctx context.Context, st store.Store, opts audit.VerifyOptions) (audit.Report, bool, error) {
	return verifyParallel(ctx, st, opts)
}
