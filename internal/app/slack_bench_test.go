package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/notify/slack"
	"github.com/elevate/elevate/internal/notify/slack/slackfake"
)

// BenchmarkSlackAccountSuggestions types into the request modal's account
// select for a user eligible for 5,008 accounts (the demo organization plus
// 5,000), through the real app on SQLite: Slack's signed block_suggestion,
// the signature check, the Slack user's directory user, eligibility (policy
// engine), matching, and the options answer. It reports the p50 and p99 of
// the round trip measured by the fake Slack on the same machine (the
// server's time plus the loopback).
//
//	go test ./internal/app -run '^$' -bench BenchmarkSlackAccountSuggestions -benchtime 500x
func BenchmarkSlackAccountSuggestions(b *testing.B) {
	ws := slackWorkspace(b)
	env := startPortal(b, manyAccountsSeed(5000), func(c *config.Config) { withSlackRequests(ws)(c) })
	ws.AppURL = env.app.URL()
	ws.Command("U_alice", "/elevate", "")
	var v slackfake.View
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var ok bool
		if v, ok = ws.OpenedView("U_alice"); ok {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the modal did not open")
		}
	}
	queries := []string{"", "acct-0", "acct-0421", "acct-04219", "prod", "1000000043"}
	ws.Suggest("U_alice", v.ID, slack.BlockAccount, slack.ActionAccount, "") // warm the policy cache, as a running server has it
	var times []time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		opts := ws.Suggest("U_alice", v.ID, slack.BlockAccount, slack.ActionAccount, queries[i%len(queries)])
		times = append(times, time.Since(start))
		if len(opts) == 0 || len(opts) > 100 {
			b.Fatalf("%q: %d options", queries[i%len(queries)], len(opts))
		}
		i++
	}
	slices.Sort(times)
	p := func(q float64) float64 { return float64(times[int(q*float64(len(times)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}
