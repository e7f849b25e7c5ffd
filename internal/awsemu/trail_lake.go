package awsemu

import (
	"errors"
	"net/http"
	"strings"
)

// CloudTrail Lake: StartQuery, DescribeQuery, GetQueryResults.

var lakeStatus = [...]string{"QUEUED", "RUNNING", "FINISHED"}

func (e *Emulator) lakeStartQuery(c *call, raw []byte) (any, error) {
	var in struct {
		QueryStatement *string
		QueryAlias     *string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if in.QueryAlias != nil {
		return nil, trailError("UnsupportedOperationException", http.StatusBadRequest, "query templates (QueryAlias) are not supported by the emulator")
	}
	if in.QueryStatement == nil {
		return nil, trailError("InvalidParameterException", http.StatusBadRequest, "QueryStatement is required")
	}
	pq, err := parseLake(*in.QueryStatement)
	if err != nil {
		return nil, err
	}
	id := pq.from
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	if id != e.eventDataStoreID() {
		return nil, trailError("EventDataStoreNotFoundException", http.StatusBadRequest, "The specified event data store %s was not found.", pq.from)
	}
	if e.activeQueriesLocked("cloudtrail", c.now) >= LakeMaxConcurrentQueries {
		return nil, trailError("MaxConcurrentQueriesException", http.StatusTooManyRequests,
			"You are already running the maximum number of concurrent queries (%d). Wait a minute for some queries to finish, and then run the query again.", LakeMaxConcurrentQueries)
	}
	q := e.startQueryLocked(c, "cloudtrail", *in.QueryStatement, pq, zeroTime, zeroTime)
	return map[string]any{"QueryId": q.id, "EventDataStoreOwnerAccountId": e.org.mgmt.id}, nil
}

// parseLake parses a statement and maps a refusal to InvalidQueryStatementException.
func parseLake(text string) (*parsedQuery, error) {
	if err := validQueryText(text); err != nil {
		return nil, trailError("InvalidQueryStatementException", http.StatusBadRequest, "Query statement is not valid: %v", err)
	}
	pq, err := parseLakeQuery(text)
	var qe *queryError
	if errors.As(err, &qe) {
		return nil, trailError("InvalidQueryStatementException", http.StatusBadRequest, "Query statement is not valid: %s", qe.msg)
	}
	return pq, err
}

func (e *Emulator) lakeQuery(id *string) (*trailQuery, error) {
	if id == nil {
		return nil, trailError("InvalidParameterException", http.StatusBadRequest, "QueryId is required")
	}
	q := e.trail.queries[*id]
	if q == nil || q.service != "cloudtrail" {
		return nil, trailError("QueryIdNotFoundException", http.StatusBadRequest, "The query ID %s does not exist or does not map to a query.", *id)
	}
	return q, nil
}

// lakeStatusLocked is the query's QueryStatus and ErrorMessage at now.
func (e *Emulator) lakeStatusLocked(q *trailQuery, c *call) (string, string) {
	stage := e.queryStageLocked(q, c.now)
	if stage == 2 && q.failure != "" {
		return "FAILED", q.failure
	}
	return lakeStatus[stage], ""
}

func (e *Emulator) lakeDescribeQuery(c *call, raw []byte) (any, error) {
	var in struct{ QueryId *string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	q, err := e.lakeQuery(in.QueryId)
	if err != nil {
		return nil, err
	}
	status, msg := e.lakeStatusLocked(q, c)
	stats := map[string]any{"CreationTime": epoch(q.created)}
	if status == "FINISHED" {
		stats["EventsMatched"] = len(q.rows)
		stats["EventsScanned"] = q.scanned
		stats["BytesScanned"] = q.scanned * 1500
		stats["ExecutionTimeInMillis"] = c.now.Sub(q.created).Milliseconds()
	}
	out := map[string]any{"QueryId": q.id, "QueryString": q.text, "QueryStatus": status, "QueryStatistics": stats}
	if msg != "" {
		out["ErrorMessage"] = msg
	}
	return out, nil
}

func (e *Emulator) lakeGetQueryResults(c *call, raw []byte) (any, error) {
	var in struct {
		QueryId         *string
		NextToken       *string
		MaxQueryResults *int
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	q, err := e.lakeQuery(in.QueryId)
	if err != nil {
		return nil, err
	}
	status, msg := e.lakeStatusLocked(q, c)
	out := map[string]any{"QueryStatus": status}
	if status != "FINISHED" {
		if msg != "" {
			out["ErrorMessage"] = msg
		}
		out["QueryResultRows"] = []any{}
		return out, nil
	}
	limit := 1000
	if e.trail.pageSize > 0 {
		limit = e.trail.pageSize
	} else if e.opts.PageSize > 0 {
		limit = e.opts.PageSize
	}
	if in.MaxQueryResults != nil && *in.MaxQueryResults < limit {
		limit = *in.MaxQueryResults
	}
	tokOp := "GetQueryResults:" + q.id
	start := 0
	if in.NextToken != nil && *in.NextToken != "" {
		off, ok := decodeToken(tokOp, *in.NextToken)
		if !ok || off > len(q.rows) {
			return nil, trailError("InvalidNextTokenException", http.StatusBadRequest, "A token that is not valid, or a token that was previously used in a request with different parameters.")
		}
		start = off
	}
	end := min(start+limit, len(q.rows))
	rows := make([][]map[string]string, 0, end-start)
	for _, ev := range q.rows[start:end] {
		row := make([]map[string]string, 0, len(q.cols))
		for _, col := range q.cols {
			v, _ := col.lookup(ev)
			row = append(row, map[string]string{col.name: v})
		}
		rows = append(rows, row)
	}
	out["QueryResultRows"] = rows
	out["QueryStatistics"] = map[string]any{"ResultsCount": len(rows), "TotalResultsCount": len(q.rows), "BytesScanned": q.scanned * 1500}
	if end < len(q.rows) {
		out["NextToken"] = encodeToken(tokOp, end)
	}
	return out, nil
}
