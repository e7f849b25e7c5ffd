package aws

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/elevate/elevate/internal/access"
)

var edsIDPattern = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,256}$`)

// logsAPI is the part of the CloudWatch Logs client the Insights source uses.
type logsAPI interface {
	StartQuery(ctx context.Context, in *cloudwatchlogs.StartQueryInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.StartQueryOutput, error)
	GetQueryResults(ctx context.Context, in *cloudwatchlogs.GetQueryResultsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetQueryResultsOutput, error)
}

// LogsSource reads session activity with CloudWatch Logs Insights over the
// log group a trail delivers to: StartQuery, poll GetQueryResults until
// Complete.
type LogsSource struct {
	logs  logsAPI
	group string
	cfg   ActivityConfig
	run   *queryRunner
}

func newLogsSource(awsCfg awssdk.Config, cfg ActivityConfig, run *queryRunner) *LogsSource {
	return &LogsSource{logs: cloudwatchlogs.NewFromConfig(awsCfg), group: cfg.LogGroup, cfg: cfg, run: run}
}

// InsightsQuery returns the Logs Insights query for q (the window goes in
// StartQuery's startTime and endTime).
func InsightsQuery(q access.ActivityQuery) string {
	var b strings.Builder
	b.WriteString("fields eventID, eventTime, eventSource, eventName, awsRegion, sourceIPAddress, errorCode, recipientAccountId, ")
	b.WriteString("userAgent, requestID, readOnly, ")
	b.WriteString("userIdentity.arn, userIdentity.principalId, userIdentity.onBehalfOf.userId, requestParameters.roleArn, requestParameters.roleSessionName")
	b.WriteString(" | filter recipientAccountId = " + insightsString(q.AccountID) + " and (")
	role := "AWSReservedSSO_" + q.PermissionSetName + "_"
	var or []string
	for _, s := range q.SessionNames {
		or = append(or, "(userIdentity.sessionContext.sessionIssuer.userName like "+insightsString(role)+
			" and userIdentity.principalId like "+insightsString(":"+s)+")")
		or = append(or, "(eventName = \"AssumeRoleWithSAML\" and requestParameters.roleArn like "+insightsString("/"+role)+
			" and requestParameters.roleSessionName = "+insightsString(s)+")")
	}
	if q.UserID != "" {
		or = append(or, "userIdentity.onBehalfOf.userId = "+insightsString(q.UserID))
	}
	b.WriteString(strings.Join(or, " or ") + ")")
	b.WriteString(" | sort eventTime asc | limit 10000")
	return b.String()
}

// FetchActivity runs the query, retrying a Failed one, and returns the
// matching events oldest first.
func (s *LogsSource) FetchActivity(ctx context.Context, q access.ActivityQuery) ([]access.ActivityEvent, error) {
	if err := validateActivityQuery(q); err != nil {
		return nil, err
	}
	text := InsightsQuery(q)
	in := &cloudwatchlogs.StartQueryInput{
		LogGroupName: awssdk.String(s.group),
		StartTime:    awssdk.Int64(q.Start.Unix()),
		EndTime:      awssdk.Int64(q.End.Unix()),
		QueryString:  awssdk.String(text),
		Limit:        awssdk.Int32(maxActivityRows),
	}
	rows, err := s.run.run(ctx, "cloudwatch logs insights query", func(ctx context.Context) ([]activityRow, error) {
		return s.attempt(ctx, in)
	})
	if err != nil {
		return nil, err
	}
	return filterRows(q, rows), nil
}

func (s *LogsSource) attempt(ctx context.Context, in *cloudwatchlogs.StartQueryInput) ([]activityRow, error) {
	start, err := s.logs.StartQuery(ctx, in)
	if err != nil {
		var le *cwltypes.LimitExceededException
		if errors.As(err, &le) {
			return nil, errRetryQuery{fmt.Errorf("start query: %w", err)}
		}
		return nil, fmt.Errorf("start query: %w", err)
	}
	id := start.QueryId
	for {
		out, err := s.logs.GetQueryResults(ctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: id})
		if err != nil {
			return nil, fmt.Errorf("get results of query %s: %w", awssdk.ToString(id), err)
		}
		switch out.Status {
		case cwltypes.QueryStatusComplete:
			rows := make([]activityRow, 0, len(out.Results))
			for _, fields := range out.Results {
				r := activityRow{}
				for _, f := range fields {
					r[awssdk.ToString(f.Field)] = awssdk.ToString(f.Value)
				}
				rows = append(rows, r)
			}
			return rows, nil
		case cwltypes.QueryStatusFailed, cwltypes.QueryStatusTimeout, cwltypes.QueryStatusCancelled:
			return nil, errRetryQuery{fmt.Errorf("query %s ended %s", awssdk.ToString(id), out.Status)}
		}
		if err := sleepActivity(ctx, s.cfg.PollInterval); err != nil {
			return nil, fmt.Errorf("poll query %s: %w", awssdk.ToString(id), err)
		}
	}
}
