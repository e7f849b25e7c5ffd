// Package benchenv holds what elevate's benchmark programs share: a wrapper
// around the AWS emulator that records when AWS accepted each deletion, and
// fresh PostgreSQL databases.
package benchenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// DeleteRecorder passes requests to the emulator and notes when it accepted
// each DeleteAccountAssignment (an HTTP 200 answer), by account, permission
// set and principal.
type DeleteRecorder struct {
	next http.Handler

	mu       sync.Mutex
	accepted map[string]time.Time // first accepted deletion
}

// NewDeleteRecorder wraps next.
func NewDeleteRecorder(next http.Handler) *DeleteRecorder {
	return &DeleteRecorder{next: next, accepted: map[string]time.Time{}}
}

func assignmentKey(account, psARN, principal string) string {
	return account + "|" + psARN + "|" + principal
}

// Accepted returns when AWS first accepted the deletion of the assignment.
func (rc *DeleteRecorder) Accepted(account, psARN, principal string) (time.Time, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	at, ok := rc.accepted[assignmentKey(account, psARN, principal)]
	return at, ok
}

func (rc *DeleteRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".DeleteAccountAssignment") {
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

// StatusWriter is a ResponseWriter that notes the status of the answer
// (Status: 200 unless WriteHeader says otherwise).
type StatusWriter struct {
	http.ResponseWriter
	Status int
}

func (s *StatusWriter) WriteHeader(code int) {
	s.Status = code
	s.ResponseWriter.WriteHeader(code)
}

// FreshDatabase creates an empty database elevate_bench_<random> on the
// server of admin and returns its URL and a function that drops it.
func FreshDatabase(ctx context.Context, admin string) (string, func(), error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, fmt.Errorf("-database-url %q: want postgres://", admin)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "elevate_bench_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
		}
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}
