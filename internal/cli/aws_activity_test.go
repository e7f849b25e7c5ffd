package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIAMPolicyCommandActivity: with a session-activity source configured,
// `elevate aws iam-policy` adds that source's query permissions, scoped to
// the configured log group or event data store; without one it grants no
// required CloudTrail or Logs action (only the optional statement).
func TestIAMPolicyCommandActivity(t *testing.T) {
	arn := "arn:aws:sso:::instance/ssoins-1234567890abcdef"
	run := func(yaml string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "elevate.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		if code := RunEnv(context.Background(), env, []string{"aws", "iam-policy", "--config", path, "--instance-arn", arn,
			"--identity-store-id", "d-1234567890"}); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		var doc struct{ Statement []struct{ Sid string } }
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out.String())
		}
		return out.String()
	}
	logs := run("activity:\n  source: cloudwatch_logs\n  log_group: org-trail\n")
	for _, want := range []string{`"SessionActivityLogsStartQuery"`, `"logs:StartQuery"`, `"logs:GetQueryResults"`, `arn:aws:logs:*:*:log-group:org-trail"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("cloudwatch_logs policy lacks %s:\n%s", want, logs)
		}
	}
	eds := "arn:aws:cloudtrail:us-east-1:123456789012:eventdatastore/EXAMPLE-f852"
	lake := run("activity:\n  source: cloudtrail_lake\n  event_data_store: " + eds + "\n")
	for _, want := range []string{`"SessionActivityCloudTrailLake"`, `"cloudtrail:DescribeQuery"`, `"` + eds + `"`} {
		if !strings.Contains(lake, want) {
			t.Errorf("cloudtrail_lake policy lacks %s:\n%s", want, lake)
		}
	}
	if none := run("activity:\n  source: none\n"); strings.Contains(none, "SessionActivity") {
		t.Errorf("source none still grants session activity:\n%s", none)
	}
}
