package client

import (
	"context"
	"net/url"
	"time"
)

// RequestActivity is the session activity of a request: the
// CloudTrail events of each grant's Identity Center session.
type RequestActivity struct {
	RequestID string `json:"request_id"`
	// Source is the server's activity source: none, cloudtrail_lake or cloudwatch_logs.
	Source string          `json:"source"`
	Grants []GrantActivity `json:"grants"`
}

// GrantActivity is one grant's stored activity and its fetch status.
type GrantActivity struct {
	GrantID   string `json:"grant_id"`
	AccountID string `json:"account_id"`
	// Status is pending (a fetch is scheduled or retrying), fetched or failed.
	Status      string          `json:"status"`
	Error       string          `json:"error"`
	Attempts    int             `json:"attempts"`
	RequestedAt *time.Time      `json:"requested_at"`
	FetchedAt   *time.Time      `json:"fetched_at"`
	WindowStart *time.Time      `json:"window_start"`
	WindowEnd   *time.Time      `json:"window_end"`
	Events      []ActivityEvent `json:"events"`
}

// ActivityEvent is one CloudTrail event of a grant's session.
type ActivityEvent struct {
	EventID   string    `json:"event_id"`
	Time      time.Time `json:"time"`
	Source    string    `json:"source"` // eventSource, e.g. s3.amazonaws.com
	Name      string    `json:"name"`   // eventName, e.g. ListBuckets
	Region    string    `json:"region,omitempty"`
	SourceIP  string    `json:"source_ip,omitempty"`
	ErrorCode string    `json:"error_code,omitempty"`
	Principal string    `json:"principal,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
	RequestID string    `json:"request_id,omitempty"` // the AWS request id of the call
	ReadOnly  *bool     `json:"read_only,omitempty"`
	Raw       string    `json:"raw,omitempty"`
}

// Activity returns a request's session activity (the requester, the
// request's approvers, auditors and admins).
func (c *Client) Activity(ctx context.Context, id string) (*RequestActivity, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var out RequestActivity
	if err := c.do(ctx, "GET", "/requests/"+url.PathEscape(id)+"/activity", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RefreshActivity asks the server to fetch the request's session activity
// now; the fetch runs in the background (poll Activity for its outcome).
func (c *Client) RefreshActivity(ctx context.Context, id string) (*RequestActivity, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var out RequestActivity
	if err := c.do(ctx, "POST", "/requests/"+url.PathEscape(id)+"/activity/refresh", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
