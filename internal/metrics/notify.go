package metrics

import "github.com/prometheus/client_golang/prometheus"

// notificationCounter counts notification deliveries.
func (m *Metrics) notificationCounter() *prometheus.CounterVec {
	m.notifyOnce.Do(func() {
		m.notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "elevate_notifications_total",
			Help: "Notification delivery attempts by channel and outcome (sent, failed: will retry, given_up, skipped).",
		}, []string{"channel", "outcome"})
		m.reg.MustRegister(m.notifications)
	})
	return m.notifications
}

// ObserveNotification counts one delivery attempt; it satisfies notify.Observer.
func (m *Metrics) ObserveNotification(channel, outcome string) {
	m.notificationCounter().WithLabelValues(channel, outcome).Inc()
}

// RegisterNotifications makes the notification counter appear in /metrics
// before the first delivery.
func (m *Metrics) RegisterNotifications() { m.notificationCounter() }
