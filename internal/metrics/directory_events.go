package metrics

import "github.com/prometheus/client_golang/prometheus"

// directoryEventCounter counts the directory events queue's messages.
func (m *Metrics) directoryEventCounter() *prometheus.CounterVec {
	m.directoryEventsOnce.Do(func() {
		m.directoryEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "elevate_directory_events_total",
			Help: "Messages of the directory events queue (directory.events_queue_url), by outcome: received; processed (queued as a job, message deleted); " +
				"ignored (takes no access away); malformed (logged and deleted); failed (not queued: the message comes back); receive_error (the queue could not be read).",
		}, []string{"outcome"})
		m.reg.MustRegister(m.directoryEvents)
	})
	return m.directoryEvents
}

// ObserveDirectoryEvent counts one message outcome; it satisfies
// aws.DirectoryEventsObserver.
func (m *Metrics) ObserveDirectoryEvent(outcome string) {
	m.directoryEventCounter().WithLabelValues(outcome).Inc()
}
