package aws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/elevate/elevate/internal/access"
)

// Identity store changes reach elevate through an SQS queue that an
// EventBridge rule feeds with the "AWS API Call via CloudTrail" events of
// IAM Identity Center's directory (source aws.sso-directory) and of the
// Identity Store API (aws.identitystore). DirectoryEvents long-polls the
// queue and hands each change that can take access away to a handler,
// deleting the message only once the handler has committed its work.

// directoryEventNames are the calls that can take access away: a user
// disabled, changed or deleted, a membership or a group removed. Other
// calls (a user created or enabled, a member added) give nothing to revoke
// and wait for the next sync.
// SCIM provisioning from an external identity provider disables a user
// with PatchUser or PutUser (active false) and removes members with
// PatchGroup.
var directoryEventNames = map[string]bool{
	"DisableUser":           true,
	"DeleteUser":            true,
	"UpdateUser":            true,
	"RemoveMemberFromGroup": true,
	"DeleteGroupMembership": true,
	"DeleteGroup":           true,
	"PatchUser":             true,
	"PutUser":               true,
	"PatchGroup":            true,
}

// directoryEventSources are the EventBridge sources of the rule: Identity
// Center's directory (the console), the Identity Store API and SCIM.
var directoryEventSources = map[string]bool{"aws.sso-directory": true, "aws.identitystore": true, "aws.identitystore-scim": true}

// ErrIgnoredEvent is returned (wrapped) by ParseDirectoryEvent for a
// well-formed event that takes no access away.
var ErrIgnoredEvent = errors.New("the event takes no access away")

// ParseDirectoryEvent reads an EventBridge event delivered to SQS: the
// envelope (version, id, detail-type, source, time, detail) around the
// CloudTrail record. The user is requestParameters.userId, or the member
// of RemoveMemberFromGroup (member.memberId) or of a membership call
// (memberId.userId); DeleteGroupMembership and DeleteGroup name none (the
// handler then re-reads every user with an open request). An
// event of a failed call (errorCode) or of a call that takes no access
// away is ErrIgnoredEvent; anything else unexpected is an error that says
// what is wrong.
func ParseDirectoryEvent(body string) (access.DirectoryEvent, error) {
	var env struct {
		ID         string    `json:"id"`
		DetailType string    `json:"detail-type"`
		Source     string    `json:"source"`
		Time       time.Time `json:"time"`
		Detail     *struct {
			EventID           string         `json:"eventID"`
			EventName         string         `json:"eventName"`
			EventTime         time.Time      `json:"eventTime"`
			ErrorCode         string         `json:"errorCode"`
			RequestParameters map[string]any `json:"requestParameters"`
		} `json:"detail"`
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		return access.DirectoryEvent{}, fmt.Errorf("not an EventBridge event: %w", err)
	}
	if env.DetailType != "AWS API Call via CloudTrail" || !directoryEventSources[env.Source] || env.Detail == nil || env.Detail.EventName == "" {
		return access.DirectoryEvent{}, fmt.Errorf("not an identity store change (detail-type %q, source %q): the EventBridge rule must match "+
			"sources aws.sso-directory, aws.identitystore and aws.identitystore-scim with detail-type \"AWS API Call via CloudTrail\"", env.DetailType, env.Source)
	}
	d := env.Detail
	ev := access.DirectoryEvent{EventID: d.EventID, Source: env.Source, Name: d.EventName, At: d.EventTime}
	if ev.EventID == "" {
		ev.EventID = env.ID
	}
	if ev.At.IsZero() {
		ev.At = env.Time
	}
	if d.ErrorCode != "" {
		return ev, fmt.Errorf("%s failed with %s: %w", d.EventName, d.ErrorCode, ErrIgnoredEvent)
	}
	if !directoryEventNames[d.EventName] {
		return ev, fmt.Errorf("%s: %w", d.EventName, ErrIgnoredEvent)
	}
	p := d.RequestParameters
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	obj := func(m map[string]any, k string) map[string]any { o, _ := m[k].(map[string]any); return o }
	switch {
	case str(p, "userId") != "":
		ev.UserID = str(p, "userId")
	case str(obj(p, "member"), "memberId") != "":
		ev.UserID = str(obj(p, "member"), "memberId")
	case str(obj(p, "memberId"), "userId") != "":
		ev.UserID = str(obj(p, "memberId"), "userId")
	}
	// A record that names no user (a membership, a group, a SCIM call
	// whose user is elsewhere) re-reads every user with an open request.
	return ev, nil
}

// sqsAPI is the part of the SQS client DirectoryEvents uses.
type sqsAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// DirectoryEventsObserver counts the events (for metrics). Outcomes:
// received, processed, ignored, malformed, failed (the handler failed: the
// message comes back later), receive_error (the queue could not be read).
type DirectoryEventsObserver interface {
	ObserveDirectoryEvent(outcome string)
}

