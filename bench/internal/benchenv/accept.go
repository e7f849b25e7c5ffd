package benchenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// AcceptRecorder passes requests to the emulator and notes when it
// accepted (answered HTTP 200) each call of one operation on an account
// assignment, by account, permission set and principal: the first time.
type AcceptRecorder struct {
	next   http.Handler
	suffix string

	mu       sync.Mutex
	accepted map[string]time.Time
}

// NewAcceptRecorder wraps next and records op (for example
// "CreateAccountAssignment").
func NewAcceptRecorder(next http.Handler, op string) *AcceptRecorder {
	return &AcceptRecorder{next: next, suffix: "." + op, accepted: map[string]time.Time{}}
}

// Accepted returns when AWS first accepted the call for the assignment.
func (rc *AcceptRecorder) Accepted(account, psARN, principal string) (time.Time, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	at, ok := rc.accepted[assignmentKey(account, psARN, principal)]
	return at, ok
}

func (rc *AcceptRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), rc.suffix) {
		rc.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &StatusWriter{ResponseWriter: w, Status: http.StatusOK}
	rc.next.ServeHTTP(sw, r)
	at := time.Now()
	if sw.Status != http.StatusOK {
		return
	}
	var in struct{ TargetId, PermissionSetArn, PrincipalId string }
	if json.Unmarshal(body, &in) != nil {
		return
	}
	k := assignmentKey(in.TargetId, in.PermissionSetArn, in.PrincipalId)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if _, ok := rc.accepted[k]; !ok {
		rc.accepted[k] = at
	}
}

// Reset forgets what was recorded.
func (rc *AcceptRecorder) Reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	clear(rc.accepted)
}
