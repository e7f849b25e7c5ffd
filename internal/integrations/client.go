// Package integrations reads the context that rules' conditions name from
// the systems that hold it: who is on call (PagerDuty, Opsgenie) and what
// state a ticket is in (Jira Cloud, ServiceNow). It is an edge: it
// satisfies workflow.ContextSource and never decides anything; the policy
// engine decides from the facts it returns.
//
// Every integration shares one HTTP client shape: a timeout per attempt
// (3 s by default), retries with backoff on 429 and 5xx honoring
// Retry-After, and its own rate limit. A failure of any kind becomes a
// fact whose Err says why, which the policy treats as unknown: never a yes.
package integrations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of the shared client.
const (
	DefaultTimeout        = 3 * time.Second
	DefaultRetries        = 2
	DefaultCallsPerSecond = 5
	maxBodyBytes          = 1 << 20
	maxRetryAfter         = 5 * time.Second // a longer Retry-After is not worth waiting for: the fact is unknown
)

// ClientConfig configures the HTTP client of one integration.
type ClientConfig struct {
	Name    string // for errors: "PagerDuty"
	BaseURL string
	// Timeout bounds one call including its retries (default 3s): a
	// condition waits no longer for its fact.
	Timeout time.Duration
	// Retries after the first attempt on 429, 5xx and transport errors.
	Retries int
	// CallsPerSecond is this integration's own rate limit (default 5).
	CallsPerSecond float64
	// Backoff is the first delay between attempts (default 100ms, doubling).
	Backoff time.Duration
	// HTTP is the transport (default: a client of its own).
	HTTP *http.Client
}

// client is the shared HTTP client one integration uses.
type client struct {
	cfg   ClientConfig
	base  *url.URL
	auth  func(*http.Request)
	limit *limiter
}

func newClient(cfg ClientConfig, auth func(*http.Request)) (*client, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.CallsPerSecond <= 0 {
		cfg.CallsPerSecond = DefaultCallsPerSecond
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 100 * time.Millisecond
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{}
	}
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%s: url %q is not an http(s) URL", cfg.Name, cfg.BaseURL)
	}
	return &client{cfg: cfg, base: u, auth: auth, limit: newLimiter(cfg.CallsPerSecond)}, nil
}

// StatusError is an answer other than 2xx, with the message the service
// put in its error body.
type StatusError struct {
	Service string
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s answered %d %s", e.Service, e.Code, http.StatusText(e.Code))
	switch e.Code {
	case http.StatusUnauthorized, http.StatusForbidden:
		s += " (check its credentials)"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// NotFound reports whether the answer was 404.
func NotFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == http.StatusNotFound
}

// getJSON GETs path with query from the integration into out, with the
// timeout, the rate limit and the retries.
func (c *client) getJSON(ctx context.Context, path string, query url.Values, out any) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	delay := c.cfg.Backoff
	var last error
	for attempt := 0; attempt <= c.cfg.Retries; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, delay); err != nil {
				return c.timeoutError(last)
			}
			delay *= 2
		}
		if err := c.limit.wait(ctx); err != nil {
			return c.timeoutError(last)
		}
		retryAfter, err := c.once(ctx, u.String(), out)
		if err == nil {
			return nil
		}
		last = err
		var se *StatusError
		if errors.As(err, &se) && se.Code != http.StatusTooManyRequests && se.Code < 500 {
			return err // 4xx other than 429: asking again will not help
		}
		if ctx.Err() != nil {
			return c.timeoutError(last)
		}
		if retryAfter > 0 {
			delay = max(delay, retryAfter)
		}
	}
	return last
}

func (c *client) timeoutError(last error) error {
	if last != nil {
		return fmt.Errorf("%s did not answer within %s: %w", c.cfg.Name, c.cfg.Timeout, last)
	}
	return fmt.Errorf("%s did not answer within %s", c.cfg.Name, c.cfg.Timeout)
}

// once makes one attempt; it returns the Retry-After delay of a 429 or 503.
func (c *client) once(ctx context.Context, u string, out any) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", c.cfg.Name, err)
	}
	req.Header.Set("Accept", "application/json")
	c.auth(req)
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, c.timeoutError(nil)
		}
		return 0, fmt.Errorf("%s unreachable: %w", c.cfg.Name, redactURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return 0, fmt.Errorf("%s: read the answer: %w", c.cfg.Name, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return retryAfter(resp.Header.Get("Retry-After")), &StatusError{Service: c.cfg.Name, Code: resp.StatusCode, Message: errorMessage(body)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return 0, fmt.Errorf("%s answered something that is not the documented JSON: %w", c.cfg.Name, err)
	}
	return 0, nil
}

// redactURL drops the URL from a transport error: its query may name a
// ticket, and the base URL is in the configuration anyway.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// retryAfter reads a Retry-After of seconds or an HTTP date, capped.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.Atoi(v); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = time.Until(t)
	}
	return min(max(d, 0), maxRetryAfter)
}

// errorMessage extracts the message of the documented error bodies:
// PagerDuty {"error":{"message","errors"}}, Opsgenie {"message"}, Jira
// {"errorMessages":[],"errors":{}}, ServiceNow {"error":{"message","detail"}}.
func errorMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
		Error   struct {
			Message string   `json:"message"`
			Detail  string   `json:"detail"`
			Errors  []string `json:"errors"`
		} `json:"error"`
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var parts []string
	add := func(s ...string) {
		for _, p := range s {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
	}
	add(e.Message, e.Error.Message, e.Error.Detail)
	add(e.Error.Errors...)
	add(e.ErrorMessages...)
	for k, v := range e.Errors {
		add(k + ": " + v)
	}
	msg := strings.Join(parts, "; ")
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return msg
}

func sleep(ctx context.Context, d time.Duration) error {
	d += rand.N(d/4 + 1) //nolint:gosec // G404: jitter, not a secret
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// limiter spaces calls evenly at a rate (a token bucket of one).
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newLimiter(perSecond float64) *limiter {
	return &limiter{interval: time.Duration(float64(time.Second) / perSecond)}
}

// wait blocks until the next call may go, or the context ends.
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	at := now
	if l.next.After(now) {
		at = l.next
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
