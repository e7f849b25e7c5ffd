package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elevate/elevate/internal/awsemu"
)

// TestIAMPolicyDirectoryEvents: with directory.events_queue_url set, `elevate
// aws iam-policy` grants the four SQS actions on that queue only; without
// it, no SQS action at all.
func TestIAMPolicyDirectoryEvents(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, yaml string) string {
		t.Helper()
		dir := t.TempDir()
		cfgFile := filepath.Join(dir, "elevate.yaml")
		if err := os.WriteFile(cfgFile, []byte("data_dir: "+dir+"\n"+yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		if code := RunEnv(context.Background(), env, []string{"aws", "iam-policy", "--config", cfgFile,
			"--instance-arn", "arn:aws:sso:::instance/ssoins-1234567890abcdef", "--identity-store-id", "d-1234567890"}); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		return out.String()
	}
	with := run(t, "directory:\n  events_queue_url: https://sqs.eu-west-1.amazonaws.com/111122223333/elevate-directory-events\n")
	for _, want := range []string{`"DirectoryEventsQueue"`, `"sqs:ReceiveMessage"`, `"sqs:DeleteMessage"`, `"sqs:ChangeMessageVisibility"`,
		`"sqs:GetQueueAttributes"`, `"arn:aws:sqs:eu-west-1:111122223333:elevate-directory-events"`} {
		if !strings.Contains(with, want) {
			t.Errorf("the policy lacks %s:\n%s", want, with)
		}
	}
	if without := run(t, ""); strings.Contains(without, "sqs:") {
		t.Errorf("an SQS action without a queue:\n%s", without)
	}
}

// TestDoctorDirectoryEventsQueue: `elevate doctor` checks the configured
// events queue: reachable with its backlog, or a failure naming the key
// when it does not exist.
func TestDoctorDirectoryEventsQueue(t *testing.T) {
	seed := awsemu.DemoSeed()
	seed.IdentityEventsQueue = "elevate-directory-events"
	emu, err := awsemu.New(seed, awsemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.SetUserDisabled("bob", true); err != nil { // one message waiting
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
	const queue = "https://sqs.us-east-1.amazonaws.com/111122223333/elevate-directory-events"
	out.Reset()
	if code := RunEnv(context.Background(), env, []string{"doctor", "--data-dir", dir, "--set", "directory.events_queue_url=" + queue}); code != 0 {
		t.Fatalf("doctor: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	if want := "OK    sqs:GetQueueAttributes: directory events queue reachable: 1 waiting"; !strings.Contains(out.String(), want) {
		t.Errorf("doctor output lacks %q:\n%s", want, out.String())
	}
	emu.DeleteQueue(queue)
	out.Reset()
	if code := RunEnv(context.Background(), env, []string{"doctor", "--data-dir", dir, "--set", "directory.events_queue_url=" + queue}); code != 1 {
		t.Fatalf("doctor with the queue gone: exit %d, want 1\n%s", code, out.String())
	}
	if want := "FAIL  sqs:GetQueueAttributes: directory.events_queue_url"; !strings.Contains(out.String(), want) {
		t.Errorf("doctor output lacks %q:\n%s", want, out.String())
	}
}
