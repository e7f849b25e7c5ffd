package awsemu

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func trailEnv(t *testing.T) (*Emulator, *fakeClock, awssdk.Config) {
	t.Helper()
	clk := newFakeClock()
	emu, err := New(DemoSeed(), Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	emu.SetQueryDuration(time.Second)
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, u := range []string{"alice", "bob"} {
		if err := emu.AddTrailEvents(SSOSessionEvents(SSOSession{AccountID: "444455556666", PermissionSetName: "AdministratorAccess", UserName: u, Start: start})...); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := awssdk.Config{Region: "us-east-1", BaseEndpoint: awssdk.String(srv.URL),
		Credentials: awssdk.CredentialsProviderFunc(func(context.Context) (awssdk.Credentials, error) {
			return awssdk.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "x"}, nil
		}), RetryMaxAttempts: 1}
	return emu, clk, cfg
}

func edsID(emu *Emulator) string {
	a := emu.EventDataStoreARN()
	return a[strings.LastIndexByte(a, '/')+1:]
}

// TestLakeQueryLifecycle: QUEUED, RUNNING, FINISHED with the clock; rows as
// lists of one-key string maps in SELECT order; paging with NextToken.
func TestLakeQueryLifecycle(t *testing.T) {
	emu, clk, cfg := trailEnv(t)
	ct := cloudtrail.NewFromConfig(cfg)
	ctx := context.Background()
	stmt := "SELECT eventName, userIdentity.arn, element_at(requestParameters, 'roleSessionName') FROM " + edsID(emu) +
		" WHERE eventTime >= '2026-03-02 09:00:00' AND (userIdentity.principalId LIKE '%:alice' OR element_at(requestParameters, 'roleSessionName') = 'alice') ORDER BY eventTime"
	start, err := ct.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: awssdk.String(stmt)})
	if err != nil {
		t.Fatalf("StartQuery: %v", err)
	}
	status := func() cttypes.QueryStatus {
		d, err := ct.DescribeQuery(ctx, &cloudtrail.DescribeQueryInput{QueryId: start.QueryId})
		if err != nil {
			t.Fatalf("DescribeQuery: %v", err)
		}
		return d.QueryStatus
	}
	if s := status(); s != cttypes.QueryStatusQueued {
		t.Fatalf("status at start = %s, want QUEUED", s)
	}
	clk.Advance(500 * time.Millisecond)
	if s := status(); s != cttypes.QueryStatusRunning {
		t.Fatalf("status at 0.5s = %s, want RUNNING", s)
	}
	clk.Advance(time.Second)
	if s := status(); s != cttypes.QueryStatusFinished {
		t.Fatalf("status at 1.5s = %s, want FINISHED", s)
	}
	var rows [][]map[string]string
	var pages int
	p := cloudtrail.NewGetQueryResultsPaginator(ct, &cloudtrail.GetQueryResultsInput{QueryId: start.QueryId, MaxQueryResults: awssdk.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("GetQueryResults: %v", err)
		}
		pages++
		rows = append(rows, out.QueryResultRows...)
	}
	if pages != 2 || len(rows) != 3 {
		t.Fatalf("pages = %d, rows = %d, want 2 pages of 3 rows", pages, len(rows))
	}
	first := rows[0]
	if len(first) != 3 || first[0]["eventName"] != "AssumeRoleWithSAML" || first[2]["requestParameters.roleSessionName"] != "alice" {
		t.Errorf("first row = %v, want [{eventName: AssumeRoleWithSAML} {userIdentity.arn: ...} {requestParameters.roleSessionName: alice}]", first)
	}
	if !strings.HasSuffix(rows[1][1]["userIdentity.arn"], "/alice") {
		t.Errorf("second row = %v, want alice's assumed-role arn", rows[1])
	}
	_, err = ct.GetQueryResults(ctx, &cloudtrail.GetQueryResultsInput{QueryId: start.QueryId, NextToken: awssdk.String("bogus-token")})
	var badTok *cttypes.InvalidNextTokenException
	if !errors.As(err, &badTok) {
		t.Errorf("bad token: err = %v, want InvalidNextTokenException", err)
	}
}

