package cli

import (
	"strings"
	"testing"
)

// TestDatabaseCommandsMakeNoAWSCall: token create and admin recover only
// use the database, so they work where AWS is unreachable (here an endpoint
// that refuses connections): they answer from the (empty) directory instead
// of failing to discover the Identity Center instance.
func TestDatabaseCommandsMakeNoAWSCall(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_REGION", "us-east-1")
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, nil, "migrate", "--data-dir", dir); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"token create", []string{"token", "create", "--data-dir", dir, "--user", "erin"}, `user "erin" is not in the directory`},
		{"admin recover", []string{"admin", "recover", "--data-dir", dir, "--user", "erin"}, `user "erin" is not in the directory`},
		{"admin recover without user", []string{"admin", "recover", "--data-dir", dir}, "--user is required"},
	} {
		code, out, errOut := runCLI(t, nil, c.args...)
		if code == 0 || out != "" || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "Identity Center instance") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want a failure saying %q", c.name, code, out, errOut, c.want)
		}
	}
}
