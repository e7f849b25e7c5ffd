// Package sqlstore implements store.Tx once for both store engines. The
// queries are written in the SQL that SQLite and PostgreSQL share, with $n
// placeholders (the modernc SQLite driver binds $n by position too); what the
// two databases spell differently (times, lists of values, case folding,
// locks, errors) comes from the engine's Dialect, and how statements run from
// its Conn (database/sql for SQLite, pgx for PostgreSQL).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// Conn runs statements in one transaction.
type Conn interface {
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query for one row; its Scan returns an error that
	// errors.Is sql.ErrNoRows when there is none.
	QueryRow(ctx context.Context, query string, args ...any) Row
	// ExecBatch runs query once for each list of arguments, in order.
	ExecBatch(ctx context.Context, query string, args [][]any) error
	// CopyRows inserts rows (values in columns order) into table.
	CopyRows(ctx context.Context, table string, columns []string, rows [][]any) error
}

// Rows is the result of Query (pgx.Rows satisfies it as is).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is the result of QueryRow.
type Row interface {
	Scan(dest ...any) error
}

// Dialect is what an engine spells its own way.
type Dialect struct {
	// Name prefixes every error ("sqlite", "postgres").
	Name string
	// Time encodes a non-zero time for storage (NULL stands for the zero time).
	Time func(time.Time) any
	// List encodes a list of strings as one parameter, and ListDest returns
	// the scan target that decodes it into *dst.
	List     func([]string) any
	ListDest func(dst *[]string) any
	// InList returns the condition "expr is one of the list parameter param".
	InList func(expr, param string) string
	// Lower returns the text parameter param folded to lower case as the
	// text columns fold (ASCII only on both engines).
	Lower func(param string) string
	// InsertOrder is the column that orders approvals inserted at the same time.
	InsertOrder string
	// ForUpdate ends a SELECT that locks the rows it reads ("" when writers
	// are serialized anyway).
	ForUpdate string
	// OverridingSystemValue lets an INSERT set events.seq explicitly.
	OverridingSystemValue string
	// IsConflict reports whether err is a unique violation or a lost
	// concurrency race, which the caller retries (store.ErrConflict).
	IsConflict func(error) bool
	// LockAudit, LockDirectory and LockAssignment serialize the
	// transactions that append to the decision log, replace the directory,
	// or decide about one account assignment, until the transaction ends.
	// Nil: the engine's writers are serialized already.
	LockAudit      func(ctx context.Context, c Conn) error
	LockDirectory  func(ctx context.Context, c Conn) error
	LockAssignment func(ctx context.Context, c Conn, a access.Assignment) error
}

// Tx implements store.Tx on a Conn.
type Tx struct {
	c Conn
	d *Dialect
}

var _ store.Tx = (*Tx)(nil)

// NewTx returns the store.Tx on c.
func NewTx(c Conn, d *Dialect) *Tx { return &Tx{c: c, d: d} }

// ts encodes t for storage, the zero time as NULL.
func (t *Tx) ts(v time.Time) any {
	if v.IsZero() {
		return nil
	}
	return t.d.Time(v)
}

// list encodes ss as one parameter (never NULL).
func (t *Tx) list(ss []string) any {
	if ss == nil {
		ss = []string{}
	}
	return t.d.List(ss)
}

// dbTime scans a stored time: Unix microseconds (SQLite), a time.Time
// (PostgreSQL), or NULL for the zero time.
type dbTime struct{ time.Time }

// Scan implements sql.Scanner; pgx uses it too.
func (d *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		d.Time = time.Time{}
	case int64:
		d.Time = time.UnixMicro(v).UTC()
	case time.Time:
		d.Time = v.UTC()
	default:
		return fmt.Errorf("scan a time from %T", src)
	}
	return nil
}

// timeOf returns the scanned time.
func timeOf(d dbTime) time.Time { return d.Time }

// wrap wraps err from op, as store.ErrConflict when it violates a unique key
// or lost a concurrency race.
func (t *Tx) wrap(op string, err error) error {
	if t.d.IsConflict(err) {
		return fmt.Errorf("%s: %s: %w: %w", t.d.Name, op, store.ErrConflict, err)
	}
	return fmt.Errorf("%s: %s: %w", t.d.Name, op, err)
}

// errorf formats an error prefixed with the engine's name.
func (t *Tx) errorf(format string, args ...any) error {
	return fmt.Errorf(t.d.Name+": "+format, args...)
}

// notFound wraps store.ErrNotFound for op.
func (t *Tx) notFound(op string) error {
	return fmt.Errorf("%s: %s: %w", t.d.Name, op, store.ErrNotFound)
}

// update runs a statement that must change a row: none is
// store.ErrNotFound.
func (t *Tx) update(ctx context.Context, op, query string, args ...any) error {
	n, err := t.c.Exec(ctx, query, args...)
	if err != nil {
		return t.wrap(op, err)
	}
	if n == 0 {
		return t.notFound(op)
	}
	return nil
}

// scanOne scans the row of a query for one row: none is store.ErrNotFound.
func (t *Tx) scanOne(op string, row Row, dest ...any) error {
	err := row.Scan(dest...)
	if isNoRows(err) {
		return t.notFound(op)
	}
	if err != nil {
		return t.wrap(op, err)
	}
	return nil
}

// isNoRows reports whether QueryRow found no row.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// each runs the query and calls fn on every row.
func (t *Tx) each(ctx context.Context, fn func(Rows) error, query string, args ...any) error {
	rows, err := t.c.Query(ctx, query, args...)
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

// collect runs the query and returns what scan makes of every row.
func collect[T any](ctx context.Context, t *Tx, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := t.each(ctx, func(rows Rows) error {
		v, err := scan(rows)
		out = append(out, v)
		return err
	}, query, args...)
	return out, err
}

// strings returns the first column of every row.
func (t *Tx) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	return collect(ctx, t, func(row Row) (s string, err error) { return s, row.Scan(&s) }, query, args...)
}

// LockAssignment takes the engine's assignment lock, if it has one.
func (t *Tx) LockAssignment(ctx context.Context, a access.Assignment) error {
	if t.d.LockAssignment == nil {
		return nil
	}
	if err := t.d.LockAssignment(ctx, t.c, a); err != nil {
		return t.wrap("lock assignment", err)
	}
	return nil
}

// LockAudit takes the lock that AppendEvent takes, so that a pruning and the
// appenders see one head and one last pruning checkpoint.
func (t *Tx) LockAudit(ctx context.Context) error {
	if t.d.LockAudit == nil {
		return nil
	}
	if err := t.d.LockAudit(ctx, t.c); err != nil {
		return t.wrap("lock the audit chain", err)
	}
	return nil
}

// lockDirectory serializes the transactions that write the directory.
func (t *Tx) lockDirectory(ctx context.Context) error {
	if t.d.LockDirectory == nil {
		return nil
	}
	return t.d.LockDirectory(ctx, t.c)
}
