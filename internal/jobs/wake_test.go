package jobs

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/sqlite"
)

// TestSQLiteWakeupRunsDueJobsWithoutPolling: on SQLite, a job due now runs
// as soon as its transaction commits, through the inserter's Wakeup, with
// the workers' poll an hour away and River's own insert notifications
// (its outbox) limited to one an hour.
func TestSQLiteWakeupRunsDueJobsWithoutPolling(t *testing.T) {
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
	wake := NewWakeup()
	runner := newCountingRunner()
	q, err := NewSQLite(st.DB(), Config{
		Runner: runner, ClientID: "wake", FetchPollInterval: time.Hour, SweepInterval: time.Hour, SyncInterval: -1,
		ReconcileInterval: -1, Logger: slog.New(slog.DiscardHandler), Wakeup: wake,
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
	client, err := river.NewClient(riversqlite.New(st.DB()), &river.Config{
		FetchCooldown: time.Hour, FetchPollInterval: time.Hour, Middleware: []rivertype.Middleware{&preciseSchedule{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ins := &Inserter[*sql.Tx, store.Tx]{client: client, unwrap: sqlite.UnwrapTx, wake: wake, now: time.Now}
	// The first insert uses up River's one outbox notification of the hour
	// (and the first fetch runs at start anyway); the others can only be
	// found through the Wakeup.
	for _, id := range []string{"g-0", "g-1", "g-2", "g-3"} {
		if err := st.InTx(ctx, func(tx store.Tx) error { return ins.Schedule(ctx, tx, grantJob(id, time.Time{})) }); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 20*time.Second, "job "+id+" runs", func() bool { n, _ := runner.runsOf(id); return n == 1 })
	}
}

// TestWakeupNeverBlocks: news nobody reads is dropped, not waited on.
func TestWakeupNeverBlocks(t *testing.T) {
	t.Parallel()
	w := NewWakeup()
	for range 1000 {
		w.wake("default")
	}
	var none *Wakeup
	none.wake("default")
}
