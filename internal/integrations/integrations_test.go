package integrations_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/integrations"
	"github.com/elevate/elevate/internal/integrations/integrationstest"
	"github.com/elevate/elevate/internal/policy"
)

func source(t *testing.T, f *integrationstest.Server, timeout time.Duration) *integrations.Source {
	t.Helper()
	cfg := func(svc string) integrations.ClientConfig {
		return integrations.ClientConfig{BaseURL: f.ServiceURL(svc), Timeout: timeout, Retries: 2, CallsPerSecond: 1000, Backoff: time.Millisecond}
	}
	pd, err := integrations.NewPagerDuty(cfg(integrationstest.PagerDuty), integrationstest.PagerDutyToken)
	if err != nil {
		t.Fatal(err)
	}
	og, err := integrations.NewOpsgenie(cfg(integrationstest.Opsgenie), integrationstest.OpsgenieKey)
	if err != nil {
		t.Fatal(err)
	}
	jira, err := integrations.NewJira(cfg(integrationstest.Jira), integrationstest.JiraEmail, integrationstest.JiraToken)
	if err != nil {
		t.Fatal(err)
	}
	snow, err := integrations.NewServiceNow(cfg(integrationstest.ServiceNow), integrationstest.ServiceNowUser, integrationstest.ServiceNowSecret)
	if err != nil {
		t.Fatal(err)
	}
	return &integrations.Source{PagerDuty: pd, Opsgenie: og, Jira: jira, ServiceNow: snow}
}

var (
	alice = access.User{ID: "u-alice", UserName: "alice", Email: "Alice@example.com"}
	sched = policy.OnCallSource{Provider: policy.PagerDuty, Kind: policy.KindSchedule, ID: "PSCHED1"}
	ep    = policy.OnCallSource{Provider: policy.PagerDuty, Kind: policy.KindEscalationPolicy, ID: "PEP1"}
	ogs   = policy.OnCallSource{Provider: policy.Opsgenie, Kind: policy.KindSchedule, ID: "og-1"}
	jira  = policy.TicketSource{System: policy.Jira}
	snow  = policy.TicketSource{System: policy.ServiceNow, Table: "incident"}
)

func TestPagerDutyOnCalls(t *testing.T) {
	t.Parallel()
	f := integrationstest.New(t)
	end := time.Date(2030, 1, 1, 18, 0, 0, 0, time.UTC)
	// Five entries: pages of two, alice on the third page at level 2.
	f.SetSchedule("PSCHED1", integrationstest.OnCall{Email: "bob@example.com", Level: 1, End: end}, integrationstest.OnCall{Email: "carol@example.com", Level: 1, End: end},
		integrationstest.OnCall{Email: "dave@example.com", Level: 1, End: end}, integrationstest.OnCall{Email: "erin@example.com", Level: 3, End: end},
		integrationstest.OnCall{Email: "alice@example.com", Level: 2, End: end})
	f.SetEscalationPolicy("PEP1", integrationstest.OnCall{Email: "bob@example.com", Level: 1, End: end})
	s := source(t, f, 3*time.Second)
	ctx := context.Background()

	got := s.OnCall(ctx, sched, alice)
	if got.Err != "" || !slices.Equal(got.Levels, []int{2}) || !strings.Contains(got.Evidence, "until 2030-01-01T18:00:00Z") {
		t.Errorf("alice in PSCHED1 = %+v, want level 2 found on the last page", got)
	}
	if n := f.Calls(integrationstest.PagerDuty); n != 3 {
		t.Errorf("%d calls, want 3 pages", n)
	}
	got = s.OnCall(ctx, ep, alice)
	if got.Err != "" || len(got.Levels) != 0 || !strings.Contains(got.Evidence, "bob@example.com (level 1)") {
		t.Errorf("alice in PEP1 = %+v, want not on call with who is", got)
	}
	bad, err := integrations.NewPagerDuty(integrations.ClientConfig{BaseURL: f.ServiceURL(integrationstest.PagerDuty)}, "wrong")
	if err != nil {
		t.Fatal(err)
	}
	if fact := (&integrations.Source{PagerDuty: bad}).OnCall(ctx, sched, alice); !strings.Contains(fact.Err, "PagerDuty answered 401 Unauthorized (check its credentials): invalid credentials") {
		t.Errorf("wrong token: %+v", fact)
	}
}

func TestOpsgenieOnCalls(t *testing.T) {
	t.Parallel()
	f := integrationstest.New(t)
	f.SetOpsgenieSchedule("og-1", "alice@example.com", "bob@example.com")
	s := source(t, f, 3*time.Second)
	ctx := context.Background()
	if got := s.OnCall(ctx, ogs, alice); got.Err != "" || !slices.Equal(got.Levels, []int{1}) || !strings.Contains(got.Evidence, "sched-og-1") {
		t.Errorf("alice in og-1 = %+v", got)
	}
	f.SetOpsgenieSchedule("og-1", "bob@example.com")
	if got := s.OnCall(ctx, ogs, alice); got.Err != "" || len(got.Levels) != 0 || !strings.Contains(got.Evidence, "bob@example.com") {
		t.Errorf("bob on call = %+v", got)
	}
	if got := s.OnCall(ctx, policy.OnCallSource{Provider: policy.Opsgenie, Kind: policy.KindSchedule, ID: "nope"}, alice); !strings.Contains(got.Err, "404 Not Found: Schedule with identifier [nope] doesn't exist") {
		t.Errorf("unknown schedule = %+v", got)
	}
}