func TestLakeQueryRefusals(t *testing.T) {
	emu, clk, cfg := trailEnv(t)
	ct := cloudtrail.NewFromConfig(cfg)
	ctx := context.Background()
	good := "SELECT eventID FROM " + edsID(emu) + " WHERE eventName = 'ListBuckets'"
	for name, stmt := range map[string]string{
		"drop":             "DROP TABLE x",
		"literal compare":  "SELECT eventID FROM " + edsID(emu) + " WHERE '1' = '1'",
		"trailing text":    good + " ; DELETE",
		"unterminated":     "SELECT eventID FROM " + edsID(emu) + " WHERE eventName = 'x",
		"control char":     good + "\x00",
		"union":            good + " UNION SELECT eventID FROM " + edsID(emu) + " WHERE eventName = 'x'",
		"unknown function": "SELECT eventID FROM " + edsID(emu) + " WHERE lower(eventName) = 'x'",
	} {
		_, err := ct.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: awssdk.String(stmt)})
		var bad *cttypes.InvalidQueryStatementException
		if !errors.As(err, &bad) {
			t.Errorf("%s: err = %v, want InvalidQueryStatementException", name, err)
		}
	}
	_, err := ct.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: awssdk.String("SELECT eventID FROM other-store WHERE eventName = 'x'")})
	var nf *cttypes.EventDataStoreNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("unknown store: err = %v, want EventDataStoreNotFoundException", err)
	}
	// Ten queries may run at once; the eleventh is refused until one finishes.
	for i := range 10 {
		if _, err := ct.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: awssdk.String(good)}); err != nil {
			t.Fatalf("query %d: %v", i+1, err)
		}
	}
	_, err = ct.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: awssdk.String(good)})
	var mc *cttypes.MaxConcurrentQueriesException
	if !errors.As(err, &mc) {
		t.Fatalf("11th query: err = %v, want MaxConcurrentQueriesException", err)
	}
	clk.Advance(2 * time.Second)
	if _, err := ct.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: awssdk.String(good)}); err != nil {
		t.Fatalf("query after the others finished: %v", err)
	}
	// A failed query: FAILED with an ErrorMessage once it has run.
	emu.FailNextQuery("cloudtrail", "Query failed: injected")
	st, err := ct.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: awssdk.String(good)})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	d, err := ct.DescribeQuery(ctx, &cloudtrail.DescribeQueryInput{QueryId: st.QueryId})
	if err != nil || d.QueryStatus != cttypes.QueryStatusFailed || awssdk.ToString(d.ErrorMessage) != "Query failed: injected" {
		t.Fatalf("failed query: %v %v %v, want FAILED with the message", err, d.QueryStatus, awssdk.ToString(d.ErrorMessage))
	}
}

// TestLogsQueryLifecycle: Scheduled, Running, Complete; results as lists
// of {field, value} (absent fields left out, @ptr added); the time window
// from startTime/endTime; Failed through the fault mechanism.
func TestLogsQueryLifecycle(t *testing.T) {
	emu, clk, cfg := trailEnv(t)
	cwl := cloudwatchlogs.NewFromConfig(cfg)
	ctx := context.Background()
	from := time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC) // after the sign-ins
	in := &cloudwatchlogs.StartQueryInput{
		LogGroupName: awssdk.String(emu.TrailLogGroup()), StartTime: awssdk.Int64(from.Unix()), EndTime: awssdk.Int64(from.Add(time.Hour).Unix()),
		QueryString: awssdk.String(`fields eventName, errorCode, userIdentity.arn | filter userIdentity.principalId like ":alice" | sort eventTime asc`),
	}
	st, err := cwl.StartQuery(ctx, in)
	if err != nil {
		t.Fatalf("StartQuery: %v", err)
	}
	get := func() *cloudwatchlogs.GetQueryResultsOutput {
		out, err := cwl.GetQueryResults(ctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: st.QueryId})
		if err != nil {
			t.Fatalf("GetQueryResults: %v", err)
		}
		return out
	}
	if s := get().Status; s != cwltypes.QueryStatusScheduled {
		t.Fatalf("status = %s, want Scheduled", s)
	}
	clk.Advance(500 * time.Millisecond)
	if s := get().Status; s != cwltypes.QueryStatusRunning {
		t.Fatalf("status = %s, want Running", s)
	}
	clk.Advance(time.Second)
	out := get()
	if out.Status != cwltypes.QueryStatusComplete || len(out.Results) != 2 {
		t.Fatalf("status %s with %d rows, want Complete with 2 (DescribeInstances, ListBuckets)", out.Status, len(out.Results))
	}
	row := out.Results[0]
	if len(row) != 3 || awssdk.ToString(row[0].Field) != "eventName" || awssdk.ToString(row[0].Value) != "DescribeInstances" ||
		awssdk.ToString(row[1].Field) != "userIdentity.arn" || awssdk.ToString(row[2].Field) != "@ptr" {
		t.Errorf("row = %+v, want eventName, userIdentity.arn (no errorCode: absent), @ptr", row)
	}
	_, err = cwl.StartQuery(ctx, &cloudwatchlogs.StartQueryInput{LogGroupName: in.LogGroupName, StartTime: in.StartTime, EndTime: in.EndTime,
		QueryString: awssdk.String(`fields eventName | filter eventName = "x" | stats count(*)`)})
	var mq *cwltypes.MalformedQueryException
	if !errors.As(err, &mq) {
		t.Errorf("unsupported command: err = %v, want MalformedQueryException", err)
	}
	emu.SetFault("StartQuery", Fault{FailRate: 1})
	st, err = cwl.StartQuery(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	if s := get().Status; s != cwltypes.QueryStatusFailed {
		t.Fatalf("status with FailRate 1 = %s, want Failed", s)
	}
}
