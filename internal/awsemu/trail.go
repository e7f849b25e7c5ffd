package awsemu

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// CloudTrail events and the two query services over them: CloudTrail Lake
// (trail_lake.go) and CloudWatch Logs Insights over a trail's log group
// (trail_logs.go). Both answer over the same seeded event set, added with
// AddTrailEvents (tests) or SSOSessionEvents (the demo).

const (
	// prefixCloudTrail is what the Go SDK sends; the model's full name
	// (prefixCloudTrailLong) is accepted as well.
	prefixCloudTrail     = "CloudTrail_20131101"
	prefixCloudTrailLong = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
	prefixLogs           = "Logs_20140328"

	// DefaultQueryDuration is how long an emulated query takes from start
	// to FINISHED (Complete), before the time scale: the first quarter
	// QUEUED (Scheduled), the rest RUNNING (Running).
	DefaultQueryDuration = 200 * time.Millisecond
	// LakeMaxConcurrentQueries is CloudTrail Lake's quota of queries
	// QUEUED or RUNNING at once (MaxConcurrentQueriesException beyond).
	LakeMaxConcurrentQueries = 10
	// LogsMaxConcurrentQueries is CloudWatch Logs Insights' quota of
	// concurrent queries (LimitExceededException beyond).
	LogsMaxConcurrentQueries = 30
	// DefaultTrailLogGroup is the log group the emulated trail delivers to.
	DefaultTrailLogGroup = "aws-cloudtrail-logs-elevate"
)

// trailState holds the events and the queries; guarded by Emulator.mu.
type trailState struct {
	events   []map[string]any // CloudTrail records, in insertion order
	queries  map[string]*trailQuery
	duration time.Duration // 0: DefaultQueryDuration; <0: instant
	pageSize int           // Lake GetQueryResults page cap; 0: 1000
	failNext map[string][]string
}

// trailQuery is one started query of either service.
type trailQuery struct {
	id      string
	service string // "cloudtrail" or "logs"
	text    string
	created time.Time
	failure string           // planned ErrorMessage; "" to succeed
	rows    []map[string]any // matching events, in result order
	cols    []column
	scanned int
}

// statusAt returns the query's stage at now: 0 queued, 1 running, 2 done.
func (e *Emulator) queryStageLocked(q *trailQuery, now time.Time) int {
	d := e.trail.duration
	if d == 0 {
		d = DefaultQueryDuration
	}
	if d < 0 {
		return 2
	}
	d = e.scaled(d)
	el := now.Sub(q.created)
	switch {
	case el < d/4:
		return 0
	case el < d:
		return 1
	}
	return 2
}

// SetQueryDuration sets how long queries started from now on take (before
// the time scale); a negative value makes them finish at once.
func (e *Emulator) SetQueryDuration(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.trail.duration = d
}

// SetQueryPageSize caps the rows per CloudTrail Lake GetQueryResults page
// (MaxQueryResults can only lower it); 0 restores the default (1000).
func (e *Emulator) SetQueryPageSize(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.trail.pageSize = max(n, 0)
}

