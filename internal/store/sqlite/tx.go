package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/elevate/elevate/internal/store"
)

// tx is one transaction: a write transaction from InTx, or a read-only one
// from ReadTx.
type tx struct {
	tx *sql.Tx
}

var _ store.Tx = (*tx)(nil)

// SQLTx returns the underlying transaction, so that the River job queue can
// insert its jobs in it.
func (t *tx) SQLTx() *sql.Tx { return t.tx }

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// timeArg converts t for storage: Unix microseconds, or NULL for the zero time.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// timeOf converts a stored time back: UTC, or the zero time for NULL.
func timeOf(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

func boolArg(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// jsonArray encodes a list of strings for `IN (SELECT value FROM json_each(?))`,
// which keeps every list a single bound parameter.
func jsonArray(ss []string) (string, error) {
	if ss == nil {
		ss = []string{}
	}
	b, err := json.Marshal(ss)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

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

// wrapWrite wraps err from a write, as store.ErrConflict when it violates a
// unique key.
func wrapWrite(op string, err error) error {
	if isUniqueViolation(err) {
		return fmt.Errorf("sqlite: %s: %w: %w", op, store.ErrConflict, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// notFound wraps store.ErrNotFound for op.
func notFound(op string) error {
	return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
}
