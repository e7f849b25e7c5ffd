package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/server"
)

// serverFlags are the flags every server-side command shares.
type serverFlags struct {
	configPath, addr, dataDir, databaseURL string
	sets                                   []string // --set key=value, in order
}

func (f *serverFlags) register(fs interface {
	StringVar(p *string, name, value, usage string)
	Func(name, usage string, fn func(string) error)
}, env *Env) {
	fs.Func("set", "set a configuration key: --set aws.poll_interval=2s (repeatable; docs/elevate.example.yaml lists the keys)", func(s string) error {
		f.sets = append(f.sets, s)
		return nil
	})
	fs.StringVar(&f.configPath, "config", env.Getenv("ELEVATE_CONFIG"), "configuration file (YAML); env ELEVATE_CONFIG")
	fs.StringVar(&f.addr, "addr", "", "listen address (default 127.0.0.1:8080); env ELEVATE_ADDR")
	fs.StringVar(&f.dataDir, "data-dir", "", "directory of the SQLite database (default ./elevate-data); env ELEVATE_DATA_DIR")
	fs.StringVar(&f.databaseURL, "database-url", "", "PostgreSQL URL (postgres://...); env ELEVATE_DATABASE_URL")
}

// load reads the file, then the environment, then the flags (config_cmd.go).
func (f *serverFlags) load(env *Env) (config.Config, error) {
	cfg, problems := f.resolve(env)
	if len(problems) > 0 {
		return cfg, errors.New(strings.Join(problems, "\n"))
	}
	return cfg, nil
}

// newLogger returns the structured logger the configuration asks for.
func newLogger(env *Env, cfg config.Config) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(env.Stderr, opts)
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(env.Stderr, opts)
	}
	return slog.New(server.LogHandler(h))
}

func cmdServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "serve")
	var f serverFlags
	f.register(fs, env)
	migrate := fs.Bool("migrate", false, "apply database migrations before serving")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := f.load(env)
	if err != nil {
		return fmt.Errorf("%w", err)
	}
	log := newLogger(env, cfg)
	a, err := app.New(ctx, cfg, app.Options{Logger: log, AutoMigrate: *migrate})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

func cmdMigrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "migrate")
	var f serverFlags
	f.register(fs, env)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := f.load(env)
	if err != nil {
		return err
	}
	st, where, err := app.OpenStore(ctx, cfg, newLogger(env, cfg))
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }() // read-only or already-failed: its close error cannot matter
	before, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if err := app.Migrate(ctx, st); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "database %s: schema version %d -> %d (latest %d); job queue up to date\n", where, before, latest, latest)
	return nil
}

func cmdToken(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("%w: elevate token create --user NAME [--name LABEL] [--ttl 720h]", ErrUsage)
	}
	fs := newFlagSet(env, "token create")
	var f serverFlags
	f.register(fs, env)
	user := fs.String("user", "", "user name or email of the token's owner (required)")
	name := fs.String("name", "cli", "a label for the token")
	ttl := fs.Duration("ttl", 0, "lifetime of the token (0: no expiry)")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if strings.TrimSpace(*user) == "" {
		return fmt.Errorf("%w: --user is required", ErrUsage)
	}
	cfg, err := f.load(env)
	if err != nil {
		return err
	}
	log := newLogger(env, cfg)
	// The database first: no AWS configuration or call, so the command works
	// on a host without AWS credentials when the user is in the last synced
	// directory.
	secret, err := createToken(ctx, cfg, app.Options{Logger: log, Offline: true}, *user, *name, *ttl, false)
	if access.ErrorCode(err) == access.CodeNotFound {
		// The user may be new since the last sync (or nothing was synced
		// yet): sync the directory from AWS once and retry.
		var serr error
		if secret, serr = createToken(ctx, cfg, app.Options{Logger: log, NoServe: true}, *user, *name, *ttl, true); serr != nil {
			if access.ErrorCode(serr) == access.CodeNotFound {
				return serr
			}
			return fmt.Errorf("%w; syncing the directory from AWS to look again failed: %v", err, serr)
		}
		err = nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, secret)
	return nil
}

// createToken makes the token with an app built with opts, after a
// directory sync when sync is set.
func createToken(ctx context.Context, cfg config.Config, opts app.Options, user, name string, ttl time.Duration, sync bool) (string, error) {
	a, err := app.New(ctx, cfg, opts)
	if err != nil {
		return "", err
	}
	defer a.Close()
	if sync {
		if _, err := a.Service().SyncDirectory(ctx); err != nil {
			return "", err
		}
	}
	secret, _, err := a.Service().CreateToken(ctx, user, name, ttl)
	return secret, err
}
