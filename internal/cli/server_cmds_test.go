package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/store"
)

// TestDatabaseCommandsWorkWithoutAWS: token create and admin recover only
// use the database, so they work where AWS is unreachable (here an endpoint
// that refuses connections) for a user of the synced directory. For a user
// it lacks, token create syncs the directory once (a new user) and, when AWS
// can't be reached, says both what is missing and that the sync failed.
func TestDatabaseCommandsWorkWithoutAWS(t *testing.T) {
	dir := dataDirWithoutAWS(t, access.Directory{Users: []access.User{{ID: "u-erin", UserName: "erin", Email: "erin@example.com", Active: true}}})
	if code, out, errOut := runCLI(t, nil, "token", "create", "--data-dir", dir, "--user", "erin"); code != 0 || !strings.HasPrefix(out, "elv_") {
		t.Errorf("token create for a synced user without AWS: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"token create for a user the directory lacks", []string{"token", "create", "--data-dir", dir, "--user", "frank"},
			[]string{`user "frank" is not in the directory`, "syncing the directory from AWS to look again failed"}},
		{"admin recover", []string{"admin", "recover", "--data-dir", dir, "--user", "frank"}, []string{`user "frank" is not in the directory`}},
		{"admin recover without user", []string{"admin", "recover", "--data-dir", dir}, []string{"--user is required"}},
	} {
		code, out, errOut := runCLI(t, nil, c.args...)
		if code == 0 || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want a failure", c.name, code, out, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr %q lacks %q", c.name, errOut, w)
			}
		}
	}
}

// dataDirWithoutAWS points the AWS SDK at an endpoint that refuses
// connections and returns a migrated data directory whose synced directory
// is d.
func dataDirWithoutAWS(t *testing.T, d access.Directory) string {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	dir := t.TempDir()
	st := migratedStore(t, dir)
	ctx := context.Background()
	if err := st.InTx(ctx, func(tx store.Tx) error { return tx.ReplaceDirectory(ctx, d, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	return dir
}
