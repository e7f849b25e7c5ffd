package app

import (
	"context"

	"github.com/elevate/elevate/internal/access"
)

// registerRunGauges exports the outcome of the periodic runs (directory
// sync, reconciliation) for alerting (docs/operations.md, packaging/alerts.yaml):
// whether the last run failed, and when a run last succeeded.
func (a *App) registerRunGauges() {
	kinds := []string{access.RunDirectorySync, access.RunReconcile}
	read := func(ctx context.Context, value func(access.RunStatus) float64) (map[string]float64, error) {
		out := make(map[string]float64, len(kinds))
		for _, k := range kinds {
			rs, found, err := a.svc.RunStatus(ctx, k)
			if err != nil {
				return nil, err
			}
			out[k] = 0 // never ran yet: neither failing nor succeeded
			if found {
				out[k] = value(rs)
			}
		}
		return out, nil
	}
	a.metrics.AddGauges("elevate_periodic_run_failing", "1 when the last run of a periodic task (directory_sync, reconcile) failed, else 0.", "kind",
		func(ctx context.Context) (map[string]float64, error) {
			return read(ctx, func(rs access.RunStatus) float64 {
				if rs.Error != "" {
					return 1
				}
				return 0
			})
		}, a.log)
	a.metrics.AddGauges("elevate_periodic_last_success_timestamp_seconds", "Unix time a periodic task (directory_sync, reconcile) last succeeded; 0 before its first success.", "kind",
		func(ctx context.Context) (map[string]float64, error) {
			return read(ctx, func(rs access.RunStatus) float64 {
				if rs.LastSuccessAt.IsZero() {
					return 0
				}
				return float64(rs.LastSuccessAt.Unix())
			})
		}, a.log)
}
