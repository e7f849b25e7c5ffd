package access

import (
	"testing"
	"time"
)

func TestPlanRevokeStart(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	env := Envelope{Latency: 2 * time.Second, Spacing: 200 * time.Millisecond, Margin: time.Second}
	ends := func(n int, at time.Time) []GrantEnd {
		out := make([]GrantEnd, n)
		for i := range out {
			out[i] = GrantEnd{GrantID: "g" + string(rune('a'+i/26)) + string(rune('a'+i%26)), EndsAt: at}
		}
		return out
	}
	tests := []struct {
		name   string
		id     string
		end    time.Time
		others []GrantEnd
		ahead  time.Duration
		want   time.Time
	}{
		{"off: at the end", "g1", end, nil, 0, end},
		{"alone: latency and margin before the end", "g1", end, nil, 5 * time.Minute, end.Add(-3 * time.Second)},
		{"alone, bound shorter than the latency", "g1", end, nil, time.Second, end.Add(-time.Second)},
		{"earlier ends do not move it", "g1", end, ends(50, end.Add(-time.Minute)), 5 * time.Minute, end.Add(-3 * time.Second)},
		{"its own id among the others is ignored", "g1", end, []GrantEnd{{GrantID: "g1", EndsAt: end.Add(time.Hour)}}, 5 * time.Minute, end.Add(-3 * time.Second)},
		{"a later end far away does not move it", "g1", end, []GrantEnd{{GrantID: "g0", EndsAt: end.Add(time.Minute)}}, 5 * time.Minute, end.Add(-3 * time.Second)},
		{"a later end within a spacing pushes it earlier", "g1", end, []GrantEnd{{GrantID: "g0", EndsAt: end.Add(100 * time.Millisecond)}},
			5 * time.Minute, end.Add(-3100 * time.Millisecond)},
		// 100 ends at the same instant, ids ga..dv: g1 sorts before them all
		// (digits before letters), so it is last, the 101st: 100 spacings
		// before the first.
		{"last of a burst of 101", "g1", end, ends(100, end), 5 * time.Minute, end.Add(-3*time.Second - 100*200*time.Millisecond)},
		{"a burst beyond the bound starts at the bound", "g1", end, ends(2000, end), 5 * time.Minute, end.Add(-5 * time.Minute)},
		{"highest id of a tie goes at its own time", "gz", end, []GrantEnd{{GrantID: "ga", EndsAt: end}}, 5 * time.Minute, end.Add(-3 * time.Second)},
		{"lower id of a tie one spacing earlier", "ga", end, []GrantEnd{{GrantID: "gz", EndsAt: end}}, 5 * time.Minute, end.Add(-3*time.Second - 200*time.Millisecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := PlanRevokeStart(tt.id, tt.end, tt.others, env, tt.ahead); !got.Equal(tt.want) {
				t.Errorf("PlanRevokeStart = %s (%s before the end), want %s (%s before)", got, tt.end.Sub(got), tt.want, tt.end.Sub(tt.want))
			}
		})
	}
}

// TestPlanRevokeStartBurstNoCollision plans every grant of a burst of
// common and nearby ends and checks that no two start closer than the
// spacing, each is gone (start + latency) by its end, and none starts more
// than the bound ahead.
func TestPlanRevokeStartBurstNoCollision(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	env := Envelope{Latency: 2 * time.Second, Spacing: 200 * time.Millisecond}
	var all []GrantEnd
	for i := range 300 {
		at := end
		if i%3 == 1 {
			at = end.Add(time.Duration(i) * 100 * time.Millisecond)
		}
		all = append(all, GrantEnd{GrantID: string(rune('A'+i/60)) + string(rune('a'+i%60/2)) + string(rune('0'+i%2)), EndsAt: at})
	}
	starts := map[string]time.Time{}
	for _, g := range all {
		s := PlanRevokeStart(g.GrantID, g.EndsAt, all, env, 10*time.Minute)
		if s.Add(env.Latency).After(g.EndsAt) {
			t.Errorf("%s: starts %s before its end, gone after it", g.GrantID, g.EndsAt.Sub(s))
		}
		starts[g.GrantID] = s
	}
	var times []time.Time
	for _, s := range starts {
		times = append(times, s)
	}
	for i := range times {
		for j := i + 1; j < len(times); j++ {
			if d := times[i].Sub(times[j]).Abs(); d < env.Spacing {
				t.Fatalf("two starts %s apart, want at least %s", d, env.Spacing)
			}
		}
	}
}

func TestGrantCutShort(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 12, 8, 12, 0, 0, 0, time.UTC)
	revoked := Grant{ID: "g", Status: GrantRevoked, DeleteRequestID: "del-1", RevokedAt: end.Add(-90 * time.Second)}
	tests := []struct {
		name string
		g    Grant
		r    Request
		want time.Duration
	}{
		{"revoked ahead of its end", revoked, Request{EndsAt: end}, 90 * time.Second},
		{"revoked after its end", Grant{ID: "g", Status: GrantRevoked, DeleteRequestID: "d", RevokedAt: end.Add(time.Second)}, Request{EndsAt: end}, 0},
		{"ended early by a person", revoked, Request{EndsAt: end, EndRequestedAt: end.Add(-time.Hour)}, 0},
		{"assignment kept: no deletion", Grant{ID: "g", Status: GrantRevoked, RevokedAt: end.Add(-time.Minute)}, Request{EndsAt: end}, 0},
		{"still active", Grant{ID: "g", Status: GrantActive}, Request{EndsAt: end}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.g.CutShort(tt.r); got != tt.want {
				t.Errorf("CutShort = %s, want %s", got, tt.want)
			}
		})
	}
}
