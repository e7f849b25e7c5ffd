// Command apithroughput measures the server's CPU per create+approve cycle
// and the cycles per second it sustains: it runs the real app in process
// (SQLite, or PostgreSQL with -database-url) against the AWS emulator, and
// N clients in a child process (so that their CPU is not counted) drive it
// over HTTP through the public client: alice creates a request that needs
// one approval, bob approves it, again and again, each cycle on an
// assignment of its own. Every approval starts a grant job, which creates
// the assignment in the emulator, so a cycle is the API work of both calls
// plus the grant job. The emulator runs without AWS's rate limits and the
// provider's own limits are opened up (10,000 calls/s, 1,000 in flight), so that AWS's pace
// does not hold the jobs back.
//
// It reports cycles per second over the measured time and the process CPU
// (user + system, from getrusage) per cycle, taken from the start of the
// measured time until the grant jobs have created as many assignments as
// cycles were measured (so each cycle's grant job is counted, and the
// warm-up's stragglers roughly make up for the measured cycles' jobs
// still queued then); the process holds the server and the emulator,
// whose share the CPU profile (-cpuprofile) shows.
//
//	go run ./bench/apithroughput -clients 4
//	go run ./bench/apithroughput -clients 4 -database-url postgres://...
//	go run ./bench/apithroughput -clients 4 -cpuprofile /tmp/cpu.out && go tool pprof -top /tmp/cpu.out
//
// Target (BENCHMARKS.md): at most 8 ms of CPU per cycle, at least 120
// cycles/s on SQLite with 4 clients.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/elevate/elevate/bench/internal/benchenv"
	"github.com/elevate/elevate/client"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
)

var sets = []string{"AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess"}

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "-drive" {
		err = drive(os.Args[2:])
	} else {
		err = run()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "apithroughput:", err)
		os.Exit(1)
	}
}

// report is what the child process prints when it is done.
type report struct {
	Cycles    int64           `json:"cycles"`
	Elapsed   time.Duration   `json:"elapsed"`
	Latencies []time.Duration `json:"latencies"` // per cycle, sorted
}

