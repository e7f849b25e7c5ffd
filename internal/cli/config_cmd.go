package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/config"
)

// resolve builds the effective configuration: defaults, the file, the
// environment, --set, then the named flags; problems name the bad key.
func (f *serverFlags) resolve(env *Env) (config.Config, []string) {
	return config.Resolve(config.Sources{File: f.configPath, Getenv: env.Getenv, ReadFile: os.ReadFile, Sets: f.sets,
		Flags: map[string]string{"addr": f.addr, "data_dir": f.dataDir, "database_url": f.databaseURL}})
}

// cmdConfig is `config check` and `config dump`.
func cmdConfig(_ context.Context, env *Env, args []string) error {
	const use = "elevate config check [-f FILE] | dump [-f FILE] (and --set key=value, the server flags, ELEVATE_* variables)"
	if len(args) == 0 || (args[0] != "check" && args[0] != "dump") {
		return fmt.Errorf("%w: %s", ErrUsage, use)
	}
	sub := args[0]
	fs := newFlagSet(env, "config "+sub)
	var f serverFlags
	f.register(fs, env)
	fs.StringVar(&f.configPath, "f", f.configPath, "configuration file (YAML); same as --config")
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
	fmt.Fprintf(env.Stdout, "ok: %s is a valid configuration (%s)\n", where, strings.TrimSpace(summary(cfg)))
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
