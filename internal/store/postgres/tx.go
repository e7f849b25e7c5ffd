package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlstore"
)

// tx is one transaction: a write transaction from InTx, or a read-only one
// from ReadTx.
type tx struct {
	*sqlstore.Tx
	tx pgx.Tx
}

var _ store.Tx = (*tx)(nil)

func newTx(pgTx pgx.Tx) *tx {
	return &tx{Tx: sqlstore.NewTx(conn{pgTx}, &dialect), tx: pgTx}
}

// UnwrapTx returns the pgx transaction under a transaction of this engine,
// so that the job inserter (River's riverpgxv5 driver) writes its jobs in
// it. It is the engine's typed seam: no code outside the engine asserts to
// its transaction type.
func UnwrapTx(t store.Tx) (pgx.Tx, error) {
	own, ok := t.(*tx)
	if !ok {
		return nil, fmt.Errorf("postgres: %T is not a PostgreSQL transaction (is the job queue on another engine than the store?)", t)
	}
	return own.tx, nil
}

// Keys of the transaction-level advisory locks (pg_advisory_xact_lock). They
// must not change: replicas of different versions may share a database.
const (
	// directoryLockKey serializes directory writers.
	directoryLockKey int64 = 0x656c657661746502 // "elevate" + 2
	// assignmentLockSeed keeps the locks of assignments (hashes of their
	// text) apart from the other advisory locks.
	assignmentLockSeed int64 = 0x656c657661746504 // "elevate" + 4
	// auditLockKey serializes the appenders and pruners of the hash chain.
	auditLockKey int64 = 0x656c657661746561 // "elevatea"
)

// dialect is how PostgreSQL spells what the engines spell differently. Text
// columns use the "C" collation, so that ordering and case folding match
// SQLite's; writers at READ COMMITTED are serialized by advisory locks.
var dialect = sqlstore.Dialect{
	Name:     "postgres",
	Time:     func(t time.Time) any { return t },
	List:     func(ss []string) any { return ss },
	ListDest: func(dst *[]string) any { return dst },
	InList:   func(expr, param string) string { return expr + ` = ANY(` + param + `::text[])` },
	// The parameter folds as the columns do: in the "C" collation, ASCII only.
	Lower:                 func(param string) string { return `lower(` + param + `::text COLLATE "C")` },
	InsertOrder:           "seq",
	ForUpdate:             " FOR UPDATE",
	OverridingSystemValue: " OVERRIDING SYSTEM VALUE",
	IsConflict:            isConflict,
	LockAudit:             func(ctx context.Context, c sqlstore.Conn) error { return advisoryLock(ctx, c, auditLockKey) },
	LockDirectory:         func(ctx context.Context, c sqlstore.Conn) error { return advisoryLock(ctx, c, directoryLockKey) },
	// Two transactions that lock two assignments in opposite orders
	// deadlock: PostgreSQL aborts one (store.ErrConflict) and its caller
	// retries.
	LockAssignment: func(ctx context.Context, c sqlstore.Conn, a access.Assignment) error {
		_, err := c.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, $2))`,
			a.AccountID+"\n"+a.PermissionSetARN+"\n"+a.UserID, assignmentLockSeed)
		return err
	},
}

// advisoryLock takes the transaction-level advisory lock key.
func advisoryLock(ctx context.Context, c sqlstore.Conn, key int64) error {
	_, err := c.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key)
	return err
}

// conn runs the store's statements in a pgx transaction.
type conn struct{ tx pgx.Tx }

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.tx.Exec(ctx, query, args...)
	return tag.RowsAffected(), err
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return c.tx.Query(ctx, query, args...)
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return c.tx.QueryRow(ctx, query, args...)
}

// ExecBatch sends the statements in one round trip (a pgx batch).
func (c conn) ExecBatch(ctx context.Context, query string, args [][]any) error {
	if len(args) == 0 {
		return nil
	}
	var b pgx.Batch
	for _, a := range args {
		b.Queue(query, a...)
	}
	return c.tx.SendBatch(ctx, &b).Close()
}

// CopyRows inserts the rows with COPY.
func (c conn) CopyRows(ctx context.Context, table string, columns []string, rows [][]any) error {
	n, err := c.tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
	if err == nil && n != int64(len(rows)) {
		err = fmt.Errorf("copied %d rows of %d", n, len(rows))
	}
	return err
}

// PostgreSQL error codes the store maps.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

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
