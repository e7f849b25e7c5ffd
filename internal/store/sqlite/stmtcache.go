package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"

	msqlite "modernc.org/sqlite"
)

// stmtCacheSize bounds the statements kept prepared per connection: the
// store's and River's queries are a few hundred fixed strings; a query past
// the bound is prepared and finalized each time, as without the cache.
const stmtCacheSize = 512

// cachingConnector opens SQLite connections that keep every statement they
// run prepared, so that a query is parsed once per connection instead of on
// every call (database/sql's Exec and Query on a transaction prepare and
// finalize each statement when the driver executes strings directly).
type cachingConnector struct{ inner driver.Connector }

// newCachingConnector returns the connector of the SQLite database dsn.
func newCachingConnector(dsn string) (driver.Connector, error) {
	inner, err := msqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return cachingConnector{inner: inner}, nil
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	inner, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ic, ok := inner.(innerConn)
	if !ok {
		_ = inner.Close() // unusable: its close error cannot matter
		return nil, errors.New("sqlite: the driver's connection lacks a context method")
	}
	return &cachingConn{inner: ic, stmts: map[string]*cachedStmt{}}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.inner.Driver() }

// innerConn is what modernc's connection implements and the wrapper uses.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is one connection with its prepared statements. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	inner innerConn
	stmts map[string]*cachedStmt
}

// cachedStmt is a prepared statement; busy while rows read from it are
// open (running it again would reset them).
type cachedStmt struct {
	stmt driver.Stmt
	busy bool
}

// statement returns the prepared statement of query and whether it is the
// cached one (an uncached one is the caller's to close).
func (c *cachingConn) statement(ctx context.Context, query string) (*cachedStmt, bool, error) {
	if cs, ok := c.stmts[query]; ok && !cs.busy {
		return cs, true, nil
	}
	st, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	cs := &cachedStmt{stmt: st}
	if _, taken := c.stmts[query]; taken || len(c.stmts) >= stmtCacheSize {
		return cs, false, nil
	}
	c.stmts[query] = cs
	return cs, true, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, cached, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if !cached {
		defer func() { _ = cs.stmt.Close() }() // a statement run once: the exec's error is what matters
	}
	return cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, cached, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		if !cached {
			_ = cs.stmt.Close() // the query's error is what matters
		}
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs, closeStmt: !cached}, nil
}

// cachedRows frees its statement when closed.
type cachedRows struct {
	driver.Rows
	cs        *cachedStmt
	closeStmt bool
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	if r.closeStmt {
		if cerr := r.cs.stmt.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) { return c.inner.Prepare(query) }

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.inner.PrepareContext(ctx, query)
}

//nolint:staticcheck // SA1019: driver.Conn requires Begin; database/sql calls BeginTx
func (c *cachingConn) Begin() (driver.Tx, error) { return c.inner.Begin() }

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner.BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error         { return c.inner.Ping(ctx) }
func (c *cachingConn) ResetSession(ctx context.Context) error { return c.inner.ResetSession(ctx) }
func (c *cachingConn) IsValid() bool                          { return c.inner.IsValid() }

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.inner.Close())
	return errors.Join(errs...)
}
