// Package benchenv holds what elevate's benchmark programs share: a wrapper
// around the AWS emulator that records when AWS accepted each deletion, and
// fresh PostgreSQL databases.
package benchenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
)

// DeleteRecorder notes when the emulator first accepted each
// DeleteAccountAssignment (an HTTP 200 answer), by account, permission set
// and principal.
type DeleteRecorder = AcceptRecorder

// NewDeleteRecorder wraps next.
func NewDeleteRecorder(next http.Handler) *DeleteRecorder {
	return NewAcceptRecorder(next, "DeleteAccountAssignment")
}

func assignmentKey(account, psARN, principal string) string {
	return account + "|" + psARN + "|" + principal
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
