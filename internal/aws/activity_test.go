package aws

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
)

const (
	actAccount = "444455556666"
	actOther   = "555566667777"
)

var grantStart = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// activityEnv is an emulator with seeded sessions and a source of each kind.
type activityEnv struct {
	emu  *awsemu.Emulator
	url  string
	lake ActivitySource
	logs ActivitySource
}

func newActivityEnv(t *testing.T, mod func(*ActivityConfig)) activityEnv {
	t.Helper()
	emu, url := startEmulator(t, awsemu.Options{})
	emu.SetQueryDuration(20 * time.Millisecond)
	mk := func(source string) ActivitySource {
		cfg := ActivityConfig{
			Source: source, EventDataStore: emu.EventDataStoreARN(), LogGroup: emu.TrailLogGroup(),
			PollInterval: 5 * time.Millisecond, RetryDelay: 5 * time.Millisecond, Logger: testLogger(t),
		}
		if mod != nil {
			mod(&cfg)
		}
		src, err := NewActivitySourceFromConfig(staticConfig(url), cfg)
		if err != nil {
			t.Fatalf("NewActivitySourceFromConfig(%s): %v", source, err)
		}
		return src
	}
	return activityEnv{emu: emu, url: url, lake: mk(ActivitySourceLake), logs: mk(ActivitySourceLogs)}
}

func (e activityEnv) seed(t *testing.T, s awsemu.SSOSession) {
	t.Helper()
	if err := e.emu.AddTrailEvents(awsemu.SSOSessionEvents(s)...); err != nil {
		t.Fatalf("AddTrailEvents: %v", err)
	}
}

// seedNeighbours adds sessions that must never match alice's grant: bob in
// the same account and role, alice in another account, alice with another
// permission set, and alice's session before the window.
func (e activityEnv) seedNeighbours(t *testing.T) {
	e.seed(t, awsemu.SSOSession{AccountID: actAccount, PermissionSetName: "AdministratorAccess", UserName: "bob", Start: grantStart.Add(5 * time.Minute)})
	e.seed(t, awsemu.SSOSession{AccountID: actOther, PermissionSetName: "AdministratorAccess", UserName: "alice", Start: grantStart.Add(5 * time.Minute)})
	e.seed(t, awsemu.SSOSession{AccountID: actAccount, PermissionSetName: "ReadOnlyAccess", UserName: "alice", Start: grantStart.Add(5 * time.Minute)})
	e.seed(t, awsemu.SSOSession{AccountID: actAccount, PermissionSetName: "AdministratorAccess", UserName: "alice", Start: grantStart.Add(-3 * time.Hour)})
}

func aliceQuery() access.ActivityQuery {
	return access.ActivityQuery{
		AccountID: actAccount, PermissionSetName: "AdministratorAccess",
		SessionNames: []string{"alice"}, UserID: "",
		// A one-hour grant plus the permission set's one-hour session duration.
		Start: grantStart, End: grantStart.Add(2 * time.Hour),
	}
}

func names(evs []access.ActivityEvent) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, e.Name)
	}
	return out
}

func TestActivityFinishedGrantBothSources(t *testing.T) {
	env := newActivityEnv(t, func(c *ActivityConfig) { c.PageSize = 2 })
	env.seedNeighbours(t)
	// alice's session during the grant, and one that started in the margin
	// after the assignment was removed (sessions outlive the assignment).
	env.seed(t, awsemu.SSOSession{AccountID: actAccount, PermissionSetName: "AdministratorAccess", UserName: "alice", Start: grantStart.Add(10 * time.Minute)})
	env.seed(t, awsemu.SSOSession{AccountID: actAccount, PermissionSetName: "AdministratorAccess", UserName: "alice", Start: grantStart.Add(90 * time.Minute)})
	want := []string{"AssumeRoleWithSAML", "DescribeInstances", "ListBuckets", "AssumeRoleWithSAML", "DescribeInstances", "ListBuckets"}

	for _, tc := range []struct {
		name, service string
		src           ActivitySource
		resultsOp     string
	}{
		{"lake", "cloudtrail", env.lake, "CloudTrail_20131101.GetQueryResults"},
		{"logs", "logs", env.logs, "Logs_20140328.GetQueryResults"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			starts := env.emu.Calls(startOp(tc.service))
			results := env.emu.Calls(tc.resultsOp)
			env.emu.FailNextQuery(tc.service, "Query failed: internal error")
			evs, err := tc.src.FetchActivity(context.Background(), aliceQuery())
			if err != nil {
				t.Fatalf("FetchActivity: %v", err)
			}
			if got := names(evs); !slices.Equal(got, want) {
				t.Fatalf("events = %v, want %v", got, want)
			}
			for i, ev := range evs {
				if ev.EventID == "" || ev.Time.Before(grantStart) || ev.Time.After(grantStart.Add(2*time.Hour)) {
					t.Errorf("event %d = %+v: missing id or outside the window", i, ev)
				}
				if i > 0 && ev.Time.Before(evs[i-1].Time) {
					t.Errorf("events not oldest first at %d", i)
				}
				if !strings.Contains(ev.Principal, "AWSReservedSSO_AdministratorAccess_") || !strings.HasSuffix(ev.Principal, "/alice") {
					t.Errorf("event %d principal = %q, want alice's AWSReservedSSO_AdministratorAccess session", i, ev.Principal)
				}
			}
			// The failed query was started again.
			if n := env.emu.Calls(startOp(tc.service)) - starts; n != 2 {
				t.Errorf("StartQuery calls = %d, want 2 (one failed, one retried)", n)
			}
			if tc.name == "lake" {
				// Six rows in pages of two: three result pages (plus polls
				// that the emulator answered before FINISHED, if any).
				if n := env.emu.Calls(tc.resultsOp) - results; n < 3 {
					t.Errorf("GetQueryResults calls = %d, want at least 3 pages", n)
				}
			}
		})
	}
}

