package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCheckNamesKeyAndLine: each kind of mistake names the key and its line.
func TestCheckNamesKeyAndLine(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"unknown key", "addr: 127.0.0.1:1\naws:\n  pol_interval: 2s\n", "line 3: aws.pol_interval: unknown key (did you mean aws.poll_interval?)"},
		{"wrong type", "jobs:\n  max_workers: lots\n", "line 2: jobs.max_workers: "},
		{"duration as a number", "aws:\n  poll_interval: 5\n", "line 2: aws.poll_interval: "},
		{"secret in the file", "notify:\n  slack:\n    bot_token: xoxb-1\n", "line 3: notify.slack.bot_token: a secret is not read from the file; set ELEVATE_NOTIFY_SLACK_BOT_TOKEN or ELEVATE_NOTIFY_SLACK_BOT_TOKEN_FILE"},
		{"section not a mapping", "aws: yes\n", "line 1: aws: want a mapping of keys under it"},
		{"invalid value", "log_format: xml\nlog_level: loud\n", "line 2: log_level: \"loud\" is not debug, info, warn or error"},
		{"invalid value: access portal not a URL", "aws:\n  access_portal_url: d-1234567890.awsapps.com\n", "line 2: aws.access_portal_url: \"d-1234567890.awsapps.com\" is not the access portal's URL: copy it from the IAM Identity Center console, like https://d-1234567890.awsapps.com/start"},
		{"invalid value: email zone", "notify:\n  email:\n    time_zone: Mars/Olympus\n", "line 3: notify.email.time_zone: unknown time zone \"Mars/Olympus\": use an IANA name such as Europe/Berlin"},
		{"invalid value: access portal with a fragment", "aws:\n  access_portal_url: https://d-1.awsapps.com/start/#/console\n", "aws.access_portal_url: \"https://d-1.awsapps.com/start/#/console\" is not the access portal's URL"},
		{"rule field", "policy:\n  rules:\n    - name: r\n      groups: [g]\n      accounts: [a]\n      permission_sets: [P]\n      aprovals: 1\n", "line 7: field aprovals not found"},
		{"rule validation", "policy:\n  rules:\n    - name: r\n      groups: [g]\n      accounts: [a]\n      permission_sets: [P]\n      approvals: -1\n", "line 7: policy.rules[0].approvals: -1 is negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "e.yaml")
			writeFile(t, file, tc.yaml)
			_, problems := Resolve(Sources{File: file})
			joined := strings.Join(problems, "\n")
			if !strings.Contains(joined, tc.want) {
				t.Fatalf("problems:\n%s\nwant one containing %q", joined, tc.want)
			}
			if _, err := Load(file); err == nil {
				if !strings.HasPrefix(tc.name, "invalid value") && tc.name != "rule validation" {
					t.Errorf("Load accepted the file")
				}
			}
		})
	}
}

// TestExampleConfig: docs/elevate.example.yaml passes the check, lists every
// key (secrets as comments naming their variables) with its default.
func TestExampleConfig(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "elevate.example.yaml")
	c, problems := Resolve(Sources{File: path})
	if len(problems) > 0 {
		t.Fatalf("the example does not pass the check:\n%s", strings.Join(problems, "\n"))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var probe Config
	lines, err := probe.decodeYAML(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if k.Secret {
			if !strings.Contains(string(b), "# "+k.Path[strings.LastIndexByte(k.Path, '.')+1:]+": secret; "+k.Env+" or "+k.Env+"_FILE") {
				t.Errorf("the example does not list the secret %s with %s and %s_FILE", k.Path, k.Env, k.Env)
			}
			continue
		}
		if lines[k.Path] == 0 {
			t.Errorf("the example does not list %s", k.Path)
			continue
		}
		d, _ := k.parseDefault()
		got := k.field(&c).Interface()
		if isZero(d) && isZero(k.field(&c)) {
			continue
		}
		if !reflect.DeepEqual(got, d.Interface()) {
			t.Errorf("the example sets %s to %#v, but its default is %q", k.Path, got, k.Default)
		}
	}
}

