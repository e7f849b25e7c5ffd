package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
)

// readmeBlock returns the first ```sh block after the marker line.
func readmeBlock(t *testing.T, readme, marker string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(readme))
	state := 0
	var b strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case state == 0 && strings.TrimSpace(line) == "<!-- "+marker+" -->":
			state = 1
		case state == 1 && strings.HasPrefix(line, "```sh"):
			state = 2
		case state == 2 && strings.HasPrefix(line, "```"):
			return b.String()
		case state == 2:
			b.WriteString(line + "\n")
		}
	}
	t.Fatalf("README has no ```sh block after <!-- %s -->", marker)
	return ""
}

// scratchCopy copies the repository at src into a new temporary directory,
// leaving out what a newcomer's clone may hold besides the sources: .git,
// the walkthrough's demo-data and binary, and node_modules.
func scratchCopy(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (rel == ".git" || d.Name() == "node_modules" || strings.HasPrefix(rel, "demo-data")) ||
			rel == "elevate" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy the repository: %v", err)
	}
	return dst
}

// TestREADMEWalkthrough types the README's walkthrough as a new user would:
// it starts the demo with the README's own command, runs the README's steps
// with bash, and checks, through the AWS SDK against the demo's emulator,
// that alice's assignment appeared in AWS and is gone at the end. It runs in
// a scratch copy of the repository, on free ports (the README's 8080 and 8081
// become the ports the demo bound), so that it passes whatever the clone
// holds or runs: a demo-data directory, or the walkthrough's own demo still
// running.
func TestREADMEWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("the walkthrough takes about a minute and a half; skipped with -short")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	root := scratchCopy(t, repo)
	readmeBytes, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(readmeBytes)
	demoCmd := strings.TrimSpace(readmeBlock(t, readme, "walkthrough:demo")) + " --addr 127.0.0.1:0 --aws-addr 127.0.0.1:0"
	steps := readmeBlock(t, readme, "walkthrough:steps")
	awsBlock := readmeBlock(t, readme, "walkthrough:aws")
	dataDir := filepath.Join(root, "demo-data")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ELEVATE_") && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}

	demo := exec.Command("bash", "-c", demoCmd)
	demo.Dir, demo.Env = root, env
	demo.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var demoOut bytes.Buffer
	demo.Stdout, demo.Stderr = &demoOut, &demoOut
	if err := demo.Start(); err != nil {
		t.Fatal(err)
	}
	demoDone := make(chan error, 1)
	go func() { demoDone <- demo.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-demo.Process.Pid, syscall.SIGINT)
		select {
		case <-demoDone: //nolint:errcheck // waiting for the end only; the error was reported where it happened
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-demo.Process.Pid, syscall.SIGKILL)
			<-demoDone //nolint:errcheck // waiting for the end only; the error was reported where it happened
		}
		if t.Failed() {
			t.Logf("demo output:\n%s", demoOut.String())
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(dataDir, "demo.json")); err == nil {
			break
		}
		select {
		case err := <-demoDone:
			t.Fatalf("the demo exited: %v\n%s", err, demoOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not start\n%s", demoOut.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	var info struct {
		URL         string `json:"url"`
		AWSEndpoint string `json:"aws_endpoint"`
		InstanceARN string `json:"instance_arn"`
	}
	b, err := os.ReadFile(filepath.Join(dataDir, "demo.json"))
	if err != nil || json.Unmarshal(b, &info) != nil || info.URL == "" || info.AWSEndpoint == "" {
		t.Fatalf("demo.json: %v\n%s", err, b)
	}
	ports := strings.NewReplacer("http://127.0.0.1:8080", info.URL, "http://127.0.0.1:8081", info.AWSEndpoint)
	if steps = ports.Replace(steps); !strings.Contains(steps, info.URL) {
		t.Fatalf("the README's steps do not use the demo's address http://127.0.0.1:8080:\n%s", steps)
	}
	awsBlock = ports.Replace(awsBlock)

	// Watch the emulator the way an AWS client would.
	sso := ssoadmin.New(ssoadmin.Options{Region: "us-east-1", BaseEndpoint: awssdk.String(info.AWSEndpoint),
		Credentials: credentials.NewStaticCredentialsProvider("demo", "demo", "")})
	assigned := func(ctx context.Context) (bool, error) {
		out, err := sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: &info.InstanceARN,
			AccountId: awssdk.String("444455556666"), PermissionSetArn: awssdk.String("arn:aws:sso:::permissionSet/ssoins-faab2179c311b74c/ps-eedced075592dad3")})
		if err != nil {
			return false, err
		}
		return len(out.AccountAssignments) > 0, nil
	}
	var seen atomic.Bool
	watchCtx, stopWatch := context.WithCancel(context.Background())
	watchDone := make(chan error, 1)
	go func() {
		for {
			ok, err := assigned(watchCtx)
			if err != nil && !errors.Is(watchCtx.Err(), context.Canceled) {
				watchDone <- err
				return
			}
			if ok {
				seen.Store(true)
			}
			select {
			case <-watchCtx.Done():
				watchDone <- nil
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()

	run := exec.Command("bash", "-euo", "pipefail", "-c", steps)
	run.Dir, run.Env = root, env
	out, err := run.CombinedOutput()
	stopWatch()
	if werr := <-watchDone; werr != nil {
		t.Errorf("watching the emulator: %v", werr)
	}
	if err != nil {
		t.Fatalf("the walkthrough failed: %v\n%s", err, out)
	}
	t.Logf("walkthrough output:\n%s", out)
	for _, want := range []string{"is active", "is ended", "granted in AWS", "removed in AWS"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("walkthrough output lacks %q", want)
		}
	}
	if !seen.Load() {
		t.Error("alice's assignment never appeared in AWS during the walkthrough")
	}
	if now, err := assigned(context.Background()); err != nil || now {
		t.Errorf("after the walkthrough the assignment is still there (%v, %v)", now, err)
	}

	if _, err := exec.LookPath("aws"); err != nil {
		t.Log("the AWS CLI is not installed: its part of the walkthrough is not run")
		return
	}
	awsRun := exec.Command("bash", "-euo", "pipefail", "-c", awsBlock)
	awsRun.Dir, awsRun.Env = root, env
	awsOut, err := awsRun.Output()
	if err != nil {
		t.Fatalf("the AWS CLI step failed: %v\n%s", err, awsOut)
	}
	var listed struct{ AccountAssignments []any }
	if err := json.Unmarshal(awsOut, &listed); err != nil || len(listed.AccountAssignments) != 0 {
		t.Fatalf("AWS CLI output after the end: %v %s", err, awsOut)
	}
}
