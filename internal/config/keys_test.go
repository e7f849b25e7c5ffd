package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/policy"
)

// TestKeysAreDerivedFromTheStruct walks every key: paths and environment
// names are unique and systematic, and every key has a documented default.
func TestKeysAreDerivedFromTheStruct(t *testing.T) {
	ks := Keys()
	if len(ks) < 60 {
		t.Fatalf("only %d keys: the walk missed nested sections", len(ks))
	}
	paths, envs := map[string]bool{}, map[string]string{}
	for _, k := range ks {
		if paths[k.Path] {
			t.Errorf("key %s twice", k.Path)
		}
		paths[k.Path] = true
		want := "ELEVATE_" + strings.ToUpper(strings.ReplaceAll(k.Path, ".", "_"))
		if k.Env != want {
			t.Errorf("%s: env %s, want %s", k.Path, k.Env, want)
		}
		for _, e := range append([]string{k.Env}, k.Aliases...) {
			if other, dup := envs[e]; dup {
				t.Errorf("env %s names both %s and %s", e, other, k.Path)
			}
			envs[e] = k.Path
		}
		if _, ok := defaults[k.Path]; !ok {
			t.Errorf("%s: no entry in defaults (defaults.go): document its default", k.Path)
		}
		if _, err := k.parseDefault(); err != nil {
			t.Errorf("%s: default %q does not parse: %v", k.Path, k.Default, err)
		}
	}
	for p := range defaults {
		if !paths[p] {
			t.Errorf("defaults has %s, which is no key", p)
		}
	}
	for _, p := range []string{"notify.slack.bot_token", "notify.email.password", "notify.webhook.secret", "auth.oidc.client_secret", "audit.signing_key", "notify.slack.signing_secret"} {
		if k, _ := LookupKey(p); !k.Secret {
			t.Errorf("%s is not marked secret", p)
		}
	}
}

// sample returns a non-default value of k's type, as text and as the value.
func sample(t *testing.T, k Key) (string, any) {
	t.Helper()
	switch {
	case k.typ == durationType:
		return "7m30s", 7*time.Minute + 30*time.Second
	case k.typ.Kind() == reflect.String:
		return "v-" + k.Path, "v-" + k.Path
	case k.typ.Kind() == reflect.Bool:
		return "true", true
	case k.typ.Kind() == reflect.Int:
		return "7", 7
	case k.typ.Kind() == reflect.Float64:
		return "7.5", 7.5
	case k.typ == reflect.TypeOf([]string(nil)):
		return "a, b", []string{"a", "b"}
	case k.typ == reflect.TypeOf(ProxyTrust(nil)):
		return "10.0.0.0/8, 192.0.2.7", ProxyTrust{"10.0.0.0/8", "192.0.2.7"}
	case k.typ == reflect.TypeOf([]policy.Rule(nil)):
		return `[{name: r, groups: [g], accounts: ["*"], permission_sets: [P], max_duration: 2h}]`,
			[]policy.Rule{{Name: "r", Groups: []string{"g"}, Accounts: []string{"*"}, PermissionSets: []string{"P"}, MaxDuration: 2 * time.Hour}}
	case k.typ == reflect.TypeOf([]policy.ApproverRule(nil)):
		return `[{name: a, ous: [Prod], groups: [approvers]}]`,
			[]policy.ApproverRule{{Name: "a", OUs: []string{"Prod"}, Groups: []string{"approvers"}}}
	}
	t.Fatalf("%s: no sample for type %s: teach the test (and setRaw) this type", k.Path, k.typ)
	return "", nil
}

