package config

import (
	"fmt"
	"time"
)

// MinRetention is the shortest retention period accepted: a typo such as
// 30m for 30 days must not wipe the history.
const MinRetention = 24 * time.Hour

// Retention says how long records are kept. Every period is a
// duration (2160h is 90 days); 0, the default, keeps the records forever.
type Retention struct {
	// Requests: terminal requests (ended, revoked, rejected, cancelled,
	// expired, failed) with their grants, approvals and notifications are
	// deleted this long after their last update. Default 0: forever.
	Requests time.Duration `yaml:"requests"`
	// Activity: session activity fetched from CloudTrail is deleted this
	// long after it was fetched. Default 0: forever.
	Activity time.Duration `yaml:"activity"`
	// Audit: decision-log entries older than this are pruned from the start
	// of the log, each pruned range summarized by a signed checkpoint.
	// At least retention.requests when both are set. Default 0: forever.
	Audit time.Duration `yaml:"audit"`
	// Interval: how often the leader prunes while any period is set.
	// Default 1h.
	Interval time.Duration `yaml:"interval"`
}

// validate checks the retention periods.
func (r Retention) validate() []error {
	var errs []error
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"retention.requests", r.Requests}, {"retention.activity", r.Activity}, {"retention.audit", r.Audit}} {
		switch {
		case d.v < 0:
			errs = append(errs, fmt.Errorf("%s: %s is negative; use 0 to keep forever", d.key, d.v))
		case d.v > 0 && d.v < MinRetention:
			errs = append(errs, fmt.Errorf("%s: %s is shorter than the minimum %s (write days as hours: 2160h is 90 days; 0 keeps forever)", d.key, d.v, MinRetention))
		}
	}
	if r.Audit > 0 && r.Requests == 0 {
		errs = append(errs, fmt.Errorf("retention.audit: %s while requests are kept forever; set retention.requests to %s or less, so no request outlives its decision log", r.Audit, r.Audit))
	} else if r.Audit > 0 && r.Requests > r.Audit {
		errs = append(errs, fmt.Errorf("retention.audit: %s is shorter than retention.requests %s; a request must not outlive its decision log", r.Audit, r.Requests))
	}
	if r.Interval < 0 {
		errs = append(errs, fmt.Errorf("retention.interval: %s is negative", r.Interval))
	}
	return errs
}
