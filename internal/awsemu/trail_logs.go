package awsemu

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// CloudWatch Logs Insights over the trail's log group: StartQuery and
// GetQueryResults (JSON 1.1, X-Amz-Target Logs_20140328.*).

var logsStatus = [...]string{"Scheduled", "Running", "Complete"}

// zeroTime is "no bound".
var zeroTime time.Time

func (e *Emulator) logsStartQuery(c *call, raw []byte) (any, error) {
	var in struct {
		LogGroupName        *string  `json:"logGroupName"`
		LogGroupNames       []string `json:"logGroupNames"`
		LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
		StartTime           int64    `json:"startTime"`
		EndTime             int64    `json:"endTime"`
		QueryString         string   `json:"queryString"`
		QueryLanguage       *string  `json:"queryLanguage"`
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if in.QueryLanguage != nil && *in.QueryLanguage != "CWLI" {
		return nil, trailError("InvalidParameterException", http.StatusBadRequest, "the emulator supports only queryLanguage CWLI")
	}
	var groups []string
	if in.LogGroupName != nil {
		groups = append(groups, *in.LogGroupName)
	}
	groups = append(append(groups, in.LogGroupNames...), in.LogGroupIdentifiers...)
	if len(groups) == 0 {
		return nil, trailError("InvalidParameterException", http.StatusBadRequest, "Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified")
	}
	for _, g := range groups {
		if g != DefaultTrailLogGroup {
			return nil, trailError("ResourceNotFoundException", http.StatusBadRequest, "Log group '%s' does not exist for account ID '%s'", g, e.org.mgmt.id)
		}
	}
	if in.EndTime < in.StartTime {
		return nil, trailError("InvalidParameterException", http.StatusBadRequest, "endTime must be greater than or equal to startTime")
	}
	if err := validQueryText(in.QueryString); err != nil {
		return nil, trailError("MalformedQueryException", http.StatusBadRequest, "%v", err)
	}
	pq, err := parseInsightsQuery(in.QueryString)
	var qe *queryError
	if errors.As(err, &qe) {
		return nil, trailError("MalformedQueryException", http.StatusBadRequest, "%s", qe.msg).with("queryCompileError", map[string]any{"message": qe.msg})
	}
	if err != nil {
		return nil, err
	}
	if e.activeQueriesLocked("logs", c.now) >= LogsMaxConcurrentQueries {
		return nil, trailError("LimitExceededException", http.StatusBadRequest, "Account maximum query concurrency limit of [%d] reached.", LogsMaxConcurrentQueries)
	}
	// startTime and endTime are epoch seconds, both inclusive.
	from := time.Unix(in.StartTime, 0)
	to := time.Unix(in.EndTime, 0).Add(time.Second - time.Nanosecond)
	if pq.limit == 0 {
		pq.limit = 10000
	}
	q := e.startQueryLocked(c, "logs", in.QueryString, pq, from, to)
	return map[string]any{"queryId": q.id}, nil
}

func (e *Emulator) logsGetQueryResults(c *call, raw []byte) (any, error) {
	var in struct {
		QueryID string `json:"queryId"`
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	q := e.trail.queries[in.QueryID]
	if q == nil || q.service != "logs" {
		return nil, trailError("ResourceNotFoundException", http.StatusBadRequest, "Query does not exist")
	}
	stage := e.queryStageLocked(q, c.now)
	status := logsStatus[stage]
	if stage == 2 && q.failure != "" {
		status = "Failed"
	}
	out := map[string]any{"status": status, "results": [][]map[string]string{}}
	stats := map[string]any{"recordsScanned": 0, "recordsMatched": 0, "bytesScanned": 0}
	if status == "Complete" {
		results := make([][]map[string]string, 0, len(q.rows))
		for i, ev := range q.rows {
			row := make([]map[string]string, 0, len(q.cols)+1)
			for _, col := range q.cols {
				if v, ok := col.lookup(ev); ok {
					row = append(row, map[string]string{"field": col.name, "value": v})
				}
			}
			row = append(row, map[string]string{"field": "@ptr", "value": q.id[:8] + "-" + strconv.Itoa(i)})
			results = append(results, row)
		}
		out["results"] = results
		stats = map[string]any{"recordsScanned": q.scanned, "recordsMatched": len(q.rows), "bytesScanned": q.scanned * 1500}
	}
	out["statistics"] = stats
	return out, nil
}