func TestJiraIssues(t *testing.T) {
	t.Parallel()
	f := integrationstest.New(t)
	f.SetIssue(integrationstest.Issue{Key: "OPS-1", Summary: "DB failover", Status: "In Progress", Category: "indeterminate", Project: "OPS", Assignee: "alice@example.com"})
	f.SetIssue(integrationstest.Issue{Key: "OPS-2", Summary: "Unassigned", Status: "To Do", Category: "new", Project: "OPS"})
	s := source(t, f, 3*time.Second)
	ctx := context.Background()
	got := s.Ticket(ctx, jira, "OPS-1")
	want := policy.TicketFact{Found: true, Key: "OPS-1", Title: "DB failover", URL: f.ServiceURL(integrationstest.Jira) + "/browse/OPS-1", Project: "OPS",
		Status: "In Progress", StatusCategory: "indeterminate", Assignee: "alice@example.com"}
	if got != want {
		t.Errorf("OPS-1 = %+v, want %+v", got, want)
	}
	if got := s.Ticket(ctx, jira, "OPS-2"); !got.Found || got.Assignee != "" {
		t.Errorf("OPS-2 = %+v, want found and unassigned", got)
	}
	if got := s.Ticket(ctx, jira, "OPS-404"); got.Found || got.Err != "" {
		t.Errorf("missing issue = %+v, want not found without error", got)
	}
	calls := f.Calls(integrationstest.Jira)
	if got := s.Ticket(ctx, jira, "OPS-1 OR 1=1"); got.Found || f.Calls(integrationstest.Jira) != calls {
		t.Errorf("a key that is not a Jira key must not be sent: %+v", got)
	}
}

func TestServiceNowRecords(t *testing.T) {
	t.Parallel()
	f := integrationstest.New(t)
	f.SetRecord("incident", integrationstest.Record{SysID: "abc123", Number: "INC0010001", ShortDescription: "Outage", State: "2", AssignedTo: "alice@example.com"})
	s := source(t, f, 3*time.Second)
	ctx := context.Background()
	got := s.Ticket(ctx, snow, "INC0010001")
	if !got.Found || got.Status != "2" || got.Assignee != "alice@example.com" || got.Title != "Outage" || got.URL != f.ServiceURL(integrationstest.ServiceNow)+"/incident.do?sys_id=abc123" {
		t.Errorf("INC0010001 = %+v", got)
	}
	if got := s.Ticket(ctx, snow, "INC0099999"); got.Found || got.Err != "" {
		t.Errorf("missing record = %+v", got)
	}
	calls := f.Calls(integrationstest.ServiceNow)
	if got := s.Ticket(ctx, snow, "INC1^ORnumber!=x"); got.Found || f.Calls(integrationstest.ServiceNow) != calls {
		t.Errorf("a number with query operators must not be sent: %+v", got)
	}
	if got := s.Ticket(ctx, policy.TicketSource{System: policy.ServiceNow, Table: "nope"}, "INC0010001"); !strings.Contains(got.Err, "400 Bad Request: Invalid table nope") {
		t.Errorf("unknown table = %+v", got)
	}
}

func TestFailuresAreUnknownWithTheReason(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		inject  func(*integrationstest.Server)
		timeout time.Duration
		want    string
		calls   int // calls the service received (retries included)
	}{
		{"503 on every attempt: retried, then unknown", func(f *integrationstest.Server) { f.Down(integrationstest.ServiceNow, http.StatusServiceUnavailable) },
			3 * time.Second, "ServiceNow answered 503 Service Unavailable: Service Unavailable", 3},
		{"429: retried honoring Retry-After, then unknown", func(f *integrationstest.Server) { f.Down(integrationstest.ServiceNow, http.StatusTooManyRequests) },
			3 * time.Second, "ServiceNow answered 429 Too Many Requests", 3},
		{"401: not retried", func(f *integrationstest.Server) { f.Down(integrationstest.ServiceNow, http.StatusUnauthorized) },
			3 * time.Second, "(check its credentials)", 1},
		{"slower than the timeout", func(f *integrationstest.Server) { f.Latency(integrationstest.ServiceNow, 2*time.Second) },
			50 * time.Millisecond, "ServiceNow did not answer within 50ms", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := integrationstest.New(t)
			f.SetRecord("incident", integrationstest.Record{SysID: "a", Number: "INC1", State: "2"})
			tt.inject(f)
			got := source(t, f, tt.timeout).Ticket(context.Background(), snow, "INC1")
			if got.Found || !strings.Contains(got.Err, tt.want) {
				t.Errorf("fact = %+v, want an error containing %q", got, tt.want)
			}
			if n := f.Calls(integrationstest.ServiceNow); n != tt.calls {
				t.Errorf("%d calls, want %d", n, tt.calls)
			}
		})
	}
}