func run() error {
	var (
		clients     int
		duration    time.Duration
		warmup      time.Duration
		databaseURL string
		cpuprofile  string
		verbose     bool
	)
	flag.IntVar(&clients, "clients", 4, "clients driving the server at once")
	flag.DurationVar(&duration, "duration", 20*time.Second, "measured time")
	flag.DurationVar(&warmup, "warmup", 3*time.Second, "time run before the measurement")
	flag.StringVar(&databaseURL, "database-url", "", "PostgreSQL server (postgres://...): a fresh database is created on it and dropped; empty: SQLite")
	flag.StringVar(&cpuprofile, "cpuprofile", "", "write the server's CPU profile over the measured time to this file")
	flag.BoolVar(&verbose, "v", false, "log the app at debug level to stderr")
	flag.Parse()

	ctx := context.Background()
	// Enough assignments for every cycle to have its own: 300 cycles/s at most.
	cycles := int((duration+warmup).Seconds()*300) + 100
	seed := awsemu.DemoSeed()
	for i := 0; len(seed.Accounts)*len(sets) < cycles; i++ {
		seed.Accounts = append(seed.Accounts, awsemu.SeedAccount{Name: fmt.Sprintf("bench-%04d", i), OU: "Sandbox"})
	}
	emu, err := awsemu.New(seed, awsemu.Options{})
	if err != nil {
		return err
	}
	emuSrv := newServer(emu)
	defer emuSrv.Close()

	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	dir, err := os.MkdirTemp("", "elevate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg.DataDir = dir
	engine := "sqlite"
	if databaseURL != "" {
		db, drop, err := benchenv.FreshDatabase(ctx, databaseURL)
		if err != nil {
			return err
		}
		defer drop()
		cfg.DatabaseURL, engine = db, "postgresql"
	}
	cfg.Jobs.ClientID = "bench"
	cfg.AWS.CallsPerSecond, cfg.AWS.OrganizationsCallsPerSecond, cfg.AWS.IdentityStoreCallsPerSecond = 10000, 1000, 1000
	cfg.AWS.MaxInFlight = 1000
	cfg.Policy = config.Policy{MinDuration: time.Second, Rules: []policy.Rule{{
		Name: "alice-everything-approved-by-bob", Users: []string{"alice"}, Accounts: []string{"*"}, PermissionSets: []string{"*"},
		MaxDuration: 4 * time.Hour, Approvals: 1, ApproverUsers: []string{"bob"},
	}}}
	a, stop, err := benchenv.StartApp(ctx, cfg, emuSrv.URL, verbose)
	if err != nil {
		return err
	}
	defer func() { _ = stop() }()
	aliceTok, _, err := a.Service().CreateToken(ctx, "alice", "bench", 0)
	if err != nil {
		return err
	}
	bobTok, _, err := a.Service().CreateToken(ctx, "bob", "bench", 0)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"-drive", a.URL(), aliceTok, bobTok, fmt.Sprint(clients), warmup.String(), duration.String(), fmt.Sprint(len(seed.Accounts))}
	cmd := exec.CommandContext(ctx, self, args...) //nolint:gosec // G204: this program itself, as the clients' process
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// The child says "start" when the warm-up is over and "stop" when
	// the measured time is; the CPU is taken between the two.
	dec := json.NewDecoder(out)
	var msg string
	if err := dec.Decode(&msg); err != nil || msg != "start" {
		return fmt.Errorf("driver: %v %q", err, msg)
	}
	var prof *os.File
	if cpuprofile != "" {
		if prof, err = os.Create(cpuprofile); err != nil { //nolint:gosec // G304: the file the operator named with -cpuprofile
			return err
		}
		if err := pprof.StartCPUProfile(prof); err != nil {
			return err
		}
	}
	cpu0, wall0 := cpuTime(), time.Now()
	creates0 := a.Provider().Stats().Creates
	if err := dec.Decode(&msg); err != nil || msg != "stop" {
		return fmt.Errorf("driver: %v %q", err, msg)
	}
	wall := time.Since(wall0)
	var rep report
	if err := dec.Decode(&rep); err != nil {
		return fmt.Errorf("driver report: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("driver: %w", err)
	}
	// The grant jobs of the measured cycles may still be running: the CPU
	// is taken once as many grants were created as cycles were measured,
	// so that each cycle's grant job is in it.
	deadline := time.Now().Add(5 * time.Minute)
	for a.Provider().Stats().Creates-creates0 < rep.Cycles {
		if time.Now().After(deadline) {
			return fmt.Errorf("the grant jobs did not catch up within 5 minutes (%d of %d)", a.Provider().Stats().Creates-creates0, rep.Cycles)
		}
		time.Sleep(20 * time.Millisecond)
	}
	drained := time.Since(wall0)
	cpu := cpuTime() - cpu0
	if prof != nil {
		pprof.StopCPUProfile()
		_ = prof.Close()
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
	fmt.Printf("engine %s, %d clients, measured %s after %s of warm-up\n", engine, clients, wall.Round(time.Millisecond), warmup)
	fmt.Printf("cycles %d: %.1f cycles/s; their grant jobs done %s after the start\n", rep.Cycles, float64(rep.Cycles)/rep.Elapsed.Seconds(), drained.Round(time.Millisecond))
	fmt.Printf("process CPU from the start until the grant jobs were done: %s (%.0f%% of one core), %s per cycle\n",
		cpu.Round(time.Millisecond), 100*cpu.Seconds()/drained.Seconds(), ms(cpu/time.Duration(max(rep.Cycles, 1))))
	fmt.Printf("cycle (create + approve) as the clients saw it: p50 %s  p99 %s\n", ms(pct(rep.Latencies, 0.5)), ms(pct(rep.Latencies, 0.99)))
	return nil
}

// drive is the child process: clients create and approve requests.
func drive(args []string) error {
	if len(args) != 7 {
		return errors.New("-drive URL ALICE_TOKEN BOB_TOKEN CLIENTS WARMUP DURATION ACCOUNTS")
	}
	base, aliceTok, bobTok := args[0], args[1], args[2]
	var clients, accounts int
	if _, err := fmt.Sscan(args[3], &clients); err != nil {
		return err
	}
	warmup, err := time.ParseDuration(args[4])
	if err != nil {
		return err
	}
	duration, err := time.ParseDuration(args[5])
	if err != nil {
		return err
	}
	if _, err := fmt.Sscan(args[6], &accounts); err != nil {
		return err
	}
	ctx := context.Background()
	alice, err := client.New(base, aliceTok)
	if err != nil {
		return err
	}
	bob, err := client.New(base, bobTok)
	if err != nil {
		return err
	}
	var (
		next     atomic.Int64
		measured atomic.Bool
		stopped  atomic.Bool
		cycles   atomic.Int64
		mu       sync.Mutex
		lat      []time.Duration
		firstErr error
	)
	target := func(i int64) (string, string) {
		acc := int(i) % accounts
		name := "demo"
		if acc >= 8 {
			name = fmt.Sprintf("bench-%04d", acc-8)
		}
		return name, sets[int(i)/accounts%len(sets)]
	}
	demo := []string{"management", "audit", "log-archive", "prod", "staging", "dev", "sandbox-1", "sandbox-2"}
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for !stopped.Load() {
				i := next.Add(1) - 1
				acc, set := target(i)
				if acc == "demo" {
					acc = demo[int(i)%accounts]
				}
				t0 := time.Now()
				r, err := alice.CreateRequest(ctx, client.CreateRequestInput{AccountIDs: []string{acc}, PermissionSet: set,
					Duration: time.Hour, Justification: "API throughput benchmark"})
				if err == nil {
					_, err = bob.Approve(ctx, r.ID, "")
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("cycle %d (%s/%s): %w", i, acc, set, err)
					}
					mu.Unlock()
					stopped.Store(true)
					return
				}
				if measured.Load() {
					d := time.Since(t0)
					cycles.Add(1)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}
		})
	}
	enc := json.NewEncoder(os.Stdout)
	time.Sleep(warmup)
	measured.Store(true)
	_ = enc.Encode("start")
	start := time.Now()
	time.Sleep(duration)
	measured.Store(false)
	elapsed := time.Since(start)
	_ = enc.Encode("stop")
	stopped.Store(true)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	mu.Lock()
	slices.Sort(lat)
	mu.Unlock()
	return enc.Encode(report{Cycles: cycles.Load(), Elapsed: elapsed, Latencies: lat})
}

func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds))*q+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func newServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }
