// Package client is the Go client of elevate's REST API (/api/v1). It uses
// only the standard library and declares its own wire types, so that
// programs outside elevate can import it.
//
//	c, err := client.New("https://elevate.example.com", os.Getenv("ELEVATE_TOKEN"))
//	req, err := c.CreateRequest(ctx, client.CreateRequestInput{
//		AccountIDs: []string{"123456789012"}, PermissionSet: "AdministratorAccess",
//		Duration: time.Hour, Justification: "redrive the orders DLQ",
//	})
//
// Every method returns an *Error for an error answer of the server, which
// errors.As finds.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ClientHeader is the header with which a client says what kind it is.
const ClientHeader = "X-Elevate-Client"

// Client calls one elevate server with one token. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	token     string
	http      *http.Client
	userAgent string
	kind      string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client use hc instead of a default client with a
// 30-second timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithClientKind sends kind in the X-Elevate-Client header. The elevate CLI
// sends "cli", so that its actions are audited as made via the CLI.
func WithClientKind(kind string) Option { return func(c *Client) { c.kind = kind } }

// New returns a client of the server at baseURL (such as
// "https://elevate.example.com") that authenticates with token.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("elevate client: server URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("elevate client: server URL %q must be http:// or https:// with a host", baseURL)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("elevate client: the API token is empty")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{base: u, token: token, http: &http.Client{Timeout: 30 * time.Second}, userAgent: "elevate-go-client"}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// maxResponseBytes bounds what the client reads of a response.
const maxResponseBytes = 32 << 20

// do sends a request to path (under /api/v1) with body as JSON when not nil,
// and decodes a 2xx JSON answer into out when not nil.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	u := *c.base
	u.Path += "/api/v1" + path
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("elevate %s %s: encode body: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("elevate %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.kind != "" {
		req.Header.Set(ClientHeader, c.kind)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("elevate %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("elevate %s %s: read response: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return responseError(resp, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("elevate %s %s: decode response: %w", method, path, err)
	}
	return nil
}

// Error is an error answer of the server.
type Error struct {
	Status  int    // HTTP status
	Code    string // stable code such as "not_found" or "not_eligible"
	Message string // what is wrong, for people
	// RequestID is the server's X-Request-Id of the call, for its logs.
	RequestID string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (%d %s)", e.Message, e.Status, e.Code)
}

// responseError builds an *Error from a non-2xx answer, JSON or not (a
// proxy's HTML page, say).
func responseError(resp *http.Response, data []byte) *Error {
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/json" && json.Unmarshal(data, &body) == nil && body.Error.Code != "" {
		e.Code, e.Message = body.Error.Code, body.Error.Message
		return e
	}
	e.Code = "http_" + fmt.Sprint(resp.StatusCode)
	e.Message = "the server answered " + resp.Status
	if s := strings.TrimSpace(string(data)); s != "" && mt == "text/plain" {
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		e.Message += ": " + s
	}
	return e
}
