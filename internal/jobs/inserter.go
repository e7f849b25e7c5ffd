package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/elevate/elevate/internal/workflow"
)

// Inserter inserts jobs in the caller's store transaction, so that they
// exist if and only if it commits. It satisfies workflow.Scheduler.
//
// It is built from an engine before the workflow that schedules through
// it, on an insert-only River client: TTx is the engine's own transaction
// type (what River's driver writes with), Tx the store's transaction that
// wraps it, and unwrap the engine's typed seam from one to the other. The
// workers run on the Queue, built after the workflow they call.
type Inserter[TTx, Tx any] struct {
	client *river.Client[TTx]
	unwrap func(Tx) (TTx, error)
	wake   *Wakeup // nil: none (PostgreSQL notifies through the database)
	now    func() time.Time
}

// NewSQLiteInserter returns an inserter on the SQLite database db (the
// store's single-connection write pool); unwrap is the engine's UnwrapTx.
// Jobs due now are announced on wake (nil: none), which the Queue of db
// should be given too.
func NewSQLiteInserter[Tx any](db *sql.DB, unwrap func(Tx) (*sql.Tx, error), wake *Wakeup) (*Inserter[*sql.Tx, Tx], error) {
	in, err := newInserter(riversqlite.New(db), unwrap, 0)
	if err != nil {
		return nil, err
	}
	in.wake = wake
	return in, nil
}

// NewPostgresInserter returns an inserter on the PostgreSQL pool; unwrap is
// the engine's UnwrapTx.
func NewPostgresInserter[Tx any](pool *pgxpool.Pool, unwrap func(Tx) (pgx.Tx, error)) (*Inserter[pgx.Tx, Tx], error) {
	if pool == nil {
		return nil, errors.New("jobs: new PostgreSQL inserter: nil pool")
	}
	// Every insert of a job due now notifies (River's default is once per
	// 100 ms and queue, which leaves a job inserted sooner after another
	// to the workers' next poll).
	return newInserter(riverpgxv5.New(pool), unwrap, river.FetchCooldownMin)
}

// newInserter returns an insert-only client; notifyEvery is the shortest
// time between two insert notifications of one queue (0: River's default).
func newInserter[TTx, Tx any](driver riverdriver.Driver[TTx], unwrap func(Tx) (TTx, error), notifyEvery time.Duration) (*Inserter[TTx, Tx], error) {
	client, err := river.NewClient(driver, &river.Config{FetchCooldown: notifyEvery, Middleware: []rivertype.Middleware{&preciseSchedule{}}})
	if err != nil {
		return nil, fmt.Errorf("jobs: new river insert client: %w", err)
	}
	return &Inserter[TTx, Tx]{client: client, unwrap: unwrap, now: time.Now}, nil
}

// Schedule inserts jobs in tx.
func (in *Inserter[TTx, Tx]) Schedule(ctx context.Context, tx Tx, jobs ...workflow.Job) error {
	dtx, err := in.unwrap(tx)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(jobs))
	for _, j := range jobs {
		p, err := insertParams(j)
		if err != nil {
			return err
		}
		params = append(params, p)
	}
	// One insert per job: River's InsertMany skips unique checks.
	for i, p := range params {
		res, err := in.client.InsertTx(ctx, dtx, p.Args, p.InsertOpts)
		if err != nil {
			return fmt.Errorf("jobs: insert %s job: %w", p.Args.Kind(), err)
		}
		if in.wake != nil && !res.UniqueSkippedAsDuplicate && !jobs[i].At.After(in.now()) {
			in.wake.wake(p.InsertOpts.Queue)
		}
	}
	return nil
}
