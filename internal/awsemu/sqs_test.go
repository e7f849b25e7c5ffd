package awsemu

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

// sqsClient is the real SDK's SQS client pointed at the fixture's emulator.
func (f *fixture) sqsClient(t *testing.T) *sqs.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")),
	)
	if err != nil {
		t.Fatal(err)
	}
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		o.BaseEndpoint = aws.String(f.url)
		o.Retryer = aws.NopRetryer{}
	})
}

func TestSQSReceiveDeleteVisibility(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, Options{})
	c := f.sqsClient(t)
	ctx := context.Background()
	q, err := f.emu.CreateQueue("events")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(q, "/111122223333/events") {
		t.Errorf("queue url = %s", q)
	}
	for _, body := range []string{"one", "two", "three"} {
		out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q), MessageBody: aws.String(body)})
		if err != nil || aws.ToString(out.MessageId) == "" {
			t.Fatalf("send %s: %v %+v", body, err, out)
		}
	}

	// MaxNumberOfMessages caps a receive; the SDK checks every MD5OfBody.
	got, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 2,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 2 || aws.ToString(got.Messages[0].Body) != "one" || aws.ToString(got.Messages[1].Body) != "two" {
		t.Fatalf("received %+v", got.Messages)
	}
	if got.Messages[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("attributes = %v", got.Messages[0].Attributes)
	}
	// In flight for the queue's 30 s: only the third is receivable.
	got2, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10})
	if err != nil || len(got2.Messages) != 1 || aws.ToString(got2.Messages[0].Body) != "three" {
		t.Fatalf("second receive: %v %+v", err, got2)
	}
	// After the visibility timeout the first two come back, with new
	// receipt handles; the old handle no longer deletes.
	f.clock.Advance(31 * time.Second)
	got3, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10, VisibilityTimeout: 600})
	if err != nil || len(got3.Messages) != 3 {
		t.Fatalf("third receive: %v %+v", err, got3)
	}
	old := got.Messages[0].ReceiptHandle
	if aws.ToString(old) == aws.ToString(got3.Messages[0].ReceiptHandle) {
		t.Fatal("a new receive kept the receipt handle")
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: old}); err != nil {
		t.Fatalf("delete with an old handle: %v", err)
	}
	if ms, _ := f.emu.QueueMessages(q); len(ms) != 3 {
		t.Fatalf("an old handle deleted: %+v", ms)
	}
	if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: got3.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	if ms, _ := f.emu.QueueMessages(q); len(ms) != 2 {
		t.Fatalf("after delete: %+v", ms)
	}
	// ChangeMessageVisibility 0 makes a message receivable at once.
	if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q),
		ReceiptHandle: got3.Messages[1].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	got4, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 10})
	if err != nil || len(got4.Messages) != 1 || aws.ToString(got4.Messages[0].Body) != "two" {
		t.Fatalf("after visibility change: %v %+v", err, got4)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "2" || attrs.Attributes["QueueArn"] != "arn:aws:sqs:us-east-1:111122223333:events" {
		t.Errorf("attributes: %v %v", err, attrs)
	}
}

func TestSQSErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, Options{})
	c := f.sqsClient(t)
	ctx := context.Background()
	q, err := f.emu.CreateQueue("errs")
	if err != nil {
		t.Fatal(err)
	}
	missing := strings.Replace(q, "/errs", "/nope", 1)
	tests := []struct {
		name      string
		call      func() error
		typed     func(error) bool
		queryCode string
	}{
		{"receive from a missing queue", func() error {
			_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(missing)})
			return err
		}, func(err error) bool { var e *sqstypes.QueueDoesNotExist; return errors.As(err, &e) }, "AWS.SimpleQueueService.NonExistentQueue"},
		{"delete with a handle never issued", func() error {
			_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q), ReceiptHandle: aws.String("bogus")})
			return err
		}, func(err error) bool { var e *sqstypes.ReceiptHandleIsInvalid; return errors.As(err, &e) }, "ReceiptHandleIsInvalid"},
		{"visibility of a handle never issued", func() error {
			_, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q), ReceiptHandle: aws.String("bogus"), VisibilityTimeout: 5})
			return err
		}, func(err error) bool { var e *sqstypes.ReceiptHandleIsInvalid; return errors.As(err, &e) }, "ReceiptHandleIsInvalid"},
		{"MaxNumberOfMessages out of range", func() error {
			_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), MaxNumberOfMessages: 11})
			return err
		}, nil, "InvalidParameterValue"},
		{"WaitTimeSeconds out of range", func() error {
			_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), WaitTimeSeconds: 21})
			return err
		}, nil, "InvalidParameterValue"},
		{"a queue URL that is not one", func() error {
			_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String("events")})
			return err
		}, func(err error) bool { var e *sqstypes.InvalidAddress; return errors.As(err, &e) }, "InvalidAddress"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.queryCode {
				t.Fatalf("err = %v, want code %s", err, tc.queryCode)
			}
			if tc.typed != nil && !tc.typed(err) {
				t.Errorf("err %T is not the modeled error type", err)
			}
		})
	}

	// A message not in flight: MessageNotInflight.
	if _, err := f.emu.SendQueueMessage(q, "m"); err != nil {
		t.Fatal(err)
	}
	r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), VisibilityTimeout: 5})
	if err != nil || len(r.Messages) != 1 {
		t.Fatal(err, r)
	}
	f.clock.Advance(6 * time.Second)
	_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(q), ReceiptHandle: r.Messages[0].ReceiptHandle, VisibilityTimeout: 5})
	var nif *sqstypes.MessageNotInflight
	if !errors.As(err, &nif) {
		t.Errorf("visibility change after the timeout: %v", err)
	}

	// The raw wire shape: __type qualified, lower-case message, query code header.
	status, hdr, body := f.rawCall(t, "AmazonSQS.ReceiveMessage", `{"QueueUrl":"`+missing+`"}`)
	if status != http.StatusBadRequest || body["__type"] != "com.amazonaws.sqs#QueueDoesNotExist" || body["message"] == nil ||
		hdr.Get("X-Amzn-Query-Error") != "AWS.SimpleQueueService.NonExistentQueue;Sender" || hdr.Get("Content-Type") != contentTypeJSON10 {
		t.Errorf("wire error = %d %v %v", status, hdr, body)
	}
	// A missing required member is a validation error.
	status, _, body = f.rawCall(t, "AmazonSQS.DeleteMessage", `{"QueueUrl":"`+q+`"}`)
	if status != http.StatusBadRequest || !strings.Contains(strings.ToLower(body["message"].(string)), "receipthandle") {
		t.Errorf("missing member = %d %v", status, body)
	}
}

func TestSQSLongPoll(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, Options{Now: time.Now})
	c := f.sqsClient(t)
	ctx := context.Background()
	q, err := f.emu.CreateQueue("poll")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		out *sqs.ReceiveMessageOutput
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), WaitTimeSeconds: 20})
		done <- result{out, err}
	}()
	// The poll is waiting (no answer yet) until a message arrives; then it
	// answers with it, well before its 20 s.
	select {
	case r := <-done:
		t.Fatalf("long poll answered before any message: %+v %v", r.out, r.err)
	default:
	}
	if _, err := f.emu.SendQueueMessage(q, "late"); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || len(r.out.Messages) != 1 || aws.ToString(r.out.Messages[0].Body) != "late" {
		t.Fatalf("long poll = %+v %v", r.out, r.err)
	}
	// WaitTimeSeconds 0 on an empty queue answers at once with no message.
	empty, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), WaitTimeSeconds: 0})
	if err != nil || len(empty.Messages) != 0 {
		t.Fatalf("short poll = %+v %v", empty, err)
	}
	// Deleting the queue ends a long poll on it with QueueDoesNotExist.
	go func() {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q), WaitTimeSeconds: 20})
		done <- result{out, err}
	}()
	f.emu.DeleteQueue(q)
	r = <-done
	var dne *sqstypes.QueueDoesNotExist
	if !errors.As(r.err, &dne) {
		t.Errorf("poll on a deleted queue = %+v %v", r.out, r.err)
	}
}

