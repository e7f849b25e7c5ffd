package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/elevate/elevate/internal/store"
)

// tx is one transaction: a write transaction from InTx, or a read-only one
// from ReadTx.
type tx struct {
	tx pgx.Tx
}

var _ store.Tx = (*tx)(nil)

// PgxTx returns the underlying transaction, so that the River job queue can
// insert its jobs in it.
func (t *tx) PgxTx() pgx.Tx { return t.tx }

// PostgreSQL error codes the store maps.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// timeArg converts t for storage: a timestamptz (pgx keeps microseconds), or
// NULL for the zero time.
func timeArg(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// timeOf converts a stored time back: UTC, or the zero time for NULL.
func timeOf(ts pgtype.Timestamptz) time.Time {
	if !ts.Valid {
		return time.Time{}
	}
	return ts.Time.UTC()
}

// isConflict reports whether err is a unique violation, or a concurrency
// failure after which the whole transaction should be retried.
func isConflict(err error) bool {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case codeUniqueViolation, codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}

// wrap wraps err from op, as store.ErrConflict when it violates a unique key
// or lost a concurrency race (deadlock, serialization failure).
func wrap(op string, err error) error {
	if isConflict(err) {
		return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrConflict, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// notFound wraps store.ErrNotFound for op.
func notFound(op string) error {
	return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
}

// each runs the query and calls fn on every row.
func (t *tx) each(ctx context.Context, fn func(pgx.Rows) error, query string, args ...any) error {
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// strings returns the first column of every row.
func (t *tx) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	var out []string
	err := t.each(ctx, func(rows pgx.Rows) error {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	}, query, args...)
	return out, err
}
