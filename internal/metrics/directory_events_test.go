package metrics

import "testing"

func TestObserveDirectoryEvent(t *testing.T) {
	t.Parallel()
	m := New()
	for _, o := range []string{"received", "received", "processed", "malformed"} {
		m.ObserveDirectoryEvent(o)
	}
	for outcome, want := range map[string]float64{"received": 2, "processed": 1, "malformed": 1} {
		if got := counter(t, m, "elevate_directory_events_total", map[string]string{"outcome": outcome}); got != want {
			t.Errorf("directory_events{%s} = %g, want %g", outcome, got, want)
		}
	}
}
