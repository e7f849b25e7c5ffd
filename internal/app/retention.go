package app

import (
	"context"
	"time"

	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/workflow"
)

// DefaultPruneInterval is how often the leader applies the retention when
// retention.interval is not set.
const DefaultPruneInterval = time.Hour

// Retention is the configured retention.
func Retention(cfg config.Config) audit.Retention {
	return audit.Retention{Requests: cfg.Retention.Requests, Activity: cfg.Retention.Activity, Audit: cfg.Retention.Audit}
}

// pruneInterval is how often the prune job runs: 0 (no job) while every
// record is kept forever.
func pruneInterval(cfg config.Config) time.Duration {
	if !Retention(cfg).Enabled() {
		return 0
	}
	if cfg.Retention.Interval > 0 {
		return cfg.Retention.Interval
	}
	return DefaultPruneInterval
}

// retentionJob is the periodic prune job's work: the audit service applies
// the configured retention as the system.
type retentionJob struct {
	audit     *workflow.AuditLog
	retention audit.Retention
}

func (j retentionJob) Prune(ctx context.Context) error {
	_, err := j.audit.Prune(ctx, audit.PruneOptions{Retention: j.retention})
	return err
}
