package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/pgtest"
	"github.com/elevate/elevate/internal/store/postgres"
	"github.com/elevate/elevate/internal/workflow"
)

// countingRunner records each grant job it runs: how many times, and when
// first.
type countingRunner struct {
	mu    sync.Mutex
	runs  map[string]*atomic.Int64
	first map[string]time.Time
	total atomic.Int64
}

func newCountingRunner() *countingRunner {
	return &countingRunner{runs: map[string]*atomic.Int64{}, first: map[string]time.Time{}}
}

func (r *countingRunner) Activate(ctx context.Context, grantID string, _ int) error {
	now := time.Now()
	r.mu.Lock()
	n, ok := r.runs[grantID]
	if !ok {
		n = &atomic.Int64{}
		r.runs[grantID] = n
		r.first[grantID] = now
	}
	r.mu.Unlock()
	n.Add(1)
	r.total.Add(1)
	return nil
}

func (r *countingRunner) Revoke(ctx context.Context, grantID string, attempt int) error { return nil }
func (r *countingRunner) Expire(ctx context.Context, requestID string) error            { return nil }
func (r *countingRunner) Sweep(ctx context.Context) error                               { return nil }
func (r *countingRunner) SyncDirectory(ctx context.Context) (workflow.SyncReport, error) {
	return workflow.SyncReport{}, nil
}
func (r *countingRunner) Reconcile(ctx context.Context) (workflow.ReconcileReport, error) {
	return workflow.ReconcileReport{}, nil
}
func (r *countingRunner) FetchActivity(ctx context.Context, grantID string, attempt int, final bool) error {
	return nil
}

func (r *countingRunner) ExpireSessionDeny(context.Context, string) error { return nil }
func (r *countingRunner) RecheckUser(context.Context, string) error       { return nil }

// runs returns how many times the grant job ran, and when it first did.
func (r *countingRunner) runsOf(grantID string) (int64, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.runs[grantID]
	if !ok {
		return 0, time.Time{}
	}
	return n.Load(), r.first[grantID]
}