// FailNextQuery makes the next query started on service ("cloudtrail" for
// Lake, "logs" for CloudWatch Logs Insights) end FAILED (Failed) with
// message as its ErrorMessage. Calls queue up. Rate-based failures use the
// fault mechanism: SetFault("StartQuery", Fault{FailRate: r}) fails queries
// of both services with probability r (FailReason as the message).
func (e *Emulator) FailNextQuery(service, message string) {
	if service != "cloudtrail" && service != "logs" {
		panic("awsemu: FailNextQuery service must be \"cloudtrail\" or \"logs\", got " + service)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.trail.failNext == nil {
		e.trail.failNext = make(map[string][]string)
	}
	e.trail.failNext[service] = append(e.trail.failNext[service], message)
}

// AddTrailEvents adds CloudTrail event records (as delivered by a trail:
// eventVersion, eventTime in RFC 3339, userIdentity, eventSource, eventName,
// recipientAccountId, ...) to the set that queries run over. Each record is
// copied through JSON; an eventID is generated when missing.
func (e *Emulator) AddTrailEvents(events ...map[string]any) error {
	copies := make([]map[string]any, 0, len(events))
	for i, ev := range events {
		raw, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("awsemu: trail event %d: %w", i, err)
		}
		var c map[string]any
		if err := json.Unmarshal(raw, &c); err != nil {
			return fmt.Errorf("awsemu: trail event %d: %w", i, err)
		}
		ts, _ := c["eventTime"].(string)
		if _, err := parseEventTime(ts); err != nil {
			return fmt.Errorf("awsemu: trail event %d: eventTime %q is not RFC 3339", i, ts)
		}
		if id, _ := c["eventID"].(string); id == "" {
			c["eventID"] = uuid.NewString()
		}
		copies = append(copies, c)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.trail.events = append(e.trail.events, copies...)
	return nil
}

// TrailEvents returns how many CloudTrail events are stored.
func (e *Emulator) TrailEvents() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.trail.events)
}

// EventDataStoreARN is the ARN of the emulated CloudTrail Lake event data
// store; its last path element is the id used in FROM.
func (e *Emulator) EventDataStoreARN() string {
	return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:eventdatastore/%s", e.region, e.org.mgmt.id, e.eventDataStoreID())
}

func (e *Emulator) eventDataStoreID() string {
	sum := sha256.Sum256([]byte("eds|" + e.sso.instanceARN))
	u, _ := uuid.FromBytes(sum[:16])
	return u.String()
}

// TrailLogGroup is the CloudWatch Logs log group of the emulated trail.
func (e *Emulator) TrailLogGroup() string { return DefaultTrailLogGroup }

// SSORoleName is the name of the IAM role Identity Center creates for a
// permission set in an account: AWSReservedSSO_<name>_<16 hex>.
func SSORoleName(accountID, permissionSetName string) string {
	sum := sha256.Sum256([]byte(accountID + "|" + permissionSetName))
	return "AWSReservedSSO_" + permissionSetName + "_" + hex.EncodeToString(sum[:8])
}

// SSOSession describes a user's Identity Center session in one account.
type SSOSession struct {
	AccountID         string
	PermissionSetName string
	UserName          string // the role session name (often the email)
	UserID            string // identity store user id (onBehalfOf), optional
	Region            string // default us-east-1
	Start             time.Time
}

