package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/elevate/elevate/internal/access"
)

// cloudTrailAPI is the part of the CloudTrail client the Lake source uses.
type cloudTrailAPI interface {
	StartQuery(ctx context.Context, in *cloudtrail.StartQueryInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.StartQueryOutput, error)
	DescribeQuery(ctx context.Context, in *cloudtrail.DescribeQueryInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.DescribeQueryOutput, error)
	cloudtrail.GetQueryResultsAPIClient
}

// LakeSource reads session activity from a CloudTrail Lake event data
// store: StartQuery, poll DescribeQuery until FINISHED, page GetQueryResults.
type LakeSource struct {
	ct   cloudTrailAPI
	eds  string // the id used in FROM (the ARN's last path element)
	cfg  ActivityConfig
	run  *queryRunner
	page int32
}

func newLakeSource(awsCfg awssdk.Config, cfg ActivityConfig, run *queryRunner) (*LakeSource, error) {
	eds := cfg.EventDataStore
	if i := strings.LastIndexByte(eds, '/'); i >= 0 {
		eds = eds[i+1:]
	}
	if !edsIDPattern.MatchString(eds) {
		return nil, fmt.Errorf("activity source cloudtrail_lake: event data store %q is not an event data store ARN or id", cfg.EventDataStore)
	}
	return &LakeSource{ct: cloudtrail.NewFromConfig(awsCfg), eds: eds, cfg: cfg, run: run, page: int32(cfg.PageSize)}, nil //nolint:gosec // G115: bounded: a count of rules or a length far below the type's range
}

// lakeTime formats a time as Lake compares eventTime.
const lakeTime = "2006-01-02 15:04:05"

// LakeQuery returns the SQL statement for q (exported for the docs and tests).
func LakeQuery(eventDataStoreID string, q access.ActivityQuery) string {
	var b strings.Builder
	b.WriteString("SELECT eventID, eventTime, eventSource, eventName, awsRegion, sourceIPAddress, errorCode, recipientAccountId, ")
	b.WriteString("userAgent, requestID, readOnly, ")
	b.WriteString("userIdentity.arn, userIdentity.principalId, userIdentity.onBehalfOf.userId, ")
	b.WriteString("element_at(requestParameters, 'roleArn'), element_at(requestParameters, 'roleSessionName')")
	b.WriteString(" FROM " + eventDataStoreID)
	b.WriteString(" WHERE eventTime >= " + sqlString(q.Start.UTC().Format(lakeTime)))
	b.WriteString(" AND eventTime <= " + sqlString(q.End.UTC().Format(lakeTime)))
	b.WriteString(" AND recipientAccountId = " + sqlString(q.AccountID))
	role := `AWSReservedSSO\_` + sqlLike(q.PermissionSetName) + `\_`
	var or []string
	for _, s := range q.SessionNames {
		or = append(or, "(userIdentity.sessionContext.sessionIssuer.userName LIKE "+sqlString(role+"%")+` ESCAPE '\'`+
			" AND userIdentity.principalId LIKE "+sqlString("%:"+sqlLike(s))+` ESCAPE '\')`)
		or = append(or, "(eventName = 'AssumeRoleWithSAML' AND element_at(requestParameters, 'roleArn') LIKE "+sqlString("%/"+role+"%")+` ESCAPE '\'`+
			" AND element_at(requestParameters, 'roleSessionName') = "+sqlString(s)+")")
	}
	if q.UserID != "" {
		or = append(or, "userIdentity.onBehalfOf.userId = "+sqlString(q.UserID))
	}
	b.WriteString(" AND (" + strings.Join(or, " OR ") + ")")
	b.WriteString(" ORDER BY eventTime")
	return b.String()
}

// lakeColumn maps Lake's column names (as selected) to the row's fields.
func lakeColumn(name string) string {
	switch name {
	case "requestParameters.roleArn", "element_at(requestParameters, 'roleArn')":
		return fRoleARN
	case "requestParameters.roleSessionName", "element_at(requestParameters, 'roleSessionName')":
		return fRoleSess
	}
	return name
}

// FetchActivity runs the query, retrying a FAILED one, and returns the
// matching events oldest first.
func (s *LakeSource) FetchActivity(ctx context.Context, q access.ActivityQuery) ([]access.ActivityEvent, error) {
	if err := validateActivityQuery(q); err != nil {
		return nil, err
	}
	stmt := LakeQuery(s.eds, q)
	rows, err := s.run.run(ctx, "cloudtrail lake query", func(ctx context.Context) ([]activityRow, error) {
		return s.attempt(ctx, stmt)
	})
	if err != nil {
		return nil, err
	}
	return filterRows(q, rows), nil
}

func (s *LakeSource) attempt(ctx context.Context, stmt string) ([]activityRow, error) {
	start, err := s.ct.StartQuery(ctx, &cloudtrail.StartQueryInput{QueryStatement: awssdk.String(stmt)})
	if err != nil {
		var mc *cttypes.MaxConcurrentQueriesException
		if errors.As(err, &mc) {
			return nil, errRetryQuery{fmt.Errorf("start query: %w", err)}
		}
		return nil, fmt.Errorf("start query: %w", err)
	}
	id := start.QueryId
	for {
		d, err := s.ct.DescribeQuery(ctx, &cloudtrail.DescribeQueryInput{QueryId: id})
		if err != nil {
			return nil, fmt.Errorf("describe query %s: %w", awssdk.ToString(id), err)
		}
		switch d.QueryStatus {
		case cttypes.QueryStatusFinished:
			return s.results(ctx, id)
		case cttypes.QueryStatusFailed, cttypes.QueryStatusTimedOut, cttypes.QueryStatusCancelled:
			return nil, errRetryQuery{fmt.Errorf("query %s ended %s: %s", awssdk.ToString(id), d.QueryStatus, awssdk.ToString(d.ErrorMessage))}
		}
		if err := sleepActivity(ctx, s.cfg.PollInterval); err != nil {
			return nil, fmt.Errorf("poll query %s: %w", awssdk.ToString(id), err)
		}
	}
}

func (s *LakeSource) results(ctx context.Context, id *string) ([]activityRow, error) {
	in := &cloudtrail.GetQueryResultsInput{QueryId: id}
	if s.page > 0 {
		in.MaxQueryResults = awssdk.Int32(s.page)
	}
	var rows []activityRow
	p := cloudtrail.NewGetQueryResultsPaginator(s.ct, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("get results of query %s: %w", awssdk.ToString(id), err)
		}
		for _, cells := range out.QueryResultRows {
			r := activityRow{}
			for _, cell := range cells {
				for k, v := range cell {
					r[lakeColumn(k)] = v
				}
			}
			rows = append(rows, r)
			if len(rows) >= maxActivityRows {
				return rows, nil
			}
		}
	}
	return rows, nil
}
