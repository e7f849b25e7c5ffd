package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/access"
)

// TestSignInLinkCommand: signin-link prints a one-time link under the
// public URL, and its expiry, for a synced user, from the database alone;
// it refuses an unknown or disabled user, and is off with
// auth.signin_links false (in the file or with --set).
func TestSignInLinkCommand(t *testing.T) {
	dir := dataDirWithoutAWS(t, access.Directory{Users: []access.User{
		{ID: "u-erin", UserName: "erin", Email: "erin@example.com", Active: true},
		{ID: "u-frank", UserName: "frank", Email: "frank@example.com", Active: false},
	}})

	code, out, errOut := runCLI(t, nil, "signin-link", "--data-dir", dir, "--set", "public_url=https://elevate.example.com", "--user", "erin")
	if code != 0 {
		t.Fatalf("signin-link for a synced user: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "https://elevate.example.com/signin/link?t=sil_") || !strings.Contains(lines[1], "valid once, until ") {
		t.Errorf("signin-link printed %q; want the link under public_url and its expiry", out)
	}

	off := filepath.Join(dir, "off.yaml")
	if err := os.WriteFile(off, []byte("auth:\n  signin_links: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown user", []string{"signin-link", "--data-dir", dir, "--user", "mallory"}, `user "mallory" is not in the directory`},
		{"disabled user", []string{"signin-link", "--data-dir", dir, "--user", "frank"}, "frank is disabled in the directory"},
		{"no user", []string{"signin-link", "--data-dir", dir}, "--user is required"},
		{"off in the file", []string{"signin-link", "--config", off, "--data-dir", dir, "--user", "erin"}, "auth.signin_links: false"},
		{"off with --set", []string{"signin-link", "--data-dir", dir, "--set", "auth.signin_links=false", "--user", "erin"}, "sign-in links are turned off"},
	} {
		code, out, errOut := runCLI(t, nil, c.args...)
		if code == 0 || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want a failure", c.name, code, out, errOut)
		}
		if !strings.Contains(errOut, c.want) {
			t.Errorf("%s: stderr %q lacks %q", c.name, errOut, c.want)
		}
	}
}
