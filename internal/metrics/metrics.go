// Package metrics holds elevate's Prometheus metrics: requests by status,
// grant and revoke latency, revocation lateness, the job backlog, and AWS
// calls by operation and outcome. It satisfies workflow.Observer.
package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of elevate's metrics on their own registry.
type Metrics struct {
	reg                *prometheus.Registry
	grantSeconds       *prometheus.HistogramVec
	revokeSeconds      *prometheus.HistogramVec
	revocationLateness prometheus.Histogram
	approvalToCreate   prometheus.Histogram
	awsCalls           *prometheus.CounterVec
	// notifications counts deliveries (notify.go); created on first use.
	notifications *prometheus.CounterVec
	notifyOnce    sync.Once
	// conditions counts rules' condition outcomes (conditions.go).
	conditions          *prometheus.CounterVec
	conditionsOnce      sync.Once
	directoryEvents     *prometheus.CounterVec
	directoryEventsOnce sync.Once
}

// latencyBuckets spans an AWS assignment operation: sub-second to minutes.
var latencyBuckets = []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300}

// New returns the metrics, registered with the Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		grantSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "elevate_grant_duration_seconds", Help: "Time to create an account assignment in AWS, including status polling.",
			Buckets: latencyBuckets,
		}, []string{"outcome"}),
		revokeSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "elevate_revoke_duration_seconds", Help: "Time to delete an account assignment in AWS, including status polling.",
			Buckets: latencyBuckets,
		}, []string{"outcome"}),
		revocationLateness: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "elevate_revocation_lateness_seconds",
			Help:    "Time from a grant's scheduled end to AWS accepting DeleteAccountAssignment (negative: ended early).",
			Buckets: []float64{0, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600},
		}),
		approvalToCreate: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "elevate_approval_to_create_seconds",
			Help:    "Time from the approval that let a request start (recorded in its transaction) to AWS accepting the CreateAccountAssignment of each of its grants.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}),
		awsCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "elevate_aws_calls_total", Help: "AWS API calls by service, operation and outcome (ok, the AWS error code, deadline or canceled when the caller's context ended first, or error).",
		}, []string{"service", "operation", "outcome"}),
	}
	m.reg.MustRegister(m.grantSeconds, m.revokeSeconds, m.revocationLateness, m.approvalToCreate, m.awsCalls,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where further collectors go.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// ObserveGrant records one CreateAccountAssignment outcome ("ok", "failed", "error").
func (m *Metrics) ObserveGrant(d time.Duration, outcome string) {
	m.grantSeconds.WithLabelValues(outcome).Observe(d.Seconds())
}

// ObserveRevoke records one DeleteAccountAssignment outcome.
func (m *Metrics) ObserveRevoke(d time.Duration, outcome string) {
	m.revokeSeconds.WithLabelValues(outcome).Observe(d.Seconds())
}

// ObserveRevocationLateness records how late AWS accepted a deletion.
func (m *Metrics) ObserveRevocationLateness(d time.Duration) {
	m.revocationLateness.Observe(d.Seconds())
}

// ObserveApprovalToCreate records how long after the approval AWS accepted
// a grant's create.
func (m *Metrics) ObserveApprovalToCreate(d time.Duration) {
	m.approvalToCreate.Observe(d.Seconds())
}

// AWSCallCounter returns an SDK stack option that counts every AWS call by
// service, operation and outcome. Add it to aws.Config.APIOptions.
func (m *Metrics) AWSCallCounter() func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("elevateCallCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				m.awsCalls.WithLabelValues(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), callOutcome(ctx, err)).Inc()
				return out, md, err
			}), middleware.After)
	}
}

// callOutcome labels how an AWS call ended: "ok"; AWS's error code when AWS
// answered with one; "deadline" or "canceled" when the caller's context ended
// first (a client-side timeout or cancellation, not an AWS failure: the call
// may have been waiting for elevate's own rate limiter, or AWS may still be
// working on it); "error" for anything else (network, retries exhausted
// without an AWS code).
func callOutcome(ctx context.Context, err error) string {
	if err == nil {
		return "ok"
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	// Some transports report an ended context without wrapping its error.
	switch ctx.Err() {
	case context.DeadlineExceeded:
		return "deadline"
	case context.Canceled:
		return "canceled"
	}
	return "error"
}

// GaugeSource reads labelled values at scrape time (requests by status, job backlog).
type GaugeSource func(ctx context.Context) (map[string]float64, error)

// gaugeCollector exports a GaugeSource as one gauge with one label.
type gaugeCollector struct {
	desc   *prometheus.Desc
	source GaugeSource
	log    *slog.Logger
}

// AddGauges registers a gauge whose values are read at scrape time.
func (m *Metrics) AddGauges(name, help, label string, source GaugeSource, log *slog.Logger) {
	m.reg.MustRegister(&gaugeCollector{desc: prometheus.NewDesc(name, help, []string{label}, nil), source: source, log: log})
}

func (c *gaugeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *gaugeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	values, err := c.source(ctx)
	if err != nil {
		c.log.Warn("metrics: read gauge", "metric", c.desc.String(), "error", err)
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for label, v := range values {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, label)
	}
}
