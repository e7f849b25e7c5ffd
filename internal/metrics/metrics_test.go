package metrics

// The tests read the metrics back through the registry's Gather, as a scrape
// would. (prometheus/testutil would need a module this one does not
// require yet.)

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	dto "github.com/prometheus/client_model/go"
)

// series returns the series of the metric family name whose labels include
// all of labels.
func series(t *testing.T, m *Metrics, name string, labels map[string]string) []*dto.Metric {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var out []*dto.Metric
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, s := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range s.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// one returns the single series of name with labels.
func one(t *testing.T, m *Metrics, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	s := series(t, m, name, labels)
	if len(s) != 1 {
		t.Fatalf("%s%v: %d series, want 1", name, labels, len(s))
	}
	return s[0]
}

func counter(t *testing.T, m *Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	return one(t, m, name, labels).GetCounter().GetValue()
}

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestObserveGrantAndRevoke(t *testing.T) {
	t.Parallel()
	m := New()
	m.ObserveGrant(1500*time.Millisecond, "ok")
	m.ObserveGrant(500*time.Millisecond, "ok")
	m.ObserveGrant(30*time.Second, "failed")
	m.ObserveRevoke(2*time.Second, "error")
	for _, tc := range []struct {
		name    string
		outcome string
		count   uint64
		sum     float64
	}{
		{"elevate_grant_duration_seconds", "ok", 2, 2},
		{"elevate_grant_duration_seconds", "failed", 1, 30},
		{"elevate_revoke_duration_seconds", "error", 1, 2},
	} {
		h := one(t, m, tc.name, map[string]string{"outcome": tc.outcome}).GetHistogram()
		if h.GetSampleCount() != tc.count || !approx(h.GetSampleSum(), tc.sum) {
			t.Errorf("%s{outcome=%s}: count %d sum %g, want %d and %g", tc.name, tc.outcome, h.GetSampleCount(), h.GetSampleSum(), tc.count, tc.sum)
		}
		if got := len(h.GetBucket()); got != len(latencyBuckets) {
			t.Errorf("%s: %d buckets, want %d", tc.name, got, len(latencyBuckets))
		}
	}
	if n := len(series(t, m, "elevate_grant_duration_seconds", nil)); n != 2 {
		t.Errorf("grant series: %d, want one per outcome (2)", n)
	}
	if n := len(series(t, m, "elevate_revoke_duration_seconds", nil)); n != 1 {
		t.Errorf("revoke series: %d, want 1", n)
	}
}

func TestObserveRevocationLateness(t *testing.T) {
	t.Parallel()
	m := New()
	m.ObserveRevocationLateness(-3 * time.Second) // ended early
	m.ObserveRevocationLateness(750 * time.Millisecond)
	m.ObserveRevocationLateness(2 * time.Minute)
	h := one(t, m, "elevate_revocation_lateness_seconds", nil).GetHistogram()
	if h.GetSampleCount() != 3 || !approx(h.GetSampleSum(), 117.75) {
		t.Errorf("count %d sum %g, want 3 and 117.75", h.GetSampleCount(), h.GetSampleSum())
	}
	cumulative := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		cumulative[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	for le, want := range map[float64]uint64{0: 1, 0.5: 1, 1: 2, 60: 2, 300: 3} {
		if cumulative[le] != want {
			t.Errorf("bucket le=%g: %d, want %d", le, cumulative[le], want)
		}
	}
}

func TestObserveNotification(t *testing.T) {
	t.Parallel()
	m := New()
	if n := len(series(t, m, "elevate_notifications_total", nil)); n != 0 {
		t.Fatalf("%d notification series before any, want 0", n)
	}
	m.RegisterNotifications()
	m.RegisterNotifications() // registering twice is harmless
	m.ObserveNotification("slack", "sent")
	m.ObserveNotification("slack", "sent")
	m.ObserveNotification("email", "failed")
	for _, tc := range []struct {
		channel, outcome string
		want             float64
	}{
		{"slack", "sent", 2},
		{"email", "failed", 1},
	} {
		if got := counter(t, m, "elevate_notifications_total", map[string]string{"channel": tc.channel, "outcome": tc.outcome}); got != tc.want {
			t.Errorf("notifications{%s,%s} = %g, want %g", tc.channel, tc.outcome, got, tc.want)
		}
	}
	if n := len(series(t, m, "elevate_notifications_total", nil)); n != 2 {
		t.Errorf("%d notification series, want 2", n)
	}
}

func TestObserveReconcile(t *testing.T) {
	t.Parallel()
	m, other := New(), New()
	m.ObserveReconcile(map[string]int{"removed": 2, "missing": 1, "reads": 10, "errors": 3})
	m.ObserveReconcile(map[string]int{"reads": 5}) // absent counts add nothing
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"elevate_reconcile_runs_total", nil, 2},
		{"elevate_reconcile_drift_total", map[string]string{"kind": "removed"}, 2},
		{"elevate_reconcile_drift_total", map[string]string{"kind": "missing"}, 1},
		{"elevate_reconcile_reads_total", nil, 15},
		{"elevate_reconcile_errors_total", nil, 3},
	} {
		if got := counter(t, m, tc.name, tc.labels); got != tc.want {
			t.Errorf("%s%v = %g, want %g", tc.name, tc.labels, got, tc.want)
		}
	}
	if n := len(series(t, other, "elevate_reconcile_runs_total", nil)); n != 0 {
		t.Errorf("another Metrics has %d reconcile series, want none", n)
	}
}

