package awsemu

import (
	"crypto/md5" //nolint:gosec // SQS's MD5OfBody is MD5 by definition; the SDK checks it
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Amazon SQS over the awsJson 1.0 protocol (X-Amz-Target AmazonSQS.*):
// ReceiveMessage with long polling, DeleteMessage, ChangeMessageVisibility,
// GetQueueAttributes and SendMessage, on standard queues that only the
// emulator creates (CreateQueue, a Go method and an admin endpoint). Errors
// follow SQS's JSON shape: {"__type":"com.amazonaws.sqs#QueueDoesNotExist",
// "message":...} with the legacy query code in X-Amzn-Query-Error.

const (
	prefixSQS          = "AmazonSQS"
	contentTypeJSON10  = "application/x-amz-json-1.0"
	sqsDefaultVisible  = 30 * time.Second
	sqsMaxVisibility   = 12 * time.Hour
	sqsMaxWait         = 20 * time.Second
	sqsMaxMessages     = 10
	sqsMaxMessageBytes = 256 * 1024
)

// sqsQueryCodes are the legacy (query protocol) codes SQS sends in
// X-Amzn-Query-Error next to a JSON error, which the SDKs report as the
// error's code.
var sqsQueryCodes = map[string]string{
	"QueueDoesNotExist":      "AWS.SimpleQueueService.NonExistentQueue",
	"MessageNotInflight":     "AWS.SimpleQueueService.MessageNotInflight",
	"UnsupportedOperation":   "AWS.SimpleQueueService.UnsupportedOperation",
	"ReceiptHandleIsInvalid": "ReceiptHandleIsInvalid",
	"InvalidAddress":         "InvalidAddress",
	"InvalidAttributeName":   "InvalidAttributeName",
	"InvalidMessageContents": "InvalidMessageContents",
	"InvalidParameterValue":  "InvalidParameterValue",
	"RequestThrottled":       "RequestThrottled",
	"OverLimit":              "OverLimit",
	"InternalFailure":        "InternalFailure",
	"ServiceUnavailable":     "ServiceUnavailable",
}

// sqsState holds the queues.
type sqsState struct {
	queues map[string]*sqsQueue // by name
	// events is the name of the queue that receives the identity store's
	// change events ("" when none).
	events string
}

// sqsQueue is a standard queue.
type sqsQueue struct {
	name     string
	arn      string
	url      string
	created  time.Time
	visible  time.Duration // default visibility timeout
	messages []*sqsMessage // in send order
	receipts map[string]*sqsMessage
	// wake is closed (and replaced) when a message may have become
	// receivable, to end long polls early.
	wake chan struct{}
}

// sqsMessage is one message in a queue.
type sqsMessage struct {
	id           string
	body         string
	md5          string
	sent         time.Time
	visibleAt    time.Time // receivable at or after
	receipt      string    // the latest receipt handle
	receives     int
	firstReceive time.Time
	deleted      bool
}

// longPoll is a ReceiveMessage handler's answer when no message is
// receivable yet: serve waits, without the emulator's lock, until wake is
// closed or until, then calls the handler again.
type longPoll struct {
	wake  <-chan struct{}
	until time.Time // real time
}

// QueueMessage is a message as tests see it.
type QueueMessage struct {
	MessageID string
	Body      string
	Receives  int
	InFlight  bool
}

// CreateQueue creates a standard queue (emulator only: elevate never
// creates queues) and returns its URL,
// https://sqs.<region>.amazonaws.com/<caller account>/<name>. Creating a
// queue that exists returns its URL.
func (e *Emulator) CreateQueue(name string) (string, error) {
	if name == "" || len(name) > 80 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		return "", fmt.Errorf("awsemu: create queue %q: a name has 1 to 80 letters, digits, hyphens and underscores", name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sqs.queues == nil {
		e.sqs.queues = make(map[string]*sqsQueue)
	}
	if q := e.sqs.queues[name]; q != nil {
		return q.url, nil
	}
	q := &sqsQueue{
		name:     name,
		arn:      fmt.Sprintf("arn:aws:sqs:%s:%s:%s", e.region, e.caller, name),
		url:      fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", e.region, e.caller, name),
		created:  e.nowLocked(),
		visible:  sqsDefaultVisible,
		receipts: make(map[string]*sqsMessage),
		wake:     make(chan struct{}),
	}
	e.sqs.queues[name] = q
	return q.url, nil
}

// DeleteQueue deletes the queue with that URL and its messages; later calls
// naming it fail with QueueDoesNotExist. Deleting a missing queue is a no-op.
func (e *Emulator) DeleteQueue(queueURL string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	q, err := e.queueLocked(queueURL)
	if err != nil {
		return
	}
	delete(e.sqs.queues, q.name)
	close(q.wake) // end the long polls on it
}

// SetIdentityEventsQueue makes every change to the identity store (a user
// disabled, enabled or deleted, a membership added or removed, a group
// deleted) publish an event to the queue, in the envelope EventBridge
// delivers for "AWS API Call via CloudTrail" events. "" stops publishing.
func (e *Emulator) SetIdentityEventsQueue(queueURL string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if queueURL == "" {
		e.sqs.events = ""
		return nil
	}
	q, err := e.queueLocked(queueURL)
	if err != nil {
		return fmt.Errorf("awsemu: set identity events queue: %w", err)
	}
	e.sqs.events = q.name
	return nil
}

// SendQueueMessage adds a message to the queue, as SendMessage does.
func (e *Emulator) SendQueueMessage(queueURL, body string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	q, err := e.queueLocked(queueURL)
	if err != nil {
		return "", fmt.Errorf("awsemu: send message: %w", err)
	}
	return q.send(body, e.nowLocked()).id, nil
}

// QueueMessages returns the messages not yet deleted from the queue, in
// send order.
func (e *Emulator) QueueMessages(queueURL string) ([]QueueMessage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	q, err := e.queueLocked(queueURL)
	if err != nil {
		return nil, fmt.Errorf("awsemu: queue messages: %w", err)
	}
	now := e.nowLocked()
	out := make([]QueueMessage, 0, len(q.messages))
	for _, m := range q.messages {
		out = append(out, QueueMessage{MessageID: m.id, Body: m.body, Receives: m.receives, InFlight: now.Before(m.visibleAt)})
	}
	return out, nil
}

// queueLocked finds a queue by URL: the path's last two segments are the
// owner account and the name (any scheme and host, as the SDK sends the
// URL in the body to whatever endpoint it was given).
func (e *Emulator) queueLocked(queueURL string) (*sqsQueue, error) {
	u, err := url.Parse(queueURL)
	parts := []string{}
	if err == nil {
		parts = strings.Split(strings.Trim(u.Path, "/"), "/")
	}
	if err != nil || u.Scheme == "" || len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return nil, newError("InvalidAddress", "The address %s is not valid for this endpoint.", queueURL)
	}
	q := e.sqs.queues[parts[1]]
	if q == nil || parts[0] != e.caller {
		return nil, newError("QueueDoesNotExist", "The specified queue does not exist.")
	}
	return q, nil
}

// send appends a message and wakes the long polls.
func (q *sqsQueue) send(body string, now time.Time) *sqsMessage {
	sum := md5.Sum([]byte(body)) //nolint:gosec // see the import
	m := &sqsMessage{id: uuid.NewString(), body: body, md5: hex.EncodeToString(sum[:]), sent: now, visibleAt: now}
	q.messages = append(q.messages, m)
	q.wakeAll()
	return m
}

func (q *sqsQueue) wakeAll() {
	close(q.wake)
	q.wake = make(chan struct{})
}

// newReceiptHandle returns an opaque receipt handle.
func newReceiptHandle() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.StdEncoding.EncodeToString(b)
}

