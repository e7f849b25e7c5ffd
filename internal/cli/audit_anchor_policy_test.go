package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIAMPolicyAnchors: with an S3 anchor sink configured, `elevate aws
// iam-policy` adds what the sink needs on that bucket and prefix, and
// nothing that deletes.
func TestIAMPolicyAnchors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "elevate.yaml")
	if err := os.WriteFile(cfgFile, []byte("data_dir: "+dir+"\naudit:\n  anchors:\n    s3:\n      bucket: acme-anchors\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	code := RunEnv(context.Background(), env, []string{"aws", "iam-policy", "--config", cfgFile,
		"--instance-arn", "arn:aws:sso:::instance/ssoins-1234567890abcdef", "--identity-store-id", "d-1234567890"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{`"s3:PutObjectRetention"`, `"arn:aws:s3:::acme-anchors/elevate/audit-anchors/*"`, `"s3:ListBucket"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the policy lacks %s:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "s3:Delete") {
		t.Errorf("the policy lets elevate delete anchors:\n%s", out.String())
	}
}
