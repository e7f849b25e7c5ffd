package aws

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/awsemu"
)

func TestParseDirectoryEvent(t *testing.T) {
	t.Parallel()
	env := func(source, detail string) string {
		return `{"version":"0","id":"env-1","detail-type":"AWS API Call via CloudTrail","source":"` + source +
			`","account":"111122223333","time":"2026-12-08T01:00:00Z","region":"us-east-1","resources":[],"detail":` + detail + `}`
	}
	tests := []struct {
		name    string
		body    string
		want    access.DirectoryEvent
		ignored bool
		errHas  string
	}{
		{"DisableUser from the console", env("aws.sso-directory", `{"eventID":"e1","eventName":"DisableUser","eventTime":"2026-12-08T00:59:58Z",
			"requestParameters":{"identityStoreId":"d-1234567890","userId":"u-1"}}`),
			access.DirectoryEvent{EventID: "e1", Source: "aws.sso-directory", Name: "DisableUser", UserID: "u-1", At: time.Date(2026, 12, 8, 0, 59, 58, 0, time.UTC)}, false, ""},
		{"DeleteUser through the API", env("aws.identitystore", `{"eventID":"e2","eventName":"DeleteUser","eventTime":"2026-12-08T00:59:58Z",
			"requestParameters":{"identityStoreId":"d-1234567890","userId":"u-2"}}`),
			access.DirectoryEvent{EventID: "e2", Source: "aws.identitystore", Name: "DeleteUser", UserID: "u-2", At: time.Date(2026, 12, 8, 0, 59, 58, 0, time.UTC)}, false, ""},
		{"RemoveMemberFromGroup names the member", env("aws.sso-directory", `{"eventID":"e3","eventName":"RemoveMemberFromGroup",
			"requestParameters":{"identityStoreId":"d-1234567890","groupId":"g-1","member":{"memberId":"u-3"}}}`),
			access.DirectoryEvent{EventID: "e3", Source: "aws.sso-directory", Name: "RemoveMemberFromGroup", UserID: "u-3", At: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)}, false, ""},
		{"DeleteGroupMembership names only the membership", env("aws.identitystore", `{"eventID":"e4","eventName":"DeleteGroupMembership",
			"requestParameters":{"identityStoreId":"d-1234567890","membershipId":"m-1"}}`),
			access.DirectoryEvent{EventID: "e4", Source: "aws.identitystore", Name: "DeleteGroupMembership", At: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)}, false, ""},
		{"no CloudTrail id: the envelope's", env("aws.identitystore", `{"eventName":"DeleteGroup","requestParameters":{"groupId":"g-1"}}`),
			access.DirectoryEvent{EventID: "env-1", Source: "aws.identitystore", Name: "DeleteGroup", At: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)}, false, ""},
		{"a user added takes nothing away", env("aws.sso-directory", `{"eventID":"e5","eventName":"AddMemberToGroup","requestParameters":{"member":{"memberId":"u-5"}}}`),
			access.DirectoryEvent{}, true, ""},
		{"a failed call", env("aws.sso-directory", `{"eventID":"e6","eventName":"DisableUser","errorCode":"AccessDenied","requestParameters":{"userId":"u-6"}}`),
			access.DirectoryEvent{}, true, ""},
		{"not JSON", "hello", access.DirectoryEvent{}, false, "not an EventBridge event"},
		{"another source", env("aws.ec2", `{"eventName":"RunInstances"}`), access.DirectoryEvent{}, false, "sources aws.sso-directory"},
		{"no detail", `{"detail-type":"AWS API Call via CloudTrail","source":"aws.identitystore"}`, access.DirectoryEvent{}, false, "not an identity store change"},
		{"a SCIM call naming no user re-reads everyone", env("aws.identitystore-scim", `{"eventID":"e7","eventName":"PatchGroup","requestParameters":{"groupId":"g-1"}}`),
			access.DirectoryEvent{EventID: "e7", Source: "aws.identitystore-scim", Name: "PatchGroup", At: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)}, false, ""},
		{"a SCIM user change", env("aws.identitystore-scim", `{"eventID":"e8","eventName":"PatchUser","requestParameters":{"userId":"u-8","httpBody":{"Operations":[{"op":"replace","value":{"active":false}}]}}}`),
			access.DirectoryEvent{EventID: "e8", Source: "aws.identitystore-scim", Name: "PatchUser", UserID: "u-8", At: time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)}, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDirectoryEvent(tc.body)
			switch {
			case tc.ignored:
				if !errors.Is(err, ErrIgnoredEvent) {
					t.Errorf("err = %v, want ErrIgnoredEvent", err)
				}
			case tc.errHas != "":
				if err == nil || errors.Is(err, ErrIgnoredEvent) || !strings.Contains(err.Error(), tc.errHas) {
					t.Errorf("err = %v, want one containing %q", err, tc.errHas)
				}
			default:
				if err != nil || got != tc.want {
					t.Errorf("ParseDirectoryEvent = %+v, %v; want %+v", got, err, tc.want)
				}
			}
		})
	}
}

// countObserver counts the outcomes.
type countObserver struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *countObserver) ObserveDirectoryEvent(outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n[outcome]++
}

func (o *countObserver) get(outcome string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[outcome]
}

