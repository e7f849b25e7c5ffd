package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/workflow"
)

// resolve builds the effective configuration: defaults, the file, the
// environment, --set, then the named flags; problems name the bad key.
func (f *serverFlags) resolve(env *Env) (config.Config, []string) {
	return config.Resolve(config.Sources{File: f.configPath, Getenv: env.Getenv, ReadFile: os.ReadFile, Sets: f.sets,
		Flags: map[string]string{"addr": f.addr, "data_dir": f.dataDir, "database_url": f.databaseURL}})
}

// cmdConfig is `config check` and `config dump`.
func cmdConfig(ctx context.Context, env *Env, args []string) error {
	const use = "elevate config check [-f FILE] [--online] | dump [-f FILE] (and --set key=value, the server flags, ELEVATE_* variables)"
	if len(args) == 0 || (args[0] != "check" && args[0] != "dump") {
		return fmt.Errorf("%w: %s", ErrUsage, use)
	}
	sub := args[0]
	fs := newFlagSet(env, "config "+sub)
	var f serverFlags
	f.register(fs, env)
	fs.StringVar(&f.configPath, "f", f.configPath, "configuration file (YAML); same as --config")
	online := fs.Bool("online", false, "check: also resolve the policy's names (users, groups, accounts, OUs, permission sets) against the synced directory in the database")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg, problems := f.resolve(env)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(env.Stderr, p)
		}
		return fmt.Errorf("%s in the configuration", access.Plural(len(problems), "problem", ""))
	}
	if sub == "dump" {
		out, err := config.Dump(cfg)
		if err != nil {
			return err
		}
		_, err = env.Stdout.Write(out)
		return err
	}
	where := "defaults and environment"
	if f.configPath != "" {
		where = f.configPath + ", with the environment and flags,"
	}
	if *online {
		if err := checkOnline(ctx, env, cfg); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stdout, "ok: %s is a valid configuration (%s)\n", where, strings.TrimSpace(summary(cfg)))
	return nil
}

// checkOnline resolves every name of the configuration's policy against
// the synced directory, and names each one it lacks with the closest name
// of its kind.
func checkOnline(ctx context.Context, env *Env, cfg config.Config) error {
	st, where, err := app.OpenStore(ctx, cfg, newLogger(env, cfg))
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }() // a read-only command: its close error cannot matter
	if err := st.CheckSchema(ctx); err != nil {
		return err
	}
	ds, err := workflow.ReadDirectoryState(ctx, st)
	if err != nil {
		return err
	}
	if ds.SyncedAt.IsZero() {
		return fmt.Errorf("--online: the directory in %s was never synced: run `elevate serve` (it syncs at start) or `elevate sync --wait` first", where)
	}
	if ds.Policy != nil {
		fmt.Fprintf(env.Stderr, "note: policy revision %d applied with `policy apply` is in effect; the configuration's policy is used only until the first apply\n", ds.Policy.Revision)
	}
	problems := policy.New(cfg.Policy.Document(), policy.NewIndex(ds.Directory)).Problems()
	for _, p := range problems {
		fmt.Fprintf(env.Stderr, "policy.%s: %s\n", strings.TrimPrefix(p.Path, "settings."), p.Message)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d names in the configuration's policy do not resolve against the directory synced %s", len(problems), ds.SyncedAt.Format(time.RFC3339))
	}
	return nil
}

// summary says in a few words what the configuration runs on.
func summary(c config.Config) string {
	db := "SQLite in " + c.DataDir
	if c.DatabaseURL != "" {
		db = "PostgreSQL"
	}
	signin := []string{}
	if c.Auth.OIDC.Enabled() {
		signin = append(signin, "OIDC")
	}
	if c.Auth.SAML.Enabled() {
		signin = append(signin, "SAML")
	}
	if len(signin) == 0 {
		signin = append(signin, "API tokens only")
	}
	return fmt.Sprintf("listens on %s, %s, sign-in: %s, %s", c.Addr, db, strings.Join(signin, "+"), access.Plural(len(c.Policy.Rules), "eligibility rule", ""))
}
