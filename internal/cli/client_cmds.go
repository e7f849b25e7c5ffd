package cli

// The client commands talk to an elevate server through the public client
// package, as any other program would: request, approve, reject, cancel,
// end, ls, show, eligibility and whoami.
//
// This file holds what they share (flags, the client, argument checks);
// client_cmds_request.go has request and the decisions (approve, reject,
// cancel, end), client_cmds_lookup.go the commands that read (ls, show,
// eligibility, whoami) and client_cmds_format.go the helpers that format
// table cells.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/elevate/elevate/client"
)

// defaultServer is used when neither --server nor ELEVATE_SERVER is set.
const defaultServer = "http://127.0.0.1:8080"

// clientFlags are the flags every client command shares.
type clientFlags struct {
	server string
	token  string
	json   bool
	utc    bool
	env    *Env
}

func addClientFlags(fs *flag.FlagSet, env *Env) *clientFlags {
	cf := &clientFlags{env: env}
	server := env.Getenv("ELEVATE_SERVER")
	if server == "" {
		server = defaultServer
		// The server of `elevate login`, when signed in.
		if st, ok, _ := loadCredentials(env); ok {
			server = st.Server
		}
	}
	fs.StringVar(&cf.server, "server", server, "URL of the elevate server; env ELEVATE_SERVER")
	// The default is read at use, not shown here: -h must never print a token.
	fs.StringVar(&cf.token, "token", "", "API token (default env ELEVATE_TOKEN)")
	fs.BoolVar(&cf.json, "json", false, "print JSON, for scripts")
	fs.BoolVar(&cf.utc, "utc", false, "say times in UTC (default: the local time zone, TZ)")
	return cf
}

// client returns an API client for the flags.
func (cf *clientFlags) client() (*client.Client, error) {
	token := cf.token
	if token == "" {
		token = cf.env.Getenv("ELEVATE_TOKEN")
	}
	if strings.TrimSpace(token) == "" {
		// The token of `elevate login`, for the server it was made by.
		st, ok, err := loadCredentials(cf.env)
		if err != nil {
			return nil, err
		}
		if ok && strings.TrimRight(cf.server, "/") == st.Server {
			token = st.Token
		}
	}
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("no API token: run `elevate login`, or set ELEVATE_TOKEN or pass --token (make one in the portal or with `elevate token create --user NAME`)")
	}
	c, err := client.New(cf.server, token, client.WithClientKind("cli"), client.WithUserAgent("elevate-cli"))
	if err != nil {
		return nil, fmt.Errorf("%w (set ELEVATE_SERVER or pass --server)", err)
	}
	return c, nil
}

// explain adds a hint to errors whose fix is on the user's side.
func (cf *clientFlags) explain(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*client.Error](err); ok {
		if e.Status == 401 {
			return fmt.Errorf("%w: check ELEVATE_TOKEN or --token, or run `elevate login`", err)
		}
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w (is the elevate server at %s running? set ELEVATE_SERVER or pass --server)", err, cf.server)
}

func (cf *clientFlags) printJSON(v any) error {
	enc := json.NewEncoder(cf.env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// listFlag collects a repeatable, comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
}

// oneID checks that the positional arguments are exactly one request id.
func oneID(pos []string, cmd string) (string, error) {
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return "", usageErr("give one request id: elevate %s ID", cmd)
	}
	return pos[0], nil
}

func noArgs(pos []string) error {
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	return nil
}

// clientNoArgs parses args, which must hold flags of fs only, and returns an
// API client for the client flags.
func clientNoArgs(fs *flag.FlagSet, cf *clientFlags, args []string) (*client.Client, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if err := noArgs(pos); err != nil {
		return nil, err
	}
	return cf.client()
}
