package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlstore"
)

// tx is one transaction: a write transaction from InTx, or a read-only one
// from ReadTx.
type tx struct {
	*sqlstore.Tx
	tx *sql.Tx
}

var _ store.Tx = (*tx)(nil)

func newTx(sqlTx *sql.Tx) *tx {
	return &tx{Tx: sqlstore.NewTx(conn{sqlTx}, &dialect), tx: sqlTx}
}

// UnwrapTx returns the database/sql transaction under a transaction of this
// engine, so that the job inserter (River's riversqlite driver) writes its
// jobs in it. It is the engine's typed seam: no code outside the engine
// asserts to its transaction type.
func UnwrapTx(t store.Tx) (*sql.Tx, error) {
	own, ok := t.(*tx)
	if !ok {
		return nil, fmt.Errorf("sqlite: %T is not a SQLite transaction (is the job queue on another engine than the store?)", t)
	}
	return own.tx, nil
}

// dialect is how SQLite spells what the engines spell differently. Times are
// Unix microseconds, lists of values a JSON array read with json_each, and
// the write transactions are serialized by BEGIN IMMEDIATE, so the store
// needs no locks of its own.
var dialect = sqlstore.Dialect{
	Name:     "sqlite",
	Time:     func(t time.Time) any { return t.UnixMicro() },
	List:     func(ss []string) any { return jsonArray(ss) },
	ListDest: func(dst *[]string) any { return jsonList{dst} },
	InList: func(expr, param string) string {
		return expr + ` IN (SELECT value FROM json_each(` + param + `))`
	},
	Lower:       func(param string) string { return `lower(` + param + `)` },
	InsertOrder: "rowid",
	IsConflict:  isUniqueViolation,
}

// jsonArray encodes a list of strings as a JSON array, which keeps every list
// a single bound parameter.
func jsonArray(ss []string) string {
	b, _ := json.Marshal(ss) // a []string always encodes
	return string(b)
}

// jsonList scans a JSON array of strings.
type jsonList struct{ dst *[]string }

func (l jsonList) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("scan a JSON list from %T", src)
	}
	return json.Unmarshal([]byte(s), l.dst)
}

// conn runs the store's statements in a database/sql transaction.
type conn struct{ tx *sql.Tx }

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := c.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return c.tx.QueryRowContext(ctx, query, args...)
}

// ExecBatch runs query once for each list of arguments, as one prepared
// statement.
func (c conn) ExecBatch(ctx context.Context, query string, args [][]any) error {
	stmt, err := c.tx.PrepareContext(ctx, query)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	defer stmt.Close()
	for _, a := range args {
		if _, err := stmt.ExecContext(ctx, a...); err != nil {
			return err
		}
	}
	return nil
}

// CopyRows inserts the rows with one prepared INSERT.
func (c conn) CopyRows(ctx context.Context, table string, columns []string, rows [][]any) error {
	// The names are constants of the store: only values are parameters.
	q := `INSERT INTO ` + table + ` (` + strings.Join(columns, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(columns)-1) + `)` //nolint:gosec // G202: table and column names are constants of the store; values are bound parameters
	return c.ExecBatch(ctx, q, rows)
}

// sqlRows gives *sql.Rows the Close of sqlstore.Rows: a close error would
// repeat the error Err reports.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// isUniqueViolation reports whether err is a primary key or unique constraint
// failure.
func isUniqueViolation(err error) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// isBusy reports whether err is SQLITE_BUSY ("database is locked").
func isBusy(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}