// sqsInvalid is SQS's error for a parameter out of range.
func sqsInvalid(format string, args ...any) *apiError {
	return newError("InvalidParameterValue", format, args...)
}

// optInt reads an optional integer member in [lo, hi].
func optInt(v *int64, name string, lo, hi int64) (int64, bool, error) {
	if v == nil {
		return 0, false, nil
	}
	if *v < lo || *v > hi {
		return 0, false, sqsInvalid("Value %d for parameter %s is invalid. Reason: Must be between %d and %d, if provided.", *v, name, lo, hi)
	}
	return *v, true, nil
}

// sqsMessageJSON is a received message.
type sqsMessageJSON struct {
	MessageId     string            `json:"MessageId"`
	ReceiptHandle string            `json:"ReceiptHandle"`
	MD5OfBody     string            `json:"MD5OfBody"`
	Body          string            `json:"Body"`
	Attributes    map[string]string `json:"Attributes,omitempty"`
}

func (e *Emulator) receiveMessage(c *call, raw []byte) (any, error) {
	var in struct {
		QueueUrl                    string
		AttributeNames              []string
		MessageSystemAttributeNames []string
		MaxNumberOfMessages         *int64
		VisibilityTimeout           *int64
		WaitTimeSeconds             *int64
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	q, err := e.queueLocked(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	max, set, err := optInt(in.MaxNumberOfMessages, "MaxNumberOfMessages", 1, sqsMaxMessages)
	if err != nil {
		return nil, err
	}
	if !set {
		max = 1
	}
	vis, set, err := optInt(in.VisibilityTimeout, "VisibilityTimeout", 0, int64(sqsMaxVisibility/time.Second))
	if err != nil {
		return nil, err
	}
	visibility := q.visible
	if set {
		visibility = time.Duration(vis) * time.Second
	}
	wait, _, err := optInt(in.WaitTimeSeconds, "WaitTimeSeconds", 0, int64(sqsMaxWait/time.Second))
	if err != nil {
		return nil, err
	}
	attrs := map[string]bool{}
	for _, a := range append(in.AttributeNames, in.MessageSystemAttributeNames...) {
		attrs[a] = true
	}
	now := c.now.UTC()
	var out []sqsMessageJSON
	next := time.Time{} // the earliest time an in-flight message comes back
	for _, m := range q.messages {
		if len(out) == int(max) {
			break
		}
		if now.Before(m.visibleAt) {
			if next.IsZero() || m.visibleAt.Before(next) {
				next = m.visibleAt
			}
			continue
		}
		m.receives++
		if m.firstReceive.IsZero() {
			m.firstReceive = now
		}
		m.visibleAt = now.Add(visibility)
		m.receipt = newReceiptHandle()
		q.receipts[m.receipt] = m
		out = append(out, sqsMessageJSON{MessageId: m.id, ReceiptHandle: m.receipt, MD5OfBody: m.md5, Body: m.body, Attributes: messageAttributes(m, attrs)})
	}
	if len(out) > 0 || wait == 0 {
		return map[string]any{"Messages": out}, nil
	}
	// Long polling: wait for a message until WaitTimeSeconds has passed
	// since the first call (c.pollUntil, set by serve).
	until := c.pollUntil
	if until.IsZero() {
		until = time.Now().Add(e.scaled(time.Duration(wait) * time.Second))
	}
	if !time.Now().Before(until) {
		return map[string]any{"Messages": out}, nil
	}
	lp := &longPoll{wake: q.wake, until: until}
	if !next.IsZero() { // wake up when an in-flight message comes back
		if back := time.Now().Add(e.scaled(next.Sub(now))); back.Before(until) {
			lp.until = back
		}
	}
	c.pollUntil = until
	return lp, nil
}

// messageAttributes returns the system attributes asked for.
func messageAttributes(m *sqsMessage, asked map[string]bool) map[string]string {
	all := asked["All"]
	out := map[string]string{}
	if all || asked["ApproximateReceiveCount"] {
		out["ApproximateReceiveCount"] = strconv.Itoa(m.receives)
	}
	if all || asked["SentTimestamp"] {
		out["SentTimestamp"] = strconv.FormatInt(m.sent.UnixMilli(), 10)
	}
	if all || asked["ApproximateFirstReceiveTimestamp"] {
		out["ApproximateFirstReceiveTimestamp"] = strconv.FormatInt(m.firstReceive.UnixMilli(), 10)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// messageByReceipt resolves a receipt handle: the message, and whether the
// handle is its latest one (an older handle of a message received again
// is accepted but does nothing, as in SQS).
func (q *sqsQueue) messageByReceipt(handle string) (*sqsMessage, bool, error) {
	m := q.receipts[handle]
	if m == nil {
		return nil, false, newError("ReceiptHandleIsInvalid", "The input receipt handle %q is not a valid receipt handle.", handle)
	}
	return m, m.receipt == handle && !m.deleted, nil
}

func (e *Emulator) deleteMessage(_ *call, raw []byte) (any, error) {
	var in struct{ QueueUrl, ReceiptHandle string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	q, err := e.queueLocked(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	m, latest, err := q.messageByReceipt(in.ReceiptHandle)
	if err != nil {
		return nil, err
	}
	if latest {
		m.deleted = true
		for i, x := range q.messages {
			if x == m {
				q.messages = append(q.messages[:i:i], q.messages[i+1:]...)
				break
			}
		}
	}
	return struct{}{}, nil
}

func (e *Emulator) changeMessageVisibility(c *call, raw []byte) (any, error) {
	var in struct {
		QueueUrl, ReceiptHandle string
		VisibilityTimeout       *int64
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	q, err := e.queueLocked(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	vis, _, err := optInt(in.VisibilityTimeout, "VisibilityTimeout", 0, int64(sqsMaxVisibility/time.Second))
	if err != nil {
		return nil, err
	}
	m, latest, err := q.messageByReceipt(in.ReceiptHandle)
	if err != nil {
		return nil, err
	}
	now := c.now.UTC()
	if !latest || !now.Before(m.visibleAt) {
		return nil, newError("MessageNotInflight", "Message does not exist or is not available for visibility timeout change.")
	}
	m.visibleAt = now.Add(time.Duration(vis) * time.Second)
	if vis == 0 {
		q.wakeAll()
	}
	return struct{}{}, nil
}

func (e *Emulator) sendMessage(c *call, raw []byte) (any, error) {
	var in struct{ QueueUrl, MessageBody string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	q, err := e.queueLocked(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.MessageBody == "" || len(in.MessageBody) > sqsMaxMessageBytes {
		return nil, newError("InvalidMessageContents", "The message body must be 1 to %d bytes long.", sqsMaxMessageBytes)
	}
	m := q.send(in.MessageBody, c.now.UTC())
	return map[string]any{"MessageId": m.id, "MD5OfMessageBody": m.md5}, nil
}

func (e *Emulator) getQueueAttributes(c *call, raw []byte) (any, error) {
	var in struct {
		QueueUrl       string
		AttributeNames []string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	q, err := e.queueLocked(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	now := c.now.UTC()
	visible, inflight := 0, 0
	for _, m := range q.messages {
		if now.Before(m.visibleAt) {
			inflight++
		} else {
			visible++
		}
	}
	all := map[string]string{
		"QueueArn":                              q.arn,
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inflight),
		"ApproximateNumberOfMessagesDelayed":    "0",
		"VisibilityTimeout":                     strconv.Itoa(int(q.visible / time.Second)),
		"CreatedTimestamp":                      strconv.FormatInt(q.created.Unix(), 10),
		"LastModifiedTimestamp":                 strconv.FormatInt(q.created.Unix(), 10),
		"MaximumMessageSize":                    strconv.Itoa(sqsMaxMessageBytes),
		"MessageRetentionPeriod":                "345600",
		"ReceiveMessageWaitTimeSeconds":         "0",
		"DelaySeconds":                          "0",
		"SqsManagedSseEnabled":                  "true",
	}
	out := map[string]string{}
	for _, n := range in.AttributeNames {
		if n == "All" {
			out = all
			break
		}
		v, ok := all[n]
		if !ok {
			return nil, newError("InvalidAttributeName", "Unknown Attribute %s.", n)
		}
		out[n] = v
	}
	if len(out) == 0 {
		return struct{}{}, nil
	}
	return map[string]any{"Attributes": out}, nil
}

// writeSQSError writes an error in SQS's JSON shape: the shape name
// qualified with SQS's namespace in __type, a lower-case message, and the
// query protocol's code and fault in X-Amzn-Query-Error.
func writeSQSError(h interface{ Set(string, string) }, ae *apiError) ([]byte, int) {
	code := ae.Code
	switch code { // faults injected with another service's names
	case "ThrottlingException", "TooManyRequestsException":
		code = "RequestThrottled"
	case "InternalServerException", "ServiceException":
		code = "InternalFailure"
	case "ValidationException", "SerializationException":
		code = "InvalidParameterValue"
	}
	status := 400
	fault := "Sender"
	switch code {
	case "InternalFailure":
		status, fault = 500, "Receiver"
	case "ServiceUnavailable":
		status, fault = 503, "Receiver"
	}
	typ := "com.amazonaws.sqs#" + code
	if code == "InvalidParameterValue" {
		typ = "com.amazon.coral.validate#ValidationException"
	}
	query := sqsQueryCodes[code]
	if query == "" {
		query = code
	}
	buf, err := json.Marshal(map[string]string{"__type": typ, "message": ae.Message})
	if err != nil {
		buf = []byte(`{"__type":"com.amazonaws.sqs#InternalFailure","message":"encode error"}`)
	}
	h.Set("Content-Type", contentTypeJSON10)
	h.Set("X-Amzn-Query-Error", query+";"+fault)
	return buf, status
}

// Identity store change events, as EventBridge delivers them.

// publishIdentityEventLocked sends the CloudTrail record of an identity
// store change, wrapped in EventBridge's envelope, to the events queue (if
// one is set and still exists).
func (e *Emulator) publishIdentityEventLocked(source, eventName string, params map[string]any) {
	if e.sqs.events == "" {
		return
	}
	q := e.sqs.queues[e.sqs.events]
	if q == nil {
		return // deleted: EventBridge's delivery fails
	}
	now := e.nowLocked()
	params["identityStoreId"] = e.ids.storeID
	svc := strings.TrimPrefix(source, "aws.")
	detail := map[string]any{
		"eventVersion": "1.08",
		"userIdentity": map[string]any{
			"type":        "AssumedRole",
			"principalId": "AROAEXAMPLEADMIN:admin",
			"arn":         fmt.Sprintf("arn:aws:sts::%s:assumed-role/Admin/admin", e.org.mgmt.id),
			"accountId":   e.org.mgmt.id,
		},
		"eventTime":          now.Format(time.RFC3339),
		"eventSource":        svc + ".amazonaws.com",
		"eventName":          eventName,
		"awsRegion":          e.region,
		"sourceIPAddress":    "198.51.100.10",
		"userAgent":          "aws-cli/2.15.0",
		"requestParameters":  params,
		"responseElements":   nil,
		"requestID":          uuid.NewString(),
		"eventID":            uuid.NewString(),
		"readOnly":           false,
		"eventType":          "AwsApiCall",
		"managementEvent":    true,
		"recipientAccountId": e.org.mgmt.id,
		"eventCategory":      "Management",
	}
	env := map[string]any{
		"version":     "0",
		"id":          uuid.NewString(),
		"detail-type": "AWS API Call via CloudTrail",
		"source":      source,
		"account":     e.org.mgmt.id,
		"time":        now.Format(time.RFC3339),
		"region":      e.region,
		"resources":   []string{},
		"detail":      detail,
	}
	body, err := json.Marshal(env)
	if err != nil {
		e.logger.Error("awsemu: encode identity event", "event", eventName, "err", err)
		return
	}
	q.send(string(body), now)
}