// DirectoryEventsConfig configures DirectoryEvents.
type DirectoryEventsConfig struct {
	// QueueURL is the queue's URL. Required.
	QueueURL string
	// Region of the queue. Default: the URL's (sqs.<region>.amazonaws.com),
	// else the AWS configuration's.
	Region string
	// WaitTime is the long poll's length. Default 20s, SQS's longest.
	WaitTime time.Duration
	// Visibility hides a received message from other receivers while it
	// is handled. Default 60s.
	Visibility time.Duration
	// RetryAfter is when a message whose handling failed comes back.
	// Default 10s.
	RetryAfter time.Duration
	// Observer counts the events. Default: none.
	Observer DirectoryEventsObserver
	// Logger receives the consumer's logs. Default: discard.
	Logger *slog.Logger
}

// DirectoryEvents consumes the directory events queue.
type DirectoryEvents struct {
	sqs sqsAPI
	cfg DirectoryEventsConfig
	log *slog.Logger
}

// nopDirectoryObserver discards the counts.
type nopDirectoryObserver struct{}

func (nopDirectoryObserver) ObserveDirectoryEvent(string) {}

// NewDirectoryEventsFromConfig returns the consumer of the queue, with an
// SQS client on awsCfg (credentials, endpoints, HTTP).
func NewDirectoryEventsFromConfig(awsCfg awssdk.Config, cfg DirectoryEventsConfig) (*DirectoryEvents, error) {
	u, err := url.Parse(cfg.QueueURL)
	if cfg.QueueURL == "" || err != nil || u.Host == "" {
		return nil, fmt.Errorf("directory events: %q is not a queue URL", cfg.QueueURL)
	}
	awsCfg = awsCfg.Copy()
	if cfg.Region == "" {
		// https://sqs.<region>.amazonaws.com/<account>/<name>
		if parts := strings.Split(u.Hostname(), "."); len(parts) >= 4 && parts[0] == "sqs" && strings.HasPrefix(strings.Join(parts[2:], "."), "amazonaws.com") {
			cfg.Region = parts[1]
		}
	}
	if cfg.Region != "" {
		awsCfg.Region = cfg.Region
	}
	if awsCfg.Region == "" {
		awsCfg.Region = DefaultRegion
	}
	client := sqs.NewFromConfig(awsCfg)
	return newDirectoryEvents(client, cfg), nil
}

func newDirectoryEvents(client sqsAPI, cfg DirectoryEventsConfig) *DirectoryEvents {
	if cfg.WaitTime <= 0 || cfg.WaitTime > 20*time.Second {
		cfg.WaitTime = 20 * time.Second
	}
	if cfg.Visibility <= 0 || cfg.Visibility > 12*time.Hour {
		cfg.Visibility = 60 * time.Second
	}
	if cfg.RetryAfter <= 0 || cfg.RetryAfter > 12*time.Hour {
		cfg.RetryAfter = 10 * time.Second
	}
	if cfg.Observer == nil {
		cfg.Observer = nopDirectoryObserver{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &DirectoryEvents{sqs: client, cfg: cfg, log: cfg.Logger.With("queue_url", cfg.QueueURL)}
}

// Run long-polls the queue until ctx is done. Each change that can take
// access away goes to handle; its message is deleted once handle returns
// nil (handle commits durable work), and made visible again after
// RetryAfter when handle fails. A malformed message, or one that takes no
// access away, is logged and deleted: it can never succeed, and the
// periodic sync is the safety net. Errors reading the queue are logged and
// retried with a backoff up to 30s; Run never gives up.
func (d *DirectoryEvents) Run(ctx context.Context, handle func(context.Context, access.DirectoryEvent) error) {
	const maxBackoff = 30 * time.Second
	backoff := time.Second
	failing := false
	d.log.InfoContext(ctx, "reading directory events")
	for ctx.Err() == nil {
		out, err := d.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    awssdk.String(d.cfg.QueueURL),
			MaxNumberOfMessages:         10,
			WaitTimeSeconds:             seconds32(d.cfg.WaitTime),
			VisibilityTimeout:           seconds32(d.cfg.Visibility),
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
		})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			d.cfg.Observer.ObserveDirectoryEvent("receive_error")
			if !failing {
				d.log.WarnContext(ctx, "cannot read the directory events queue; retrying (the periodic sync still applies changes)", "error", err)
			}
			failing = true
			sleepCtx(ctx, backoff)
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		if failing {
			d.log.InfoContext(ctx, "reading directory events again")
		}
		failing, backoff = false, time.Second
		for _, m := range out.Messages {
			d.handleOne(ctx, m, handle)
		}
	}
}