// pgEnv is a migrated PostgreSQL store with River's tables.
func pgEnv(t *testing.T) *postgres.Store {
	t.Helper()
	url := pgtest.NewDatabase(t)
	st, err := postgres.Open(t.Context(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := MigratePostgres(t.Context(), st.Pool()); err != nil {
		t.Fatal(err)
	}
	return st
}

// startPG starts a queue named clientID on st with runner.
func startPG(t *testing.T, st *postgres.Store, clientID string, runner Runner) *Queue[pgx.Tx] {
	t.Helper()
	q, err := NewPostgres(st.Pool(), Config{
		Runner: runner, ClientID: clientID, FetchPollInterval: 50 * time.Millisecond, SweepInterval: time.Hour, SyncInterval: -1,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("Stop %s: %v", clientID, err)
		}
	})
	return q
}

// pgInserter is a job inserter on st, as the app builds it.
func pgInserter(t *testing.T, st *postgres.Store) *Inserter[pgx.Tx, store.Tx] {
	t.Helper()
	ins, err := NewPostgresInserter(st.Pool(), postgres.UnwrapTx)
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func grantJob(id string, at time.Time) workflow.Job {
	return workflow.Job{Kind: workflow.JobGrant, RequestID: "r-" + id, GrantID: id, At: at}
}

func TestPostgresQueueTransactional(t *testing.T) {
	st := pgEnv(t)
	runner := newCountingRunner()
	startPG(t, st, "replica-a", runner)
	q := pgInserter(t, st)
	ctx := t.Context()

	// Committed: runs.
	if err := st.InTx(ctx, func(tx store.Tx) error { return q.Schedule(ctx, tx, grantJob("g-commit", time.Time{})) }); err != nil {
		t.Fatal(err)
	}
	// Rolled back: never runs.
	errBoom := errors.New("boom")
	err := st.InTx(ctx, func(tx store.Tx) error {
		if err := q.Schedule(ctx, tx, grantJob("g-rollback", time.Time{})); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx = %v, want boom", err)
	}
	waitFor(t, 10*time.Second, "committed job runs", func() bool { n, _ := runner.runsOf("g-commit"); return n == 1 })

	// Scheduled 1.5s ahead: runs at its time, not at River's next 5s scheduler tick.
	at := time.Now().Add(1500 * time.Millisecond)
	if err := st.InTx(ctx, func(tx store.Tx) error { return q.Schedule(ctx, tx, grantJob("g-future", at)) }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "future job runs", func() bool { n, _ := runner.runsOf("g-future"); return n == 1 })
	_, ranAt := runner.runsOf("g-future")
	if early, late := at.Sub(ranAt), ranAt.Sub(at); early > 0 || late > time.Second {
		t.Errorf("future job ran at %v, scheduled for %v (%v late): want within 1s after its time", ranAt, at, late)
	} else {
		t.Logf("future job ran %v after its time", late.Round(time.Millisecond))
	}

	time.Sleep(300 * time.Millisecond) // several fetch intervals
	if n, _ := runner.runsOf("g-rollback"); n != 0 {
		t.Errorf("job of a rolled back transaction ran %d times", n)
	}
	var jobs int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM river_job WHERE args->>'grant_id' = 'g-rollback'`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs != 0 {
		t.Errorf("rolled back job is stored (%d rows)", jobs)
	}
}

// Two replicas (two clients, different ids) on one database: each of 200
// jobs runs exactly once.
func TestPostgresQueueTwoReplicasRunEachJobOnce(t *testing.T) {
	st := pgEnv(t)
	runner := newCountingRunner()
	startPG(t, st, "replica-a", runner)
	startPG(t, st, "replica-b", runner)
	q := pgInserter(t, st)
	ctx := t.Context()
	const n = 200
	for i := range n {
		id := fmt.Sprintf("g-%03d", i)
		if err := st.InTx(ctx, func(tx store.Tx) error { return q.Schedule(ctx, tx, grantJob(id, time.Time{})) }); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, "200 jobs run", func() bool { return runner.total.Load() >= n })
	time.Sleep(500 * time.Millisecond) // would a job run twice?
	for i := range n {
		id := fmt.Sprintf("g-%03d", i)
		if runs, _ := runner.runsOf(id); runs != 1 {
			t.Errorf("job %s ran %d times, want 1", id, runs)
		}
	}
	var byA, byB int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE 'replica-a' = ANY(attempted_by)),
		count(*) FILTER (WHERE 'replica-b' = ANY(attempted_by)) FROM river_job WHERE kind = 'grant'`).Scan(&byA, &byB); err != nil {
		t.Fatal(err)
	}
	t.Logf("jobs run by replica-a: %d, by replica-b: %d", byA, byB)
}

// A job left running by a previous run of this client id is resumed at start.
func TestPostgresQueueRescuesOwnJobs(t *testing.T) {
	st := pgEnv(t)
	ctx := t.Context()
	q, err := NewPostgres(st.Pool(), Config{Runner: newCountingRunner(), ClientID: "replica-a", SyncInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ins := pgInserter(t, st)
	if err := st.InTx(ctx, func(tx store.Tx) error {
		return ins.Schedule(ctx, tx, grantJob("g-mine", time.Time{}), grantJob("g-theirs", time.Time{}))
	}); err != nil {
		t.Fatal(err)
	}
	// As if replica-a and replica-b died while running them.
	if _, err := st.Pool().Exec(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now(),
		attempted_by = CASE WHEN args->>'grant_id' = 'g-mine' THEN ARRAY['old', 'replica-a'] ELSE ARRAY['replica-a', 'replica-b'] END`); err != nil {
		t.Fatal(err)
	}
	backlog, err := q.Backlog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if backlog["running"] != 2 || backlog["available"] != 0 {
		t.Errorf("Backlog before the rescue = %v, want 2 running", backlog)
	}
	n, err := q.rescueOwn(ctx, "replica-a")
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("rescued %d jobs, want 1 (only the one replica-a attempted last)", n)
	}
	var state string
	if err := st.Pool().QueryRow(ctx, `SELECT state FROM river_job WHERE args->>'grant_id' = 'g-mine'`).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if state != "available" {
		t.Errorf("own job is %s, want available", state)
	}
	backlog, err = q.Backlog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if backlog["running"] != 1 || backlog["available"] != 1 {
		t.Errorf("Backlog after the rescue = %v, want 1 running, 1 available", backlog)
	}
}

func TestMigratePostgresConcurrent(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		st, err := postgres.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		wg.Go(func() { errs[i] = MigratePostgres(ctx, st.Pool()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("MigratePostgres #%d: %v", i, err)
		}
	}
}
