package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/workflow"
)

func mayAudit(actor access.Actor) error {
	if actor.Auditor || actor.Admin {
		return nil
	}
	return access.Errorf(access.CodeForbidden, "Only auditors and admins may see the audit pages.")
}

type auditData struct {
	Filter filterView
	Rows   []reqRow
	// CSVHref and JSONLHref export every request the filters match.
	CSVHref, JSONLHref string
	Chain              *audit.Report
	ChainErr           string
	HasLog             bool
}

// auditPage serves GET /audit: a page of every request, searched and
// filtered, with exports of every match.
func (p *Portal) auditPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := mayAudit(actor); err != nil {
		return err
	}
	_, rows, fv, err := p.pageOf(r, actor, workflow.ScopeAll, nil, filterView{Action: "/audit", Statuses: access.Statuses, Requester: true})
	if err != nil {
		return err
	}
	d := auditData{Filter: fv, Rows: rows, CSVHref: "/audit/requests.csv", JSONLHref: "/audit/requests.jsonl", HasLog: p.o.Audit != nil}
	if q := fv.F.query(""); q != "" {
		d.CSVHref += "?" + q
		d.JSONLHref += "?" + q
	}
	if p.o.Audit != nil {
		rep, err := p.o.Audit.VerifyAs(r.Context(), actor)
		if err != nil {
			d.ChainErr = p.message(r, err)
		} else {
			d.Chain = &rep
		}
	}
	p.render(w, http.StatusOK, "audit", view{Title: "Audit", Nav: "audit", Actor: actor, SignedIn: true, D: d})
	return nil
}

// requestsCSVHeader is the first line of the requests CSV export.
var requestsCSVHeader = []string{"id", "status", "requester", "accounts", "permission_set", "duration", "created_at", "start_at", "activated_at",
	"ends_at", "justification", "ticket", "rule", "approvals", "ended_by", "reason", "activity_events"}

