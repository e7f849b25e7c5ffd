package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/elevate/elevate/internal/access"
)

// Session activity: the CloudTrail events of a user's Identity Center
// session in one account, from CloudTrail Lake (activity_lake.go) or from
// CloudWatch Logs Insights over a trail's log group (activity_logs.go).
//
// Queries are built from fixed text and escaped literals only: every value
// that comes from a user or the directory (account id, permission set name,
// user name, email, user id) is validated (no control characters, bounded
// length, the account id twelve digits) and then escaped for the literal it
// lands in: SQL string literals for Lake ('' for ', LIKE's %, _ and \ escaped
// with ESCAPE '\'), Insights string literals (\\ and \"). Results are also
// re-checked in Go against the same criteria (matchesActivity), so a
// substring match of Insights' like never returns another user's events.

// Activity sources.
const (
	ActivitySourceLake = "cloudtrail_lake"
	ActivitySourceLogs = "cloudwatch_logs"
	ActivitySourceNone = "none"
)

// Defaults of ActivityConfig.
const (
	DefaultActivityPollInterval  = time.Second
	DefaultActivityAttempts      = 3
	DefaultActivityRetryDelay    = 2 * time.Second
	DefaultActivityMaxConcurrent = 10 // CloudTrail Lake's quota of concurrent queries
	// maxActivityRows bounds the events kept per grant.
	maxActivityRows = 10000
)

// ActivityConfig configures an activity source. Zero values take the defaults.
type ActivityConfig struct {
	// Source is cloudtrail_lake or cloudwatch_logs.
	Source string
	// EventDataStore is the Lake event data store ARN (or its id).
	EventDataStore string
	// LogGroup is the CloudWatch Logs log group the trail delivers to.
	LogGroup string
	// Region of the event data store or log group. Default: the SDK chain, else us-east-1.
	Region string
	// PollInterval between status polls of a query. Default 1s.
	PollInterval time.Duration
	// Attempts is how many times a query that ends FAILED (or is refused
	// for concurrency) is started, with backoff from RetryDelay doubling.
	// Default 3.
	Attempts int
	// RetryDelay is the first backoff between attempts. Default 2s.
	RetryDelay time.Duration
	// MaxConcurrent caps the queries of this source running at once
	// (CloudTrail Lake allows 10 per account). Default 10.
	MaxConcurrent int
	// PageSize is MaxQueryResults of Lake's GetQueryResults. Default: AWS's (1000).
	PageSize int
	// HTTPClient replaces the SDK's HTTP client (tests).
	HTTPClient awssdk.HTTPClient
	// Logger receives the source's logs. Default: discard.
	Logger *slog.Logger
}

