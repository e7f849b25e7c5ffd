// Package integrationstest is a local stand-in for the APIs the
// integrations read: PagerDuty's GET /oncalls and schedules, Opsgenie's
// schedule on-calls, Jira Cloud's issues and ServiceNow's Table API, with
// their documented shapes, authentication headers, pagination and error
// bodies, and switches to inject latency and failures.
package integrationstest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Credentials the fake accepts.
const (
	PagerDutyToken   = "pd-test-token"
	OpsgenieKey      = "og-test-key"
	JiraEmail        = "bot@example.com"
	JiraToken        = "jira-test-token"
	ServiceNowUser   = "elevate"
	ServiceNowSecret = "snow-test-password"
)

// OnCall is one on-call entry: a user at a level of a rota.
type OnCall struct {
	Email string
	Level int
	End   time.Time
}

// Issue is a Jira issue.
type Issue struct {
	Key, Summary, Status, Category, Project, Assignee string // Category: new, indeterminate, done
}

// Record is a ServiceNow record of a table.
type Record struct {
	SysID, Number, ShortDescription, State, AssignedTo string
}

// Server is the fake. Its fields may be changed while it runs through the
// setters, which lock.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	schedules map[string][]OnCall // PagerDuty schedule or escalation policy id -> on-calls
	policies  map[string][]OnCall
	ogScheds  map[string][]string // Opsgenie schedule id -> recipients
	issues    map[string]Issue
	records   map[string]map[string]Record // table -> number -> record
	down      map[string]int               // service -> status to answer with (0: up)
	latency   map[string]time.Duration
	calls     map[string]int
}

// Services, for Down, Latency and Calls.
const (
	PagerDuty  = "pagerduty"
	Opsgenie   = "opsgenie"
	Jira       = "jira"
	ServiceNow = "servicenow"
)

