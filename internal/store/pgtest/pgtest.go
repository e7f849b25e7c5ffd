// Package pgtest gives tests a fresh PostgreSQL database. The server comes
// from ELEVATE_TEST_POSTGRES_URL (CI sets it); without it, the tests that ask
// for a database are skipped.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the variable holding the URL of a PostgreSQL database whose
// user may create databases, e.g.
// postgres://elevate:elevate@127.0.0.1:5432/elevate_test?sslmode=disable.
const EnvVar = "ELEVATE_TEST_POSTGRES_URL"

// AdminURL returns the URL in ELEVATE_TEST_POSTGRES_URL, or skips the test.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		t.Skip("set " + EnvVar + "=postgres://... to run the PostgreSQL tests " +
			"(e.g. postgres://elevate:elevate@127.0.0.1:5432/elevate_test?sslmode=disable; the user must be allowed to create databases)")
	}
	return u
}

// NewDatabase creates an empty database named elevate_t_<random> on the
// server of ELEVATE_TEST_POSTGRES_URL, drops it when the test ends, and
// returns its URL. It skips the test when the variable is not set.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s: want a postgres:// URL", EnvVar)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "elevate_t_" + hex.EncodeToString(b)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect to %s's server: %v", EnvVar, err)
	}
	defer conn.Close(ctx)
	// CREATE DATABASE takes no parameters; name is ours and safe.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
