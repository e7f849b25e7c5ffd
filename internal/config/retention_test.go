package config

import (
	"strings"
	"testing"
	"time"
)

func TestRetentionValidate(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		r    Retention
		want string // "" for valid
	}{
		{"DefaultKeepsForever", Retention{}, ""},
		{"AllSet", Retention{Requests: 90 * day, Activity: 30 * day, Audit: 365 * day, Interval: time.Hour}, ""},
		{"EqualRequestsAndAudit", Retention{Requests: 90 * day, Audit: 90 * day}, ""},
		{"Negative", Retention{Requests: -day}, "retention.requests: -24h0m0s is negative"},
		{"TooShort", Retention{Activity: 30 * time.Minute}, "retention.activity: 30m0s is shorter than the minimum 24h0m0s"},
		{"AuditShorterThanRequests", Retention{Requests: 90 * day, Audit: 30 * day}, "retention.audit: 720h0m0s is shorter than retention.requests 2160h0m0s"},
		{"AuditWithRequestsForever", Retention{Audit: 30 * day}, "retention.audit: 720h0m0s while requests are kept forever"},
		{"NegativeInterval", Retention{Interval: -time.Second}, "retention.interval: -1s is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := tc.r.validate()
			if tc.want == "" {
				if len(errs) != 0 {
					t.Fatalf("validate = %v; want valid", errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
				t.Fatalf("validate = %v; want one error containing %q", errs, tc.want)
			}
		})
	}
}