// New starts the fake; it stops with the test.
func New(t interface{ Cleanup(func()) }) *Server {
	s := &Server{schedules: map[string][]OnCall{}, policies: map[string][]OnCall{}, ogScheds: map[string][]string{},
		issues: map[string]Issue{}, records: map[string]map[string]Record{}, down: map[string]int{}, latency: map[string]time.Duration{}, calls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /pagerduty/oncalls", s.pdOnCalls)
	mux.HandleFunc("GET /pagerduty/schedules/{id}", s.pdGet(func(id string) bool { _, ok := s.schedules[id]; return ok }, "schedule"))
	mux.HandleFunc("GET /pagerduty/escalation_policies/{id}", s.pdGet(func(id string) bool { _, ok := s.policies[id]; return ok }, "escalation_policy"))
	mux.HandleFunc("GET /opsgenie/v2/schedules/{id}/on-calls", s.ogOnCalls)
	mux.HandleFunc("GET /jira/rest/api/3/issue/{key}", s.jiraIssue)
	mux.HandleFunc("GET /jira/rest/api/3/myself", s.jiraMyself)
	mux.HandleFunc("GET /servicenow/api/now/table/{table}", s.snowTable)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// URL of one service's API.
func (s *Server) ServiceURL(service string) string { return s.URL + "/" + service }

// SetSchedule sets who is on call in a PagerDuty schedule.
func (s *Server) SetSchedule(id string, ocs ...OnCall) { s.lock(func() { s.schedules[id] = ocs }) }

// SetEscalationPolicy sets who is on call in a PagerDuty escalation policy.
func (s *Server) SetEscalationPolicy(id string, ocs ...OnCall) {
	s.lock(func() { s.policies[id] = ocs })
}

// SetOpsgenieSchedule sets the recipients on call in an Opsgenie schedule.
func (s *Server) SetOpsgenieSchedule(id string, emails ...string) {
	s.lock(func() { s.ogScheds[id] = emails })
}

// SetIssue adds or changes a Jira issue.
func (s *Server) SetIssue(is Issue) { s.lock(func() { s.issues[is.Key] = is }) }

// SetRecord adds or changes a ServiceNow record.
func (s *Server) SetRecord(table string, r Record) {
	s.lock(func() {
		if s.records[table] == nil {
			s.records[table] = map[string]Record{}
		}
		s.records[table][r.Number] = r
	})
}

// Down makes a service answer status (503, 429, 500...) to every call; 0 brings it back.
func (s *Server) Down(service string, status int) { s.lock(func() { s.down[service] = status }) }

// Latency delays every answer of a service.
func (s *Server) Latency(service string, d time.Duration) { s.lock(func() { s.latency[service] = d }) }

// Calls returns how many calls a service received.
func (s *Server) Calls(service string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[service]
}

func (s *Server) lock(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// enter counts the call, applies the latency and the injected failure, and
// checks the credentials; false: the answer was written.
func (s *Server) enter(w http.ResponseWriter, r *http.Request, service string, authOK bool, errBody func(string) any) bool {
	s.mu.Lock()
	s.calls[service]++
	lat, down := s.latency[service], s.down[service]
	s.mu.Unlock()
	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
			return false
		}
	}
	if down != 0 {
		if down == http.StatusTooManyRequests || down == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "0")
		}
		writeJSON(w, down, errBody(http.StatusText(down)))
		return false
	}
	if !authOK {
		writeJSON(w, http.StatusUnauthorized, errBody("invalid credentials"))
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func basic(r *http.Request, user, pass string) bool {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	return r.Header.Get("Authorization") == want
}

// PagerDuty's error body: {"error":{"message","code","errors"}}.
func pdError(msg string) any {
	return map[string]any{"error": map[string]any{"message": msg, "code": 2006, "errors": []string{msg}}}
}

func (s *Server) pdAuth(r *http.Request) bool {
	return r.Header.Get("Authorization") == "Token token="+PagerDutyToken &&
		strings.HasPrefix(r.Header.Get("Accept"), "application/vnd.pagerduty+json;version=2")
}

func (s *Server) pdOnCalls(w http.ResponseWriter, r *http.Request) {
	if !s.enter(w, r, PagerDuty, s.pdAuth(r), pdError) {
		return
	}
	q := r.URL.Query()
	withUsers := false
	for _, inc := range q["include[]"] {
		withUsers = withUsers || inc == "users"
	}
	type entry struct {
		oc            OnCall
		sched, policy string
	}
	var all []entry
	s.mu.Lock()
	for _, id := range q["schedule_ids[]"] {
		for _, oc := range s.schedules[id] {
			all = append(all, entry{oc, id, "PEP-OF-" + id})
		}
	}
	for _, id := range q["escalation_policy_ids[]"] {
		for _, oc := range s.policies[id] {
			all = append(all, entry{oc, "", id})
		}
	}
	if len(q["schedule_ids[]"]) == 0 && len(q["escalation_policy_ids[]"]) == 0 {
		for id, ocs := range s.schedules {
			for _, oc := range ocs {
				all = append(all, entry{oc, id, "PEP-OF-" + id})
			}
		}
	}
	s.mu.Unlock()
	limit, offset := 25, 0
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		limit = min(v, 2) // pages of two, so that every test pages
	}
	if v, err := strconv.Atoi(q.Get("offset")); err == nil && v >= 0 {
		offset = v
	}
	var page []map[string]any
	for i := offset; i < len(all) && i < offset+limit; i++ {
		e := all[i]
		uid := "PU" + strings.ToUpper(strings.Split(e.oc.Email, "@")[0])
		user := map[string]any{"id": uid, "type": "user_reference", "summary": e.oc.Email, "self": "https://api.example/users/" + uid}
		if withUsers {
			user = map[string]any{"id": uid, "type": "user", "name": e.oc.Email, "summary": e.oc.Email, "email": e.oc.Email}
		}
		item := map[string]any{"user": user, "escalation_level": e.oc.Level,
			"escalation_policy": map[string]any{"id": e.policy, "type": "escalation_policy_reference", "summary": e.policy},
			"start":             time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "end": e.oc.End.UTC().Format(time.RFC3339)}
		if e.sched != "" {
			item["schedule"] = map[string]any{"id": e.sched, "type": "schedule_reference", "summary": e.sched}
		} else {
			item["schedule"] = nil
		}
		page = append(page, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"oncalls": page, "limit": limit, "offset": offset, "more": offset+limit < len(all), "total": nil})
}

func (s *Server) pdGet(exists func(string) bool, kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.enter(w, r, PagerDuty, s.pdAuth(r), pdError) {
			return
		}
		id := r.PathValue("id")
		s.mu.Lock()
		ok := exists(id)
		s.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusNotFound, pdError("Not Found"))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{kind: map[string]any{"id": id, "type": kind, "summary": id}})
	}
}

// Opsgenie's error body: {"message","took","requestId"}.
func ogError(msg string) any {
	return map[string]any{"message": msg, "took": 0.001, "requestId": "req-1"}
}

func (s *Server) ogOnCalls(w http.ResponseWriter, r *http.Request) {
	if !s.enter(w, r, Opsgenie, r.Header.Get("Authorization") == "GenieKey "+OpsgenieKey, ogError) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	recips, ok := s.ogScheds[id]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, ogError(fmt.Sprintf("Schedule with identifier [%s] doesn't exist", id)))
		return
	}
	data := map[string]any{"_parent": map[string]any{"id": id, "name": "sched-" + id, "enabled": true}}
	if r.URL.Query().Get("flat") == "true" {
		data["onCallRecipients"] = append([]string{}, recips...)
	} else {
		var parts []map[string]any
		for _, e := range recips {
			parts = append(parts, map[string]any{"id": "u-" + e, "name": e, "type": "user"})
		}
		data["onCallParticipants"] = parts
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "took": 0.01, "requestId": "req-2"})
}

// Jira's error body: {"errorMessages":[],"errors":{}}.
func jiraError(msg string) any {
	return map[string]any{"errorMessages": []string{msg}, "errors": map[string]string{}}
}

func (s *Server) jiraIssue(w http.ResponseWriter, r *http.Request) {
	if !s.enter(w, r, Jira, basic(r, JiraEmail, JiraToken), jiraError) {
		return
	}
	s.mu.Lock()
	is, ok := s.issues[r.PathValue("key")]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, jiraError("Issue does not exist or you do not have permission to see it."))
		return
	}
	fields := map[string]any{}
	want := strings.Split(r.URL.Query().Get("fields"), ",")
	for _, f := range want {
		switch f {
		case "summary":
			fields["summary"] = is.Summary
		case "status":
			fields["status"] = map[string]any{"name": is.Status, "id": "1", "statusCategory": map[string]any{"key": is.Category, "name": is.Category, "id": 2}}
		case "project":
			fields["project"] = map[string]any{"key": is.Project, "name": is.Project + " project", "id": "10000"}
		case "assignee":
			if is.Assignee == "" {
				fields["assignee"] = nil
			} else {
				fields["assignee"] = map[string]any{"accountId": "acc-" + is.Assignee, "emailAddress": is.Assignee, "displayName": is.Assignee, "active": true}
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": "10001", "key": is.Key, "self": s.URL + "/jira/rest/api/3/issue/10001", "fields": fields})
}

func (s *Server) jiraMyself(w http.ResponseWriter, r *http.Request) {
	if !s.enter(w, r, Jira, basic(r, JiraEmail, JiraToken), jiraError) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accountId": "acc-bot", "emailAddress": JiraEmail, "active": true})
}

// ServiceNow's error body: {"error":{"message","detail"},"status":"failure"}.
func snowError(msg string) any {
	return map[string]any{"error": map[string]any{"message": msg, "detail": ""}, "status": "failure"}
}

func (s *Server) snowTable(w http.ResponseWriter, r *http.Request) {
	if !s.enter(w, r, ServiceNow, basic(r, ServiceNowUser, ServiceNowSecret), snowError) {
		return
	}
	table := r.PathValue("table")
	s.mu.Lock()
	recs, ok := s.records[table]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusBadRequest, snowError("Invalid table "+table))
		return
	}
	q := r.URL.Query()
	results := []map[string]any{}
	num, filtered := strings.CutPrefix(q.Get("sysparm_query"), "number=")
	for n, rec := range recs {
		if filtered && n != num {
			continue
		}
		results = append(results, map[string]any{"sys_id": rec.SysID, "number": rec.Number, "short_description": rec.ShortDescription,
			"state": rec.State, "assigned_to.email": rec.AssignedTo})
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": results})
}