// exportRequests streams every request matching the audit page's filters
// (its cursor aside) to w, a page at a time: start writes the headers
// before the first byte, row writes one request, and each page is flushed
// to the client as it is written. An error once the response has started
// aborts it, so that a cut export is never taken for a whole one.
func (p *Portal) exportRequests(w http.ResponseWriter, r *http.Request, actor access.Actor, start func() error,
	row func(reqRow) error, flush func() error) error {
	if err := mayAudit(actor); err != nil {
		return err
	}
	_, in, err := parseListFilter(r)
	if err != nil {
		return err
	}
	in.Scope, in.Cursor = workflow.ScopeAll, ""
	rc := http.NewResponseController(w)
	started := false
	begin := func() error {
		if started {
			return nil
		}
		started = true
		return start()
	}
	err = p.o.Service.ExportRequests(r.Context(), actor, in, func(reqs []*access.Request) error {
		// The server's write timeout bounds each page, not the whole export.
		if err := rc.SetWriteDeadline(time.Now().Add(exportPageTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if err := begin(); err != nil {
			return err
		}
		rows, err := p.rows(r, actor, reqs)
		if err != nil {
			return err
		}
		for _, x := range rows {
			if err := row(x); err != nil {
				return err
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		return nil
	})
	if err == nil {
		if err = begin(); err == nil { // nothing matched: the header alone
			err = flush()
		}
	}
	if err != nil && started {
		p.log.ErrorContext(r.Context(), "web: audit export stopped", "err", err.Error())
		panic(http.ErrAbortHandler)
	}
	return err
}

// exportPageTimeout bounds the writing of one page of an export.
const exportPageTimeout = 2 * time.Minute

// exportHeaders sets the headers of a downloaded export.
func exportHeaders(w http.ResponseWriter, contentType, name string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}

// auditRequestsCSV serves GET /audit/requests.csv: every request matching
// the page's filters, streamed.
func (p *Portal) auditRequestsCSV(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	cw := csv.NewWriter(w)
	t := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	}
	start := func() error {
		exportHeaders(w, "text/csv; charset=utf-8", "elevate-requests.csv")
		w.WriteHeader(http.StatusOK)
		return cw.Write(requestsCSVHeader)
	}
	row := func(row reqRow) error {
		q := row.R
		var aps []string
		for _, a := range q.Approvals {
			aps = append(aps, a.UserName+":"+string(a.Verdict))
		}
		cells := []string{q.ID, string(q.Status), q.RequesterName, row.Accounts, q.PermissionSetName, q.Duration.String(), t(q.CreatedAt),
			t(q.StartAt), t(q.ActivatedAt), t(q.EndsAt), q.Justification, q.Ticket, q.Rule, strings.Join(aps, " "), q.EndRequestedBy, q.Reason,
			p.activityCount(r, actor, q)} // session activity events stored (activity.go)
		for i := range cells {
			cells[i] = csvSafe(cells[i])
		}
		return cw.Write(cells)
	}
	flush := func() error {
		cw.Flush()
		return cw.Error()
	}
	return p.exportRequests(w, r, actor, start, row, flush)
}

// requestLine is one line of the JSON lines export.
type requestLine struct {
	ID            string     `json:"id"`
	Status        string     `json:"status"`
	RequesterID   string     `json:"requester_id"`
	Requester     string     `json:"requester"`
	AccountIDs    []string   `json:"account_ids"`
	Accounts      string     `json:"accounts"`
	PermissionSet string     `json:"permission_set"`
	DurationSecs  int64      `json:"duration_seconds"`
	CreatedAt     *time.Time `json:"created_at"`
	StartAt       *time.Time `json:"start_at"`
	ActivatedAt   *time.Time `json:"activated_at"`
	EndsAt        *time.Time `json:"ends_at"`
	Justification string     `json:"justification"`
	Ticket        string     `json:"ticket"`
	Rule          string     `json:"rule"`
	Approvals     []string   `json:"approvals"`
	EndedBy       string     `json:"ended_by"`
	Reason        string     `json:"reason"`
}

// auditRequestsJSONL serves GET /audit/requests.jsonl: the CSV export's
// requests as JSON lines, one request per line.
func (p *Portal) auditRequestsJSONL(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	enc := json.NewEncoder(w)
	tp := func(x time.Time) *time.Time {
		if x.IsZero() {
			return nil
		}
		u := x.UTC()
		return &u
	}
	start := func() error {
		exportHeaders(w, "application/jsonl", "elevate-requests.jsonl")
		w.WriteHeader(http.StatusOK)
		return nil
	}
	row := func(row reqRow) error {
		q := row.R
		aps := []string{}
		for _, a := range q.Approvals {
			aps = append(aps, a.UserName+":"+string(a.Verdict))
		}
		return enc.Encode(requestLine{ID: q.ID, Status: string(q.Status), RequesterID: q.RequesterID, Requester: q.RequesterName,
			AccountIDs: q.AccountIDs(), Accounts: row.Accounts, PermissionSet: q.PermissionSetName, DurationSecs: int64(q.Duration.Seconds()),
			CreatedAt: tp(q.CreatedAt), StartAt: tp(q.StartAt), ActivatedAt: tp(q.ActivatedAt), EndsAt: tp(q.EndsAt),
			Justification: q.Justification, Ticket: q.Ticket, Rule: q.Rule, Approvals: aps, EndedBy: q.EndRequestedBy, Reason: q.Reason})
	}
	return p.exportRequests(w, r, actor, start, row, func() error { return nil })
}

// auditLogCSV serves GET /audit/log.csv: the whole decision log.
func (p *Portal) auditLogCSV(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := mayAudit(actor); err != nil {
		return err
	}
	if p.o.Audit == nil {
		return access.Errorf(access.CodeNotFound, "The decision log is not served by this server.")
	}
	var buf bytes.Buffer
	if _, err := p.o.Audit.Export(r.Context(), &buf, audit.ExportOptions{Format: "csv"}); err != nil {
		return err
	}
	writeCSV(w, "elevate-decision-log.csv", buf.Bytes())
	return nil
}

func writeCSV(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// csvSafe makes a cell of stored text safe to open: control characters
// other than newline and tab are escaped (access.EscapeControls), so a
// terminal showing the file runs no escape sequence, and a cell a
// spreadsheet would run as a formula (starting with = + - @, tab or CR) is
// prefixed with ' so it shows as text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	return access.EscapeControls(s)
}
