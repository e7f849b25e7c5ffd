// Package webhook is elevate's webhook channel: a JSON POST of each event to
// a URL, signed with HMAC-SHA256 over "timestamp.body" so the receiver can
// check it came from elevate and is fresh. Anything else (Teams, PagerDuty,
// a SIEM) plugs in here. docs/notifications.md documents the payload and
// shows a receiver's check.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/notify"
	"github.com/elevate/elevate/internal/say"
)

// Headers of a delivery.
const (
	HeaderTimestamp = "X-Elevate-Timestamp" // unix seconds
	HeaderSignature = "X-Elevate-Signature" // "v1=" + hex HMAC-SHA256(secret, timestamp + "." + body)
	HeaderDelivery  = "X-Elevate-Delivery"  // the notification id: the same on every retry
	HeaderEvent     = "X-Elevate-Event"     // the event type
)

// Config configures the webhook.
type Config struct {
	// URL receives the POSTs. Required.
	URL string
	// Secret keys the signature. Required. Never logged.
	Secret string
	// HTTPClient makes the calls. Default: a client with a 10s timeout.
	HTTPClient *http.Client
}

// Sender posts events. It satisfies notify.Sender.
type Sender struct{ cfg Config }

var _ notify.Sender = (*Sender)(nil)

// New returns a Sender.
func New(cfg Config) (*Sender, error) {
	if cfg.URL == "" || cfg.Secret == "" {
		return nil, errors.New("webhook: a URL and a secret are required")
	}
	if !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return nil, fmt.Errorf("webhook: url %q is not http(s)", cfg.URL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Sender{cfg: cfg}, nil
}

// Payload is the JSON body of a delivery.
type Payload struct {
	ID      string     `json:"id"` // the notification id, for deduplication
	Event   Event      `json:"event"`
	Request RequestRef `json:"request"`
}

// Event is what happened.
type Event struct {
	Type    string            `json:"type"`
	At      time.Time         `json:"at"`
	Actor   string            `json:"actor"`
	Via     string            `json:"via"`
	GrantID string            `json:"grant_id,omitempty"`
	Details map[string]string `json:"details,omitempty"`
	Summary string            `json:"summary"`
	// Text is the notification as people read it (the email's plain text:
	// names, human durations, times in UTC), for receivers that forward it.
	Text string `json:"text"`
}

// RequestRef is the request as it is at delivery.
type RequestRef struct {
	ID            string   `json:"id"`
	URL           string   `json:"url"`
	Status        string   `json:"status"`
	Requester     string   `json:"requester"`
	PermissionSet string   `json:"permission_set"`
	AccountIDs    []string `json:"account_ids"`
	// Accounts are the accounts with their names and as people read them.
	Accounts        []Account `json:"accounts"`
	DurationSeconds int64     `json:"duration_seconds"`
	// DurationText is the duration as people write it: "4h", "1h 30m", "1d".
	DurationText      string     `json:"duration_text"`
	Justification     string     `json:"justification"`
	Ticket            string     `json:"ticket,omitempty"`
	ApprovalsRequired int        `json:"approvals_required"`
	Approvals         []Approval `json:"approvals"`
	EndsAt            *time.Time `json:"ends_at,omitempty"`
}

// Account is one account of the request.
type Account struct {
	ID   string `json:"id"`
	Name string `json:"name"` // "" when the directory does not know it
	Text string `json:"text"` // "prod (4444 5555 6666)"
}

// Approval is one approver's decision.
type Approval struct {
	User    string    `json:"user"`
	Verdict string    `json:"verdict"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// PayloadOf builds the payload of m.
func PayloadOf(m notify.Message) Payload {
	r := m.Request
	p := Payload{ID: m.NotificationID,
		Event: Event{Type: string(m.Event.Type), At: m.Event.At.UTC(), Actor: m.Event.Actor.UserName, Via: string(m.Event.Actor.Via),
			GrantID: m.Event.GrantID, Details: m.Event.Details, Summary: m.Subject, Text: m.Text},
		Request: RequestRef{ID: r.ID, URL: m.URL, Status: string(r.Status), Requester: r.RequesterName,
			PermissionSet: r.PermissionSetName, AccountIDs: r.AccountIDs(), Accounts: []Account{},
			DurationSeconds: int64(r.Duration / time.Second), DurationText: say.Duration(r.Duration),
			Justification: r.Justification, Ticket: r.Ticket, ApprovalsRequired: r.ApprovalsRequired, Approvals: []Approval{}}}
	for _, id := range r.AccountIDs() {
		name := m.Voice.Accounts[id]
		p.Request.Accounts = append(p.Request.Accounts, Account{ID: id, Name: name, Text: say.Account(name, id)})
	}
	for _, a := range r.Approvals {
		p.Request.Approvals = append(p.Request.Approvals, Approval{User: a.UserName, Verdict: string(a.Verdict), Comment: a.Comment, At: a.At.UTC()})
	}
	if !r.EndsAt.IsZero() {
		t := r.EndsAt.UTC()
		p.Request.EndsAt = &t
	}
	if m.Event.Actor.Via == "" {
		p.Event.Via = string(access.ViaSystem)
	}
	return p
}

// Sign returns the signature header value of body sent at timestamp.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify is the receiver's check: the signature matches and the timestamp
// is within maxAge of now.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, maxAge time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: timestamp %q is not a number", timestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > maxAge || d < -maxAge {
		return errors.New("webhook: the timestamp is too old or in the future")
	}
	if !hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature)) {
		return errors.New("webhook: the signature does not match")
	}
	return nil
}

// Send posts m. Any answer but 2xx is an error, and the job retries.
func (s *Sender) Send(ctx context.Context, m notify.Message) error {
	body, err := json.Marshal(PayloadOf(m))
	if err != nil {
		return fmt.Errorf("webhook: encode: %w", err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "elevate-webhook/1")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(s.cfg.Secret, ts, body))
	req.Header.Set(HeaderDelivery, m.NotificationID)
	req.Header.Set(HeaderEvent, string(m.Event.Type))
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook: the receiver answered %s", resp.Status)
	}
	return nil
}
