package jobs

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlite"
)

// A process killed while it led River's maintenance leaves its lease in
// river_leader for up to 15 s, and a restart under the same client id
// could not be elected until it expired: no scheduler meanwhile, so a job
// retrying after a long backoff (retryable) or snoozed for longer than the
// scheduler's interval (scheduled) stayed put however due, and every
// restart within those 15 s started the wait over. These tests leave such
// a lease (an hour long) and a due retryable grant job, start the queue
// under the lease's client id, and check that the job runs.

func TestPostgresRestartTakesOverItsOwnLeadership(t *testing.T) {
	st := pgEnv(t)
	ctx := t.Context()
	if _, err := st.Pool().Exec(ctx, `INSERT INTO river_leader (leader_id, elected_at, expires_at) VALUES ('replica-a', now(), now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	ins := pgInserter(t, st)
	if err := st.InTx(ctx, func(tx store.Tx) error { return ins.Schedule(ctx, tx, grantJob("g-retry", time.Time{})) }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE river_job SET state = 'retryable', attempt = 1, scheduled_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	runner := newCountingRunner()
	startPG(t, st, "replica-a", runner)
	waitFor(t, 30*time.Second, "the due retryable job runs", func() bool { n, _ := runner.runsOf("g-retry"); return n == 1 })
}

func TestSQLiteRestartTakesOverItsOwnLeadership(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "elevate.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := MigrateSQLite(ctx, st.DB()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `INSERT INTO river_leader (leader_id, elected_at, expires_at)
		VALUES ('replica-a', datetime('now', 'subsec'), datetime('now', '+1 hour'))`); err != nil {
		t.Fatal(err)
	}
	ins, err := NewSQLiteInserter(st.DB(), sqlite.UnwrapTx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(ctx, func(tx store.Tx) error { return ins.Schedule(ctx, tx, grantJob("g-retry", time.Time{})) }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, `UPDATE river_job SET state = 'retryable', attempt = 1, scheduled_at = datetime('now', '-1 second')`); err != nil {
		t.Fatal(err)
	}
	runner := newCountingRunner()
	q, err := NewSQLite(st.DB(), Config{
		Runner: runner, ClientID: "replica-a", FetchPollInterval: 50 * time.Millisecond, SweepInterval: time.Hour, SyncInterval: -1,
		ReconcileInterval: -1, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(sctx)
	})
	waitFor(t, 30*time.Second, "the due retryable job runs", func() bool { n, _ := runner.runsOf("g-retry"); return n == 1 })
}
