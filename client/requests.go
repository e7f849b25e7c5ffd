package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Me returns the user the token belongs to.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var out Me
	if err := c.do(ctx, "GET", "/me", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Eligibility lists what the user may request, every page of it.
func (c *Client) Eligibility(ctx context.Context) ([]Eligibility, error) {
	var all []Eligibility
	cursor := ""
	for {
		var out struct {
			Items      []Eligibility `json:"items"`
			NextCursor string        `json:"next_cursor"`
		}
		var q url.Values
		if cursor != "" {
			q = url.Values{"cursor": {cursor}}
		}
		if err := c.do(ctx, "GET", "/eligibility", q, nil, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Items...)
		if out.NextCursor == "" {
			return all, nil
		}
		cursor = out.NextCursor
	}
}

// CreateRequest asks for access.
func (c *Client) CreateRequest(ctx context.Context, in CreateRequestInput) (*Request, error) {
	body := struct {
		AccountIDs    []string `json:"account_ids"`
		PermissionSet string   `json:"permission_set"`
		Duration      string   `json:"duration"`
		Start         string   `json:"start,omitempty"`
		Justification string   `json:"justification"`
		Ticket        string   `json:"ticket,omitempty"`
		BreakGlass    bool     `json:"break_glass,omitempty"`
	}{AccountIDs: in.AccountIDs, PermissionSet: in.PermissionSet, Justification: in.Justification, Ticket: in.Ticket, BreakGlass: in.BreakGlass}
	if body.AccountIDs == nil {
		body.AccountIDs = []string{}
	}
	if in.Duration != 0 {
		body.Duration = in.Duration.String()
	}
	if !in.Start.IsZero() {
		body.Start = in.Start.UTC().Format(time.RFC3339)
	}
	var out Request
	if err := c.do(ctx, "POST", "/requests", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetRequest returns one request.
func (c *Client) GetRequest(ctx context.Context, id string) (*Request, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var out Request
	if err := c.do(ctx, "GET", "/requests/"+url.PathEscape(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListRequests returns the first page of the requests the user may see
// that match opts, newest first (ListRequestsPage continues it).
func (c *Client) ListRequests(ctx context.Context, opts ListOptions) ([]Request, error) {
	page, err := c.ListRequestsPage(ctx, opts)
	if err != nil {
		return nil, err
	}
	return page.Items, nil
}

// RequestEvents returns the decision-log entries of a request, oldest first.
func (c *Client) RequestEvents(ctx context.Context, id string) ([]Event, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var out struct {
		Items []Event `json:"items"`
	}
	if err := c.do(ctx, "GET", "/requests/"+url.PathEscape(id)+"/events", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// Approve approves a pending request.
func (c *Client) Approve(ctx context.Context, id, comment string) (*Request, error) {
	return c.decide(ctx, id, "approve", comment)
}

// Reject rejects a pending request.
func (c *Client) Reject(ctx context.Context, id, comment string) (*Request, error) {
	return c.decide(ctx, id, "reject", comment)
}

// Cancel withdraws a request that is not yet active.
func (c *Client) Cancel(ctx context.Context, id, comment string) (*Request, error) {
	return c.decide(ctx, id, "cancel", comment)
}

// End ends an active request early.
func (c *Client) End(ctx context.Context, id, comment string) (*Request, error) {
	return c.decide(ctx, id, "end", comment)
}

// Extend asks for d more time on an active request, for the reason given.
// It is approved like the request; Approve and Reject decide it.
func (c *Client) Extend(ctx context.Context, id string, d time.Duration, justification string) (*Request, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	body := struct {
		Duration      string `json:"duration"`
		Justification string `json:"justification"`
	}{d.String(), justification}
	var out Request
	if err := c.do(ctx, "POST", "/requests/"+url.PathEscape(id)+"/extend", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) decide(ctx context.Context, id, action, comment string) (*Request, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var body any
	if comment != "" {
		body = struct {
			Comment string `json:"comment"`
		}{comment}
	}
	var out Request
	if err := c.do(ctx, "POST", "/requests/"+url.PathEscape(id)+"/"+action, nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func checkID(id string) error {
	if strings.TrimSpace(id) == "" {
		return errors.New("elevate client: the request id is empty")
	}
	return nil
}

// WaitFor polls request id every interval (default 2s) until done returns
// true for it, and returns that request. done sees every state polled, the
// first one included, so it can also report progress. WaitFor returns early
// when ctx ends, on an error answer other than 429 or 5xx, and after five
// failed polls in a row.
func (c *Client) WaitFor(ctx context.Context, id string, done func(*Request) bool, interval time.Duration) (*Request, error) {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	failures := 0
	for {
		r, err := c.GetRequest(ctx, id)
		switch {
		case err == nil:
			failures = 0
			if done(r) {
				return r, nil
			}
		case ctx.Err() != nil:
			return nil, fmt.Errorf("wait for request %s: %w", id, ctx.Err())
		case !transient(err):
			return nil, err
		default:
			if failures++; failures >= 5 {
				return nil, fmt.Errorf("wait for request %s: %d polls failed in a row: %w", id, failures, err)
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for request %s: %w", id, ctx.Err())
		case <-t.C:
		}
	}
}

// transient reports whether a poll may succeed when tried again.
func transient(err error) bool {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Status == 429 || e.Status >= 500
	}
	return true // network errors
}
