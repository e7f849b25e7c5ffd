package anchor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/elevate/elevate/internal/audit"
	"github.com/elevate/elevate/internal/notify/webhook"
)

// EventAnchor is the X-Elevate-Event of an anchor's delivery.
const EventAnchor = "audit.anchor"

// Webhook posts each anchor to a URL, signed as the notification webhook
// signs its deliveries (HMAC-SHA256 over "timestamp.body" with the webhook
// secret). It is write-only: anchors can't be read back from it, so verify
// does not use it.
type Webhook struct {
	URL    string
	Secret string // never logged
	// Client makes the calls. Default: a client with a 10s timeout.
	Client *http.Client
	// Now is the clock of the timestamp. Default time.Now.
	Now func() time.Time
}

// Name says where the sink posts (the URL without its query, which may
// carry a token).
func (w Webhook) Name() string {
	u, _, _ := strings.Cut(w.URL, "?")
	return "webhook " + u
}

// Publish posts a; any answer but 2xx is an error.
func (w Webhook) Publish(ctx context.Context, a audit.Anchor) error {
	if w.URL == "" || w.Secret == "" {
		return errors.New("anchor webhook: a URL and a secret are required")
	}
	b, err := audit.MarshalAnchor(a)
	if err != nil {
		return err
	}
	now, client := time.Now, w.Client
	if w.Now != nil {
		now = w.Now
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("anchor webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "elevate-webhook/1")
	req.Header.Set(webhook.HeaderTimestamp, ts)
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(w.Secret, ts, b))
	req.Header.Set(webhook.HeaderDelivery, strings.TrimSuffix(anchorName(a), ".json"))
	req.Header.Set(webhook.HeaderEvent, EventAnchor)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("anchor webhook: post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("anchor webhook: the receiver answered %s", resp.Status)
	}
	return nil
}
