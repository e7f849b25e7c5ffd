package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
}

// NewSQLiteInserter returns an inserter on the SQLite database db (the
// store's single-connection write pool); unwrap is the engine's UnwrapTx.
func NewSQLiteInserter[Tx any](db *sql.DB, unwrap func(Tx) (*sql.Tx, error)) (*Inserter[*sql.Tx, Tx], error) {
	return newInserter(riversqlite.New(db), unwrap)
}

// NewPostgresInserter returns an inserter on the PostgreSQL pool; unwrap is
// the engine's UnwrapTx.
func NewPostgresInserter[Tx any](pool *pgxpool.Pool, unwrap func(Tx) (pgx.Tx, error)) (*Inserter[pgx.Tx, Tx], error) {
	if pool == nil {
		return nil, errors.New("jobs: new PostgreSQL inserter: nil pool")
	}
	return newInserter(riverpgxv5.New(pool), unwrap)
}

func newInserter[TTx, Tx any](driver riverdriver.Driver[TTx], unwrap func(Tx) (TTx, error)) (*Inserter[TTx, Tx], error) {
	client, err := river.NewClient(driver, &river.Config{Middleware: []rivertype.Middleware{&preciseSchedule{}}})
	if err != nil {
		return nil, fmt.Errorf("jobs: new river insert client: %w", err)
	}
	return &Inserter[TTx, Tx]{client: client, unwrap: unwrap}, nil
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
	for _, p := range params {
		if _, err := in.client.InsertTx(ctx, dtx, p.Args, p.InsertOpts); err != nil {
			return fmt.Errorf("jobs: insert %s job: %w", p.Args.Kind(), err)
		}
	}
	return nil
}
