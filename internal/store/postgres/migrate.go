package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/elevate/elevate/internal/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLockKey is the session advisory lock Migrate holds, so that
// replicas migrating at once apply each migration exactly once.
const migrateLockKey int64 = 0x656c657661746501 // "elevate" + 1

// migrations returns the embedded migrations in order.
func migrations() ([]store.Migration, error) {
	ms, err := store.ReadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     NOT NULL PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`

// Migrate applies the embedded migrations the database lacks, each in its own
// transaction, and records them in schema_migrations. It is idempotent, and
// safe to run from several processes at once: it holds an advisory lock
// (pg_advisory_lock) for its duration, so the others wait, then find nothing
// left to do.
func (s *Store) Migrate(ctx context.Context) (err error) {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate %s: acquire connection: %w", s.name, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
		return fmt.Errorf("postgres: migrate %s: take the migration lock: %w", s.name, err)
	}
	defer func() {
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockKey); uerr != nil {
			// Closing the connection releases the lock.
			_ = conn.Hijack().Close(context.WithoutCancel(ctx))
			err = errors.Join(err, fmt.Errorf("postgres: migrate %s: release the migration lock: %w", s.name, uerr))
		}
	}()
	if _, err := conn.Exec(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("postgres: migrate %s: create schema_migrations: %w", s.name, err)
	}
	for _, m := range ms {
		applied, err := applyMigration(ctx, conn, m)
		if err != nil {
			return fmt.Errorf("postgres: migrate %s: %w", s.name, err)
		}
		if applied {
			s.logger.InfoContext(ctx, "applied migration", "version", m.Version, "name", m.Name)
		}
	}
	return nil
}

// applyMigration applies m in a transaction on conn unless it is already
// recorded.
func applyMigration(ctx context.Context, conn *pgxpool.Conn, m store.Migration) (applied bool, err error) {
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
			return fmt.Errorf("%s: check: %w", m.Name, err)
		}
		if n > 0 {
			return nil
		}
		// No parameters: the simple protocol runs the file's statements at once.
		if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			return fmt.Errorf("%s: record: %w", m.Name, err)
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return applied, nil
}

// SchemaVersion returns the version the database is at (0 when it was never
// migrated) and the latest version this binary embeds.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, 0, err
	}
	latest = ms[len(ms)-1].Version
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, 0, fmt.Errorf("postgres: schema version of %s: %w", s.name, err)
	}
	if !exists {
		return 0, latest, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: schema version of %s: %w", s.name, err)
	}
	recorded, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: schema version of %s: %w", s.name, err)
	}
	current, latest = store.SchemaVersions(ms, recorded)
	return current, latest, nil
}

// CheckSchema returns an error unless the database is at the latest version
// this binary embeds (store.SchemaError says what to do otherwise).
func (s *Store) CheckSchema(ctx context.Context) error {
	current, latest, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	return store.SchemaError("postgres", s.name, current, latest)
}