// TestDumpRedactsAndRoundTrips: the dump shows the effective values and
// defaults, never a secret, and reads back as the same configuration.
func TestDumpRedactsAndRoundTrips(t *testing.T) {
	env := map[string]string{
		"ELEVATE_NOTIFY_SLACK_BOT_TOKEN": "xoxb-sekrit-1", "ELEVATE_OIDC_CLIENT_SECRET": "sekrit-2",
		"ELEVATE_DATABASE_URL": "postgres://elevate:sekrit-3@db:5432/elevate?sslmode=require",
		"ELEVATE_AWS_REGION":   "eu-central-1",
	}
	c, problems := Resolve(Sources{Getenv: func(n string) string { return env[n] }})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	out, err := Dump(c)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	if strings.Contains(text, "sekrit") {
		t.Fatalf("dump reveals a secret:\n%s", text)
	}
	for _, want := range []string{
		"region: eu-central-1\n",
		"poll_interval: 1s # default\n",
		"database_url: postgres://elevate:REDACTED@db:5432/elevate?sslmode=require\n",
		"# bot_token: <redacted>  (secret: ELEVATE_NOTIFY_SLACK_BOT_TOKEN or ELEVATE_NOTIFY_SLACK_BOT_TOKEN_FILE)",
		"# password: (unset)  (secret: ELEVATE_NOTIFY_EMAIL_PASSWORD",
		"scopes: [openid, email, profile] # default\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("dump lacks %q:\n%s", want, text)
		}
	}
	file := filepath.Join(t.TempDir(), "dump.yaml")
	writeFile(t, file, text)
	back, problems := Resolve(Sources{File: file})
	if len(problems) > 0 {
		t.Fatalf("the dump is not a valid configuration: %v\n%s", problems, text)
	}
	if back.AWS.Region != "eu-central-1" || back.AWS.PollInterval.String() != "1s" || back.Addr != c.Addr {
		t.Errorf("round trip lost values: %+v", back.AWS)
	}
}

// TestTrustProxyHeaders: security.trust_proxy_headers takes a list of
// networks, or true (loopback and private ranges) or false for
// compatibility, and refuses anything else.
func TestTrustProxyHeaders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		yaml    string
		want    []string
		problem bool
	}{
		{"false", nil, false},
		{"[]", nil, false},
		{"true", []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}, false},
		{"[10.1.2.0/24, 192.0.2.7, '2001:db8::/32']", []string{"10.1.2.0/24", "192.0.2.7/32", "2001:db8::/32"}, false},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}, false},
		{"[10.0.0.0/33]", nil, true},
		{"[proxy.example]", nil, true},
		{"{a: b}", nil, true},
	} {
		t.Run(tc.yaml, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "elevate.yaml")
			if err := os.WriteFile(path, []byte("security:\n  trust_proxy_headers: "+tc.yaml+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			c, problems := Resolve(Sources{File: path})
			if tc.problem {
				if len(problems) == 0 {
					t.Fatalf("accepted")
				}
				return
			}
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			nets, err := c.Security.TrustProxyHeaders.Networks()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range nets {
				got = append(got, n.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("networks %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDurationCeiling: durations above policy.max_duration_ceiling (7 days
// unless raised) are configuration errors.
func TestDurationCeiling(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		problem    bool
	}{
		{"defaults", "policy: {}", false},
		{"max_duration a week", "policy: {max_duration: 168h}", false},
		{"max_duration 1000000h", "policy: {max_duration: 1000000h}", true},
		{"rule 1000000h", "policy: {rules: [{name: r, groups: [g], accounts: ['*'], permission_sets: [P], max_duration: 1000000h}]}", true},
		{"ceiling raised", "policy: {max_duration: 1000000h, max_duration_ceiling: 1000000h}", false},
		{"negative start ahead", "policy: {max_start_ahead: -1h}", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "elevate.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			_, problems := Resolve(Sources{File: path})
			if got := len(problems) > 0; got != tc.problem {
				t.Fatalf("problems %v, want some: %v", problems, tc.problem)
			}
		})
	}
}
