package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/elevate/elevate/internal/workflow"
)

// Queue runs the durable jobs of one process: its workers call the
// workflow (Config.Runner) and the notification and retention work. Jobs are
// inserted by an Inserter, in the use cases' transactions.
type Queue[TTx any] struct {
	client *river.Client[TTx]
	// rescueOwn makes this client id's running jobs available again and
	// gives up its leadership lease.
	rescueOwn func(ctx context.Context, clientID string) (int64, error)
	// backlog counts due jobs by state.
	backlog func(ctx context.Context) (map[string]float64, error)
	cfg     Config
}

func newQueue[TTx any](driver riverdriver.Driver[TTx], rescueOwn func(context.Context, string) (int64, error), cfg Config) (*Queue[TTx], error) {
	if cfg.Runner == nil {
		return nil, errors.New("jobs: new queue: no runner")
	}
	cfg = cfg.withDefaults()
	ref := cfg.Runner
	workers := river.NewWorkers()
	river.AddWorker(workers, &grantWorker{runner: ref, cfg: cfg})
	river.AddWorker(workers, &revokeWorker{runner: ref, cfg: cfg})
	river.AddWorker(workers, &expireWorker{runner: ref, cfg: cfg})
	river.AddWorker(workers, &endSessionsWorker{runner: ref, cfg: cfg})
	river.AddWorker(workers, &directoryEventWorker{runner: ref, cfg: cfg})
	river.AddWorker(workers, &sweepWorker{runner: ref})
	river.AddWorker(workers, &syncWorker{runner: ref})
	river.AddWorker(workers, &reconcileWorker{runner: ref})
	river.AddWorker(workers, &notifyWorker{cfg: cfg})
	river.AddWorker(workers, &activityWorker{runner: ref})
	river.AddWorker(workers, &pruneWorker{pruner: cfg.Pruner})
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(cfg.SweepInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return sweepArgs{}, periodicOpts(workflow.JobSweep)
			},
			&river.PeriodicJobOpts{ID: string(workflow.JobSweep), RunOnStart: true}),
	}
	if cfg.SyncInterval > 0 {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(cfg.SyncInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return syncArgs{}, periodicOpts(workflow.JobSyncDirectory)
			},
			&river.PeriodicJobOpts{ID: string(workflow.JobSyncDirectory)}))
	}
	if cfg.ReconcileInterval > 0 {
		periodic = append(periodic, reconcilePeriodicJob(cfg.ReconcileInterval))
	}
	if cfg.Pruner != nil && cfg.PruneInterval > 0 {
		periodic = append(periodic, prunePeriodicJob(cfg.PruneInterval))
	}
	client, err := river.NewClient(driver, &river.Config{
		ID:                   cfg.ClientID,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}, workflow.QueueNotify: {MaxWorkers: notifyMaxWorkers}, workflow.QueueActivity: {MaxWorkers: activityMaxWorkers}},
		Workers:              workers,
		PeriodicJobs:         periodic,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		FetchPollInterval:    cfg.FetchPollInterval,
		FetchCooldown:        cfg.FetchCooldown,
		Logger:               slog.New(minLevel{cfg.Logger.Handler(), slog.LevelWarn}).With("component", "river"),
		Middleware:           []rivertype.Middleware{&preciseSchedule{}},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: new river client: %w", err)
	}
	return &Queue[TTx]{client: client, rescueOwn: rescueOwn, cfg: cfg}, nil
}

// NewSQLite returns a queue on the SQLite database db (the store's
// single-connection write pool). Give cfg.Wakeup the Inserter's Wakeup.
func NewSQLite(db *sql.DB, cfg Config) (*Queue[*sql.Tx], error) {
	rescue := func(ctx context.Context, clientID string) (int64, error) {
		if _, err := db.ExecContext(ctx, `DELETE FROM river_leader WHERE leader_id = ?`, clientID); err != nil {
			return 0, err
		}
		res, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = datetime('now', 'subsec')
			WHERE state = 'running' AND json_extract(attempted_by, '$[#-1]') = ?`, clientID)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	q, err := newQueue(newSQLiteDriver(db, cfg.Wakeup), rescue, cfg)
	if err != nil {
		return nil, err
	}
	q.backlog = func(ctx context.Context) (map[string]float64, error) {
		return countBacklog(ctx, db, `SELECT state, count(*) FROM river_job
			WHERE state IN ('available', 'retryable', 'running') AND scheduled_at <= datetime('now', 'subsec') GROUP BY state`)
	}
	return q, nil
}

// MigrateSQLite applies River's own migrations to db.
func MigrateSQLite(ctx context.Context, db *sql.DB) error {
	return migrate(ctx, riversqlite.New(db))
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("jobs: river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: river migrations: %w", err)
	}
	return nil
}

// Start runs the workers until Stop.
//
// Jobs this client id was running when its process died are made available
// again first: the id is stable per process, so no live process can hold
// them, and they need not wait for River's rescuer. Likewise the lease on
// River's maintenance leadership that the dead process may hold is given
// up, so that this process can be elected at once: until the lease expired
// (15 s after its last renewal) no process would run River's scheduler,
// which makes due retryable and long-snoozed jobs available again, and a
// revocation waiting to be retried would wait that long after each restart.
func (q *Queue[TTx]) Start(ctx context.Context) error {
	n, err := q.rescueOwn(ctx, q.cfg.ClientID)
	if err != nil {
		return fmt.Errorf("jobs: rescue jobs of a previous run of %s: %w", q.cfg.ClientID, err)
	}
	if n > 0 {
		q.cfg.Logger.WarnContext(ctx, "resumed jobs interrupted by a previous run", "client_id", q.cfg.ClientID, "jobs", n)
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop waits for running jobs to finish, up to ctx's deadline, then cancels them.
func (q *Queue[TTx]) Stop(ctx context.Context) error {
	if err := q.client.Stop(ctx); err != nil {
		if err := q.client.StopAndCancel(context.Background()); err != nil {
			return fmt.Errorf("jobs: stop and cancel: %w", err)
		}
	}
	return nil
}

// Backlog returns the number of due jobs by state: available (waiting for a
// worker), retryable (failed, waiting to retry) and running.
func (q *Queue[TTx]) Backlog(ctx context.Context) (map[string]float64, error) {
	out := map[string]float64{"available": 0, "retryable": 0, "running": 0}
	if q.backlog == nil {
		return out, nil
	}
	counts, err := q.backlog(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: backlog: %w", err)
	}
	for k, v := range counts {
		out[k] = v
	}
	return out, nil
}

// countBacklog runs a "state, count" query over database/sql.
func countBacklog(ctx context.Context, db *sql.DB, query string) (map[string]float64, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var state string
		var n float64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}

// Client exposes the River client (for metrics and tests).
func (q *Queue[TTx]) Client() *river.Client[TTx] { return q.client }

// minLevel drops records below a level: River logs routine progress at info
// every few seconds, which would drown elevate's own log.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.level}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}
