package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/elevate/elevate/internal/notify/slack"
)

// TestStaticBuildVersion builds elevate as the Makefile and the Dockerfile
// do (CGO_ENABLED=0, version stamped with -ldflags) and checks that the
// binary is static and that `elevate version` reports what was stamped.
func TestStaticBuildVersion(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "elevate")
	const pkg = "github.com/elevate/elevate/internal/cli"
	build := exec.Command("go", "build", "-trimpath", "-o", bin,
		"-ldflags", "-X "+pkg+".version=v1.2.3-test -X "+pkg+".commit=0123456789abcdef -X "+pkg+".date=2026-01-02T03:04:05Z", ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	if f, err := elf.Open(bin); err == nil {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("the CGO_ENABLED=0 binary asks for a dynamic loader (PT_INTERP): it is not static")
			}
		}
		_ = f.Close() // cleanup: its close error cannot matter here
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("elevate version: %v\n%s", err, out)
	}
	for _, want := range []string{"elevate v1.2.3-test\n", "commit:   0123456789abcdef\n", "date:     2026-01-02T03:04:05Z\n", "go:       go1."} {
		if !strings.Contains(string(out), want) {
			t.Errorf("elevate version lacks %q:\n%s", want, out)
		}
	}
}

// metricNames are the metric names the code registers: every string literal
// elevate_... in the non-test Go files of internal/.
func metricNames(t *testing.T) map[string]bool {
	t.Helper()
	lit := regexp.MustCompile(`"(elevate_[a-z_]+)"`)
	names := map[string]bool{}
	err := filepath.WalkDir(filepath.Join("..", "..", "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), "prometheus") && !strings.Contains(string(b), "AddGauges") {
			return nil
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			names[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestAlertMetricsExist: every metric packaging/alerts.yaml and the
// operations guide name is one the code registers.
func TestAlertMetricsExist(t *testing.T) {
	have := metricNames(t)
	b, err := os.ReadFile(filepath.Join("..", "..", "packaging", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Rules []struct{ Alert, Expr string }
		}
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	name := regexp.MustCompile(`elevate_[a-z_]+`)
	suffix := regexp.MustCompile(`_(bucket|sum|count)$`)
	check := func(where, text string) int {
		n := 0
		for _, m := range name.FindAllString(text, -1) {
			n++
			if !have[m] && !have[suffix.ReplaceAllString(m, "")] {
				t.Errorf("%s names %s, which the code does not register", where, m)
			}
		}
		return n
	}
	total := 0
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			total += check("alert "+r.Alert, r.Expr)
		}
	}
	if total < 5 {
		t.Fatalf("alerts.yaml names only %d metrics", total)
	}
	for _, want := range []string{"elevate_revocation_failed_requests", "elevate_periodic_run_failing", "elevate_job_backlog"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("alerts.yaml has no alert on %s", want)
		}
	}
	guide, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	check("docs/operations.md", string(guide))
}

// slackScopes maps the slack-go calls elevate makes to the Slack API
// method and the bot scopes it needs.
var slackScopes = map[string][]string{
	"PostMessage":    {"chat:write"},                     // chat.postMessage
	"UpdateMessage":  {"chat:write"},                     // chat.update
	"GetUserByEmail": {"users:read.email"},               // users.lookupByEmail
	"GetUserInfo":    {"users:read", "users:read.email"}, // users.info, with the email
	"OpenView":       {},                                 // views.open: no scope
	"UpdateView":     {},                                 // views.update: no scope
	"PublishView":    {},                                 // views.publish: no scope
}

// TestSlackManifestScopes: the manifest's bot scopes are exactly those the
// Slack calls in internal/notify/slack need.
func TestSlackManifestScopes(t *testing.T) {
	call := regexp.MustCompile(`\.api\.([A-Z][A-Za-z]+?)(Context)?\(`)
	need := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join("..", "..", "internal", "notify", "slack", "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			scopes, ok := slackScopes[m[1]]
			if !ok {
				t.Errorf("%s calls Slack's %s: add its scopes to slackScopes and packaging/slack-manifest.yaml", f, m[1])
			}
			for _, s := range scopes {
				need[s] = true
			}
		}
	}
	if len(need) == 0 {
		t.Fatal("found no Slack calls in internal/notify/slack")
	}
	need["commands"] = true // the /elevate slash command and the global shortcut
	b, err := os.ReadFile(filepath.Join("..", "..", "packaging", "slack-manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		OAuth struct {
			Scopes struct{ Bot []string } `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Features struct {
			AppHome struct {
				HomeTab bool `yaml:"home_tab_enabled"`
			} `yaml:"app_home"`
			Shortcuts []struct {
				Type       string `yaml:"type"`
				CallbackID string `yaml:"callback_id"`
			} `yaml:"shortcuts"`
			SlashCommands []struct {
				Command string `yaml:"command"`
				URL     string `yaml:"url"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		Settings struct {
			Interactivity struct {
				RequestURL string `yaml:"request_url"`
			} `yaml:"interactivity"`
			Events struct {
				RequestURL string   `yaml:"request_url"`
				BotEvents  []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var want []string
	for s := range need {
		want = append(want, s)
	}
	sort.Strings(want)
	got := append([]string{}, m.OAuth.Scopes.Bot...)
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("manifest bot scopes %v, the code needs exactly %v", got, want)
	}
	if !strings.HasSuffix(m.Settings.Interactivity.RequestURL, "/slack/interactions") {
		t.Errorf("manifest request_url %q is not elevate's /slack/interactions", m.Settings.Interactivity.RequestURL)
	}
	f := m.Features
	if len(f.SlashCommands) != 1 || f.SlashCommands[0].Command != "/elevate" || !strings.HasSuffix(f.SlashCommands[0].URL, "/slack/commands") {
		t.Errorf("manifest slash commands %+v: want /elevate posting to /slack/commands", f.SlashCommands)
	}
	if len(f.Shortcuts) != 1 || f.Shortcuts[0].Type != "global" || f.Shortcuts[0].CallbackID != slack.CallbackRequest {
		t.Errorf("manifest shortcuts %+v: want one global shortcut with callback_id %s", f.Shortcuts, slack.CallbackRequest)
	}
	if !f.AppHome.HomeTab || !strings.HasSuffix(m.Settings.Events.RequestURL, "/slack/events") ||
		strings.Join(m.Settings.Events.BotEvents, ",") != "app_home_opened" {
		t.Errorf("manifest App Home: home tab %v, events %q %v: want the home tab and app_home_opened posted to /slack/events",
			f.AppHome.HomeTab, m.Settings.Events.RequestURL, m.Settings.Events.BotEvents)
	}
}

// TestSystemdUnit checks the unit's hardening and, where systemd-analyze
// exists, that `systemd-analyze verify` accepts it.
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "packaging", "elevate.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes",
		"ReadWritePaths=/var/lib/elevate", "StateDirectory=elevate", "CapabilityBoundingSet=\n", "ExecStart=/usr/local/bin/elevate serve"} {
		if !strings.Contains(unit, want) {
			t.Errorf("elevate.service lacks %q", strings.TrimSpace(want))
		}
	}
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("systemd-analyze is not installed: the unit is not verified")
		return
	}
	path := filepath.Join(t.TempDir(), "elevate.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/elevate", binary)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "elevate.service") {
			t.Errorf("systemd-analyze verify: %s", l)
		}
	}
}

// TestMakeHelp: `make` with no target prints the help, listing the targets.
func TestMakeHelp(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	cmd := exec.Command("make", "--no-print-directory")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make: %v\n%s", err, out)
	}
	for _, target := range []string{"help", "build", "test", "lint", "bench", "fuzz", "image"} {
		if !regexp.MustCompile(`(?m)^  ` + target + ` +\S`).Match(out) {
			t.Errorf("make help does not list %s:\n%s", target, out)
		}
	}
}
