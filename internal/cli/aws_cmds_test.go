package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/awsemu"
)

// TestIAMPolicyCommand: `elevate aws iam-policy` prints a valid policy
// scoped to the instance and identity store given.
func TestIAMPolicyCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	arn := "arn:aws:sso:::instance/ssoins-1234567890abcdef"
	code := RunEnv(context.Background(), env, []string{"aws", "iam-policy", "--instance-arn", arn, "--identity-store-id", "d-1234567890"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var doc struct {
		Version   string
		Statement []struct {
			Action   []string
			Resource any
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) == 0 {
		t.Fatalf("policy %+v", doc)
	}
	if !strings.Contains(out.String(), arn) || !strings.Contains(out.String(), "d-1234567890") {
		t.Fatalf("the policy is not scoped to the instance and identity store:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "sso:DeleteAccountAssignment") {
		t.Fatalf("the policy lacks sso:DeleteAccountAssignment:\n%s", out.String())
	}
	if code := RunEnv(context.Background(), env, []string{"aws", "nope"}); code != 2 {
		t.Fatalf("unknown subcommand: exit %d, want 2", code)
	}
}

// TestDoctorCommand: `elevate doctor` against the emulator reports the
// configuration, the database, the instance and the permission checks, and
// warns that no sync ran yet.
func TestDoctorCommand(t *testing.T) {
	emu, err := awsemu.New(awsemu.DemoSeed(), awsemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_REGION", "us-east-1")
	var out, errOut bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	dir := t.TempDir()
	if code := RunEnv(context.Background(), env, []string{"migrate", "--data-dir", dir}); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errOut.String())
	}
	out.Reset()
	code := RunEnv(context.Background(), env, []string{"doctor", "--data-dir", dir})
	if code != 0 {
		t.Fatalf("doctor: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"OK    configuration: valid", "schema up to date", "WARN  last directory sync: never ran",
		emu.InstanceARN()} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out.String())
		}
	}
}
