// Package app is elevate's composition root: New wires the store, the job
// queue, the AWS provider, the workflow and the HTTP server from a Config;
// Run serves until its context ends. Tests start the real app through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/elevate/elevate/internal/api"
	"github.com/elevate/elevate/internal/aws"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/jobs"
	"github.com/elevate/elevate/internal/metrics"
	"github.com/elevate/elevate/internal/server"
	"github.com/elevate/elevate/internal/store/postgres"
	"github.com/elevate/elevate/internal/store/sqlite"
	"github.com/elevate/elevate/internal/web"
	"github.com/elevate/elevate/internal/workflow"
)

// Options are the parts a caller (the demo, a test) may supply instead of
// the defaults.
type Options struct {
	Logger *slog.Logger
	// AWSConfig replaces the standard AWS configuration chain (the demo
	// points it at its emulator with static credentials).
	AWSConfig *awssdk.Config
	// Clock replaces the system clock in the workflow.
	Clock workflow.Clock
	// AutoMigrate applies database migrations at start (the demo and tests);
	// otherwise a schema that is behind refuses to serve.
	AutoMigrate bool
	// Listener replaces listening on Config.Addr.
	Listener net.Listener
	// NoServe builds the app for one-off commands (token create): no
	// listener, no server; Run is not allowed.
	NoServe bool
	// Offline builds the app for the commands that only use the database
	// (token create, admin recover): no AWS configuration is
	// loaded and no AWS call is made (the Identity Center instance is not
	// discovered); anything that would call AWS fails, naming why. It
	// implies NoServe.
	Offline bool
	// DemoUsers turns on the portal's pick-a-demo-user sign-in (the demo
	// only; no configuration key can).
	DemoUsers []web.DemoUser
	// DemoSlack is the demo's local stand-in for Slack (the demo only): the
	// notifications page shows Slack's views and simulates Slack clicks
	// through it. Config.Notify.Slack must point at it.
	DemoSlack *DemoSlack
}

// App is a running elevate.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	store    Store
	queue    jobQueue
	sched    workflow.Scheduler // the engine's job inserter
	provider *aws.Provider
	svc      *workflow.Service
	audit    *workflow.AuditLog
	anchors  []workflow.AnchorSink // audit.anchors
	metrics  *metrics.Metrics
	srv      *server.Server
	ln       net.Listener
	synced   atomic.Bool
	notif    *notifications // notify.go
	portal   *web.Portal    // for Routes (security.go)
	// syncCtl shows the directory sync status and triggers syncs (sync.go).
	syncCtl *workflow.SyncControl

	// dirEvents consumes directory.events_queue_url (nil without one).
	dirEvents *aws.DirectoryEvents
}

