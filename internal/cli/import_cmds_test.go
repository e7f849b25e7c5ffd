package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
	"github.com/elevate/elevate/internal/teamimport"
)

const teamSample = "../teamimport/testdata/team"

// TestImportTeam runs `elevate import team` on TEAM's sample export against
// a migrated SQLite store whose directory is synced, then checks that the
// document it writes passes what `elevate policy plan -f` runs on the
// server (parse, then every name against the directory), that the
// configuration's settings are kept, and that what did not map is listed.
// The same import with --directory and no database gives the same document.
func TestImportTeam(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	st := migratedStore(t, dataDir)
	dir, err := teamimport.ReadDirectory("../teamimport/testdata/directory.json")
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := RunEnv(ctx, env, append([]string{"import", "team"}, args...))
		return out.String(), errOut.String(), code
	}

	// Before the first sync the command says what to do.
	if _, stderr, code := run("--data-dir", dataDir, teamSample); code != 1 || !strings.Contains(stderr, "the directory was never synced") {
		t.Fatalf("before a sync: exit %d, stderr %s", code, stderr)
	}
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, dir, time.Now()) }); err != nil {
		t.Fatal(err)
	}

	outFile := filepath.Join(t.TempDir(), "policy.yaml")
	stdout, stderr, code := run("--data-dir", dataDir, "--set", "policy.admins_group=platform-admins", "--out", outFile, teamSample)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("with --out, standard output = %q", stdout)
	}
	for _, want := range []string{
		"skipped " + filepath.Join(teamSample, "requests-abc123-main.json"),
		"Not imported (11):",
		`eligibility policy for group "old-team" (g-gone): group g-gone is not in the synced directory`,
		"Notes (4):",
		"4 rules, 4 approver rules; 11 items not imported\n",
		"Wrote " + outFile,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "xoxb") {
		t.Errorf("stderr shows TEAM's Slack token:\n%s", stderr)
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	src, err := policy.Parse(data)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, data)
	}
	if ps := src.Locate(policy.New(src.Doc, policy.NewIndex(dir)).Problems()); len(ps) > 0 {
		t.Fatalf("problems: %v\n%s", ps, data)
	}
	if len(src.Doc.Rules) != 4 || len(src.Doc.ApproverRules) != 4 || src.Doc.Settings.AdminsGroup != "platform-admins" {
		t.Errorf("document: %d rules, %d approver rules, admins group %q\n%s", len(src.Doc.Rules), len(src.Doc.ApproverRules), src.Doc.Settings.AdminsGroup, data)
	}
	if !strings.Contains(string(data), "# Not imported (11):") {
		t.Errorf("the document does not list what was not imported:\n%s", data)
	}

	// Offline, from a directory snapshot: the same document on stdout.
	dirFile := filepath.Join(t.TempDir(), "directory.json")
	if err := os.WriteFile(dirFile, mustRead(t, "../teamimport/testdata/directory.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = run("--directory", dirFile, "--set", "policy.admins_group=platform-admins",
		filepath.Join(teamSample, "Eligibility-abc123-main.json"), filepath.Join(teamSample, "Approvers-abc123-main.json"), filepath.Join(teamSample, "Settings-abc123-main.json"))
	if code != 0 {
		t.Fatalf("--directory: exit %d: %s", code, stderr)
	}
	if policyPart(stdout) != policyPart(string(data)) {
		t.Errorf("--directory document differs:\n%s\nfrom the database's:\n%s", stdout, data)
	}

	// A named file of another table is an error that names it.
	if _, stderr, code := run("--directory", dirFile, filepath.Join(teamSample, "requests-abc123-main.json")); code != 1 ||
		!strings.Contains(stderr, "requests-abc123-main.json: item 1 (id req-1)") {
		t.Errorf("requests scan: exit %d, stderr %s", code, stderr)
	}
	if _, stderr, code := run("--directory", dirFile); code != 2 || !strings.Contains(stderr, "name the scans") {
		t.Errorf("no scans: exit %d, stderr %s", code, stderr)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// policyPart drops the comment lines that name the source files.
func policyPart(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "#   from ") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
