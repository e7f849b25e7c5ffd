package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// riverMigrateLockKey is the session advisory lock MigratePostgres holds, so
// that replicas migrating at once apply River's migrations one at a time.
const riverMigrateLockKey int64 = 0x656c657661746503 // "elevate" + 3

// NewPostgres returns a queue on the PostgreSQL pool (the postgres store's
// Pool). Replicas sharing the database share the queue: each job runs on one
// of them.
func NewPostgres(pool *pgxpool.Pool, cfg Config) (*Queue[pgx.Tx], error) {
	if pool == nil {
		return nil, errors.New("jobs: new PostgreSQL queue: nil pool")
	}
	rescue := func(ctx context.Context, clientID string) (int64, error) {
		if _, err := pool.Exec(ctx, `DELETE FROM river_leader WHERE leader_id = $1`, clientID); err != nil {
			return 0, err
		}
		tag, err := pool.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
			WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = $1`, clientID)
		if err != nil {
			return 0, err
		}
		return tag.RowsAffected(), nil
	}
	q, err := newQueue(riverpgxv5.New(pool), rescue, cfg)
	if err != nil {
		return nil, err
	}
	q.backlog = func(ctx context.Context) (map[string]float64, error) {
		rows, err := pool.Query(ctx, `SELECT state::text, count(*) FROM river_job
			WHERE state IN ('available', 'retryable', 'running') AND scheduled_at <= now() GROUP BY state`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string]float64{}
		for rows.Next() {
			var (
				state string
				n     int64
			)
			if err := rows.Scan(&state, &n); err != nil {
				return nil, err
			}
			out[state] = float64(n)
		}
		return out, rows.Err()
	}
	return q, nil
}

// MigratePostgres applies River's own migrations to the database of pool. It
// is safe to run from several processes at once: it holds an advisory lock
// while it migrates.
func MigratePostgres(ctx context.Context, pool *pgxpool.Pool) (err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("jobs: river migrations: acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, riverMigrateLockKey); err != nil {
		return fmt.Errorf("jobs: river migrations: take the migration lock: %w", err)
	}
	defer func() {
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, riverMigrateLockKey); uerr != nil {
			// Closing the connection releases the lock.
			_ = conn.Hijack().Close(context.WithoutCancel(ctx))
			err = errors.Join(err, fmt.Errorf("jobs: river migrations: release the migration lock: %w", uerr))
		}
	}()
	return migrate(ctx, riverpgxv5.New(pool))
}
