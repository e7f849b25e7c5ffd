package sqlite

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/elevate/elevate/internal/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in order.
func migrations() ([]store.Migration, error) {
	ms, err := store.ReadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
) STRICT`

// Migrate applies the embedded migrations the database lacks, each in its own
// transaction, and records them in schema_migrations. It is idempotent, and
// safe to run from several processes at once (BEGIN IMMEDIATE serializes
// them, and each checks again inside its transaction).
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("sqlite: migrate: create schema_migrations: %w", err)
	}
	for _, m := range ms {
		applied, err := s.applyMigration(ctx, m)
		if err != nil {
			return err
		}
		if applied {
			s.logger.InfoContext(ctx, "applied migration", "version", m.Version, "name", m.Name)
		}
	}
	return nil
}

// applyMigration applies m unless it is already recorded.
func (s *Store) applyMigration(ctx context.Context, m store.Migration) (applied bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: begin: %w", m.Name, err)
	}
	defer func() {
		if !applied {
			_ = tx.Rollback()
		}
	}()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: check: %w", m.Name, err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, time.Now().UnixMicro()); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: record: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: migrate %s: commit: %w", m.Name, err)
	}
	return true, nil
}

// SchemaVersion returns the version the database is at (0 when it was never
// migrated) and the latest version this binary embeds.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, 0, err
	}
	latest = ms[len(ms)-1].Version
	var tables int
	if err := s.read.QueryRowContext(ctx,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").Scan(&tables); err != nil {
		return 0, 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	if tables == 0 {
		return 0, latest, nil
	}
	rows, err := s.read.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	defer rows.Close() //nolint:errcheck // read-only
	var recorded []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return 0, 0, fmt.Errorf("sqlite: schema version: %w", err)
		}
		recorded = append(recorded, v)
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("sqlite: schema version: %w", err)
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
	return store.SchemaError("sqlite", s.path, current, latest)
}
