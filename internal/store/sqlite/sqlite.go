// Package sqlite is elevate's embedded store engine: a store.Store on one
// SQLite database file, through the pure Go modernc.org/sqlite driver (no
// cgo), with its migrations embedded.
//
// The database runs in WAL mode with two connection pools. The write pool has
// exactly one connection, so write transactions (BEGIN IMMEDIATE) queue in
// the process instead of failing with "database is locked"; the River job
// queue shares it through DB(). The read pool has a few query_only
// connections that ReadTx uses, so reads never wait for the writer.
//
// Times are stored as INTEGER Unix microseconds in UTC, the zero time.Time as
// NULL. Durations are INTEGER nanoseconds.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/elevate/elevate/internal/store"
)

// Connection settings.
const (
	readConns   = 4                // size of the read pool
	busyTimeout = 10 * time.Second // as PRAGMA busy_timeout(10000)
)

// Store is a store.Store on a SQLite database file. It is safe for
// concurrent use.
type Store struct {
	db     *sql.DB // write pool: one connection, BEGIN IMMEDIATE
	read   *sql.DB // read pool: query_only connections
	path   string
	logger *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Open opens the database file at path, creating it if needed. It does not
// migrate: call Migrate (elevate migrate) or CheckSchema before serving. A nil
// logger discards the log.
//
// Every connection has foreign keys on and a busy timeout of 10s. The write
// pool (one connection) puts the file in WAL mode, uses synchronous NORMAL
// and a 32 MB page cache, and begins its transactions with BEGIN IMMEDIATE.
// The read pool (4 connections) is query_only. path must name a file: an
// in-memory database cannot be shared by the two pools.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: want the path of a database file (the store needs two connection pools on the same file)", path)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// SQLite opens the name as a URI: escape what a URI would read as syntax.
	uri := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)

	db, err := openPool(uri + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open write pool %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)

	// The first connection converts a new file to WAL. When several
	// processes do that at once, SQLite can report SQLITE_BUSY at once,
	// without waiting: retry for as long as busy_timeout would have waited.
	var mode string
	err = retryBusy(ctx, busyTimeout, func() error {
		return db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	})
	if err != nil {
		_ = db.Close() // cleanup: its close error cannot matter here
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		_ = db.Close() // cleanup: its close error cannot matter here
		return nil, fmt.Errorf("sqlite: open %s: journal mode is %q, not WAL (is the file on a file system without shared memory?)", path, mode)
	}

	// The file exists and is in WAL mode now, so the read connections need
	// not (and, being query_only, could not) set the journal mode.
	read, err := openPool(uri + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=query_only(1)")
	if err != nil {
		_ = db.Close() // cleanup: its close error cannot matter here
		return nil, fmt.Errorf("sqlite: open read pool %s: %w", path, err)
	}
	read.SetMaxOpenConns(readConns)
	read.SetMaxIdleConns(readConns)
	read.SetConnMaxLifetime(0)
	read.SetConnMaxIdleTime(0)
	if err := read.PingContext(ctx); err != nil {
		_ = read.Close() // cleanup: its close error cannot matter here
		_ = db.Close()   // cleanup: its close error cannot matter here
		return nil, fmt.Errorf("sqlite: open read pool %s: %w", path, err)
	}
	return &Store{db: db, read: read, path: path, logger: logger}, nil
}

// DB returns the write pool (one connection). The River job queue uses it;
// nothing else should, and never inside InTx, whose transaction holds that
// only connection.
func (s *Store) DB() *sql.DB { return s.db }

// statementCache turns the per-connection statement cache off when false
// (the benchmarks compare both).
var statementCache = true

// openPool opens a connection pool on dsn whose connections keep their
// statements prepared (stmtcache.go).
func openPool(dsn string) (*sql.DB, error) {
	if !statementCache {
		return sql.Open("sqlite", dsn)
	}
	c, err := newCachingConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// InTx runs fn in a write transaction (BEGIN IMMEDIATE on the one write
// connection), committing when fn returns nil and rolling back otherwise,
// including when fn panics. Inside fn, use tx only: the store's pools would
// wait for the connection fn is holding.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) (err error) {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin write transaction: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = sqlTx.Rollback() // the panic or fn's error is what matters
		}
	}()
	if err := fn(newTx(sqlTx)); err != nil {
		return err
	}
	done = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit write transaction: %w", err)
	}
	return nil
}

// ReadTx runs fn in a read-only transaction on the read pool. It sees a
// snapshot of the data committed before its first read.
func (s *Store) ReadTx(ctx context.Context, fn func(tx store.Tx) error) error {
	sqlTx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read transaction: %w", err)
	}
	defer func() { _ = sqlTx.Rollback() }() // read-only: nothing to keep
	return fn(newTx(sqlTx))
}

// Ping checks that the database answers a query. It uses the read pool, so a
// long write transaction does not make the check time out.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping %s: %w", s.path, err)
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(wrapClose("read", s.read.Close()), wrapClose("write", s.db.Close()))
}

func wrapClose(pool string, err error) error {
	if err != nil {
		return fmt.Errorf("sqlite: close %s pool: %w", pool, err)
	}
	return nil
}

// retryBusy calls fn until it returns anything but SQLITE_BUSY, for at most
// limit.
func retryBusy(ctx context.Context, limit time.Duration, fn func() error) error {
	deadline := time.Now().Add(limit)
	wait := 5 * time.Millisecond
	for {
		err := fn()
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}
