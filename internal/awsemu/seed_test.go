package awsemu

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDemoSeed(t *testing.T) {
	s := DemoSeed()
	e, err := New(s, Options{})
	if err != nil {
		t.Fatalf("New(DemoSeed()): %v", err)
	}
	if len(s.Accounts) < 8 || len(e.org.ous) != 5 || len(e.sso.psList) != 3 || len(e.ids.users) != 5 || len(e.ids.groups) != 4 {
		t.Errorf("demo sizes: %d accounts, %d OUs, %d permission sets, %d users, %d groups",
			len(s.Accounts), len(e.org.ous), len(e.sso.psList), len(e.ids.users), len(e.ids.groups))
	}
	for _, name := range []string{"management", "audit", "log-archive", "prod", "staging", "dev", "sandbox-1", "sandbox-2"} {
		if e.AccountID(name) == "" {
			t.Errorf("no account %q", name)
		}
	}
	if e.org.mgmt.name != "management" || e.org.mgmt.parentID != e.org.rootID {
		t.Errorf("management account = %+v", e.org.mgmt)
	}
	if got := e.org.accountByName["audit"].parentID; got != e.org.ouByName["Security"].id {
		t.Errorf("audit is under %s", got)
	}
	if e.org.ouByName["Prod"].parentID != e.org.ouByName["Workloads"].id {
		t.Error("Prod is not under Workloads")
	}
	if got := len(e.Assignments()); got != len(s.Assignments) {
		t.Errorf("%d standing assignments, want %d", got, len(s.Assignments))
	}
}

func TestSeedYAMLRoundTrip(t *testing.T) {
	want := DemoSeed()
	raw, err := yaml.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"management_account_id:", "permission_sets:", "session_duration:", "user_name:", "display_name:", "permission_set:"} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("YAML lacks key %s:\n%s", key, raw)
		}
	}
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSeedFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, want)
	}
}

func TestLoadSeedFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	p := write("small.yaml", `
management_account_id: "123456789012"
ous:
  - name: Apps
accounts:
  - {id: "123456789012", name: root-account}
  - {name: app, ou: Apps, state: SUSPENDED}
permission_sets:
  - {name: Admin, session_duration: PT2H}
users:
  - {user_name: zoe, email: zoe@example.com, given_name: Zoe, family_name: Zed, disabled: true}
groups:
  - {name: ops, members: [zoe]}
assignments:
  - {account: app, permission_set: Admin, group: ops}
`)
	s, err := LoadSeedFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Accounts[1].OU != "Apps" || s.PermissionSets[0].SessionDuration != "PT2H" || !s.Users[0].Disabled || s.Users[0].GivenName != "Zoe" ||
		s.Assignments[0].PermissionSet != "Admin" {
		t.Errorf("parsed seed = %+v", s)
	}
	e, err := New(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	app := e.org.accountByName["app"]
	if app.state != "SUSPENDED" || len(app.id) != 12 || app.email != "app@example.com" {
		t.Errorf("derived account = %+v", app)
	}
	if e.Region() != "us-east-1" {
		t.Errorf("default region = %q", e.Region())
	}
	if e.ids.users[0].displayName != "Zoe Zed" {
		t.Errorf("default display name = %q", e.ids.users[0].displayName)
	}

	if _, err := LoadSeedFile(write("typo.yaml", "acounts: []\n")); err == nil {
		t.Error("unknown key accepted")
	}
	if s, err := LoadSeedFile(write("empty.yaml", "")); err != nil || !reflect.DeepEqual(s, Seed{}) {
		t.Errorf("empty file = %+v, %v", s, err)
	}
	if _, err := LoadSeedFile(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file error = %v", err)
	}
}
