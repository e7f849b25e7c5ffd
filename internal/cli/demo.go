package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/app"
	"github.com/elevate/elevate/internal/awsemu"
	"github.com/elevate/elevate/internal/config"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/server"
	"github.com/elevate/elevate/internal/web"
)

// DemoUsers are the seeded demo users, in the order the demo prints them.
var DemoUsers = []struct{ Name, Role string }{
	{"alice", "requester"}, {"bob", "approver"}, {"carol", "approver"}, {"dave", "auditor"}, {"erin", "admin"},
}

// DemoPolicy is the demo's policy: alice may ask for AdministratorAccess on
// prod for up to 4h with one approval from the approvers group; engineers get
// ReadOnlyAccess everywhere without approval, and PowerUserAccess outside
// production with one approval.
func DemoPolicy() config.Policy {
	return config.Policy{
		MinDuration: time.Minute,
		Rules: []policy.Rule{
			{Name: "alice-admin-prod", Users: []string{"alice"}, Accounts: []string{"prod"}, PermissionSets: []string{"AdministratorAccess"},
				MaxDuration: 4 * time.Hour, Approvals: 1, ApproverGroups: []string{"approvers"}},
			{Name: "engineers-readonly", Groups: []string{"engineers"}, Accounts: []string{"*"}, PermissionSets: []string{"ReadOnlyAccess"},
				MaxDuration: 8 * time.Hour},
			{Name: "engineers-power-nonprod", Groups: []string{"engineers"}, Accounts: []string{"staging", "dev", "sandbox-1", "sandbox-2"},
				PermissionSets: []string{"PowerUserAccess"}, MaxDuration: 4 * time.Hour, Approvals: 1, ApproverGroups: []string{"approvers"}},
		},
	}
}

// DemoInfo is what the demo writes to <data-dir>/demo.json.
type DemoInfo struct {
	URL         string                  `json:"url"`
	AWSEndpoint string                  `json:"aws_endpoint"`
	InstanceARN string                  `json:"instance_arn"`
	Users       map[string]DemoUserInfo `json:"users"`
}

