// Package cli is elevate's command tree: the server commands (serve, demo,
// migrate, token) and the client commands (request, approve, ls, ...) that
// talk to a server through the public client package.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"time"
)

// Env is what a command may touch of the outside world.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Now is the clock relative times are said against ("ends in 42 min");
	// nil is time.Now.
	Now func() time.Time
}

type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":       {"run the server (portal, API and jobs)", cmdServe},
		"demo":        {"run a complete demo system on this machine (SQLite and an AWS emulator)", cmdDemo},
		"migrate":     {"apply database migrations", cmdMigrate},
		"token":       {"manage API tokens (token create --user NAME)", cmdToken},
		"signin-link": {"print a one-time portal sign-in link, valid 10 minutes, for the first sign-in before OIDC or SAML works: signin-link --user NAME", cmdSignInLink},
		"admin":       {"restore a user's admin role after a lockout, on the server's host: admin recover --user NAME", cmdAdmin},
		"audit":       {"the decision log: audit verify [--checkpoint FILE] | export --format jsonl|csv [--since T] | checkpoint | prune [--dry-run]", cmdAudit},
		"version":     {"print the version, commit, build date and Go version", cmdVersion},
		"config":      {"configuration: config check [-f FILE] names a bad key and its line | config dump prints the effective configuration, secrets redacted", cmdConfig},
		"healthcheck": {"GET /healthz of a local server; exit 0 when healthy (the container's HEALTHCHECK)", cmdHealthcheck},
		"request":     {"request access: --account ID --permission-set NAME --duration 1h --reason TEXT [--wait]", cmdRequest},
		"approve":     {"approve a request: approve ID [--comment TEXT]", cmdApprove},
		"reject":      {"reject a request: reject ID [--comment TEXT]", cmdReject},
		"cancel":      {"cancel a request that is not yet active: cancel ID", cmdCancel},
		"end":         {"end an active request early: end ID [--comment TEXT]", cmdEnd},
		"extend":      {"ask for more time on an active request: extend ID --duration 30m --reason TEXT", cmdExtend},
		"login":       {"sign the CLI in through the portal in the browser; the token is kept in your config directory: login [--server URL] [--no-browser]", cmdLogin},
		"logout":      {"revoke the token of elevate login and forget it", cmdLogout},
		"ls":          {"list requests: ls [--status S] [--scope mine|approvals|involved|all] [--search T] [--account A] [--since D] [--until D] [--limit N] [--cursor C | --all] [--export csv|jsonl]", cmdLs},
		"show":        {"show one request: show ID [--utc]", cmdShow},
		"aws-config":  {"print ~/.aws/config profiles (sso_session form) for your active access: aws-config [ID] >> ~/.aws/config", cmdAWSConfig},
		"eligibility": {"list the accounts and permission sets you may request", cmdEligibility},
		"insights":    {"usage insight: insights [--since 90d] [--json] shows used and unused grants, unused eligibility and narrower permission sets", cmdInsights},
		"whoami":      {"show who the token belongs to", cmdWhoami},
		"away":        {"approvers away: away --until T --delegate U routes your approvals to U until T | away shows it | away --clear ends it", cmdAway},
		"wait":        {"wait until a request is active (or --until done)", cmdWait},
		"policy":      {"policy as code and explain: policy export | plan -f FILE | apply -f FILE | explain --user U --account A --permission-set P", cmdPolicy},
		"doctor":      {"check the configuration, the database and AWS (instance, account type, each permission)", cmdDoctor},
		"aws":         {"AWS helpers: aws iam-policy [--instance-arn ARN] [--identity-store-id ID] [--discover]", cmdAWS},
		"review":      {"review a break-glass request afterwards: review ID --comment TEXT", cmdReview},
		"breakglass":  {"list break-glass use (admins and auditors): breakglass ls [--unreviewed]", cmdBreakGlass},
		"import":      {"migrate from AWS's TEAM sample: import team [--out FILE] [--directory FILE] SCANS... writes a policy document from TEAM's DynamoDB scans", cmdImport},
		"sync":        {"directory sync: sync [--wait] starts one now (admins) | sync status [--json] (admins and auditors)", cmdSync},
	}
}

// ErrUsage marks an error caused by bad command-line use (exit status 2).
var ErrUsage = errors.New("usage")

// Run runs the command named by args[0] and returns the process exit status.
func Run(ctx context.Context, args []string) int {
	env := &Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	return RunEnv(ctx, env, args)
}

// RunEnv is Run with an explicit environment, for tests.
func RunEnv(ctx context.Context, env *Env, args []string) int {
	out, errOut := &terminalWriter{w: env.Stdout}, &terminalWriter{w: env.Stderr}
	defer func() { _, _ = out.Flush(), errOut.Flush() }()
	env = &Env{Stdout: out, Stderr: errOut, Getenv: env.Getenv, Now: env.Now}
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "elevate: unknown command %q\n\n", args[0])
		usage(env.Stderr, cmds)
		return 2
	}
	err := c.run(ctx, env, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(env.Stderr, "elevate %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(env.Stderr, "elevate %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "elevate: temporary, approved, audited elevated access to AWS accounts through IAM Identity Center.")
	fmt.Fprintln(w, "\nUsage: elevate COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun `elevate COMMAND -h` for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(env *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("elevate "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (`elevate approve ID --comment ok`), and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", ErrUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