// New builds the app and binds its listener, so that URL is known before Run.
func New(ctx context.Context, cfg config.Config, opts Options) (a *App, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	built := &App{cfg: cfg, log: log}
	a = built
	defer func() {
		if err != nil {
			built.close() // a is nil after "return nil, err"
		}
	}()
	opts.NoServe = opts.NoServe || opts.Offline
	if !opts.NoServe {
		if a.ln = opts.Listener; a.ln == nil {
			if a.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
				return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
			}
		}
		// With no public_url and a port picked by the system (addr :0), the
		// links in pages and notifications use the port really bound.
		if _, port, _ := net.SplitHostPort(cfg.Addr); cfg.PublicURL == "" && port == "0" {
			cfg.PublicURL = a.URL()
			a.cfg = cfg
		}
	}
	if a.store, _, err = OpenStore(ctx, cfg, log); err != nil {
		return nil, err
	}
	if opts.AutoMigrate {
		if err := Migrate(ctx, a.store); err != nil {
			return nil, err
		}
	} else if err := a.store.CheckSchema(ctx); err != nil {
		return nil, err
	}
	// The engine's job inserter first: the workflow schedules through it.
	if a.sched, err = a.store.newInserter(); err != nil {
		return nil, err
	}
	a.metrics = metrics.New()
	pcfg := aws.Config{Region: cfg.AWS.Region, InstanceARN: cfg.AWS.InstanceARN, IdentityStoreID: cfg.AWS.IdentityStoreID,
		PollInterval: cfg.AWS.PollInterval, Logger: log}
	pcfg.MaxPollInterval, pcfg.CallsPerSecond, pcfg.MaxInFlight = cfg.AWS.MaxPollInterval, cfg.AWS.CallsPerSecond, cfg.AWS.MaxInFlight
	pcfg.ListPollInterval, pcfg.ProvisioningTime = cfg.AWS.ListPollInterval, cfg.AWS.ProvisioningTime
	pcfg.IdentityStoreCallsPerSecond, pcfg.OrganizationsCallsPerSecond = cfg.AWS.IdentityStoreCallsPerSecond, cfg.AWS.OrganizationsCallsPerSecond
	pcfg.SessionDenySCPName = cfg.EndSessions.SCPName
	var awsCfg awssdk.Config
	var provider interface {
		workflow.Provider
		workflow.DirectorySource
	} = offlineProvider{}
	if !opts.Offline {
		if opts.AWSConfig != nil {
			awsCfg = opts.AWSConfig.Copy()
		} else if awsCfg, err = loadAWSConfig(ctx, cfg.AWS.Region); err != nil {
			return nil, err
		}
		awsCfg.APIOptions = append(awsCfg.APIOptions, a.metrics.AWSCallCounter())
		if a.provider, err = aws.NewFromConfig(ctx, awsCfg, pcfg); err != nil {
			return nil, fmt.Errorf("connect to IAM Identity Center: %w", err)
		}
		provider = a.provider
	}
	if a.notif, err = newNotifications(cfg, a.store, a.metrics, opts.Clock, log); err != nil { // notify.go
		return nil, err
	}
	deps := workflow.Deps{Store: a.store, Scheduler: a.sched, Provider: provider, Directory: provider, Clock: opts.Clock,
		Logger: log, Observer: a.metrics, Notifications: a.notif.svc}
	if !opts.Offline {
		if deps.Activity, deps.ActivityOptions, err = newActivitySource(cfg, awsCfg, log); err != nil { // activity.go
			return nil, err
		}
		deps.SessionEnder, deps.SessionDeny = a.provider, sessionDenyOptions(cfg, log) // end_sessions.go
		deps.Policies = a.provider                                                     // usage insight reads permission sets' policies
		if u := cfg.Directory.EventsQueueURL; u != "" {
			if a.dirEvents, err = aws.NewDirectoryEventsFromConfig(awsCfg, aws.DirectoryEventsConfig{QueueURL: u,
				Observer: a.metrics, Logger: log.With("component", "directory_events")}); err != nil {
				return nil, fmt.Errorf("directory.events_queue_url: %w", err)
			}
		}
	}
	// The on-call and ticket systems rules' conditions read (integrations.go);
	// without any, every condition is unknown.
	ctxSrc, err := NewIntegrations(cfg)
	if err != nil {
		return nil, err
	}
	deps.Context = ctxSrc
	p := cfg.Policy
	a.svc, err = workflow.New(workflow.Settings{
		MinDuration: p.MinDuration, MaxDuration: p.MaxDuration, ApprovalTimeout: p.ApprovalTimeout,
		AdminsGroup: p.AdminsGroup, AuditorsGroup: p.AuditorsGroup, Rules: p.Rules,
		ApproverRules: p.ApproverRules, TicketRequired: p.TicketRequired, NotificationChannels: p.NotificationChannels,
		MaxDurationCeiling: p.MaxDurationCeiling, MaxStartAhead: p.MaxStartAhead, RepairMissing: cfg.Reconcile.RepairMissing,
		RevokeAhead: p.RevokeAhead,
	}, deps)
	if err != nil {
		return nil, err
	}
	if a.notif.handler, err = a.notif.interactions(a.svc, log); err != nil {
		return nil, err
	}
	if a.anchors, err = AnchorSinks(ctx, cfg); err != nil {
		return nil, err
	}
	if a.audit, err = newAudit(cfg, a.store, log, true, a.anchors); err != nil {
		return nil, err
	}
	// The job queue last: its workers run the workflow's, the notifications'
	// and the retention's jobs.
	a.queue, err = a.store.newQueue(jobs.Config{
		ClientID: cfg.Jobs.ClientID, JobTimeout: cfg.Jobs.JobTimeout, FetchPollInterval: cfg.Jobs.FetchPollInterval, SyncInterval: cfg.Jobs.SyncInterval,
		SweepInterval: cfg.Jobs.SweepInterval, MaxWorkers: cfg.Jobs.MaxWorkers, MaxRetryDelay: cfg.Jobs.MaxRetryDelay, Logger: log, ReconcileInterval: cfg.Jobs.ReconcileInterval,
		Runner: a.svc, Deliverer: a.deliverer(),
		Pruner: retentionJob{audit: a.audit, retention: Retention(cfg)}, PruneInterval: pruneInterval(cfg), // retention.go
	})
	if err != nil {
		return nil, err
	}
	a.registerGauges()
	if a.syncCtl, err = workflow.NewSyncControl(a.svc, a.queue); err != nil {
		return nil, fmt.Errorf("wire directory sync control: %w", err)
	}
	portal, err := a.newPortal(opts) // portal.go
	a.portal = portal
	if err != nil {
		return nil, err
	}
	trusted, err := cfg.Security.TrustProxyHeaders.Networks()
	if err != nil { // Validate refuses it first; this keeps New safe on its own
		return nil, fmt.Errorf("security.trust_proxy_headers: %w", err)
	}
	a.srv = server.New(server.Options{Logger: log, API: api.New(a.svc, log).WithAudit(a.audit).WithNotifications(a.notif.svc).WithSync(a.syncCtl).WithAway(a.svc).WithAccessPortal(cfg.AWS.AccessPortalURL, cfg.AWS.Region), SlackInteractions: a.notif.handler, Ready: a.ready, Metrics: a.metrics.Handler(),
		Portal: portal, CrossOriginBypass: web.CrossOriginBypass(),
		TrustedProxies: trusted, HSTSMaxAge: cfg.Security.HSTSMaxAge, Limits: serverLimits(cfg.Security)})
	return a, nil
}

