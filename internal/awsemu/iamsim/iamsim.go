// Package iamsim evaluates IAM policies with an independent IAM policy
// simulator, the npm package @cloud-copilot/iam-simulate (pinned in
// tools/iamsim, installed there with `npm ci`), run through node. Tests use
// it to check that the session-ending statements elevate writes deny what
// they must and nothing else: the evaluation is not elevate's own code.
//
// Session builds the request of an emulated session (awsemu.OpenSession)
// with the SCPs and the permission set's inline policy in force in the
// emulator, as AWS would evaluate it.
package iamsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/awsemu"
)

// Result of one evaluation.
const (
	Allowed          = "Allowed"
	ExplicitlyDenied = "ExplicitlyDenied"
	ImplicitlyDenied = "ImplicitlyDenied"
)

// Simulator runs evaluate.mjs with node.
type Simulator struct {
	node, script string
}

// New finds node and the installed simulator; it skips the test with the
// way to install them when either is missing.
func New(t testing.TB) *Simulator {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("iamsim: node is not installed: install Node.js 18 or later, then run `npm ci` in tools/iamsim, to evaluate the policies with @cloud-copilot/iam-simulate")
	}
	dir, err := toolDir()
	if err != nil {
		t.Fatalf("iamsim: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@cloud-copilot", "iam-simulate", "package.json")); err != nil {
		t.Skipf("iamsim: @cloud-copilot/iam-simulate is not installed: run `npm ci` in %s", dir)
	}
	return &Simulator{node: node, script: filepath.Join(dir, "evaluate.mjs")}
}

// toolDir returns tools/iamsim of the module, found from the working
// directory upwards.
func toolDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "tools", "iamsim"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Policy is a named policy document.
type Policy struct {
	Name   string          `json:"name"`
	Policy json.RawMessage `json:"policy"`
}

// OrgLevel is the SCPs of one level (root, OU, account).
type OrgLevel struct {
	OrgIdentifier string   `json:"orgIdentifier"`
	Policies      []Policy `json:"policies"`
}

// Request is one simulation in the simulator's input shape.
type Request struct {
	Request struct {
		Principal string `json:"principal"`
		Action    string `json:"action"`
		Resource  struct {
			Resource  string `json:"resource"`
			AccountID string `json:"accountId"`
		} `json:"resource"`
		ContextVariables map[string]any `json:"contextVariables"`
	} `json:"request"`
	IdentityPolicies        []Policy   `json:"identityPolicies"`
	ServiceControlPolicies  []OrgLevel `json:"serviceControlPolicies"`
	ResourceControlPolicies []OrgLevel `json:"resourceControlPolicies"`
}

type result struct {
	Result string          `json:"result"`
	Errors json.RawMessage `json:"errors"`
}

// Evaluate returns the result of each request: Allowed, ExplicitlyDenied or
// ImplicitlyDenied.
func (s *Simulator) Evaluate(ctx context.Context, reqs []Request) ([]string, error) {
	in, err := json.Marshal(reqs)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, s.node, s.script)
	cmd.Dir = filepath.Dir(s.script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("node %s: %w: %s", s.script, err, stderr.String())
	}
	var res []result
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("simulator output %q: %w", out, err)
	}
	if len(res) != len(reqs) {
		return nil, fmt.Errorf("simulator returned %d results for %d requests", len(res), len(reqs))
	}
	outs := make([]string, len(res))
	for i, r := range res {
		if r.Result == "Error" {
			return nil, fmt.Errorf("simulation %d: the simulator rejected its input: %s", i, r.Errors)
		}
		outs[i] = r.Result
	}
	return outs, nil
}

// AdminPolicy stands for the permission set's managed policies: it allows
// everything, so what decides is elevate's deny.
const AdminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// SessionRequest returns the request of an emulated session calling
// s3:ListAllMyBuckets in its account, with the policies in force in the
// emulator: the SCPs of the account's place in the organization and the
// permission set's inline policy as provisioned to the account, next to
// AdminPolicy. issuedAt overrides the session's issue time when not zero.
func SessionRequest(emu *awsemu.Emulator, s awsemu.Session, issuedAt time.Time) Request {
	if issuedAt.IsZero() {
		issuedAt = s.IssuedAt
	}
	var r Request
	r.Request.Principal = s.AssumedRoleARN
	r.Request.Action = "s3:ListAllMyBuckets"
	r.Request.Resource.Resource = "*"
	r.Request.Resource.AccountID = s.AccountID
	r.Request.ContextVariables = map[string]any{
		"identitystore:userId": s.UserID,
		"aws:TokenIssueTime":   issuedAt.UTC().Format(time.RFC3339),
		"aws:PrincipalArn":     s.RoleARN,
		"aws:PrincipalAccount": s.AccountID,
	}
	r.IdentityPolicies = []Policy{{Name: "managed", Policy: json.RawMessage(AdminPolicy)}}
	if doc := emu.InlinePolicyInForce(s.AccountID, s.PermissionSetARN); doc != "" {
		r.IdentityPolicies = append(r.IdentityPolicies, Policy{Name: "inline", Policy: json.RawMessage(doc)})
	}
	for _, lvl := range emu.EffectiveSCPs(s.AccountID) {
		ol := OrgLevel{OrgIdentifier: lvl.TargetID}
		for name, doc := range lvl.Policies {
			ol.Policies = append(ol.Policies, Policy{Name: name, Policy: json.RawMessage(doc)})
		}
		r.ServiceControlPolicies = append(r.ServiceControlPolicies, ol)
	}
	r.ResourceControlPolicies = []OrgLevel{}
	return r
}
