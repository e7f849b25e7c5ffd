package app

import (
	"context"

	"github.com/elevate/elevate/internal/jobs"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/postgres"
	"github.com/elevate/elevate/internal/store/sqlite"
	"github.com/elevate/elevate/internal/workflow"
)

// Store is a database engine: the store, its schema management, and the job
// queue's pieces built on the engine's own transaction type. OpenStore
// picks the engine once, from the configuration; nothing else in elevate
// looks at which engine it is.
type Store interface {
	engineStore
	// newInserter returns the job inserter that writes jobs in this
	// engine's transactions (built before the workflow that schedules
	// through it).
	newInserter() (workflow.Scheduler, error)
	// newQueue returns the job queue whose workers run cfg.Runner's jobs.
	newQueue(cfg jobs.Config) (jobQueue, error)
	// migrateJobs applies the job queue's own migrations.
	migrateJobs(ctx context.Context) error
}

// engineStore is what each engine's Store provides.
type engineStore interface {
	store.Store
	Migrate(ctx context.Context) error
	SchemaVersion(ctx context.Context) (current, latest int, err error)
	CheckSchema(ctx context.Context) error
}

// jobQueue is the job queue of either engine: it runs the jobs and enqueues
// directory syncs on demand.
type jobQueue interface {
	workflow.SyncQueue
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Backlog(ctx context.Context) (map[string]float64, error)
}

// sqliteEngine is SQLite with River's riversqlite driver; wake carries the
// inserter's news of jobs due now to the queue's workers.
type sqliteEngine struct {
	*sqlite.Store
	wake *jobs.Wakeup
}

func (e sqliteEngine) newInserter() (workflow.Scheduler, error) {
	return jobs.NewSQLiteInserter(e.DB(), sqlite.UnwrapTx, e.wake)
}

func (e sqliteEngine) newQueue(cfg jobs.Config) (jobQueue, error) {
	cfg.Wakeup = e.wake
	return jobs.NewSQLite(e.DB(), cfg)
}

func (e sqliteEngine) migrateJobs(ctx context.Context) error { return jobs.MigrateSQLite(ctx, e.DB()) }

// postgresEngine is PostgreSQL with River's riverpgxv5 driver.
type postgresEngine struct{ *postgres.Store }

func (e postgresEngine) newInserter() (workflow.Scheduler, error) {
	return jobs.NewPostgresInserter(e.Pool(), postgres.UnwrapTx)
}

func (e postgresEngine) newQueue(cfg jobs.Config) (jobQueue, error) {
	return jobs.NewPostgres(e.Pool(), cfg)
}

func (e postgresEngine) migrateJobs(ctx context.Context) error {
	return jobs.MigratePostgres(ctx, e.Pool())
}
