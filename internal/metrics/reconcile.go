package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// reconcileMetrics are registered on a Metrics' registry at its first
// reconciliation run.
type reconcileMetrics struct {
	runs  prometheus.Counter
	drift *prometheus.CounterVec
	reads prometheus.Counter
	errs  prometheus.Counter
}

var (
	reconcileMu  sync.Mutex
	reconcileFor = map[*Metrics]*reconcileMetrics{}
)

func (m *Metrics) reconcile() *reconcileMetrics {
	reconcileMu.Lock()
	defer reconcileMu.Unlock()
	if r, ok := reconcileFor[m]; ok {
		return r
	}
	r := &reconcileMetrics{
		runs: prometheus.NewCounter(prometheus.CounterOpts{Name: "elevate_reconcile_runs_total", Help: "Reconciliation runs."}),
		drift: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "elevate_reconcile_drift_total",
			Help: "Drift found by reconciliation: removed (an elevate assignment left after its request ended, deleted) and missing (an active grant's assignment gone from AWS; alert when it grows).",
		}, []string{"kind"}),
		reads: prometheus.NewCounter(prometheus.CounterOpts{Name: "elevate_reconcile_reads_total", Help: "AWS list calls made by reconciliation."}),
		errs:  prometheus.NewCounter(prometheus.CounterOpts{Name: "elevate_reconcile_errors_total", Help: "Pairs or assignments reconciliation could not handle (retried next run)."}),
	}
	m.reg.MustRegister(r.runs, r.drift, r.reads, r.errs)
	reconcileFor[m] = r
	return r
}

// ObserveReconcile records one reconciliation run's counts (satisfies
// workflow.ReconcileObserver).
func (m *Metrics) ObserveReconcile(counts map[string]int) {
	r := m.reconcile()
	r.runs.Inc()
	r.drift.WithLabelValues("removed").Add(float64(counts["removed"]))
	r.drift.WithLabelValues("missing").Add(float64(counts["missing"]))
	r.drift.WithLabelValues("repaired").Add(float64(counts["repaired"]))
	r.reads.Add(float64(counts["reads"]))
	r.errs.Add(float64(counts["errors"]))
}
