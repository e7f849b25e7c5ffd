package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// query returns opts as the query of a list; list adds the paging options.
func (opts ListOptions) query(list bool) url.Values {
	q := url.Values{}
	if len(opts.Statuses) > 0 {
		ss := make([]string, len(opts.Statuses))
		for i, s := range opts.Statuses {
			ss[i] = string(s)
		}
		q.Set("status", strings.Join(ss, ","))
	}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("q", opts.Search)
	set("requester", opts.Requester)
	set("account", strings.Join(opts.Accounts, ","))
	set("permission_set", opts.PermissionSet)
	set("sort", opts.Sort)
	if !opts.Since.IsZero() {
		q.Set("since", opts.Since.UTC().Format(time.RFC3339Nano))
	}
	if !opts.Until.IsZero() {
		q.Set("until", opts.Until.UTC().Format(time.RFC3339Nano))
	}
	if list {
		set("scope", opts.Scope)
		set("cursor", opts.Cursor)
		if opts.Limit != 0 {
			q.Set("limit", strconv.Itoa(opts.Limit))
		}
	}
	return q
}

// ListRequestsPage returns a page of the requests the user may see that
// match opts; pass its NextCursor as opts.Cursor for the next page.
func (c *Client) ListRequestsPage(ctx context.Context, opts ListOptions) (RequestPage, error) {
	var out struct {
		Items      []Request `json:"items"`
		NextCursor string    `json:"next_cursor"`
	}
	if err := c.do(ctx, "GET", "/requests", opts.query(true), nil, &out); err != nil {
		return RequestPage{}, err
	}
	return RequestPage(out), nil
}

// ExportRequests writes every request matching opts (Scope, Limit and
// Cursor aside) to w, as the server streams it: format "jsonl" (one request
// per line) or "csv". Auditors and admins only. The export has no time
// limit but ctx's.
func (c *Client) ExportRequests(ctx context.Context, w io.Writer, opts ListOptions, format string) (int64, error) {
	q := opts.query(false)
	q.Set("format", format)
	u := *c.base
	u.Path += "/api/v1/audit/requests"
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, fmt.Errorf("elevate export requests: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.kind != "" {
		req.Header.Set(ClientHeader, c.kind)
	}
	hc := *c.http
	hc.Timeout = 0 // an export of every request takes as long as it takes
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("elevate export requests: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		return 0, responseError(resp, data)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("elevate export requests: the server stopped after %d bytes: %w", n, err)
	}
	return n, nil
}

// Logout revokes the token this client authenticates with.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, "POST", "/logout", nil, nil, nil)
}
