package metrics

import "github.com/prometheus/client_golang/prometheus"

// conditionCounter counts the outcomes of rules' conditions.
func (m *Metrics) conditionCounter() *prometheus.CounterVec {
	m.conditionsOnce.Do(func() {
		m.conditions = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "elevate_condition_outcomes_total",
			Help: "Rules' conditions evaluated for requests, by use (require, auto_approve_if, ticket_recheck) and outcome (true, false, unknown: an integration down, slow or misconfigured).",
		}, []string{"use", "outcome"})
		m.reg.MustRegister(m.conditions)
	})
	return m.conditions
}

// ObserveCondition counts one condition's outcome; it satisfies
// workflow.ConditionObserver.
func (m *Metrics) ObserveCondition(use, outcome string) {
	m.conditionCounter().WithLabelValues(use, outcome).Inc()
}
