package awsemu

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestAWSCLI drives the emulator with the AWS CLI (any version), which uses
// botocore's own serializers and parsers: a second, independent client.
func TestAWSCLI(t *testing.T) {
	awsBin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI (aws) is not on PATH; install it (pip install awscli) to run this test")
	}
	emu, err := New(DemoSeed(), Options{ProvisioningDelay: time.Hour, Now: newFakeClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	home := t.TempDir()

	run := func(t *testing.T, args ...string) map[string]any {
		t.Helper()
		// The timeout only guards against a hung CLI; nothing is timed.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		full := append([]string{"--endpoint-url", srv.URL, "--output", "json", "--region", "us-east-1"}, args...)
		cmd := exec.CommandContext(ctx, awsBin, full...)
		cmd.Env = append(os.Environ(),
			"AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
			"AWS_SECRET_ACCESS_KEY=secret",
			"AWS_REGION=us-east-1",
			"AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE=/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			"AWS_PAGER=",
			"AWS_EC2_METADATA_DISABLED=true",
			"AWS_MAX_ATTEMPTS=1",
			"HOME="+home,
		)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("aws %v: %v\nstderr: %s", args, err, stderr.String())
		}
		var out map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("aws %v: output is not JSON: %v\n%s", args, err, stdout.String())
		}
		return out
	}
	str := func(v any) string { s, _ := v.(string); return s }

	t.Run("sso-admin list-instances", func(t *testing.T) {
		out := run(t, "sso-admin", "list-instances")
		insts, _ := out["Instances"].([]any)
		if len(insts) != 1 || str(insts[0].(map[string]any)["InstanceArn"]) != emu.InstanceARN() {
			t.Errorf("output = %v", out)
		}
	})
	t.Run("sso-admin list-permission-sets", func(t *testing.T) {
		out := run(t, "sso-admin", "list-permission-sets", "--instance-arn", emu.InstanceARN())
		if ps, _ := out["PermissionSets"].([]any); len(ps) != 3 {
			t.Errorf("output = %v", out)
		}
	})
	t.Run("sso-admin create-account-assignment and status", func(t *testing.T) {
		out := run(t, "sso-admin", "create-account-assignment",
			"--instance-arn", emu.InstanceARN(),
			"--target-id", emu.AccountID("prod"), "--target-type", "AWS_ACCOUNT",
			"--permission-set-arn", emu.PermissionSetARN("ReadOnlyAccess"),
			"--principal-type", "USER", "--principal-id", emu.UserID("alice"))
		st, _ := out["AccountAssignmentCreationStatus"].(map[string]any)
		if str(st["Status"]) != "IN_PROGRESS" || str(st["RequestId"]) == "" {
			t.Fatalf("output = %v", out)
		}
		out = run(t, "sso-admin", "describe-account-assignment-creation-status",
			"--instance-arn", emu.InstanceARN(), "--account-assignment-creation-request-id", str(st["RequestId"]))
		st2, _ := out["AccountAssignmentCreationStatus"].(map[string]any)
		if str(st2["Status"]) != "IN_PROGRESS" || str(st2["PrincipalId"]) != emu.UserID("alice") {
			t.Errorf("output = %v", out)
		}
	})
	t.Run("identitystore list-users", func(t *testing.T) {
		out := run(t, "identitystore", "list-users", "--identity-store-id", emu.IdentityStoreID())
		if users, _ := out["Users"].([]any); len(users) != 5 {
			t.Errorf("output = %v", out)
		}
	})
	t.Run("organizations list-accounts", func(t *testing.T) {
		out := run(t, "organizations", "list-accounts")
		if accts, _ := out["Accounts"].([]any); len(accts) != 8 {
			t.Errorf("output = %v", out)
		}
	})
	t.Run("organizations describe-organization", func(t *testing.T) {
		out := run(t, "organizations", "describe-organization")
		org, _ := out["Organization"].(map[string]any)
		if str(org["MasterAccountId"]) != "111122223333" || str(org["FeatureSet"]) != "ALL" {
			t.Errorf("output = %v", out)
		}
	})
	t.Run("s3api object lock", func(t *testing.T) {
		run(t, "s3api", "create-bucket", "--bucket", "cli-anchors", "--object-lock-enabled-for-bucket")
		file := filepath.Join(home, "anchor.json")
		if err := os.WriteFile(file, []byte(`{"anchor":"cli"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		until := newFakeClock().Now().Add(48 * time.Hour).Format(time.RFC3339)
		out := run(t, "s3api", "put-object", "--bucket", "cli-anchors", "--key", "elevate/anchor-1.json", "--body", file,
			"--object-lock-mode", "COMPLIANCE", "--object-lock-retain-until-date", until, "--checksum-algorithm", "SHA256")
		if str(out["VersionId"]) == "" || str(out["ChecksumSHA256"]) == "" {
			t.Errorf("put-object output = %v", out)
		}
		out = run(t, "s3api", "list-objects-v2", "--bucket", "cli-anchors", "--prefix", "elevate/")
		contents, _ := out["Contents"].([]any)
		if len(contents) != 1 || str(contents[0].(map[string]any)["Key"]) != "elevate/anchor-1.json" {
			t.Errorf("list-objects-v2 output = %v", out)
		}
		vs := emu.S3ObjectVersions("cli-anchors", "elevate/anchor-1.json")
		if len(vs) != 1 || string(vs[0].Body) != `{"anchor":"cli"}` || vs[0].LockMode != "COMPLIANCE" {
			t.Errorf("stored versions = %+v", vs)
		}
	})
	t.Run("sqs receive, change visibility, delete", func(t *testing.T) {
		q, err := emu.CreateQueue("cli-events")
		if err != nil {
			t.Fatal(err)
		}
		if err := emu.SetIdentityEventsQueue(q); err != nil {
			t.Fatal(err)
		}
		if err := emu.SetUserDisabled("carol", true); err != nil {
			t.Fatal(err)
		}
		out := run(t, "sqs", "receive-message", "--queue-url", q, "--max-number-of-messages", "10", "--wait-time-seconds", "1",
			"--message-system-attribute-names", "ApproximateReceiveCount")
		msgs, _ := out["Messages"].([]any)
		if len(msgs) != 1 {
			t.Fatalf("receive-message output = %v", out)
		}
		m := msgs[0].(map[string]any)
		var env struct {
			Source string `json:"source"`
			Detail struct {
				EventName string `json:"eventName"`
			} `json:"detail"`
		}
		if err := json.Unmarshal([]byte(str(m["Body"])), &env); err != nil || env.Source != "aws.sso-directory" || env.Detail.EventName != "DisableUser" {
			t.Errorf("message body = %s (%v)", str(m["Body"]), err)
		}
		handle := str(m["ReceiptHandle"])
		runNoOutput := func(args ...string) {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, awsBin, append([]string{"--endpoint-url", srv.URL, "--region", "us-east-1"}, args...)...)
			cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
				"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1", "HOME="+home)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("aws %v: %v\n%s", args, err, out)
			}
		}
		runNoOutput("sqs", "change-message-visibility", "--queue-url", q, "--receipt-handle", handle, "--visibility-timeout", "60")
		runNoOutput("sqs", "delete-message", "--queue-url", q, "--receipt-handle", handle)
		if left, _ := emu.QueueMessages(q); len(left) != 0 {
			t.Errorf("messages left = %+v", left)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsBin, "--endpoint-url", srv.URL, "--region", "us-east-1",
			"sqs", "receive-message", "--queue-url", q+"-missing")
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1", "HOME="+home)
		bad, err := cmd.CombinedOutput()
		if err == nil || !bytes.Contains(bad, []byte("NonExistentQueue")) {
			t.Errorf("missing queue: err = %v, output = %s", err, bad)
		}
	})
	t.Run("validation error", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsBin, "--endpoint-url", srv.URL, "--region", "us-east-1",
			"sso-admin", "list-permission-sets", "--instance-arn", "arn:aws:sso:::instance/nope")
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1", "HOME="+home)
		out, err := cmd.CombinedOutput()
		if err == nil || !bytes.Contains(out, []byte("ValidationException")) {
			t.Errorf("err = %v, output = %s", err, out)
		}
	})
}