func TestIdentityEventsPublished(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, Options{})
	ctx := context.Background()
	q, err := f.emu.CreateQueue("idc-events")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.emu.SetIdentityEventsQueue(q); err != nil {
		t.Fatal(err)
	}
	alice, bob := f.emu.UserID("alice"), f.emu.UserID("bob")
	if err := f.emu.SetUserDisabled("alice", true); err != nil {
		t.Fatal(err)
	}
	if err := f.emu.SetUserDisabled("alice", true); err != nil { // no change, no event
		t.Fatal(err)
	}
	if err := f.emu.RemoveUser("bob"); err != nil {
		t.Fatal(err)
	}
	group := f.emu.ids.groups[0]
	var member string
	for _, m := range f.emu.ids.memberships {
		if m.groupID == group.id {
			member = f.emu.ids.userByID[m.userID].userName
			break
		}
	}
	if member == "" {
		t.Fatal("the demo's first group has no member")
	}
	if err := f.emu.SetGroupMember(group.name, member, false); err != nil {
		t.Fatal(err)
	}
	// DeleteGroupMembership through the API names only the membership.
	memberOut, err := f.ids.CreateGroupMembership(ctx, identityMembership(f, group.id, alice))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ids.DeleteGroupMembership(ctx, deleteMembership(f, aws.ToString(memberOut.MembershipId))); err != nil {
		t.Fatal(err)
	}

	ms, err := f.emu.QueueMessages(q)
	if err != nil {
		t.Fatal(err)
	}
	type detail struct {
		EventSource       string         `json:"eventSource"`
		EventName         string         `json:"eventName"`
		EventID           string         `json:"eventID"`
		RequestParameters map[string]any `json:"requestParameters"`
	}
	type envelope struct {
		Version    string `json:"version"`
		ID         string `json:"id"`
		DetailType string `json:"detail-type"`
		Source     string `json:"source"`
		Account    string `json:"account"`
		Time       string `json:"time"`
		Region     string `json:"region"`
		Detail     detail `json:"detail"`
	}
	want := []struct{ source, name, key, value string }{
		{"aws.sso-directory", "DisableUser", "userId", alice},
		{"aws.identitystore", "DeleteUser", "userId", bob},
		{"aws.sso-directory", "RemoveMemberFromGroup", "groupId", group.id},
		{"aws.identitystore", "CreateGroupMembership", "groupId", group.id},
		{"aws.identitystore", "DeleteGroupMembership", "membershipId", aws.ToString(memberOut.MembershipId)},
	}
	if len(ms) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(ms), len(want), ms)
	}
	for i, w := range want {
		var env envelope
		if err := json.Unmarshal([]byte(ms[i].Body), &env); err != nil {
			t.Fatal(err)
		}
		if env.Version != "0" || env.ID == "" || env.DetailType != "AWS API Call via CloudTrail" || env.Source != w.source ||
			env.Account != "111122223333" || env.Region != "us-east-1" || env.Time == "" {
			t.Errorf("event %d envelope = %+v", i, env)
		}
		d := env.Detail
		if d.EventName != w.name || d.EventSource != strings.TrimPrefix(w.source, "aws.")+".amazonaws.com" || d.EventID == "" ||
			d.RequestParameters[w.key] != w.value || d.RequestParameters["identityStoreId"] != f.emu.IdentityStoreID() {
			t.Errorf("event %d detail = %+v", i, d)
		}
	}
}

func identityMembership(f *fixture, groupID, userID string) *identitystore.CreateGroupMembershipInput {
	return &identitystore.CreateGroupMembershipInput{
		IdentityStoreId: aws.String(f.emu.IdentityStoreID()),
		GroupId:         aws.String(groupID),
		MemberId:        &idstypes.MemberIdMemberUserId{Value: userID},
	}
}

func deleteMembership(f *fixture, membershipID string) *identitystore.DeleteGroupMembershipInput {
	return &identitystore.DeleteGroupMembershipInput{IdentityStoreId: aws.String(f.emu.IdentityStoreID()), MembershipId: aws.String(membershipID)}
}

func TestAdminQueues(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, Options{})
	code, body := adminDo(t, http.MethodPost, f.url+"/_emulator/queues", `{"name":"admin-events","identity_events":true}`)
	var out struct {
		QueueURL string `json:"queue_url"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &out) != nil || !strings.HasSuffix(out.QueueURL, "/111122223333/admin-events") {
		t.Fatalf("POST queues: %d %s", code, body)
	}
	if err := f.emu.SetUserDisabled("erin", true); err != nil {
		t.Fatal(err)
	}
	if ms, err := f.emu.QueueMessages(out.QueueURL); err != nil || len(ms) != 1 {
		t.Errorf("events on the admin-created queue: %+v %v", ms, err)
	}
	for _, bad := range []string{`{"name":"bad name!"}`, `{"name":"x","nope":1}`, `not json`} {
		if code, body := adminDo(t, http.MethodPost, f.url+"/_emulator/queues", bad); code != http.StatusBadRequest {
			t.Errorf("POST queues %s: %d %s", bad, code, body)
		}
	}
	if code, _ := adminDo(t, http.MethodGet, f.url+"/_emulator/queues", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("GET queues: %d", code)
	}
}