// callAWS runs one call through a stack with the counter, as the SDK would
// for service/operation, the call itself answering err.
func callAWS(t *testing.T, m *Metrics, service, operation string, err error) error {
	t.Helper()
	stack := middleware.NewStack(operation, func() any { return nil })
	if e := stack.Initialize.Add(&awsmiddleware.RegisterServiceMetadata{ServiceID: service, OperationName: operation}, middleware.Before); e != nil {
		t.Fatal(e)
	}
	if e := m.AWSCallCounter()(stack); e != nil {
		t.Fatal(e)
	}
	h := middleware.DecorateHandler(middleware.HandlerFunc(func(context.Context, any) (any, middleware.Metadata, error) {
		return nil, middleware.Metadata{}, err
	}), stack)
	_, _, got := h.Handle(context.Background(), "input")
	return got
}

func TestAWSCallCounter(t *testing.T) {
	t.Parallel()
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}
	for _, tc := range []struct {
		name    string
		err     error
		outcome string
	}{
		{"success", nil, "ok"},
		{"an AWS error", throttled, "ThrottlingException"},
		{"a wrapped AWS error", fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: "ConflictException"}), "ConflictException"},
		{"any other error", errors.New("dial tcp: connection refused"), "error"},
		{"a cancelled call", context.Canceled, "canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := New()
			if got := callAWS(t, m, "SSO Admin", "CreateAccountAssignment", tc.err); got != tc.err {
				t.Errorf("the counter changed the error to %v", got)
			}
			labels := map[string]string{"service": "SSO Admin", "operation": "CreateAccountAssignment", "outcome": tc.outcome}
			if got := counter(t, m, "elevate_aws_calls_total", labels); got != 1 {
				t.Errorf("aws calls%v = %g, want 1", labels, got)
			}
			if n := len(series(t, m, "elevate_aws_calls_total", nil)); n != 1 {
				t.Errorf("%d aws call series, want 1", n)
			}
		})
	}
}

func TestAWSCallCounterCountsEachCall(t *testing.T) {
	t.Parallel()
	m := New()
	for range 3 {
		_ = callAWS(t, m, "Identitystore", "ListUsers", nil)
	}
	_ = callAWS(t, m, "Organizations", "ListAccounts", nil)
	for _, tc := range []struct {
		service, operation string
		want               float64
	}{
		{"Identitystore", "ListUsers", 3},
		{"Organizations", "ListAccounts", 1},
	} {
		labels := map[string]string{"service": tc.service, "operation": tc.operation, "outcome": "ok"}
		if got := counter(t, m, "elevate_aws_calls_total", labels); got != tc.want {
			t.Errorf("aws calls%v = %g, want %g", labels, got, tc.want)
		}
	}
}

func TestAddGauges(t *testing.T) {
	t.Parallel()
	m := New()
	log := slog.New(slog.DiscardHandler)
	m.AddGauges("elevate_requests", "Requests by status.", "status", func(context.Context) (map[string]float64, error) {
		return map[string]float64{"pending": 3, "active": 7}, nil
	}, log)
	for status, want := range map[string]float64{"pending": 3, "active": 7} {
		if got := one(t, m, "elevate_requests", map[string]string{"status": status}).GetGauge().GetValue(); got != want {
			t.Errorf("requests{status=%s} = %g, want %g", status, got, want)
		}
	}

	failing := New()
	failing.AddGauges("elevate_job_backlog", "Jobs by state.", "state", func(context.Context) (map[string]float64, error) {
		return nil, errors.New("database is locked")
	}, log)
	if _, err := failing.Registry().Gather(); err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Errorf("gather with a failing source: %v, want its error", err)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	m := New()
	m.ObserveGrant(time.Second, "ok")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", rec.Code)
	}
	for _, want := range []string{`elevate_grant_duration_seconds_count{outcome="ok"} 1`, "go_goroutines", "elevate_revocation_lateness_seconds_count 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestObserveApprovalToCreate(t *testing.T) {
	t.Parallel()
	m := New()
	m.ObserveApprovalToCreate(4 * time.Millisecond)
	m.ObserveApprovalToCreate(30 * time.Millisecond)
	m.ObserveApprovalToCreate(2 * time.Second)
	h := one(t, m, "elevate_approval_to_create_seconds", nil).GetHistogram()
	if h.GetSampleCount() != 3 || !approx(h.GetSampleSum(), 2.034) {
		t.Errorf("count %d sum %g, want 3 and 2.034", h.GetSampleCount(), h.GetSampleSum())
	}
	cumulative := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		cumulative[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	for le, want := range map[float64]uint64{0.005: 1, 0.025: 1, 0.05: 2, 1: 2, 2.5: 3} {
		if cumulative[le] != want {
			t.Errorf("bucket le=%g: %d, want %d", le, cumulative[le], want)
		}
	}
}