// DemoUserInfo is one demo user's entry in demo.json.
type DemoUserInfo struct {
	Token string `json:"token"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

func cmdDemo(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "demo")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address of the portal and API (:0 picks a free port)")
	dataDir := fs.String("data-dir", "", "directory for the SQLite database and demo.json (default: a new temporary directory)")
	awsAddr := fs.String("aws-addr", "127.0.0.1:8081", "listen address of the AWS emulator (:0 picks a free port)")
	delay := fs.Duration("provisioning-delay", 2*time.Second, "how long the emulator takes to create or delete an assignment")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dataDir == "" {
		dir, err := os.MkdirTemp("", "elevate-demo-")
		if err != nil {
			return fmt.Errorf("create temporary data directory: %w", err)
		}
		*dataDir = dir
	}
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.LogFormat = *addr, *dataDir, "text"
	cfg.Policy = DemoPolicy()
	cfg.AWS.PollInterval = 250 * time.Millisecond
	cfg.Jobs.SyncInterval = time.Minute
	cfg.Jobs.SweepInterval = 15 * time.Second
	cfg.Notify.Log = true // notifications in the log and at GET /api/v1/notifications
	var bannerShown atomic.Bool
	log, closeLog, err := demoLogger(env, cfg, &bannerShown)
	if err != nil {
		return err
	}
	defer closeLog()

	seed := awsemu.DemoSeed()
	// SessionEvents: each grant's session leaves a few CloudTrail events,
	// which the demo fetches through CloudWatch Logs Insights.
	// Nobody signs in to demoNoSessionAccount, so the demo has unused grants
	// too (demo_history.go).
	emu, err := awsemu.New(seed, awsemu.Options{ProvisioningDelay: *delay, Logger: log.With("component", "awsemu"), SessionEvents: true,
		NoSessionAccounts: []string{demoNoSessionAccount}})
	if err != nil {
		return fmt.Errorf("start AWS emulator: %w", err)
	}
	if err := seedDemoPolicies(emu); err != nil {
		return err
	}
	cfg.Activity = config.Activity{Source: config.ActivityLogs, LogGroup: emu.TrailLogGroup(), Delay: 10 * time.Second, Margin: time.Minute}
	emuURL, stopEmu, err := awsemu.Listen(ctx, *awsAddr, emu)
	if err != nil {
		return fmt.Errorf("start AWS emulator: %w", err)
	}
	defer func() {
		if err := stopEmu(context.WithoutCancel(ctx)); err != nil {
			log.Error("stop AWS emulator", "error", err)
		}
	}()
	awsCfg := awssdk.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEMO", "demo-secret", ""),
		BaseEndpoint: awssdk.String(emuURL),
	}
	demoUsers := make([]web.DemoUser, len(DemoUsers))
	for i, u := range DemoUsers {
		demoUsers[i] = web.DemoUser{Name: u.Name, Role: u.Role}
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: log, AWSConfig: &awsCfg, AutoMigrate: true, DemoUsers: demoUsers})
	if err != nil {
		return err
	}
	return a.RunThen(ctx, func(ctx context.Context) error {
		info := DemoInfo{URL: a.URL(), AWSEndpoint: emuURL, InstanceARN: emu.InstanceARN(), Users: map[string]DemoUserInfo{}}
		emails := map[string]string{}
		for _, u := range seed.Users {
			emails[u.UserName] = u.Email
		}
		for _, u := range DemoUsers {
			secret, err := demoToken(ctx, a, *dataDir, u.Name)
			if err != nil {
				return err
			}
			info.Users[u.Name] = DemoUserInfo{Token: secret, Email: emails[u.Name], Role: u.Role}
			if err := os.WriteFile(filepath.Join(*dataDir, u.Name+".token"), []byte(secret+"\n"), 0o600); err != nil {
				return fmt.Errorf("write token file: %w", err)
			}
		}
		b, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return fmt.Errorf("encode demo.json: %w", err)
		}
		if err := os.WriteFile(filepath.Join(*dataDir, "demo.json"), append(b, '\n'), 0o600); err != nil {
			return fmt.Errorf("write demo.json: %w", err)
		}
		printDemoBanner(env, info, *dataDir)
		bannerShown.Store(true)
		// A fresh demo plays a little history for usage insight, in the
		// background: the portal is usable at once.
		go func() {
			if err := playDemoHistory(ctx, info, emu, log); err != nil && ctx.Err() == nil {
				log.Warn("the demo's history for usage insight did not play", "error", err)
			}
		}()
		return nil
	})
}

// demoLogFile is the demo's log in its data directory.
const demoLogFile = "demo.log"

// demoLogger logs everything to demo.log in the data directory and, once the
// banner is printed (bannerShown), warnings and errors to the terminal too, so
// that the banner is the first thing a newcomer reads there; a failure to
// start is the command's error.
func demoLogger(env *Env, cfg config.Config, bannerShown *atomic.Bool) (*slog.Logger, func(), error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create data directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(cfg.DataDir, demoLogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open the demo log: %w", err)
	}
	h := slog.NewMultiHandler(slog.NewTextHandler(f, nil), afterBanner{slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}), bannerShown})
	return slog.New(server.LogHandler(h)), func() { _ = f.Close() }, nil
}

// afterBanner passes records on only once shown is set.
type afterBanner struct {
	slog.Handler
	shown *atomic.Bool
}

func (h afterBanner) Enabled(ctx context.Context, l slog.Level) bool {
	return h.shown.Load() && h.Handler.Enabled(ctx, l)
}

func (h afterBanner) WithAttrs(attrs []slog.Attr) slog.Handler {
	return afterBanner{h.Handler.WithAttrs(attrs), h.shown}
}

func (h afterBanner) WithGroup(name string) slog.Handler {
	return afterBanner{h.Handler.WithGroup(name), h.shown}
}

func printDemoBanner(env *Env, info DemoInfo, dataDir string) {
	w := env.Stdout
	fmt.Fprintf(w, "\nelevate demo is running.\n\n")
	fmt.Fprintf(w, "  portal and API   %s\n", info.URL)
	fmt.Fprintf(w, "  sign in          %s/signin (pick a demo user)\n", info.URL)
	fmt.Fprintf(w, "  AWS emulator     %s\n", info.AWSEndpoint)
	fmt.Fprintf(w, "  data directory   %s\n", dataDir)
	fmt.Fprintf(w, "  log              %s (warnings also here)\n", filepath.Join(dataDir, demoLogFile))
	fmt.Fprintf(w, "  notifications    %s/admin/notifications (sign in as erin, the admin)\n\n", info.URL)
	fmt.Fprintf(w, "Demo users (tokens are also in %s/<user>.token and demo.json):\n", dataDir)
	for _, u := range DemoUsers {
		fmt.Fprintf(w, "  %-6s %-9s %s\n", u.Name, u.Role, info.Users[u.Name].Token)
	}
	fmt.Fprintf(w, "\nTry it from another terminal:\n")
	fmt.Fprintf(w, "  export ELEVATE_SERVER=%s\n", info.URL)
	fmt.Fprintf(w, "  export ELEVATE_TOKEN=$(cat %s/alice.token)\n", dataDir)
	fmt.Fprintf(w, "  go run ./cmd/elevate request --account prod --permission-set AdministratorAccess --duration 2m --reason \"INC-42: redrive the DLQ\"\n\n")
	fmt.Fprintf(w, "Stop with Ctrl-C.\n")
}

// demoToken returns the user's demo token: the one a previous run of the
// demo wrote to the data directory while it still authenticates as that
// user, else a new one. A restarted demo so keeps its tokens instead of
// minting more while the old ones stay valid.
func demoToken(ctx context.Context, a *app.App, dataDir, user string) (string, error) {
	if b, err := os.ReadFile(filepath.Join(dataDir, user+".token")); err == nil {
		old := strings.TrimSpace(string(b))
		if actor, err := a.Service().Authenticate(ctx, old, access.ViaAPI); err == nil && actor.UserName == user {
			return old, nil
		}
	}
	secret, _, err := a.Service().CreateToken(ctx, user, "demo", 0)
	if err != nil {
		return "", fmt.Errorf("demo token for %s: %w", user, err)
	}
	return secret, nil
}
