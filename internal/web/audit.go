package web

import (
	"bytes"
	"encoding/csv"
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

type auditFilter struct {
	Status, Requester, Account, PermissionSet string
}

func (f auditFilter) query() string {
	v := make([]string, 0, 4)
	for k, x := range map[string]string{"status": f.Status, "requester": f.Requester, "account": f.Account, "permission_set": f.PermissionSet} {
		if x != "" {
			v = append(v, k+"="+x)
		}
	}
	return strings.Join(v, "&")
}

type auditData struct {
	F        auditFilter
	Statuses []access.Status
	Rows     []reqRow
	CSVQuery string
	Chain    *audit.Report
	ChainErr string
	HasLog   bool
}

// filtered lists every request matching the filter (newest first).
func (p *Portal) filtered(r *http.Request, actor access.Actor) (auditFilter, []reqRow, error) {
	q := r.URL.Query()
	f := auditFilter{Status: q.Get("status"), Requester: strings.TrimSpace(q.Get("requester")), Account: strings.TrimSpace(q.Get("account")),
		PermissionSet: strings.TrimSpace(q.Get("permission_set"))}
	in := workflow.ListInput{Scope: workflow.ScopeAll, Limit: 1000}
	if f.Status != "" {
		in.Statuses = []access.Status{access.Status(f.Status)}
	}
	reqs, err := p.o.Service.ListRequests(r.Context(), actor, in)
	if err != nil {
		return f, nil, err
	}
	rows, err := p.rows(r, actor, reqs)
	if err != nil {
		return f, nil, err
	}
	out := rows[:0]
	for _, row := range rows {
		if f.Requester != "" && !strings.Contains(strings.ToLower(row.R.RequesterName), strings.ToLower(f.Requester)) {
			continue
		}
		if f.Account != "" && !strings.Contains(strings.ToLower(row.Accounts), strings.ToLower(f.Account)) {
			continue
		}
		if f.PermissionSet != "" && !strings.Contains(strings.ToLower(row.R.PermissionSetName), strings.ToLower(f.PermissionSet)) {
			continue
		}
		out = append(out, row)
	}
	return f, out, nil
}

// auditPage serves GET /audit.
func (p *Portal) auditPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := mayAudit(actor); err != nil {
		return err
	}
	f, rows, err := p.filtered(r, actor)
	if err != nil {
		return err
	}
	d := auditData{F: f, Statuses: access.Statuses, Rows: rows, CSVQuery: f.query(), HasLog: p.o.Audit != nil}
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

// auditRequestsCSV serves GET /audit/requests.csv with the page's filters.
func (p *Portal) auditRequestsCSV(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := mayAudit(actor); err != nil {
		return err
	}
	_, rows, err := p.filtered(r, actor)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(requestsCSVHeader)
	t := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339)
	}
	for _, row := range rows {
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
		_ = cw.Write(cells)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	writeCSV(w, "elevate-requests.csv", buf.Bytes())
	return nil
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
