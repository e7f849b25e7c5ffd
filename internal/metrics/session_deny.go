package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	denyFallbackMu  sync.Mutex
	denyFallbackFor = map[*Metrics]prometheus.Counter{}
)

// ObserveSessionDenyFallback counts a session-ending statement that did not
// fit the service control policy and went to the permission set's inline
// policy (satisfies workflow.SessionDenyObserver). The counter is
// registered at the first fallback.
func (m *Metrics) ObserveSessionDenyFallback() {
	denyFallbackMu.Lock()
	c, ok := denyFallbackFor[m]
	if !ok {
		c = prometheus.NewCounter(prometheus.CounterOpts{Name: "elevate_session_deny_fallback_total",
			Help: "Session-ending statements that did not fit the service control policy (5,120 characters) and went to the permission set's inline policy."})
		m.reg.MustRegister(c)
		denyFallbackFor[m] = c
	}
	denyFallbackMu.Unlock()
	c.Inc()
}
