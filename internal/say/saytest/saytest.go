// Package saytest is the one request every channel's golden test renders
// (portal, CLI, Slack blocks, email, webhook), so their golden files show
// the same request said the same way, and the golden-file helper with its
// -update flag. Only tests import it.
package saytest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
)

// update rewrites the golden files: go test ./... -run Golden -update.
var update = flag.Bool("update", false, "rewrite the testdata/*.golden files with what the test renders")

// The fixture's facts.
const (
	RequestID      = "req_golden0000000001"
	AccountID      = "444455556666"
	AccountName    = "prod"
	PortalURL      = "https://d-1234567890.awsapps.com/start"
	SSORegion      = "eu-west-1"
	ReaderZone     = "Europe/Berlin" // the portal's and the CLI's reader
	PublicURL      = "https://elevate.example.com"
	NotificationID = "ntf_golden000000001"
)

// The fixture's times: approved 08:59:10 UTC, active from 09:00:30 UTC for
// 1h 30m (so it ends at 10:30:30 UTC), read at 09:48:30 UTC: 42 minutes left.
var (
	Created   = time.Date(2026, 12, 8, 8, 58, 0, 0, time.UTC)
	Approved  = time.Date(2026, 12, 8, 8, 59, 10, 0, time.UTC)
	Activated = time.Date(2026, 12, 8, 9, 0, 30, 0, time.UTC)
	Now       = time.Date(2026, 12, 8, 9, 48, 30, 0, time.UTC)
)

// Accounts names the fixture's account.
func Accounts() map[string]string { return map[string]string{AccountID: AccountName} }

// Alice is the requester; Bob approved.
var (
	Alice = access.User{ID: "u-alice", UserName: "alice", DisplayName: "Alice Liddell", Email: "alice@example.com", Active: true}
	Bob   = access.User{ID: "u-bob", UserName: "bob", DisplayName: "Bob Builder", Email: "bob@example.com", Active: true}
)

// Request is the fixture: alice's active AdministratorAccess on prod for
// 1h 30m, approved by bob.
func Request() access.Request {
	return access.Request{
		ID: RequestID, RequesterID: Alice.ID, RequesterName: Alice.UserName,
		PermissionSetARN:  "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-0123456789abcdef",
		PermissionSetName: "AdministratorAccess", Duration: 90 * time.Minute,
		StartAt: Created, ActivatedAt: Activated, EndsAt: Activated.Add(90 * time.Minute), ExpiresAt: Created.Add(3 * time.Hour),
		Justification: "INC-42: drain the stuck orders queue", Ticket: "INC-42", Status: access.StatusActive, Rule: "oncall-admin-prod",
		ApprovalsRequired: 1, Approvers: []string{Bob.ID},
		Approvals: []access.Approval{{UserID: Bob.ID, UserName: Bob.UserName, Verdict: access.VerdictApprove, Comment: "go ahead", At: Approved}},
		Grants: []access.Grant{{ID: "grt_golden0000000001", AccountID: AccountID, Status: access.GrantActive, Origin: access.OriginCreated,
			CreateRequestID: "aws-create-1", ActivatedAt: Activated}},
		CreatedAt: Created, UpdatedAt: Activated, Version: 4,
	}
}

// Events is the fixture's decision log.
func Events() []access.Event {
	return []access.Event{
		{Type: access.EventSubmitted, RequestID: RequestID, Actor: access.Actor{UserID: Alice.ID, UserName: Alice.UserName, Via: access.ViaPortal}, At: Created},
		{Type: access.EventApproved, RequestID: RequestID, Actor: access.Actor{UserID: Bob.ID, UserName: Bob.UserName, Via: access.ViaSlack}, At: Approved,
			Details: map[string]string{"approvals": "1", "comment": "go ahead"}},
		Activation(),
	}
}

// Activation is the event that tells alice her access is active.
func Activation() access.Event {
	return access.Event{Type: access.EventActivated, RequestID: RequestID, GrantID: "grt_golden0000000001", Actor: access.SystemActor, At: Activated}
}

// Golden compares got with testdata/name.golden (the test's package
// directory), or rewrites the file with -update.
func Golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil { //nolint:gosec // golden files are checked-in source, readable by all
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path) //nolint:gosec // the path is the test's own testdata/NAME.golden
	if err != nil {
		t.Fatalf("%v: run the test with -update to write it", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the test renders (run with -update if the change is meant):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// Pending is the fixture as it was when submitted: waiting for bob.
func Pending() access.Request {
	r := Request()
	r.Status, r.ActivatedAt, r.EndsAt, r.Approvals, r.UpdatedAt, r.Version = access.StatusPending, time.Time{}, time.Time{}, nil, Created, 1
	r.Grants = []access.Grant{{ID: "grt_golden0000000001", AccountID: AccountID, Status: access.GrantPending}}
	return r
}

// Submission is the event that asks bob to decide.
func Submission() access.Event { return Events()[0] }
