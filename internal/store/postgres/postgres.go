// Package postgres is elevate's store engine for high availability: a
// store.Store on a PostgreSQL database through pgx (pgxpool), with its
// migrations embedded. Several replicas may share one database.
//
// Write transactions (InTx) run at READ COMMITTED: UpdateRequest is guarded
// by the request's version (optimistic concurrency), so a lost race is
// store.ErrConflict and the caller retries; directory replacements are
// serialized by an advisory lock. Read transactions (ReadTx) are READ ONLY
// and REPEATABLE READ, so that, as on SQLite, they see one snapshot.
//
// Times are stored as timestamptz (microseconds, read back in UTC), the zero
// time.Time as NULL. Durations are BIGINT nanoseconds. Text columns use the
// "C" collation, so ordering and case folding match the SQLite engine.
//
// A statement that fails inside a transaction aborts it (unlike SQLite):
// after a Tx method returns an error other than store.ErrNotFound, the
// transaction can only be rolled back, which InTx does when fn returns the
// error.
package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/elevate/elevate/internal/store"
)

// rollbackTimeout bounds a rollback, which runs even when the caller's
// context is done.
const rollbackTimeout = 5 * time.Second

// Store is a store.Store on a PostgreSQL database. It is safe for concurrent
// use.
type Store struct {
	pool   *pgxpool.Pool
	name   string // host:port/database, for messages (never the password)
	logger *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://user:pass@host:port/db?...,
// or a key=value connection string) and checks that it answers. It does not
// migrate: call Migrate (elevate migrate) or CheckSchema before serving. A nil
// logger discards the log.
//
// The pool takes pgxpool's defaults (at most max(4, number of CPUs)
// connections); the URL's pool_max_conns, pool_min_conns and the other
// pool_* parameters change them.
func Open(ctx context.Context, url string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors redact the password.
		return nil, fmt.Errorf("postgres: open: parse database URL: %w", err)
	}
	name := net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))) + "/" + cfg.ConnConfig.Database
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", name, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open %s: %w", name, err)
	}
	return &Store{pool: pool, name: name, logger: logger}, nil
}

// Pool returns the connection pool. The River job queue uses it
// (riverpgxv5); inside InTx, insert jobs in the store's transaction
// (UnwrapTx) instead.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// InTx runs fn in a READ COMMITTED transaction, committing when fn returns
// nil and rolling back otherwise, including when fn panics.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) (err error) {
	pgTx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return wrap("begin write transaction", err)
	}
	done := false
	defer func() {
		if !done {
			rollback(ctx, pgTx) // the panic or fn's error is what matters
		}
	}()
	if err := fn(newTx(pgTx)); err != nil {
		return err
	}
	done = true
	if err := pgTx.Commit(ctx); err != nil {
		return wrap("commit write transaction", err)
	}
	return nil
}

// ReadTx runs fn in a READ ONLY, REPEATABLE READ transaction: it sees a
// snapshot of the data committed before its first query, and any write fails.
func (s *Store) ReadTx(ctx context.Context, fn func(tx store.Tx) error) error {
	pgTx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return wrap("begin read transaction", err)
	}
	defer rollback(ctx, pgTx) // read-only: nothing to keep
	return fn(newTx(pgTx))
}

// rollback ends pgTx, even when ctx is done. A failed rollback makes pgx
// close the connection, so nothing leaks.
func rollback(ctx context.Context, pgTx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_ = pgTx.Rollback(ctx)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping %s: %w", s.name, err)
	}
	return nil
}

// Close closes the pool, waiting for the connections in use to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