// handleOne handles one message.
func (d *DirectoryEvents) handleOne(ctx context.Context, m sqstypes.Message, handle func(context.Context, access.DirectoryEvent) error) {
	d.cfg.Observer.ObserveDirectoryEvent("received")
	id := awssdk.ToString(m.MessageId)
	ev, err := ParseDirectoryEvent(awssdk.ToString(m.Body))
	switch {
	case errors.Is(err, ErrIgnoredEvent):
		d.log.DebugContext(ctx, "directory event ignored", "message_id", id, "event", ev.Name, "reason", err)
		d.cfg.Observer.ObserveDirectoryEvent("ignored")
		d.delete(ctx, m)
		return
	case err != nil:
		d.log.WarnContext(ctx, "malformed directory event deleted", "message_id", id, "error", err)
		d.cfg.Observer.ObserveDirectoryEvent("malformed")
		d.delete(ctx, m)
		return
	}
	if err := handle(ctx, ev); err != nil {
		d.cfg.Observer.ObserveDirectoryEvent("failed")
		d.log.WarnContext(ctx, "directory event not handled; it comes back", "message_id", id, "event", ev.Name,
			"event_id", ev.EventID, "retry_after", d.cfg.RetryAfter, "receives", m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)], "error", err)
		if _, err := d.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: awssdk.String(d.cfg.QueueURL),
			ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: seconds32(d.cfg.RetryAfter)}); err != nil {
			d.log.WarnContext(ctx, "directory event: could not shorten its visibility; it comes back after the visibility timeout", "message_id", id, "error", err)
		}
		return
	}
	d.log.InfoContext(ctx, "directory event queued", "message_id", id, "event", ev.Name, "event_id", ev.EventID, "user_id", ev.UserID,
		"age", time.Since(ev.At).Round(time.Millisecond))
	d.cfg.Observer.ObserveDirectoryEvent("processed")
	d.delete(ctx, m)
}

// delete deletes a handled message; a failure only means it comes back
// (and is handled again, harmlessly).
func (d *DirectoryEvents) delete(ctx context.Context, m sqstypes.Message) {
	if _, err := d.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: awssdk.String(d.cfg.QueueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
		d.log.WarnContext(ctx, "directory event: could not delete its message; it comes back", "message_id", awssdk.ToString(m.MessageId), "error", err)
	}
}

// Check is doctor's check of the queue: GetQueueAttributes reaches it with
// elevate's credentials and tells its backlog.
func (d *DirectoryEvents) Check(ctx context.Context) Check {
	const action = "sqs:GetQueueAttributes"
	out, err := d.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: awssdk.String(d.cfg.QueueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		var dne *sqstypes.QueueDoesNotExist
		if errors.As(err, &dne) {
			return Check{Name: action, Status: CheckFail, Detail: fmt.Sprintf("directory.events_queue_url %s: the queue does not exist; create it and the EventBridge rule (docs/operations.md)", d.cfg.QueueURL)}
		}
		return failed(action, err)
	}
	return Check{Name: action, Status: CheckOK, Detail: fmt.Sprintf("directory events queue reachable: %s waiting, %s in flight",
		out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)],
		out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])}
}

// seconds32 is d in whole seconds for SQS; callers bound d to 12 hours
// (SQS's longest visibility timeout).
func seconds32(d time.Duration) int32 {
	return int32(min(d/time.Second, 12*60*60)) //nolint:gosec // bounded just above
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// DirectoryEventsPolicyStatements returns the statement elevate's role
// needs to read the directory events queue (none without a queue).
func DirectoryEventsPolicyStatements(queueURL, partition string) []PolicyStatement {
	if queueURL == "" {
		return nil
	}
	if partition == "" {
		partition = "aws"
	}
	resource := "arn:" + partition + ":sqs:*:*:*"
	if u, err := url.Parse(queueURL); err == nil {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		region := "*"
		if hp := strings.Split(u.Hostname(), "."); len(hp) >= 4 && hp[0] == "sqs" {
			region = hp[1]
		}
		if len(parts) == 2 {
			resource = "arn:" + partition + ":sqs:" + region + ":" + parts[0] + ":" + parts[1]
		}
	}
	return []PolicyStatement{{
		Sid:    "DirectoryEventsQueue",
		Effect: "Allow",
		Action: []string{
			"sqs:ChangeMessageVisibility",
			"sqs:DeleteMessage",
			"sqs:GetQueueAttributes",
			"sqs:ReceiveMessage",
		},
		Resource: []string{resource},
		Comment: "directory.events_queue_url: long-poll the queue the EventBridge rule feeds, delete what was handled, " +
			"let a failed message come back sooner; GetQueueAttributes for doctor. Add kms:Decrypt on the key when the queue uses a customer managed KMS key.",
	}}
}

// NewDirectoryEvents loads the AWS configuration from the SDK's standard
// chain (AWS_ENDPOINT_URL_SQS, ...) and returns the consumer of the queue.
func NewDirectoryEvents(ctx context.Context, cfg DirectoryEventsConfig) (*DirectoryEvents, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration for the directory events queue: %w", err)
	}
	return NewDirectoryEventsFromConfig(awsCfg, cfg)
}