func TestRecoversAfterATransientFailure(t *testing.T) {
	t.Parallel()
	f := integrationstest.New(t)
	f.SetOpsgenieSchedule("og-1", "alice@example.com")
	f.Down(integrationstest.Opsgenie, http.StatusBadGateway)
	s := source(t, f, 3*time.Second)
	if got := s.OnCall(context.Background(), ogs, alice); got.Err == "" {
		t.Fatalf("down: %+v, want an error", got)
	}
	f.Down(integrationstest.Opsgenie, 0)
	if got := s.OnCall(context.Background(), ogs, alice); got.Err != "" || len(got.Levels) != 1 {
		t.Errorf("back up: %+v", got)
	}
}

func TestNotConfiguredIsUnknown(t *testing.T) {
	t.Parallel()
	s := &integrations.Source{}
	if got := s.OnCall(context.Background(), sched, alice); !strings.Contains(got.Err, "integrations.pagerduty") {
		t.Errorf("PagerDuty not configured: %+v", got)
	}
	if got := s.Ticket(context.Background(), snow, "INC1"); !strings.Contains(got.Err, "integrations.servicenow") {
		t.Errorf("ServiceNow not configured: %+v", got)
	}
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	f := integrationstest.New(t)
	f.SetSchedule("PSCHED1")
	f.SetOpsgenieSchedule("og-1")
	f.SetRecord("incident", integrationstest.Record{SysID: "a", Number: "INC1"})
	s := source(t, f, 3*time.Second)
	checks := s.Doctor(context.Background(),
		[]policy.OnCallSource{sched, {Provider: policy.PagerDuty, Kind: policy.KindSchedule, ID: "PGONE"}, ogs, {Provider: policy.Opsgenie, Kind: policy.KindSchedule, ID: "og-gone"}},
		[]policy.TicketSource{snow, jira})
	var lines []string
	for _, c := range checks {
		state := "error"
		switch {
		case c.Warning:
			state = "warning"
		case c.OK:
			state = "ok"
		}
		lines = append(lines, state+" "+c.Integration+": "+c.Message)
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"ok PagerDuty: reachable, token accepted", "ok Jira: reachable, credentials accepted",
		"ok PagerDuty schedule PSCHED1: found", "warning PagerDuty schedule PGONE: unknown id",
		"ok Opsgenie schedule og-1: found", "warning Opsgenie schedule og-gone: unknown id",
		"ok ServiceNow table incident: reachable",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("doctor:\n%s\nwant a line %q", got, want)
		}
	}
	f.Down(integrationstest.PagerDuty, http.StatusUnauthorized)
	checks = (&integrations.Source{PagerDuty: s.PagerDuty}).Doctor(context.Background(), []policy.OnCallSource{sched}, nil)
	if len(checks) != 1 || checks[0].OK || !strings.Contains(checks[0].Message, "check its credentials") {
		t.Errorf("PagerDuty refusing the token: %+v", checks)
	}
}

// TestRateLimitPerIntegration: each integration spaces its own calls; a
// call that would wait past the timeout for its turn is unknown, without
// reaching the service, and another integration is not held back.
func TestRateLimitPerIntegration(t *testing.T) {
	t.Parallel()
	f := integrationstest.New(t)
	f.SetRecord("incident", integrationstest.Record{SysID: "a", Number: "INC1", State: "2"})
	f.SetIssue(integrationstest.Issue{Key: "OPS-1", Status: "To Do", Category: "new", Project: "OPS"})
	slow := integrations.ClientConfig{BaseURL: f.ServiceURL(integrationstest.ServiceNow), Timeout: 50 * time.Millisecond, CallsPerSecond: 0.001}
	snowC, err := integrations.NewServiceNow(slow, integrationstest.ServiceNowUser, integrationstest.ServiceNowSecret)
	if err != nil {
		t.Fatal(err)
	}
	jiraC, err := integrations.NewJira(integrations.ClientConfig{BaseURL: f.ServiceURL(integrationstest.Jira), CallsPerSecond: 1000},
		integrationstest.JiraEmail, integrationstest.JiraToken)
	if err != nil {
		t.Fatal(err)
	}
	s := &integrations.Source{ServiceNow: snowC, Jira: jiraC}
	ctx := context.Background()
	if got := s.Ticket(ctx, snow, "INC1"); !got.Found {
		t.Fatalf("first call: %+v", got)
	}
	if got := s.Ticket(ctx, snow, "INC1"); !strings.Contains(got.Err, "ServiceNow did not answer within 50ms") {
		t.Errorf("second call within the rate limit: %+v, want unknown", got)
	}
	if n := f.Calls(integrationstest.ServiceNow); n != 1 {
		t.Errorf("ServiceNow received %d calls, want 1: the limit holds calls back before they are sent", n)
	}
	if got := s.Ticket(ctx, jira, "OPS-1"); !got.Found {
		t.Errorf("Jira held back by ServiceNow's limit: %+v", got)
	}
}