func (c ActivityConfig) withDefaults() (ActivityConfig, error) {
	if c.PollInterval < 0 || c.Attempts < 0 || c.RetryDelay < 0 || c.MaxConcurrent < 0 || c.PageSize < 0 || c.PageSize > 1000 {
		return c, errors.New("activity source config: PollInterval, Attempts, RetryDelay and MaxConcurrent must not be negative; PageSize must be 0..1000")
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultActivityPollInterval
	}
	if c.Attempts == 0 {
		c.Attempts = DefaultActivityAttempts
	}
	if c.RetryDelay == 0 {
		c.RetryDelay = DefaultActivityRetryDelay
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = DefaultActivityMaxConcurrent
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// ActivitySource fetches a session's CloudTrail events. It satisfies
// workflow.ActivitySource.
type ActivitySource interface {
	FetchActivity(ctx context.Context, q access.ActivityQuery) ([]access.ActivityEvent, error)
}

// NewActivitySource loads the AWS configuration from the SDK's standard
// chain (AWS_ENDPOINT_URL_CLOUDTRAIL, AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, ...)
// and returns the configured source; nil for source "none" or "".
func NewActivitySource(ctx context.Context, cfg ActivityConfig) (ActivitySource, error) {
	if cfg.Source == "" || cfg.Source == ActivitySourceNone {
		return nil, nil
	}
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration for the activity source: %w", err)
	}
	return NewActivitySourceFromConfig(awsCfg, cfg)
}

// NewActivitySourceFromConfig returns the configured source over awsCfg.
func NewActivitySourceFromConfig(awsCfg awssdk.Config, cfg ActivityConfig) (ActivitySource, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	awsCfg = awsCfg.Copy()
	if cfg.Region != "" {
		awsCfg.Region = cfg.Region
	}
	if awsCfg.Region == "" {
		awsCfg.Region = DefaultRegion
	}
	if cfg.HTTPClient != nil {
		awsCfg.HTTPClient = cfg.HTTPClient
	}
	run := &queryRunner{cfg: cfg, sem: make(chan struct{}, cfg.MaxConcurrent)}
	switch cfg.Source {
	case ActivitySourceLake:
		if cfg.EventDataStore == "" {
			return nil, errors.New("activity source cloudtrail_lake: the event data store ARN is required")
		}
		return newLakeSource(awsCfg, cfg, run)
	case ActivitySourceLogs:
		if cfg.LogGroup == "" {
			return nil, errors.New("activity source cloudwatch_logs: the log group name is required")
		}
		return newLogsSource(awsCfg, cfg, run), nil
	case "", ActivitySourceNone:
		return nil, nil
	}
	return nil, fmt.Errorf("activity source %q: must be cloudtrail_lake, cloudwatch_logs or none", cfg.Source)
}

var (
	accountIDPattern = regexp.MustCompile(`^\d{12}$`)
	psNamePattern    = regexp.MustCompile(`^[\w+=,.@-]{1,32}$`)
)

// validateActivityQuery refuses values that no directory holds, before any
// of them reaches a query.
func validateActivityQuery(q access.ActivityQuery) error {
	if !accountIDPattern.MatchString(q.AccountID) {
		return fmt.Errorf("activity query: account id %q must be 12 digits", q.AccountID)
	}
	if !psNamePattern.MatchString(q.PermissionSetName) {
		return fmt.Errorf("activity query: permission set name %q must be 1-32 of letters, digits and +=,.@_-", q.PermissionSetName)
	}
	if len(q.SessionNames) == 0 && q.UserID == "" {
		return errors.New("activity query: a session name or a user id is required")
	}
	for _, v := range append(append([]string{}, q.SessionNames...), q.UserID) {
		if err := validateLiteral(v); err != nil {
			return fmt.Errorf("activity query: %w", err)
		}
	}
	for _, n := range q.SessionNames {
		if n == "" {
			return errors.New("activity query: empty session name")
		}
	}
	if q.Start.IsZero() || q.End.IsZero() || q.End.Before(q.Start) {
		return fmt.Errorf("activity query: window %s to %s is not a valid interval", q.Start, q.End)
	}
	return nil
}

// validateLiteral refuses invalid UTF-8, control characters and values
// longer than any identity store attribute.
func validateLiteral(v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("value %q is not valid UTF-8", v)
	}
	if len(v) > 256 {
		return fmt.Errorf("value of %d bytes is too long (at most 256)", len(v))
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return fmt.Errorf("value %q contains the control character %U", v, r)
		}
	}
	return nil
}

