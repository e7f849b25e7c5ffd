package api

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// listParams are the query parameters of GET /api/v1/requests; the audit
// export takes them all but scope, limit and cursor.
var listParams = []string{"status", "scope", "limit", "q", "requester", "account", "permission_set", "since", "until", "sort", "cursor"}

// listRequests serves GET /api/v1/requests: a page of the requests the
// caller may see, filtered, sorted, and continued with next_cursor.
func (a *API) listRequests(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := listInput(r.URL.Query(), listParams)
	if err != nil {
		return err
	}
	page, err := a.svc.PageRequests(r.Context(), actor, in)
	if err != nil {
		return err
	}
	names := a.userNames(r.Context(), page.Items...)
	accounts := a.accountNames(r.Context(), page.Items...)
	out := requestList{Items: make([]requestJSON, 0, len(page.Items)), NextCursor: page.Next}
	for _, req := range page.Items {
		j := toRequest(req, names)
		a.named(r.Context(), &j, req, accounts)
		out.Items = append(out.Items, j)
	}
	a.writeJSON(w, r, http.StatusOK, out)
	return nil
}

// listInput parses a list's query. Unknown parameters are refused, so that a
// typo does not silently return everything.
func listInput(q url.Values, allowed []string) (workflow.ListInput, error) {
	var in workflow.ListInput
	for k := range q {
		if !slices.Contains(allowed, k) {
			return in, access.Errorf(access.CodeInvalid, "unknown query parameter %q: use %s", k, strings.Join(allowed, ", "))
		}
	}
	split := func(name string) []string {
		var out []string
		for _, v := range q[name] {
			for s := range strings.SplitSeq(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
		}
		return out
	}
	for _, s := range split("status") {
		in.Statuses = append(in.Statuses, access.Status(s))
	}
	in.Accounts = split("account")
	in.Scope = workflow.Scope(strings.TrimSpace(q.Get("scope")))
	in.Search = strings.TrimSpace(q.Get("q"))
	in.Requester = strings.TrimSpace(q.Get("requester"))
	in.PermissionSet = strings.TrimSpace(q.Get("permission_set"))
	in.Order = access.RequestOrder(strings.TrimSpace(q.Get("sort")))
	in.Cursor = strings.TrimSpace(q.Get("cursor"))
	var err error
	if in.Since, err = workflow.ParseListTime("since", q.Get("since"), false); err != nil {
		return in, err
	}
	if in.Until, err = workflow.ParseListTime("until", q.Get("until"), true); err != nil {
		return in, err
	}
	if s := strings.TrimSpace(q.Get("limit")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return in, access.Errorf(access.CodeInvalid, "limit %q is not a number: use 1 to %d", s, workflow.MaxListLimit)
		}
		in.Limit = n
	}
	return in, nil
}

// auditRequestsCSVHeader is the first line of the requests export as CSV.
var auditRequestsCSVHeader = []string{"id", "status", "requester_id", "requester", "account_ids", "permission_set", "permission_set_arn",
	"duration", "created_at", "start", "activated_at", "ends_at", "justification", "ticket", "rule", "approvals",
	"end_requested_by", "end_comment", "reason", "revocation_failed"}

// exportParams are the query parameters of the audit export.
var exportParams = []string{"format", "status", "q", "requester", "account", "permission_set", "since", "until", "sort"}

// auditRequests serves GET /api/v1/audit/requests?format=jsonl|csv: every
// request matching the filters, streamed a page at a time (no cap), for
// auditors and admins. An error once the stream has started aborts the
// response, so that a client never takes a cut export for a whole one.
func (a *API) auditRequests(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := r.URL.Query()
	in, err := listInput(q, exportParams)
	if err != nil {
		return err
	}
	in.Scope = workflow.ScopeAll
	format := q.Get("format")
	switch format {
	case "", "jsonl":
		format = "jsonl"
	case "csv":
	default:
		return access.Errorf(access.CodeInvalid, "format %q is unknown: use jsonl or csv", format)
	}
	rc := http.NewResponseController(w)
	started := false
	start := func() {
		h := w.Header()
		if format == "csv" {
			h.Set("Content-Type", "text/csv; charset=utf-8")
			h.Set("Content-Disposition", `attachment; filename="elevate-requests.csv"`)
		} else {
			h.Set("Content-Type", "application/jsonl")
			h.Set("Content-Disposition", `attachment; filename="elevate-requests.jsonl"`)
		}
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		started = true
	}
	cw := csv.NewWriter(w)
	enc := json.NewEncoder(w)
	err = a.svc.ExportRequests(r.Context(), actor, in, func(reqs []*access.Request) error {
		// The server's write timeout bounds each page, not the whole export.
		if err := rc.SetWriteDeadline(time.Now().Add(2 * time.Minute)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if !started {
			start()
			if format == "csv" {
				if err := cw.Write(auditRequestsCSVHeader); err != nil {
					return err
				}
			}
		}
		names := a.userNames(r.Context(), reqs...)
		for _, req := range reqs {
			if format == "csv" {
				if err := cw.Write(csvRow(req)); err != nil {
					return err
				}
				continue
			}
			if err := enc.Encode(toRequest(req, names)); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		return nil
	})
	if err != nil && started {
		a.log.ErrorContext(r.Context(), "audit export stopped", "request_id", access.RequestIDFrom(r.Context()), "err", err.Error())
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		return err
	}
	if !started { // nothing matched: the header alone, or an empty file
		start()
		if format == "csv" {
			_ = cw.Write(auditRequestsCSVHeader)
			cw.Flush()
		}
	}
	return nil
}

// csvRow is req as a line of the CSV export. A cell a spreadsheet would run
// as a formula is prefixed with ' so that it shows as text, and control
// characters are escaped.
func csvRow(req *access.Request) []string {
	t := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	}
	var aps []string
	for _, ap := range req.Approvals {
		aps = append(aps, ap.UserName+":"+string(ap.Verdict))
	}
	cells := []string{req.ID, string(req.Status), req.RequesterID, req.RequesterName, strings.Join(req.AccountIDs(), " "),
		req.PermissionSetName, req.PermissionSetARN, req.Duration.String(), t(req.CreatedAt), t(req.StartAt), t(req.ActivatedAt),
		t(req.EndsAt), req.Justification, req.Ticket, req.Rule, strings.Join(aps, " "), req.EndRequestedBy, req.EndComment,
		req.Reason, strconv.FormatBool(req.RevocationFailed)}
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			c = "'" + c
		}
		cells[i] = access.EscapeControls(c)
	}
	return cells
}