// OpenStore opens the database the configuration selects: PostgreSQL for a
// postgres:// database_url, else SQLite in data_dir. It also returns where
// that is, for messages (never the password).
func OpenStore(ctx context.Context, cfg config.Config, log *slog.Logger) (Store, string, error) {
	if cfg.DatabaseURL != "" {
		u, err := url.Parse(cfg.DatabaseURL)
		if err != nil {
			return nil, "", fmt.Errorf("database_url: %w", err)
		}
		where := "postgres://" + u.Host + u.Path
		st, err := postgres.Open(ctx, cfg.DatabaseURL, log)
		if err != nil {
			return nil, where, fmt.Errorf("open database %s: %w", where, err)
		}
		return postgresEngine{st}, where, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("create data directory: %w", err)
	}
	if err := precreatePrivate(cfg.SQLitePath()); err != nil {
		return nil, cfg.SQLitePath(), err
	}
	st, err := sqlite.Open(ctx, cfg.SQLitePath(), log)
	if err != nil {
		return nil, cfg.SQLitePath(), fmt.Errorf("open database %s: %w", cfg.SQLitePath(), err)
	}
	if err := restrictFiles(cfg.SQLitePath(), cfg.SQLitePath()+"-wal", cfg.SQLitePath()+"-shm"); err != nil {
		_ = st.Close()
		return nil, cfg.SQLitePath(), err
	}
	return sqliteEngine{Store: st, wake: jobs.NewWakeup()}, cfg.SQLitePath(), nil
}

// Migrate brings the database schema and the job queue's tables up to date.
func Migrate(ctx context.Context, st Store) error {
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	if err := st.migrateJobs(ctx); err != nil {
		return fmt.Errorf("migrate job queue: %w", err)
	}
	return nil
}

// URL is where the app serves.
func (a *App) URL() string { return "http://" + a.ln.Addr().String() }

// Service is the workflow service (the demo makes tokens with it).
func (a *App) Service() *workflow.Service { return a.svc }

// Provider is the AWS provider.
func (a *App) Provider() *aws.Provider { return a.provider }

func (a *App) ready(ctx context.Context) error {
	if !a.synced.Load() {
		return errors.New("the first directory sync has not finished")
	}
	return a.svc.Ready(ctx)
}

// Run syncs the directory once, starts the jobs and the server, and serves
// until ctx ends, then shuts down gracefully.
func (a *App) Run(ctx context.Context) error { return a.RunThen(ctx, nil) }

