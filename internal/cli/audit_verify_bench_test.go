//go:build unix

package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/store/pgtest"
)

// BenchmarkAuditVerifyCLI runs `elevate audit verify` (in process: flags,
// configuration, opening the database, the verification, the report) on a
// log of ELEVATE_BENCH_AUDIT_ENTRIES entries (default 1,000,000), on SQLite,
// or on PostgreSQL with ELEVATE_BENCH_AUDIT_ENGINE=postgres (and
// ELEVATE_TEST_POSTGRES_URL). The log is built through AppendEvent, outside
// the timer:
//
//	go test -run '^$' -bench BenchmarkAuditVerifyCLI -benchtime 3x -timeout 60m ./internal/cli/
func BenchmarkAuditVerifyCLI(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("ELEVATE_BENCH_AUDIT_ENTRIES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	dir := b.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	env := map[string]string{"ELEVATE_AUDIT_SIGNING_KEY": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))}
	if os.Getenv("ELEVATE_BENCH_AUDIT_ENGINE") == "postgres" {
		cfg.DatabaseURL = pgtest.NewDatabase(b)
		env["ELEVATE_DATABASE_URL"] = cfg.DatabaseURL
	}
	st, _, err := app.OpenStore(ctx, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := app.Migrate(ctx, st); err != nil {
		b.Fatal(err)
	}
	actor := access.Actor{UserID: "9067729b3d-94f1e0b2-7d4c-4b39-8a1e-2f5d2c7b9e10", UserName: "alice", Email: "alice@example.com", Via: access.ViaAPI}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 10_000
	for i := 0; i < n; i += batch {
		err := st.InTx(ctx, func(tx store.Tx) error {
			for j := i; j < min(i+batch, n); j++ {
				e := access.Event{Type: access.EventApproved, RequestID: fmt.Sprintf("req_%016d", j/6), GrantID: fmt.Sprintf("grt_%016d", j/3),
					Actor: actor, At: t0.Add(time.Duration(j) * time.Second),
					Details: map[string]string{"approvals": "1", "comment": "looks fine, INC-4242"}}
				if err := tx.AppendEvent(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	want := fmt.Sprintf("ok: %d entries", n)
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for range b.N {
		var out, errOut bytes.Buffer
		e := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
		if code := RunEnv(ctx, e, []string{"audit", "verify", "--data-dir", dir}); code != 0 || !strings.Contains(out.String(), want) {
			b.Fatalf("audit verify: exit %d: %s%s", code, out.String(), errOut.String())
		}
	}
	b.StopTimer()
	// CPU time (user and system, every thread) per verify: on a shared
	// machine the wall time depends on the other processes, this much less.
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(n), "entries")
}

// cpuTime is the CPU time this process used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