// TestEveryKeyFromEnvFileAndFlag sets every key through its environment
// variable, its _FILE variable and --set, and reads it back.
func TestEveryKeyFromEnvFileAndFlag(t *testing.T) {
	dir := t.TempDir()
	envKeys := map[string]bool{}
	for _, k := range Keys() {
		envKeys[k.Env] = true
	}
	for _, k := range Keys() {
		raw, want := sample(t, k)
		check := func(how string, c Config) {
			t.Helper()
			if got := k.field(&c).Interface(); !reflect.DeepEqual(got, want) {
				t.Errorf("%s via %s: got %#v, want %#v", k.Path, how, got, want)
			}
		}
		var c Config
		env := map[string]string{k.Env: raw}
		if err := c.ApplyEnvironment(func(n string) string { return env[n] }, os.ReadFile); err != nil {
			t.Fatalf("%s: %v", k.Env, err)
		}
		check(k.Env, c)

		// audit.signing_key's _FILE name is the key audit.signing_key_file.
		if !envKeys[k.Env+"_FILE"] {
			file := filepath.Join(dir, k.Env)
			if err := os.WriteFile(file, []byte(raw+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			c = Config{}
			env = map[string]string{k.Env + "_FILE": file}
			if err := c.ApplyEnvironment(func(n string) string { return env[n] }, os.ReadFile); err != nil {
				t.Fatalf("%s_FILE: %v", k.Env, err)
			}
			check(k.Env+"_FILE", c)
		}
		c = Config{}
		err := c.Set(k.Path, raw)
		if k.Secret {
			if err == nil || !strings.Contains(err.Error(), k.Env+"_FILE") {
				t.Errorf("--set %s (a secret): err %v, want a refusal naming %s_FILE", k.Path, err, k.Env)
			}
			continue
		}
		if err != nil {
			t.Fatalf("--set %s: %v", k.Path, err)
		}
		check("--set", c)
	}
}

func TestEnvAliasesAndConflicts(t *testing.T) {
	var c Config
	env := map[string]string{"ELEVATE_SLACK_BOT_TOKEN": "old", "ELEVATE_CLIENT_ID": "r1"}
	if err := c.ApplyEnvironment(func(n string) string { return env[n] }, os.ReadFile); err != nil {
		t.Fatal(err)
	}
	if c.Notify.Slack.BotToken != "old" || c.Jobs.ClientID != "r1" {
		t.Fatalf("aliases not applied: %q %q", c.Notify.Slack.BotToken, c.Jobs.ClientID)
	}
	env["ELEVATE_NOTIFY_SLACK_BOT_TOKEN"] = "new"
	if err := c.ApplyEnvironment(func(n string) string { return env[n] }, os.ReadFile); err != nil {
		t.Fatal(err)
	}
	if c.Notify.Slack.BotToken != "new" {
		t.Fatalf("systematic name should win over the alias, got %q", c.Notify.Slack.BotToken)
	}
	env = map[string]string{"ELEVATE_NOTIFY_WEBHOOK_SECRET": "xyzzy-secret", "ELEVATE_NOTIFY_WEBHOOK_SECRET_FILE": "/nope",
		"ELEVATE_AWS_POLL_INTERVAL": "soon"}
	err := c.ApplyEnvironment(func(n string) string { return env[n] }, os.ReadFile)
	if err == nil {
		t.Fatal("conflicting and invalid variables accepted")
	}
	for _, want := range []string{"ELEVATE_NOTIFY_WEBHOOK_SECRET and ELEVATE_NOTIFY_WEBHOOK_SECRET_FILE are both set", "ELEVATE_AWS_POLL_INTERVAL (key aws.poll_interval): not a duration"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "xyzzy") {
		t.Errorf("error reveals the secret: %v", err)
	}
}

// TestPrecedence: flags > --set > environment > file > defaults.
func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "e.yaml")
	writeFile(t, file, "addr: 127.0.0.1:1001\nlog_level: warn\njobs:\n  max_workers: 3\naws:\n  region: eu-west-1\n")
	env := map[string]string{"ELEVATE_ADDR": "127.0.0.1:1002", "ELEVATE_LOG_LEVEL": "error", "ELEVATE_JOBS_MAX_WORKERS": "4"}
	c, problems := Resolve(Sources{File: file, Getenv: func(n string) string { return env[n] },
		Sets: []string{"jobs.max_workers=5", "addr=127.0.0.1:1003"}, Flags: map[string]string{"addr": "127.0.0.1:1004", "data_dir": ""}})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for _, g := range []struct{ key, got, want string }{
		{"addr (flag)", c.Addr, "127.0.0.1:1004"},
		{"jobs.max_workers (--set)", fmt.Sprint(c.Jobs.MaxWorkers), "5"},
		{"log_level (env)", c.LogLevel, "error"},
		{"aws.region (file)", c.AWS.Region, "eu-west-1"},
		{"data_dir (default; empty flag ignored)", c.DataDir, "elevate-data"},
	} {
		if g.got != g.want {
			t.Errorf("%s = %q, want %q", g.key, g.got, g.want)
		}
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