// TestDirectoryEventsConsumer runs the consumer against the emulator's
// queue: a disabled user's event reaches the handler and its message is
// deleted; a malformed message is deleted without reaching it; a handler
// failure leaves the message to come back, and it is handled then.
func TestDirectoryEventsConsumer(t *testing.T) {
	t.Parallel()
	emu, url := startEmulator(t, awsemu.Options{})
	q, err := emu.CreateQueue("directory-events")
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.SetIdentityEventsQueue(q); err != nil {
		t.Fatal(err)
	}
	obs := &countObserver{n: map[string]int{}}
	d, err := NewDirectoryEventsFromConfig(staticConfig(url), DirectoryEventsConfig{QueueURL: q, WaitTime: time.Second,
		RetryAfter: time.Second, Observer: obs, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if c := d.Check(t.Context()); c.Status != CheckOK {
		t.Errorf("check = %+v", c)
	}
	var mu sync.Mutex
	var handled []access.DirectoryEvent
	failOnce := true
	handle := func(_ context.Context, ev access.DirectoryEvent) error {
		mu.Lock()
		defer mu.Unlock()
		if ev.Name == "DeleteUser" && failOnce {
			failOnce = false
			return errors.New("database down")
		}
		handled = append(handled, ev)
		return nil
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx, handle) }()
	t.Cleanup(func() { cancel(); <-done })

	if _, err := emu.SendQueueMessage(q, "not an event"); err != nil {
		t.Fatal(err)
	}
	if err := emu.SetUserDisabled("alice", true); err != nil {
		t.Fatal(err)
	}
	if err := emu.RemoveUser("bob"); err != nil {
		t.Fatal(err)
	}
	alice, bob := emu.UserID("alice"), "" // bob is gone: read his id from the event
	waitFor(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(handled) == 2
	})
	mu.Lock()
	names := []string{handled[0].Name, handled[1].Name}
	if handled[1].Name == "DeleteUser" {
		bob = handled[1].UserID
	}
	mu.Unlock()
	if !slices.Equal(names, []string{"DisableUser", "DeleteUser"}) || handled[0].UserID != alice || bob == "" {
		t.Errorf("handled = %+v", handled)
	}
	waitFor(t, func() bool { ms, _ := emu.QueueMessages(q); return len(ms) == 0 })
	if obs.get("malformed") != 1 || obs.get("processed") != 2 || obs.get("failed") != 1 {
		t.Errorf("outcomes = %v", obs.n)
	}

	// The queue gone: receive errors are counted, the consumer keeps going.
	emu.DeleteQueue(q)
	waitFor(t, func() bool { return obs.get("receive_error") > 0 })
	if c := d.Check(t.Context()); c.Status != CheckFail || !strings.Contains(c.Detail, "does not exist") {
		t.Errorf("check of a deleted queue = %+v", c)
	}
}

func TestDirectoryEventsPolicyStatements(t *testing.T) {
	t.Parallel()
	st := DirectoryEventsPolicyStatements("https://sqs.eu-west-1.amazonaws.com/111122223333/elevate-directory-events", "aws")
	if len(st) != 1 || st[0].Resource[0] != "arn:aws:sqs:eu-west-1:111122223333:elevate-directory-events" ||
		!slices.Equal(st[0].Action, []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}) {
		t.Errorf("statements = %+v", st)
	}
	if DirectoryEventsPolicyStatements("", "aws") != nil {
		t.Error("a statement without a queue")
	}
}

// TestReadUser: the targeted re-read sees a disabled user, lost groups and
// a deleted user.
func TestReadUser(t *testing.T) {
	t.Parallel()
	env := newEnv(t, awsemu.Options{})
	ctx := t.Context()
	id := env.emu.UserID("alice")
	u, groups, found, err := env.p.ReadUser(ctx, id)
	if err != nil || !found || !u.Active || len(groups) == 0 {
		t.Fatalf("ReadUser = %+v %v %v %v", u, groups, found, err)
	}
	if err := env.emu.SetUserDisabled("alice", true); err != nil {
		t.Fatal(err)
	}
	u, _, found, err = env.p.ReadUser(ctx, id)
	if err != nil || !found || u.Active {
		t.Errorf("after disabling: %+v %v %v", u, found, err)
	}
	if err := env.emu.RemoveUser("alice"); err != nil {
		t.Fatal(err)
	}
	_, groups, found, err = env.p.ReadUser(ctx, id)
	if err != nil || found || len(groups) != 0 {
		t.Errorf("after deleting: %v %v %v", groups, found, err)
	}
}

// TestDirectoryEventsRedelivered: when the delete after a handled event
// fails (the process dies there, or SQS errs), the message comes back after
// its visibility timeout and is handled again, then deleted: at least once.
func TestDirectoryEventsRedelivered(t *testing.T) {
	t.Parallel()
	emu, url := startEmulator(t, awsemu.Options{})
	q, err := emu.CreateQueue("redelivered")
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.SetIdentityEventsQueue(q); err != nil {
		t.Fatal(err)
	}
	// Every attempt of the first DeleteMessage fails (the SDK's 3 attempts).
	emu.InjectError("DeleteMessage", "InternalServerException", 3)
	d, err := NewDirectoryEventsFromConfig(staticConfig(url), DirectoryEventsConfig{QueueURL: q, WaitTime: time.Second,
		Visibility: time.Second, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var handled []string
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx, func(_ context.Context, ev access.DirectoryEvent) error {
			mu.Lock()
			defer mu.Unlock()
			handled = append(handled, ev.EventID)
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	if err := emu.SetUserDisabled("alice", true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { ms, _ := emu.QueueMessages(q); return len(ms) == 0 })
	mu.Lock()
	defer mu.Unlock()
	if len(handled) != 2 || handled[0] != handled[1] {
		t.Errorf("handled = %v, want the same event twice", handled)
	}
}