// sqlString is a SQL string literal: ' doubled.
func sqlString(v string) string {
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// sqlLike escapes a value for a LIKE pattern with ESCAPE '\': the
// wildcards % and _ and the escape character itself lose their meaning.
func sqlLike(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(v)
}

// insightsString is a Logs Insights string literal: \ and " escaped.
func insightsString(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(v) + `"`
}

// activityRow is one result row, by field name.
type activityRow map[string]string

// Field names selected by both sources.
const (
	fEventID   = "eventID"
	fEventTime = "eventTime"
	fSource    = "eventSource"
	fName      = "eventName"
	fRegion    = "awsRegion"
	fSourceIP  = "sourceIPAddress"
	fError     = "errorCode"
	fAccount   = "recipientAccountId"
	fARN       = "userIdentity.arn"
	fPrincipal = "userIdentity.principalId"
	fOnBehalf  = "userIdentity.onBehalfOf.userId"
	fRoleARN   = "requestParameters.roleArn"
	fRoleSess  = "requestParameters.roleSessionName"
	fUserAgent = "userAgent"
	fRequestID = "requestID"
	fReadOnly  = "readOnly"
)

// matchesActivity re-checks a result row exactly: the account, the window,
// and the role and session name, or onBehalfOf.
func matchesActivity(q access.ActivityQuery, r activityRow) bool {
	if r[fAccount] != "" && r[fAccount] != q.AccountID {
		return false
	}
	if t, err := time.Parse(time.RFC3339, normalizeTime(r[fEventTime])); err == nil && (t.Before(q.Start.Truncate(time.Second)) || t.After(q.End)) {
		return false
	}
	if q.UserID != "" && r[fOnBehalf] == q.UserID {
		return true
	}
	role := "/AWSReservedSSO_" + q.PermissionSetName + "_"
	for _, s := range q.SessionNames {
		arn := r[fARN]
		if strings.Contains(arn, ":assumed-role"+role) && strings.HasSuffix(arn, "/"+s) && strings.HasSuffix(r[fPrincipal], ":"+s) {
			return true
		}
		if r[fName] == "AssumeRoleWithSAML" && strings.Contains(r[fRoleARN], role) && r[fRoleSess] == s {
			return true
		}
	}
	return false
}

// normalizeTime accepts RFC 3339 and Lake's "YYYY-MM-DD hh:mm:ss[.fff]".
func normalizeTime(s string) string {
	if len(s) >= 19 && s[10] == ' ' {
		if t, err := time.Parse("2006-01-02 15:04:05.999999999", s); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return s
}

// toEvent converts a matching row.
func toEvent(r activityRow) access.ActivityEvent {
	ev := access.ActivityEvent{
		EventID: r[fEventID], Source: r[fSource], Name: r[fName], Region: r[fRegion],
		SourceIP: r[fSourceIP], ErrorCode: r[fError], Principal: r[fARN],
	}
	if ev.Principal == "" && r[fRoleARN] != "" {
		ev.Principal = r[fRoleARN] + "/" + r[fRoleSess]
	}
	if t, err := time.Parse(time.RFC3339, normalizeTime(r[fEventTime])); err == nil {
		ev.Time = t.UTC()
	}
	ev.UserAgent, ev.RequestID = r[fUserAgent], r[fRequestID]
	if ro, err := strconv.ParseBool(r[fReadOnly]); err == nil {
		ev.ReadOnly = &ro
	}
	ev.Raw = rawRow(r)
	return ev
}

// rawRow is the row as a JSON object (keys sorted, empty fields left out),
// cut to access.MaxActivityRaw bytes at a rune boundary.
func rawRow(r activityRow) string {
	m := make(map[string]string, len(r))
	for k, v := range r {
		if v != "" {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	s := string(b)
	if len(s) <= access.MaxActivityRaw {
		return s
	}
	s = s[:access.MaxActivityRaw]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// queryRunner starts queries within the concurrency cap and retries
// failed ones with backoff.
type queryRunner struct {
	cfg ActivityConfig
	sem chan struct{}
}

// errRetryQuery marks a query outcome worth another attempt (FAILED,
// TIMED_OUT, refused for concurrency).
type errRetryQuery struct{ err error }

func (e errRetryQuery) Error() string { return e.err.Error() }
func (e errRetryQuery) Unwrap() error { return e.err }

// run calls attempt up to cfg.Attempts times, each holding one of the
// concurrency slots, with exponential backoff and jitter between attempts.
func (r *queryRunner) run(ctx context.Context, what string, attempt func(ctx context.Context) ([]activityRow, error)) ([]activityRow, error) {
	delay := r.cfg.RetryDelay
	var last error
	for i := 1; i <= r.cfg.Attempts; i++ {
		select {
		case r.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: wait for a query slot: %w", what, ctx.Err())
		}
		rows, err := attempt(ctx)
		<-r.sem
		if err == nil {
			return rows, nil
		}
		var retry errRetryQuery
		if !errors.As(err, &retry) {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		last = err
		r.cfg.Logger.Warn("activity query failed; retrying", "source", r.cfg.Source, "attempt", i, "err", err)
		if i == r.cfg.Attempts {
			break
		}
		wait := delay/2 + rand.N(delay/2+1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s: backoff: %w", what, ctx.Err())
		}
		delay *= 2
	}
	return nil, fmt.Errorf("%s: gave up after %d attempts: %w", what, r.cfg.Attempts, last)
}

// sleep waits d or until ctx is done.
func sleepActivity(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// filterRows keeps the rows that match exactly, as events.
func filterRows(q access.ActivityQuery, rows []activityRow) []access.ActivityEvent {
	out := make([]access.ActivityEvent, 0, len(rows))
	for _, r := range rows {
		if matchesActivity(q, r) {
			out = append(out, toEvent(r))
		}
	}
	return out
}