func startOp(service string) string {
	if service == "cloudtrail" {
		return "CloudTrail_20131101.StartQuery"
	}
	return "Logs_20140328.StartQuery"
}

func TestActivityOnBehalfOf(t *testing.T) {
	env := newActivityEnv(t, nil)
	// A sign-in recorded with onBehalfOf under a session name elevate does
	// not know (the user's name changed): found by the immutable user id.
	env.seed(t, awsemu.SSOSession{AccountID: actAccount, PermissionSetName: "AdministratorAccess", UserName: "alice.renamed", UserID: "90676d4a-1111-2222-3333-444455556666", Start: grantStart.Add(time.Minute)})
	q := aliceQuery()
	q.UserID = "90676d4a-1111-2222-3333-444455556666"
	for name, src := range map[string]ActivitySource{"lake": env.lake, "logs": env.logs} {
		evs, err := src.FetchActivity(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: FetchActivity: %v", name, err)
		}
		if got := names(evs); !slices.Equal(got, []string{"AssumeRoleWithSAML"}) {
			t.Errorf("%s: events = %v, want the onBehalfOf sign-in only", name, got)
		}
	}
}

// TestActivityInjection seeds sessions for users whose names carry quotes,
// backslashes and query syntax, plus bob's session in the same account and
// role: each hostile name finds exactly its own three events, and never
// bob's. A name that broke out of its literal would either change the
// parsed query (refused by the emulator: the fetch would fail) or match bob.
func TestActivityInjection(t *testing.T) {
	env := newActivityEnv(t, nil)
	env.seed(t, awsemu.SSOSession{AccountID: actAccount, PermissionSetName: "AdministratorAccess", UserName: "bob", Start: grantStart.Add(time.Minute)})
	hostile := []string{
		`o'brien`,
		`x' OR '1'='1`,
		`x') OR recipientAccountId <> ('`,
		`a\' OR eventName = 'ListBuckets`,
		`x" or eventName = "ListBuckets`,
		`x\" or eventName = \"ListBuckets`,
		`100%_sure`,
		`back\slash\`,
	}
	for i, name := range hostile {
		env.seed(t, awsemu.SSOSession{AccountID: actAccount, PermissionSetName: "AdministratorAccess", UserName: name, Start: grantStart.Add(time.Duration(10+i) * time.Minute)})
	}
	for _, name := range hostile {
		q := aliceQuery()
		q.SessionNames = []string{name}
		for srcName, src := range map[string]ActivitySource{"lake": env.lake, "logs": env.logs} {
			evs, err := src.FetchActivity(context.Background(), q)
			if err != nil {
				t.Fatalf("%s %q: FetchActivity: %v", srcName, name, err)
			}
			if got := names(evs); !slices.Equal(got, []string{"AssumeRoleWithSAML", "DescribeInstances", "ListBuckets"}) {
				t.Errorf("%s %q: events = %v, want exactly its own session", srcName, name, got)
			}
			for _, ev := range evs {
				if !strings.HasSuffix(ev.Principal, "/"+name) {
					t.Errorf("%s %q: got an event of %q", srcName, name, ev.Principal)
				}
			}
		}
	}
}

// TestActivityUnescapedQueryRefused shows that the emulator's parser makes
// the injection test meaningful: the same hostile name pasted into the
// query without escaping changes the query's shape and AWS's error comes
// back.
func TestActivityUnescapedQueryRefused(t *testing.T) {
	env := newActivityEnv(t, nil)
	ctx := context.Background()
	eds := env.emu.EventDataStoreARN()
	eds = eds[strings.LastIndexByte(eds, '/')+1:]
	naive := "SELECT eventID FROM " + eds + " WHERE recipientAccountId = '" + actAccount +
		"' AND userIdentity.principalId LIKE '%:x' OR '1'='1'"
	ct := cloudtrail.NewFromConfig(staticConfig(env.url))
	_, err := ct.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: awssdk.String(naive)})
	var bad *cttypes.InvalidQueryStatementException
	if !errors.As(err, &bad) {
		t.Fatalf("naive Lake query: err = %v, want InvalidQueryStatementException", err)
	}
	cwl := cloudwatchlogs.NewFromConfig(staticConfig(env.url))
	naiveCWL := `fields eventID | filter userIdentity.principalId like ":x" or "1" = "1"`
	_, err = cwl.StartQuery(ctx, &cloudwatchlogs.StartQueryInput{
		LogGroupName: awssdk.String(env.emu.TrailLogGroup()), StartTime: awssdk.Int64(0), EndTime: awssdk.Int64(2e9), QueryString: awssdk.String(naiveCWL),
	})
	var malformed *cwltypes.MalformedQueryException
	if !errors.As(err, &malformed) {
		t.Fatalf("naive Insights query: err = %v, want MalformedQueryException", err)
	}
}

func TestActivityEscaping(t *testing.T) {
	for _, tc := range []struct {
		fn       func(string) string
		in, want string
	}{
		{sqlString, `o'brien`, `'o''brien'`},
		{sqlString, `a''b`, `'a''''b'`},
		{sqlLike, `100%_a\b`, `100\%\_a\\b`},
		{insightsString, `say "hi" \o/`, `"say \"hi\" \\o/"`},
	} {
		if got := tc.fn(tc.in); got != tc.want {
			t.Errorf("escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestActivityValidation(t *testing.T) {
	env := newActivityEnv(t, nil)
	for name, mod := range map[string]func(*access.ActivityQuery){
		"control character": func(q *access.ActivityQuery) { q.SessionNames = []string{"ali\nce"} },
		"NUL in user id":    func(q *access.ActivityQuery) { q.UserID = "u\x00" },
		"bad account":       func(q *access.ActivityQuery) { q.AccountID = "4444' OR '1" },
		"bad permission set": func(q *access.ActivityQuery) {
			q.PermissionSetName = "Admin' OR '1'='1"
		},
		"no identity":     func(q *access.ActivityQuery) { q.SessionNames = nil },
		"inverted window": func(q *access.ActivityQuery) { q.End = q.Start.Add(-time.Second) },
	} {
		q := aliceQuery()
		mod(&q)
		if _, err := env.lake.FetchActivity(context.Background(), q); err == nil || !strings.Contains(err.Error(), "activity query") {
			t.Errorf("%s: err = %v, want a validation error", name, err)
		}
	}
	if env.emu.Calls("StartQuery") != 0 {
		t.Errorf("invalid queries reached AWS: %d StartQuery calls", env.emu.Calls("StartQuery"))
	}
}

// TestActivityLakeConcurrency runs more fetches at once than Lake allows
// queries: the source's semaphore keeps them at 10, so the emulator never
// answers MaxConcurrentQueriesException and every fetch succeeds.
func TestActivityLakeConcurrency(t *testing.T) {
	env := newActivityEnv(t, func(c *ActivityConfig) { c.Attempts = 1 })
	env.emu.SetQueryDuration(60 * time.Millisecond)
	env.seed(t, awsemu.SSOSession{AccountID: actAccount, PermissionSetName: "AdministratorAccess", UserName: "alice", Start: grantStart.Add(time.Minute)})
	var wg sync.WaitGroup
	errs := make(chan error, 25)
	for range 25 {
		wg.Go(func() {
			evs, err := env.lake.FetchActivity(context.Background(), aliceQuery())
			if err == nil && len(evs) != 3 {
				err = errors.New("wrong number of events")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent fetch: %v", err)
		}
	}
	if n := env.emu.Stats().Errors["MaxConcurrentQueriesException"]; n != 0 {
		t.Errorf("MaxConcurrentQueriesException answered %d times", n)
	}
	if n := env.emu.Calls("CloudTrail_20131101.StartQuery"); n != 25 {
		t.Errorf("StartQuery calls = %d, want 25", n)
	}
}

// TestActivityGivesUp: a query that fails every time is reported after the
// configured attempts, with AWS's message.
func TestActivityGivesUp(t *testing.T) {
	env := newActivityEnv(t, func(c *ActivityConfig) { c.Attempts = 2 })
	env.emu.SetFault("StartQuery", awsemu.Fault{FailRate: 1, FailReason: "Query failed: boom"})
	_, err := env.logs.FetchActivity(context.Background(), aliceQuery())
	if err == nil || !strings.Contains(err.Error(), "gave up after 2 attempts") {
		t.Fatalf("err = %v, want gave up after 2 attempts", err)
	}
	_, err = env.lake.FetchActivity(context.Background(), aliceQuery())
	if err == nil || !strings.Contains(err.Error(), "Query failed: boom") {
		t.Fatalf("lake err = %v, want the query's ErrorMessage", err)
	}
}