// SSOSessionEvents returns realistic CloudTrail records of a session: the
// sign-in (sts AssumeRoleWithSAML with the AWSReservedSSO role and the
// session name), the portal's credential call (with onBehalfOf when UserID
// is set), then ec2 DescribeInstances and s3 ListBuckets as the assumed
// role, a few seconds apart.
func SSOSessionEvents(s SSOSession) []map[string]any {
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	role := SSORoleName(s.AccountID, s.PermissionSetName)
	roleARN := fmt.Sprintf("arn:aws:iam::%s:role/aws-reserved/sso.amazonaws.com/%s", s.AccountID, role)
	roleID := "AROA" + strings.ToUpper(hex.EncodeToString([]byte(role))[:17])
	at := func(d time.Duration) string { return s.Start.Add(d).UTC().Format(time.RFC3339) }
	assumed := map[string]any{
		"type":        "AssumedRole",
		"principalId": roleID + ":" + s.UserName,
		"arn":         fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", s.AccountID, role, s.UserName),
		"accountId":   s.AccountID,
		"sessionContext": map[string]any{
			"sessionIssuer": map[string]any{"type": "Role", "principalId": roleID, "arn": roleARN, "accountId": s.AccountID, "userName": role},
			"attributes":    map[string]any{"creationDate": at(0), "mfaAuthenticated": "false"},
		},
	}
	signIn := map[string]any{
		"eventVersion": "1.08", "eventTime": at(0), "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithSAML",
		"awsRegion": region, "sourceIPAddress": "198.51.100.7", "userAgent": "aws-internal/3",
		"userIdentity": map[string]any{
			"type": "SAMLUser", "principalId": "x2Mh3kL0/YQ3hS1zk5ZxBw==:" + s.UserName, "userName": s.UserName,
			"identityProvider": "x2Mh3kL0/YQ3hS1zk5ZxBw==",
		},
		"requestParameters": map[string]any{
			"roleArn": roleARN, "roleSessionName": s.UserName, "durationSeconds": 3600,
			"principalArn": fmt.Sprintf("arn:aws:iam::%s:saml-provider/AWSSSO_1a2b3c4d5e6f7a8b_DO_NOT_DELETE", s.AccountID),
		},
		"readOnly": true, "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": s.AccountID,
	}
	if s.UserID != "" {
		signIn["userIdentity"].(map[string]any)["onBehalfOf"] = map[string]any{"userId": s.UserID}
	}
	describe := map[string]any{
		"eventVersion": "1.08", "eventTime": at(45 * time.Second), "eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances",
		"awsRegion": region, "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.17.0",
		"userIdentity": assumed, "requestParameters": map[string]any{"maxResults": 1000},
		"readOnly": true, "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": s.AccountID,
	}
	list := map[string]any{
		"eventVersion": "1.08", "eventTime": at(90 * time.Second), "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets",
		"awsRegion": region, "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.17.0",
		"userIdentity": assumed, "requestParameters": map[string]any{"Host": "s3.amazonaws.com"},
		"readOnly": true, "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": s.AccountID,
	}
	evs := []map[string]any{signIn, describe, list}
	for _, ev := range evs { // a stable request id per call, like AWS's
		sum := sha256.Sum256([]byte(s.AccountID + "|" + s.UserName + "|" + ev["eventName"].(string) + "|" + ev["eventTime"].(string)))
		u, _ := uuid.FromBytes(sum[:16])
		ev["requestID"] = u.String()
	}
	return evs
}

// runQueryLocked evaluates a parsed query over the events, within
// [from, to] when set, and records it.
func (e *Emulator) startQueryLocked(c *call, service, text string, pq *parsedQuery, from, to time.Time) *trailQuery {
	q := &trailQuery{id: uuid.NewString(), service: service, text: text, created: c.now, cols: pq.cols}
	for _, ev := range e.trail.events {
		q.scanned++
		if !from.IsZero() || !to.IsZero() {
			ts, _ := ev["eventTime"].(string)
			t, err := parseEventTime(ts)
			if err != nil || (!from.IsZero() && t.Before(from)) || (!to.IsZero() && t.After(to)) {
				continue
			}
		}
		if pq.where.eval(ev) {
			q.rows = append(q.rows, ev)
		}
	}
	if pq.orderBy != nil {
		col := *pq.orderBy
		sort.SliceStable(q.rows, func(i, j int) bool {
			a, _ := col.lookup(q.rows[i])
			b, _ := col.lookup(q.rows[j])
			if pq.desc {
				return compareValues(col, a, b) > 0
			}
			return compareValues(col, a, b) < 0
		})
	}
	if pq.limit > 0 && len(q.rows) > pq.limit {
		q.rows = q.rows[:pq.limit]
	}
	if fails := e.trail.failNext[service]; len(fails) > 0 {
		q.failure = fails[0]
		e.trail.failNext[service] = fails[1:]
	} else if reason := e.plannedFailureLocked(c.op.name); reason != "" {
		q.failure = reason
	}
	if e.trail.queries == nil {
		e.trail.queries = make(map[string]*trailQuery)
	}
	e.trail.queries[q.id] = q
	return q
}

// activeQueriesLocked counts the service's queries not yet done at now.
func (e *Emulator) activeQueriesLocked(service string, now time.Time) int {
	n := 0
	for _, q := range e.trail.queries {
		if q.service == service && e.queryStageLocked(q, now) < 2 {
			n++
		}
	}
	return n
}