// RunThen is Run, calling onStart once the app serves (the demo makes its
// tokens there). An error from onStart shuts the app down.
func (a *App) RunThen(ctx context.Context, onStart func(context.Context) error) error {
	defer a.close()
	if a.ln == nil {
		return errors.New("app: built with NoServe; it can't Run")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if _, err := a.svc.SyncDirectory(ctx); err != nil {
		return fmt.Errorf("first directory sync: %w", err)
	}
	a.synced.Store(true)
	if err := a.queue.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	go a.audit.RunCheckpoints(ctx, checkpointInterval(a.cfg))
	// Identity store changes between syncs: each replica long-polls the
	// queue (SQS gives a message to one of them); the job each change
	// becomes runs once.
	eventsDone := make(chan struct{})
	eventsCtx, stopEvents := context.WithCancel(ctx)
	go func() {
		defer close(eventsDone)
		if a.dirEvents != nil {
			a.dirEvents.Run(eventsCtx, a.svc.QueueDirectoryEvent)
		}
	}()
	// Anchors: published on their interval, and once more at shutdown,
	// which Run waits for before the store closes.
	anchorCtx, stopAnchors := context.WithCancel(ctx)
	anchorsDone := make(chan struct{})
	go func() {
		defer close(anchorsDone)
		a.audit.RunAnchors(anchorCtx, anchorInterval(a.cfg), a.anchors)
	}()
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.srv.Serve(ctx, a.ln) }()
	a.log.InfoContext(ctx, "elevate is serving", "addr", a.ln.Addr().String(), "url", a.URL())
	var err error
	if onStart != nil {
		if err = onStart(ctx); err != nil {
			cancel()
		}
	}
	select {
	case <-ctx.Done():
		err = errors.Join(err, <-serveErr)
	case serr := <-serveErr:
		err = errors.Join(err, serr)
	}
	stopAnchors()
	<-anchorsDone
	stopEvents()
	<-eventsDone
	stopCtx, stop := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer stop()
	if qerr := a.queue.Stop(stopCtx); qerr != nil {
		err = errors.Join(err, qerr)
	}
	return err
}

// Close releases what New opened, for an app that was not Run.
func (a *App) Close() { a.close() }

func (a *App) close() {
	if a.ln != nil {
		_ = a.ln.Close() // already closed by Serve on the normal path
	}
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			a.log.Error("close database", "error", err)
		}
	}
}

// loadAWSConfig reads the standard AWS configuration chain (environment,
// shared files, AWS_ENDPOINT_URL*, instance roles), with region overriding
// the chain's and us-east-1 as the last resort.
func loadAWSConfig(ctx context.Context, region string) (awssdk.Config, error) {
	var optFns []func(*awsconfig.LoadOptions) error
	if region != "" {
		optFns = append(optFns, awsconfig.WithRegion(region))
	}
	c, err := awsconfig.LoadDefaultConfig(ctx, optFns...)
	if err != nil {
		return c, fmt.Errorf("load AWS configuration: %w", err)
	}
	if c.Region == "" {
		c.Region = aws.DefaultRegion
	}
	return c, nil
}

// registerGauges exports the values read at scrape time: requests by
// status, failing revocations, the job backlog.
func (a *App) registerGauges() {
	a.metrics.AddGauges("elevate_requests", "Requests by status.", "status", func(ctx context.Context) (map[string]float64, error) {
		byStatus, _, err := a.svc.RequestCounts(ctx)
		out := make(map[string]float64, len(byStatus))
		for st, n := range byStatus {
			out[string(st)] = float64(n)
		}
		return out, err
	}, a.log)
	a.metrics.AddGauges("elevate_revocation_failed_requests", "Requests whose revocation is failing and being retried (alert when > 0).", "scope",
		func(ctx context.Context) (map[string]float64, error) {
			_, failing, err := a.svc.RequestCounts(ctx)
			return map[string]float64{"all": float64(failing)}, err
		}, a.log)
	a.metrics.AddGauges("elevate_job_backlog", "Jobs that are due, by state (available, retryable, running).", "state", a.queue.Backlog, a.log)
	a.registerRunGauges() // metrics_runs.go
}

// precreatePrivate creates the SQLite database file empty with mode 0600
// when it does not exist yet, before the engine opens it: SQLite would
// create it with 0644 (less the umask), and creates the -wal and -shm files
// with the database file's mode.
func precreatePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	return f.Close()
}

// restrictFiles makes the files that exist among paths readable by their
// owner only, for databases created by earlier versions with 0644.
func restrictFiles(paths ...string) error {
	for _, p := range paths {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restrict %s to its owner: %w", p, err)
		}
	}
	return nil
}
