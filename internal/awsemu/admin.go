package awsemu

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// adminPrefix is the path of the emulator's admin endpoints, served on the
// same server as the AWS APIs (which only use POST /).
const adminPrefix = "/_emulator/"

// faultRequest is the JSON body of POST /_emulator/faults.
type faultRequest struct {
	Op string `json:"op"`
	Fault
	// LatencyMS is Fault.Latency in milliseconds.
	LatencyMS float64 `json:"latency_ms,omitempty"`
	// Latency is Fault.Latency as a Go duration ("150ms"); it wins over
	// latency_ms.
	Latency string `json:"latency,omitempty"`
}

// faultJSON is a fault setting in admin responses.
type faultJSON struct {
	Op string `json:"op"`
	Fault
	LatencyMS float64 `json:"latency_ms,omitempty"`
}

// assignmentJSON is an account assignment in admin responses.
type assignmentJSON struct {
	AccountID        string `json:"account_id"`
	PermissionSetARN string `json:"permission_set_arn"`
	PrincipalType    string `json:"principal_type"`
	PrincipalID      string `json:"principal_id"`
}

// serveAdmin serves the admin endpoints:
//
//	POST   /_emulator/faults       {"op":"CreateAccountAssignment","throttle_rate":0.5,"latency_ms":200,...}
//	GET    /_emulator/faults       current settings
//	DELETE /_emulator/faults       ClearFaults
//	GET    /_emulator/assignments  current (SUCCEEDED) assignments
//	GET    /_emulator/stats        Stats
//	POST   /_emulator/queues       {"name":"idc-events","identity_events":true} -> {"queue_url":"..."}
func (e *Emulator) serveAdmin(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path[len(adminPrefix):]
	switch {
	case path == "faults" && r.Method == http.MethodPost:
		f, err := decodeFaultRequest(r.Body)
		if err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		e.SetFault(f.Op, f.Fault)
		e.writeFaults(w)
	case path == "faults" && r.Method == http.MethodGet:
		e.writeFaults(w)
	case path == "faults" && r.Method == http.MethodDelete:
		e.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case path == "assignments" && r.Method == http.MethodGet:
		as := e.Assignments()
		out := make([]assignmentJSON, len(as))
		for i, a := range as {
			out[i] = assignmentJSON(a)
		}
		adminJSON(w, http.StatusOK, out)
	case path == "stats" && r.Method == http.MethodGet:
		adminJSON(w, http.StatusOK, e.Stats())
	case path == "queues" && r.Method == http.MethodPost:
		var in struct {
			Name           string `json:"name"`
			IdentityEvents bool   `json:"identity_events"`
		}
		dec := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			adminError(w, http.StatusBadRequest, fmt.Errorf("decode queue: %w", err))
			return
		}
		u, err := e.CreateQueue(in.Name)
		if err == nil && in.IdentityEvents {
			err = e.SetIdentityEventsQueue(u)
		}
		if err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		adminJSON(w, http.StatusOK, map[string]string{"queue_url": u})
	case path == "faults" || path == "assignments" || path == "stats" || path == "queues":
		adminError(w, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed on %s", r.Method, r.URL.Path))
	default:
		adminError(w, http.StatusNotFound, fmt.Errorf("no admin endpoint %s", r.URL.Path))
	}
}

func decodeFaultRequest(body io.Reader) (faultRequest, error) {
	var f faultRequest
	dec := json.NewDecoder(io.LimitReader(body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("decode fault: %w", err)
	}
	if f.Op == "" {
		return f, fmt.Errorf("op is required (an operation name or \"*\")")
	}
	for name, rate := range map[string]float64{
		"throttle_rate": f.ThrottleRate, "server_error_rate": f.ServerErrorRate, "conflict_rate": f.ConflictRate,
		"not_found_on_status_rate": f.NotFoundOnStatusRate, "fail_rate": f.FailRate,
	} {
		if rate < 0 || rate > 1 {
			return f, fmt.Errorf("%s %g is outside [0, 1]", name, rate)
		}
	}
	f.Fault.Latency = time.Duration(f.LatencyMS * float64(time.Millisecond))
	if f.Latency != "" {
		d, err := time.ParseDuration(f.Latency)
		if err != nil {
			return f, fmt.Errorf("latency: %w", err)
		}
		f.Fault.Latency = d
	}
	if f.Fault.Latency < 0 || f.NotFoundOnStatusCalls < 0 {
		return f, fmt.Errorf("latency and not_found_on_status_calls must not be negative")
	}
	return f, nil
}

func (e *Emulator) writeFaults(w http.ResponseWriter) {
	faults := e.Faults()
	out := make([]faultJSON, 0, len(faults))
	for op, f := range faults {
		out = append(out, faultJSON{Op: op, Fault: f, LatencyMS: float64(f.Latency) / float64(time.Millisecond)})
	}
	sortFaults(out)
	adminJSON(w, http.StatusOK, out)
}

func sortFaults(fs []faultJSON) {
	slices.SortFunc(fs, func(a, b faultJSON) int { return strings.Compare(a.Op, b.Op) })
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	buf, err := json.Marshal(v)
	if err != nil {
		adminError(w, http.StatusInternalServerError, fmt.Errorf("encode: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(buf, '\n'))
}

func adminError(w http.ResponseWriter, status int, err error) {
	buf, _ := json.Marshal(map[string]string{"error": err.Error()})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(buf, '\n'))
}