// trailError builds a CloudTrail or CloudWatch Logs error with an explicit
// status (their names are not in errorStatus's table).
func trailError(code string, status int, format string, args ...any) *apiError {
	ae := newError(code, format, args...)
	ae.Status = status
	return ae
}

// trailOperations are the CloudTrail Lake and CloudWatch Logs query
// operations, added to the routing table by operations().
func (e *Emulator) trailOperations() map[string]*operation {
	ct := &service{prefix: prefixCloudTrail, defaultMax: 1000, invalid: func(msg, _ string) *apiError {
		return trailError("InvalidParameterException", http.StatusBadRequest, "%s", msg)
	}}
	logs := &service{prefix: prefixLogs, defaultMax: 1000, invalid: func(msg, _ string) *apiError {
		return trailError("InvalidParameterException", http.StatusBadRequest, "%s", msg)
	}}
	uuidShape := strShape(`^[a-f0-9\-]+$`, 36, 36)
	accountShape := strShape(`\d+`, 12, 16)
	edsShape := strShape(`^[a-zA-Z0-9._/\-:]+$`, 3, 256)
	aliasShape := strShape(`^[a-zA-Z][a-zA-Z0-9._\-]*$`, 1, 256)
	logGroupName := strShape(`[\.\-_/#A-Za-z0-9]+`, 1, 512)
	logGroupID := strShape(`[\w#+=/:,.@-]*`, 1, 2048)
	ops := map[string]*operation{}
	add := func(svc *service, name string, in *shape, h func(*call, []byte) (any, error)) {
		t := svc.prefix + "." + name
		ops[t] = &operation{svc: svc, target: t, name: name, input: in, handler: h}
	}
	add(ct, "StartQuery", structShape(nil, map[string]*shape{
		"QueryStatement":               strShape(`(?s).*`, 1, 10000),
		"DeliveryS3Uri":                strShape(`s3://[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9](/.*)?`, -1, 1024),
		"QueryAlias":                   aliasShape,
		"QueryParameters":              listShape(strShape(`.*`, 1, 1024), 1, 10),
		"EventDataStoreOwnerAccountId": accountShape,
	}), e.lakeStartQuery)
	add(ct, "DescribeQuery", structShape(nil, map[string]*shape{
		"EventDataStore":               edsShape,
		"QueryId":                      uuidShape,
		"QueryAlias":                   aliasShape,
		"RefreshId":                    strShape(`\d+`, 10, 20),
		"EventDataStoreOwnerAccountId": accountShape,
	}), e.lakeDescribeQuery)
	add(ct, "GetQueryResults", structShape([]string{"QueryId"}, map[string]*shape{
		"EventDataStore":               edsShape,
		"QueryId":                      uuidShape,
		"NextToken":                    strShape(`.*`, 4, 1000),
		"MaxQueryResults":              intShape(1, 1000),
		"EventDataStoreOwnerAccountId": accountShape,
	}), e.lakeGetQueryResults)
	add(logs, "StartQuery", structShape([]string{"startTime", "endTime", "queryString"}, map[string]*shape{
		"queryLanguage":       enumShape("CWLI", "SQL", "PPL"),
		"logGroupName":        logGroupName,
		"logGroupNames":       listShape(logGroupName, -1, -1),
		"logGroupIdentifiers": listShape(logGroupID, -1, -1),
		"startTime":           intShape(0, -1),
		"endTime":             intShape(0, -1),
		"queryString":         strShape(`(?s).*`, 0, 10000),
		"limit":               intShape(1, 10000),
	}), e.logsStartQuery)
	add(logs, "GetQueryResults", structShape([]string{"queryId"}, map[string]*shape{
		"queryId": strShape(`.*`, 0, 256),
	}), e.logsGetQueryResults)
	for _, name := range []string{"StartQuery", "DescribeQuery", "GetQueryResults"} {
		ops[prefixCloudTrailLong+"."+name] = ops[prefixCloudTrail+"."+name]
	}
	return ops
}
